-- A keyed job never wedges the table (issue #13). Rule, held by construction as graphile-worker
-- does: at most one unfinished row (queued, parked or running) holds a key. Enqueuing a key whose
-- job is running detaches that run: its key moves to NULL and `superseded_by` names the new job, so
-- whatever happens to the old run later (its lease expires, it asks for a retry) can never collide
-- with the new job in the unique index; it ends as superseded instead.
ALTER TABLE jobs ADD COLUMN superseded_by INTEGER;

-- Rows a wedged table may already hold: a running job whose key also has a pending twin, and
-- several running jobs of one key (a crashed run whose twin was claimed). The pending twin, else
-- the newest run, keeps the key; the others are detached and superseded by it.
UPDATE jobs
SET superseded_by = (SELECT p.id FROM jobs p WHERE p.key = jobs.key AND p.status IN ('queued', 'parked')),
    key = NULL
WHERE status = 'running' AND key IS NOT NULL
  AND EXISTS (SELECT 1 FROM jobs p WHERE p.key = jobs.key AND p.status IN ('queued', 'parked'));
UPDATE jobs
SET superseded_by = (SELECT max(r.id) FROM jobs r WHERE r.key = jobs.key AND r.status = 'running'),
    key = NULL
WHERE status = 'running' AND key IS NOT NULL
  AND id < (SELECT max(r.id) FROM jobs r WHERE r.key = jobs.key AND r.status = 'running');

DROP INDEX jobs_pending_key;
CREATE UNIQUE INDEX jobs_unfinished_key ON jobs (key) WHERE key IS NOT NULL AND status IN ('queued', 'parked', 'running');
