-- PostgreSQL override of migrations/0015_unrouted_webhook_counts.sql. Why: its data step names the
-- UTC day with SQLite's strftime(..., 'unixepoch'), which has no PostgreSQL spelling the translator
-- could map; here it is to_char(to_timestamp(…) AT TIME ZONE 'UTC'). The schema is the same.
-- TEXT is TEXT COLLATE "C" (bytewise, as SQLite compares), as the translator writes it everywhere else.
CREATE TABLE webhook_unrouted_counts (
  provider TEXT COLLATE "C"    NOT NULL CHECK (provider IN ('intercom', 'hubspot')),
  day      TEXT COLLATE "C"    NOT NULL,
  count    BIGINT  NOT NULL,
  PRIMARY KEY (provider, day)
);
INSERT INTO webhook_unrouted_counts (provider, day, count)
  SELECT provider, to_char(to_timestamp(received_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*)
  FROM webhook_deliveries WHERE status = 'unrouted' GROUP BY 1, 2;
DELETE FROM webhook_deliveries WHERE status = 'unrouted';
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (received_at);
