-- A connection's failed, parked and waiting jobs (issue #16 item 5: the Failed & waiting tab, its
-- counts, and retry / cancel of all of a kind) are an index seek, not a scan of every finished job
-- kept for days. The queries name these statuses literally (src/jobs/job-control.ts), which is what
-- lets SQLite prove they fall under this partial index.
CREATE INDEX jobs_problems_by_connection ON jobs (connection_id, id) WHERE status IN ('failed', 'parked', 'queued');
