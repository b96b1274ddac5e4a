-- API tokens get a scope (issue #14 item 10): `push` (API Push only), `read` (GET routes), `admin`
-- (what a session may do, except managing tokens and sessions), and an optional expiry. Tokens made
-- before scopes existed could do everything a token could, so they become `admin`.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin' CHECK (scope IN ('push', 'read', 'admin'));
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
