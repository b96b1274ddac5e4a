-- A delivery's entry in the dedupe index webhook_deliveries_once lands on a random page of it
-- (Intercom's ids are random uuids): in a burst of the webhook intake that page write was ~8 µs of
-- the ~23 µs of CPU a delivery costs in the group commit, the largest single cost left there
-- (test/bench/RESULTS.md, issue #19 item 1). During a burst the SQLite intake now writes its rows
-- with deduped = 0, outside the unique index, and keeps their keys in memory, so a retry is still
-- told apart at once; once the burst is over they are moved into the index, 128 rows every 50 ms
-- (src/webhooks/deferred-dedupe.ts). A restart reads the keys still waiting back from the rows.
--   1  in webhook_deliveries_once: the delivery's one row (every row before this migration).
--   0  written during a burst, its key not yet in the index (webhook_deliveries_undeduped finds them).
--   2  the same delivery as a row already in the index, found when moving it in: accepted twice
--      (only if another process wrote to this database meanwhile); kept for its job, out of the index.
ALTER TABLE webhook_deliveries ADD COLUMN deduped INTEGER NOT NULL DEFAULT 1 CHECK (deduped IN (0, 1, 2));
DROP INDEX webhook_deliveries_once;
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (provider, delivery_id, COALESCE(connection_id, '')) WHERE deduped = 1;
-- Appended to in a burst (ids only grow), emptied as they are moved into the index above.
CREATE INDEX webhook_deliveries_undeduped ON webhook_deliveries (id) WHERE deduped = 0;
