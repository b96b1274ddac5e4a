-- Rate budgets shared by every replica on PostgreSQL (issue #21 item 2; src/integrations/shared-budget.ts).
-- Three replicas planning one HubSpot portal's 10-s window each from their own memory would each
-- spend it whole; here they take slots from one rolling window. A budget's row is locked
-- (SELECT ... FOR UPDATE) while a replica counts the sends in its window and records its own, so
-- two replicas never both take the last slot. On SQLite (one process) the tables stay empty: the
-- budgets live in memory there (src/integrations/rate-budget.ts).
--
-- budget_key names a vendor budget, such as hubspot:<portal>:burst or intercom:workspace:<id>.
-- observed_limit is the vendor's own figure from its headers (X-HubSpot-RateLimit-Max,
-- X-RateLimit-Limit), NULL until one was seen; paused_until (epoch ms) holds every replica back
-- after a 429.
CREATE TABLE rate_budgets (
  budget_key     TEXT PRIMARY KEY,
  observed_limit INTEGER,
  paused_until   INTEGER NOT NULL DEFAULT 0,
  updated_at     INTEGER NOT NULL
) STRICT;

-- One row per call counted in a budget's window (epoch ms of its send, by the sending replica's
-- clock), ours and, from the vendor's headers, others'. Rows that left the window are deleted by the
-- next replica that takes a slot of the same budget.
CREATE TABLE rate_budget_sends (
  budget_key TEXT NOT NULL,
  sent_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX rate_budget_sends_by_key ON rate_budget_sends (budget_key, sent_at);
