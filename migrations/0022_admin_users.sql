-- Named admin accounts and the one-time links that invite them or reset their password (issue #16 item 6).
-- The admin of `admin.username` (the only account before this migration) gets its row at start
-- (src/auth/configured-users.ts), source 'bootstrap': its password hash stays in settings
-- ('admin.generatedPasswordHash'), where every password source already keeps it, so password_hash is NULL.
CREATE TABLE admin_users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  password_hash TEXT,
  -- bootstrap: admin.username; config: admin.users in the YAML (read-only in the UI); invited: through a link.
  source        TEXT NOT NULL CHECK (source IN ('bootstrap', 'config', 'invited')),
  disabled_at   INTEGER,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  CHECK (source = 'bootstrap' OR password_hash IS NOT NULL)
) STRICT;

-- Only the SHA-256 of the link's token is stored, as for sessions and API tokens.
-- purpose 'invite' creates `username` with `role` on acceptance; 'reset' sets user_id's password.
CREATE TABLE admin_invitations (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
  username    TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  user_id     TEXT REFERENCES admin_users (id) ON DELETE CASCADE,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) STRICT;
CREATE INDEX admin_invitations_username ON admin_invitations (username);
