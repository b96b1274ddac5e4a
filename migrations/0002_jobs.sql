-- The durable job table: everything after a webhook's 200 happens through it.
-- Payloads carry ids and small values only (never conversation text); enqueue enforces a size cap.
-- status: queued (waiting for run_at) → running (leased) → succeeded | failed | cancelled,
--         or parked (its connection needs re-authorisation) → queued again when it is active.
CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY,
  task          TEXT    NOT NULL,
  payload       TEXT    NOT NULL CHECK (json_valid(payload)),
  key           TEXT,
  connection_id TEXT,
  status        TEXT    NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'parked', 'succeeded', 'failed', 'cancelled')),
  run_at        INTEGER NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL CHECK (max_attempts >= 1),
  locked_by     TEXT,
  locked_until  INTEGER,
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  finished_at   INTEGER
) STRICT;

-- Claiming: the next due job of one connection is an index seek, never a scan.
CREATE INDEX jobs_due_by_connection ON jobs (connection_id, run_at, id) WHERE status = 'queued';
-- The next wake-up time and the oldest due job, across connections.
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'queued';
-- Expired leases of crashed or stalled workers.
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE status = 'running';
-- Parked jobs of a connection, resumed together.
CREATE INDEX jobs_parked ON jobs (connection_id) WHERE status = 'parked';
-- Purging old finished jobs.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
-- At most one pending job per key: the grace window's "replace" and "keep" modes rely on it.
-- A running job with the same key does not conflict, so an event during a run schedules another run.
CREATE UNIQUE INDEX jobs_pending_key ON jobs (key) WHERE key IS NOT NULL AND status IN ('queued', 'parked');
