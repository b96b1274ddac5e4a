-- Alerts (issue #16 item 2): where they go (channels), what they are about (incidents), what was
-- said (messages) and how each message fared on each channel (deliveries). Ids, states, times and
-- one-line reasons only: no conversation content. Channel secrets (webhook secret, Slack URL, SMTP
-- password) live sealed in `credentials` under the owner `alert-channel:<id>`, never here.
CREATE TABLE alert_channels (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  type              TEXT NOT NULL CHECK (type IN ('webhook', 'slack', 'email')),
  -- What is not secret, as JSON: a webhook's URL; an email channel's SMTP host, port, user, from, to.
  settings          TEXT NOT NULL,
  -- 1: declared under alerts.channels in the YAML, applied at every start, read-only in the UI.
  managed_by_config INTEGER NOT NULL DEFAULT 0 CHECK (managed_by_config IN (0, 1)),
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;

-- One problem of one connection while it lasts. source 'health': the connection's health state and
-- incident kind (src/health); 'no_webhook': no webhook for alerts.noWebhookFor.
CREATE TABLE alert_incidents (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL,
  source        TEXT NOT NULL CHECK (source IN ('health', 'no_webhook')),
  state         TEXT NOT NULL,
  kind          TEXT NOT NULL,
  reason        TEXT NOT NULL,
  link          TEXT,
  opened_at     INTEGER NOT NULL,
  closed_at     INTEGER,
  -- resolved: the connection recovered (a "resolved" message went out); replaced: a new incident of
  -- another kind took over; gone: the connection was deleted.
  closed_as     TEXT CHECK (closed_as IN ('resolved', 'replaced', 'gone'))
) STRICT;
CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (connection_id, source) WHERE closed_at IS NULL;

CREATE TABLE alert_messages (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  event           TEXT NOT NULL,
  connection_id   TEXT,
  connection_name TEXT,
  incident_id     INTEGER,
  state           TEXT,
  reason          TEXT NOT NULL,
  -- The UI path concerned; the absolute link is made from server.publicUrl when it is sent.
  link            TEXT,
  at              INTEGER NOT NULL
) STRICT;

CREATE TABLE alert_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id      INTEGER NOT NULL REFERENCES alert_messages (id) ON DELETE CASCADE,
  channel_id      TEXT NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
  -- pending: a job will (re)try it; suppressed: over the channel's hourly limit, counted in the next summary.
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'suppressed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_attempt_at INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  -- 1 once a "N more alerts suppressed" summary counted it.
  summarised      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX alert_deliveries_channel ON alert_deliveries (channel_id, created_at);
CREATE INDEX alert_deliveries_created ON alert_deliveries (created_at);
