-- API tokens may have the scope `metrics` (issue #16 item 8): it reads GET /metrics and nothing else.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt with the wider one
-- (columns and their order as 0001 and 0014 left them); nothing references api_tokens.
CREATE TABLE api_tokens_new (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER,
  scope        TEXT NOT NULL DEFAULT 'admin' CHECK (scope IN ('push', 'read', 'metrics', 'admin')),
  expires_at   INTEGER
) STRICT;

INSERT INTO api_tokens_new (id, name, prefix, token_hash, created_at, last_used_at, revoked_at, scope, expires_at)
  SELECT id, name, prefix, token_hash, created_at, last_used_at, revoked_at, scope, expires_at FROM api_tokens;

DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
