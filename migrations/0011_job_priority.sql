-- Job priority: among a connection's due jobs, higher priority is claimed first. A ticket's stage
-- must follow its conversation within seconds even while hundreds of captures wait for the
-- HubSpot budget (npm run bench -- capture: p99 7 s behind a full budget without it).
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
DROP INDEX jobs_due_by_connection;
CREATE INDEX jobs_due_by_connection ON jobs (connection_id, priority DESC, run_at, id) WHERE status = 'queued';
