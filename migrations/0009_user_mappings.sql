-- User mapping (Intercom teammates ↔ HubSpot owners), rebuilt per connection by the owners.refresh
-- job. Names, emails and ids only. `owner_*` is the owner the mapping points at, kept even when that
-- owner is archived in HubSpot so the UI can say so; capture then falls back to the default owner.
CREATE TABLE user_mappings (
  connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  admin_id       TEXT NOT NULL,
  admin_name     TEXT NOT NULL,
  admin_email    TEXT,
  owner_id       TEXT,
  owner_name     TEXT,
  owner_email    TEXT,
  owner_archived INTEGER NOT NULL DEFAULT 0 CHECK (owner_archived IN (0, 1)),
  source         TEXT NOT NULL CHECK (source IN ('email', 'override', 'default', 'none')),
  refreshed_at   INTEGER NOT NULL,
  PRIMARY KEY (connection_id, admin_id)
) STRICT;

-- The portal's owners as last fetched (active and archived): the UI's owner pickers, and what a
-- settings change is resolved against without calling HubSpot again.
CREATE TABLE hubspot_owners (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  owner_id      TEXT NOT NULL,
  name          TEXT NOT NULL,
  email         TEXT,
  archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
  PRIMARY KEY (connection_id, owner_id)
) STRICT;

-- One row per connection: when the mapping was last rebuilt, the last refresh failure (the vendor's
-- words), the settings problems found (a JSON array of sentences naming the YAML key), and the
-- default owner as resolved (capture's fallback for teammates without an active owner).
CREATE TABLE user_mapping_state (
  connection_id       TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
  refreshed_at        INTEGER,
  attempted_at        INTEGER,
  last_error          TEXT,
  problems            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(problems)),
  default_owner_id    TEXT
) STRICT;
