-- Backfills ("Sync now", issue #18 item 3): a durable walk through one source — Intercom or HubSpot
-- contacts or companies, or Intercom conversations closed between two dates — one page per job run
-- (src/backfills/backfill-task.ts). The row is the walk's memory: where the next page starts, what
-- the finished pages counted, and enough of their timing for a rate and an ETA. Ids, counts and
-- times only: no record or conversation content (DESIGN.md §2, invariant 3).
CREATE TABLE backfills (
  id TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('contacts', 'companies', 'conversations')),
  -- Records only; null for conversations (which always go to HubSpot).
  direction TEXT CHECK (direction IN ('to_hubspot', 'to_intercom')),
  -- Conversations only: the close dates as the person gave them (ISO dates).
  closed_from TEXT,
  closed_to TEXT,
  state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'cancelled', 'done', 'failed')),
  -- Where the next page starts (opaque to the framework: Intercom's starting_after, HubSpot's after);
  -- null before the first page, and once the source is exhausted.
  cursor TEXT,
  total INTEGER,
  total_is_estimate INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  skipped_by_filter INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  -- Pages finished; also the version a page's commit checks, so a page run twice at once counts once.
  pages INTEGER NOT NULL DEFAULT 0,
  -- JSON [[epoch ms, records done], ...] at the last few pages (and at the start or resume): the rate.
  rate_samples TEXT NOT NULL DEFAULT '[]',
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_error TEXT
);

-- The connection's list, newest first.
CREATE INDEX backfills_by_connection ON backfills (connection_id, started_at);

-- One running or paused backfill per connection, kind and direction: a second request is refused
-- (409 backfill_running) and two racing requests cannot both get in.
CREATE UNIQUE INDEX backfills_one_active ON backfills (connection_id, kind, coalesce(direction, '')) WHERE state IN ('running', 'paused');
