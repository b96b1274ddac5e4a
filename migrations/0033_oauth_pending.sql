-- OAuth flows under way (issue #21 item 3): behind a load balancer without stickiness the vendor
-- may send the browser back to another replica than the one that started the flow, so the pending
-- authorisation lives here rather than in one process's memory (src/oauth/pending-authorizations.ts).
-- Only the SHA-256 of the state is kept: the state travels through the vendor and the browser, and a
-- copy of the database must not let anyone finish a flow. session_hash is the SHA-256 of the admin
-- session cookie that started the flow. A row is taken once (DELETE ... RETURNING), lives ten minutes,
-- and expired rows are purged when a flow begins. No foreign key to connections: a connection deleted
-- while its consent page is open is said so by the callback, not turned into an unknown state.
CREATE TABLE oauth_pending (
  state_hash    TEXT PRIMARY KEY,
  session_hash  TEXT NOT NULL,
  provider      TEXT NOT NULL CHECK (provider IN ('intercom', 'hubspot')),
  connection_id TEXT NOT NULL,
  app           TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
) STRICT;
-- The purge seeks expired rows; the cap keeps the newest by created_at.
CREATE INDEX oauth_pending_by_expiry ON oauth_pending (expires_at);
CREATE INDEX oauth_pending_by_creation ON oauth_pending (created_at, state_hash);
