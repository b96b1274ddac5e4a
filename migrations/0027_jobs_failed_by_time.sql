-- Work that failed lately, for every connection's health (issue #16 item 1: "failing" is a failure
-- in the last 24 h, src/jobs/health-facts.ts). Without it the query walks jobs_finished over every
-- job that finished in the window — on a busy install mostly succeeded webhook and capture jobs —
-- every minute (the alerts) and on every poll of the connection list.
CREATE INDEX jobs_failed_by_time ON jobs (finished_at) WHERE status = 'failed';
