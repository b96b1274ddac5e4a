-- Webhook intake: which Intercom workspace and HubSpot portal a connection is paired with (for
-- routing deliveries), and a record of every delivery — ids, topic and times only, never the body
-- (DESIGN.md §2, invariant 3). The unique index is what makes a duplicate delivery harmless.
ALTER TABLE connections ADD COLUMN intercom_workspace_id TEXT;
ALTER TABLE connections ADD COLUMN intercom_region TEXT NOT NULL DEFAULT 'us' CHECK (intercom_region IN ('us', 'eu', 'au'));
ALTER TABLE connections ADD COLUMN hubspot_portal_id INTEGER;
CREATE INDEX connections_by_intercom_workspace ON connections (intercom_workspace_id) WHERE intercom_workspace_id IS NOT NULL;
CREATE INDEX connections_by_hubspot_portal ON connections (hubspot_portal_id) WHERE hubspot_portal_id IS NOT NULL;

CREATE TABLE webhook_deliveries (
  id            INTEGER PRIMARY KEY,
  provider      TEXT    NOT NULL CHECK (provider IN ('intercom', 'hubspot')),
  -- Intercom's notification id; HubSpot's eventId.
  delivery_id   TEXT    NOT NULL,
  -- NULL when no connection knows the workspace or portal (recorded as unrouted, answered 200).
  connection_id TEXT,
  -- Intercom app_id (the workspace); HubSpot portalId.
  account_id    TEXT,
  -- Intercom topic; HubSpot subscriptionType.
  topic         TEXT    NOT NULL,
  -- The conversation, contact, company or ticket the event is about.
  object_id     TEXT,
  occurred_at   INTEGER,
  received_at   INTEGER NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('accepted', 'unrouted', 'ignored'))
) STRICT;
-- A delivery is recorded once per connection it reaches (two connections can share a workspace);
-- a repeat of the same delivery — Intercom's retry, HubSpot's duplicate — hits this and is dropped.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (provider, delivery_id, COALESCE(connection_id, ''));
-- Also answers "when did this connection last hear from its webhooks" (MAX(received_at)).
CREATE INDEX webhook_deliveries_by_connection ON webhook_deliveries (connection_id, received_at);
