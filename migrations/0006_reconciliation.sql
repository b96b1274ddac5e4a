-- The reconciliation sweep's place per connection: conversations updated after `watermark` (Unix
-- seconds, Intercom's unit) have not been looked at yet. Ids and times only.
CREATE TABLE reconcile_state (
  connection_id TEXT PRIMARY KEY,
  watermark     INTEGER NOT NULL,
  last_run_at   INTEGER NOT NULL,
  last_found    INTEGER NOT NULL
) STRICT;
