-- Deliveries for a workspace or portal no connection knows are counted per provider and UTC day
-- instead of stored one row each (issue #14 item 6): anyone who can sign a delivery, or a vendor app
-- shared with another installation, could otherwise grow the table without bound.
CREATE TABLE webhook_unrouted_counts (
  provider TEXT    NOT NULL CHECK (provider IN ('intercom', 'hubspot')),
  -- YYYY-MM-DD, UTC.
  day      TEXT    NOT NULL,
  count    INTEGER NOT NULL,
  PRIMARY KEY (provider, day)
) STRICT;
-- What was stored row by row before becomes counts.
INSERT INTO webhook_unrouted_counts (provider, day, count)
  SELECT provider, strftime('%Y-%m-%d', received_at / 1000, 'unixepoch'), count(*)
  FROM webhook_deliveries WHERE status = 'unrouted' GROUP BY 1, 2;
DELETE FROM webhook_deliveries WHERE status = 'unrouted';
-- The retention purge deletes by age.
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (received_at);
