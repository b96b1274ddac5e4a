-- Who changed what, when (issue #16 item 6). Keys and ids only: never a secret, never a setting's value.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('person', 'token', 'config')),
  -- admin_users.id or api_tokens.id; NULL for the configuration file. Names are copied: they outlive the row.
  actor_id    TEXT,
  actor_name  TEXT NOT NULL,
  action      TEXT NOT NULL,
  target_kind TEXT,
  target_id   TEXT,
  target_name TEXT,
  -- The setting's key (such as conversations.capture.graceMinutes) for a settings change.
  key         TEXT
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE INDEX audit_log_actor ON audit_log (actor_name, at);
