-- Record sync (#17 items 1, 7 and 10): which Intercom record goes with which HubSpot record, and per
-- pair and mapped field the hashes of the value each side held when the field was last settled.
-- Ids, field names, hashes and times only: no field value is kept (DESIGN.md §2, invariant 3).

-- One row per Intercom contact or company and the HubSpot record it is paired with. Capture and sync
-- share it (src/records/pair-store.ts): whichever finds or creates the HubSpot record first pairs
-- them. Several Intercom records may lead to one HubSpot record (a lead and a user with one email),
-- hence no unique index on the HubSpot side.
CREATE TABLE record_pairs (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  object_type TEXT NOT NULL CHECK (object_type IN ('contact', 'company')),
  intercom_id TEXT NOT NULL,
  hubspot_id TEXT NOT NULL,
  paired_at INTEGER NOT NULL,
  -- How the pair was found: the matching strategy, 'created', 'merge' (followed through a merge).
  paired_how TEXT NOT NULL,
  last_synced_at INTEGER,
  -- Intercom's updated_at (seconds) on the record right after Interhubz last wrote it: the webhook that
  -- write causes carries the same updated_at, and is recognised as an echo without a read.
  intercom_written_updated_at INTEGER,
  -- A keyed digest of the record's attributes as that write left them: updated_at counts seconds, so
  -- a person's change in the same second is told from the echo by its content (echo-hints.ts).
  intercom_written_digest TEXT,
  PRIMARY KEY (connection_id, object_type, intercom_id)
);
CREATE INDEX record_pairs_by_hubspot_id ON record_pairs (connection_id, object_type, hubspot_id);

-- Baselines are tied to both ids: a pair that moves to another record (a merge) starts afresh, as a
-- first sync, instead of comparing against another record's values.
CREATE TABLE record_field_baselines (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  object_type TEXT NOT NULL CHECK (object_type IN ('contact', 'company')),
  intercom_id TEXT NOT NULL,
  hubspot_id TEXT NOT NULL,
  -- '<intercom attribute>|<hubspot property>'
  field TEXT NOT NULL,
  intercom_hash TEXT,
  hubspot_hash TEXT,
  settled_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object_type, intercom_id, hubspot_id, field)
);

-- Per HubSpot record and property, a keyed digest of the text Interhubz last wrote there: a
-- propertyChange webhook whose value has the same digest is our own write coming back (or a person
-- setting the same value), so it needs no sync and no read. Digests only, never values.
CREATE TABLE record_hubspot_writes (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  object_type TEXT NOT NULL CHECK (object_type IN ('contact', 'company')),
  hubspot_id TEXT NOT NULL,
  property TEXT NOT NULL,
  value_digest TEXT NOT NULL,
  written_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object_type, hubspot_id, property)
);

-- Where the record sweeps have got to, per connection, object type and side (epoch seconds for
-- Intercom's updated_at, epoch ms for HubSpot's lastmodifieddate).
CREATE TABLE record_sweep_state (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  object_type TEXT NOT NULL CHECK (object_type IN ('contact', 'company')),
  side TEXT NOT NULL CHECK (side IN ('intercom', 'hubspot')),
  watermark INTEGER NOT NULL,
  last_run_at INTEGER NOT NULL,
  last_found INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object_type, side)
);
