-- PostgreSQL override of migrations/0013_record_links_hashed.sql. Why: the SQLite migration moves
-- the plain links aside (RENAME TO record_links_plain) for src/db/hash-record-links.ts to hash at
-- start; a PostgreSQL database is new with this version, so it has no plain links to keep, and the
-- rename would leave the primary key's name (record_links_pkey) on the old table, where the new
-- table's own primary key collides with it. The old table goes; the new shapes are the same.
-- LIKE is ILIKE: SQLite's LIKE ignores case, as the translator does everywhere else.
-- TEXT is TEXT COLLATE "C" (bytewise, as SQLite compares), as the translator writes it everywhere else.
DROP TABLE record_links;

CREATE TABLE record_links (
  connection_id TEXT COLLATE "C" NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  object_type TEXT COLLATE "C" NOT NULL CHECK (object_type IN ('contact', 'company')),
  match_key TEXT COLLATE "C" NOT NULL CHECK (match_key ILIKE 'h1:%'),
  hubspot_id TEXT COLLATE "C",
  pending_ref TEXT COLLATE "C",
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (connection_id, object_type, match_key)
);
CREATE INDEX record_links_by_hubspot_id ON record_links (connection_id, object_type, hubspot_id);

CREATE TABLE record_associations (
  connection_id TEXT COLLATE "C" NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  contact_id TEXT COLLATE "C" NOT NULL,
  company_id TEXT COLLATE "C" NOT NULL,
  confirmed_at BIGINT NOT NULL,
  PRIMARY KEY (connection_id, contact_id, company_id)
);
CREATE INDEX record_associations_by_company ON record_associations (connection_id, company_id);
