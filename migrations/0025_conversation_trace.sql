-- The explainer's trace (issue #16 item 4): the decisions about one conversation that no other
-- table keeps — the trigger each event scheduled or left alone, the guard verdicts (counts, not
-- text), the routing rule, each matching step with the HubSpot ids it weighed and the tie-break,
-- the vendor calls of a run (route family, status, duration, the vendor's message on a failure) and
-- how each run ended. Ids, names of rules and guards, counts and times only: never message text,
-- subjects, names or emails (DESIGN.md §2, invariant 3). Purged with the activity log's retention.
CREATE TABLE conversation_trace (
  id              INTEGER PRIMARY KEY,
  connection_id   TEXT    NOT NULL,
  conversation_id TEXT    NOT NULL,
  at              INTEGER NOT NULL,
  kind            TEXT    NOT NULL,
  detail          TEXT    NOT NULL DEFAULT '{}'
) STRICT;
-- The explainer reads one conversation's trace in time order.
CREATE INDEX conversation_trace_by_conversation ON conversation_trace (connection_id, conversation_id, at);
-- The retention purge deletes by age.
CREATE INDEX conversation_trace_by_at ON conversation_trace (at);
-- The explainer reads one conversation's webhook deliveries and sweeps; without this it would read
-- every delivery of the connection.
CREATE INDEX webhook_deliveries_by_object ON webhook_deliveries (connection_id, object_id, received_at) WHERE object_id IS NOT NULL;
