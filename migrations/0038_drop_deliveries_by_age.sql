-- The retention purge now deletes each connection's old deliveries along
-- webhook_deliveries_by_connection (connection_id, received_at, …), src/webhooks/record-deliveries.ts
-- purgeOldDeliveries; this index was its only reader. Every delivery wrote an entry into it in the
-- webhook intake's group commit: one index insert of four a delivery, and about one 4-KB WAL frame of
-- sixteen a commit in a burst (test/bench/RESULTS.md, issue #19 item 1, fourteenth session).
DROP INDEX webhook_deliveries_by_age;
