-- Work that failed lately, for every connection's health (issue #16 item 1: "failing" is a failure
-- in the last 24 h, src/jobs/health-facts.ts). Without it the query walks jobs_finished over every
-- job that finished in the window — on a busy install mostly succeeded webhook and capture jobs —
-- every minute (the alerts) and on every poll of the connection list.
CREATE INDEX jobs_failed_by_time ON jobs (finished_at) WHERE status = 'failed';

-- Each connection's last capture, for the connection list (src/connections/connection-glance.ts):
-- one seek per connection (max of the index's tail) instead of reading every conversation ever captured.
CREATE INDEX conversation_captures_by_time ON conversation_captures (connection_id, captured_at) WHERE captured_at IS NOT NULL;
