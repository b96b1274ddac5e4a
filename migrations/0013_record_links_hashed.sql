-- Record links without customer identifiers at rest (issue #14 item 11), and contact–company
-- associations remembered only once HubSpot confirmed them (issue #13 item 3).

-- record_links.match_key becomes a keyed hash ('h1:<HMAC>', src/matching/match-key.ts) instead of
-- 'email:<address>', 'domain:<domain>'… SQL cannot compute the HMAC, whose key is derived from the
-- vault key and never stored here, so the existing rows move aside into record_links_plain, and the
-- daemon hashes them into record_links at start, right after the key check and before any work runs,
-- then drops record_links_plain (src/db/hash-record-links.ts). The step is one transaction; a
-- record_links_plain table that still exists is simply a step not yet done.
DROP INDEX record_links_by_hubspot_id;
ALTER TABLE record_links RENAME TO record_links_plain;

CREATE TABLE record_links (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  object_type TEXT NOT NULL CHECK (object_type IN ('contact', 'company')),
  match_key TEXT NOT NULL CHECK (match_key LIKE 'h1:%'),
  hubspot_id TEXT,
  pending_ref TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object_type, match_key)
);
CREATE INDEX record_links_by_hubspot_id ON record_links (connection_id, object_type, hubspot_id);

-- A contact–company association HubSpot has confirmed (its answer to the association call, or to a
-- company create that carried the association). Until a pair is here, every capture that has both
-- records asks HubSpot to associate them (a PUT, safe to repeat): a failed or interrupted call is
-- retried instead of being taken for done. HubSpot ids only.
CREATE TABLE record_associations (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  contact_id TEXT NOT NULL,
  company_id TEXT NOT NULL,
  confirmed_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, contact_id, company_id)
);
CREATE INDEX record_associations_by_company ON record_associations (connection_id, company_id);
