-- Foundation: settings, the credential vault, admin sessions, API tokens and the connection list.
-- Times are epoch milliseconds (INTEGER) passed in from JavaScript, which keeps the SQL portable.
-- Frozen once released: later changes go in new numbered files.

CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Encrypted secrets. `ciphertext` is self-describing (format version, key id, iv, tag, data);
-- key_id is repeated as a column so a key rotation can find what still uses an old key.
-- `version` is bumped on every write so that token refreshes can compare-and-swap.
CREATE TABLE credentials (
  id         TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  kind       TEXT NOT NULL,
  key_id     TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  version    INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (owner, kind)
) STRICT;

-- Only the SHA-256 of the session token is stored: a copy of the database cannot log anyone in.
CREATE TABLE admin_sessions (
  token_hash   TEXT PRIMARY KEY,
  username     TEXT NOT NULL,
  csrf_token   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) STRICT;

CREATE TABLE connections (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  status            TEXT NOT NULL DEFAULT 'disconnected'
                    CHECK (status IN ('active', 'paused', 'needs_reauth', 'disconnected')),
  managed_by_config INTEGER NOT NULL DEFAULT 0 CHECK (managed_by_config IN (0, 1)),
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
