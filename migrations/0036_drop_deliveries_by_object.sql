-- The explainer now finds a conversation's deliveries through its trace's trigger steps (each names
-- its delivery row) and its connection's unfinished event jobs (src/explain/conversation-deliveries.ts).
-- This index was its only reader, and its entries land at a random page per delivery in every group
-- commit of the webhook intake: ~10 % of the intake's rate with Intercom's random notification ids
-- (test/bench/RESULTS.md, issue #19 item 1).
DROP INDEX webhook_deliveries_by_object;
