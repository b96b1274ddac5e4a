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
