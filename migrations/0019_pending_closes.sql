-- Closes that no capture has followed yet (issue #13 item 2). A capture is decided from the
-- conversation as it is when the job runs, but a capture that never runs (its job cancelled, or a
-- close whose webhook was lost after the sweep had recorded that version) must not be lost quietly:
-- every reconciliation pass re-checks the closes here that are newer than the conversation's last
-- decision and have no capture job pending or running. Ids and times only.
CREATE TABLE pending_closes (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  conversation_id TEXT NOT NULL,
  closed_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, conversation_id)
) STRICT;
