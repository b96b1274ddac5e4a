-- What capturing conversations into HubSpot keeps (issue #7). Ids, hashes and counts only: no
-- conversation text is ever stored (DESIGN.md §2, invariant 3).

-- One row per captured (or decided) conversation of a connection: the note it has in HubSpot and a
-- hash of what was written, so a re-capture updates that note, and an unchanged one writes nothing.
-- `pending_ref` is set, and committed, before a note is created: the reference is written into the
-- note, so after a crash or an unanswered create the next run finds that note instead of adding a
-- second one.
CREATE TABLE conversation_captures (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  conversation_id TEXT NOT NULL,
  note_id TEXT,
  content_hash TEXT,
  pending_ref TEXT,
  contact_id TEXT,
  company_id TEXT,
  notes_created INTEGER NOT NULL DEFAULT 0,
  last_outcome TEXT,
  last_decided_at INTEGER,
  captured_at INTEGER,
  PRIMARY KEY (connection_id, conversation_id)
);

-- Intercom record ↔ HubSpot record, per connection. `match_key` rows ('email:…', 'domain:…') remember
-- what a search found or a create made, so captures that follow do not depend on HubSpot's search
-- index (which lags a few seconds behind a create). A row with `pending_ref` and no `hubspot_id` is a
-- create in flight.
CREATE TABLE record_links (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  object_type TEXT NOT NULL CHECK (object_type IN ('contact', 'company')),
  match_key TEXT NOT NULL,
  hubspot_id TEXT,
  pending_ref TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object_type, match_key)
);
CREATE INDEX record_links_by_hubspot_id ON record_links (connection_id, object_type, hubspot_id);

-- The activity log: one entry per decision (captured, updated, unchanged, skipped, failed), with the
-- HubSpot ids, the calls spent and the time taken. `reason` holds a guard or rule name or the
-- vendor's error message; `detail` is JSON of ids and counts.
CREATE TABLE activity (
  id INTEGER PRIMARY KEY,
  connection_id TEXT REFERENCES connections (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  subject_id TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('captured', 'updated', 'unchanged', 'skipped', 'failed')),
  reason TEXT,
  detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
  api_calls INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activity_by_connection ON activity (connection_id, id);
CREATE INDEX activity_by_time ON activity (at);
