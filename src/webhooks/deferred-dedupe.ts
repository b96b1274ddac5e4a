// Deduplication of webhook deliveries on SQLite, with its index write taken out of a burst.
//
// A delivery's row is kept once per connection; a repeat (Intercom's retry, HubSpot's duplicate, a
// replay) must find it. The unique index webhook_deliveries_once does that, but with Intercom's random
// ids each new entry lands on a page of its own: in a burst that page write was over half of the
// group commit's cost (migration 0037). So during a burst the intake writes rows with deduped = 0,
// outside the index, and keeps their keys here, in memory; a repeat is looked for among these keys
// and in the index. When the burst is over the rows are moved into the index a chunk at a time
// (moveIn), and their keys leave memory once that has committed. A restart reads the keys of rows
// still at deduped = 0 back (load), so a retry after a crash is still told apart.
//
// Everything here runs inside the group commit's synchronous transaction on the one connection that
// writes deliveries (src/webhooks/record-deliveries.ts): nothing else changes these rows between
// a look-up and the write that follows it.
import type SQLite from 'better-sqlite3';

/** What a delivery is deduplicated by: one row per delivery and connection. */
export const deliveryKey = (provider: string, deliveryId: string, connectionId: string) => `${provider}\u0000${deliveryId}\u0000${connectionId}`;

/**
 * No more keys than this wait in memory (about 100 bytes each: ~20 MB): beyond it a commit writes its
 * rows into the index at once, as outside a burst, until the backlog has been moved in.
 */
const MAX_WAITING_KEYS = 200_000;

export interface DeferredDedupe {
  /** A delivery with a row whose key waits here (written in a burst, not yet in the index). */
  waiting(key: string): boolean;
  /** A delivery with a row in the index (a burst's look-up; outside one the insert's conflict says it). */
  indexed(provider: string, deliveryId: string, connectionId: string): boolean;
  /** Whether a commit may defer its rows' index entries now (the waiting keys are under the bound). */
  canDefer(): boolean;
  /** A row written with deduped = 0 by the current transaction. */
  add(key: string): void;
  /** Keys that wait no more: moved into the index (after that commit), or their rows rolled back. */
  remove(keys: readonly string[]): void;
  /** How many keys wait. */
  size(): number;
  /**
   * Moves up to `limit` waiting rows, oldest first, into the index, in the caller's transaction.
   * Returns their keys: `remove` them once that transaction has committed.
   */
  moveIn(limit: number): string[];
}

type Waiting = { id: number; provider: string; delivery_id: string; connection_id: string | null };

export function createDeferredDedupe(sqlite: SQLite.Database, options: { maxWaitingKeys?: number } = {}): DeferredDedupe {
  const maxWaiting = options.maxWaitingKeys ?? MAX_WAITING_KEYS;
  let keys: Set<string> | undefined;
  let statements: ReturnType<typeof prepare> | undefined;
  const prepare = () => ({
    // The terms match webhook_deliveries_once's expression and condition, so the look-up is a seek on it.
    indexed: sqlite
      .prepare<[string, string, string], number>("SELECT 1 FROM webhook_deliveries WHERE provider = ? AND delivery_id = ? AND COALESCE(connection_id, '') = ? AND deduped = 1")
      .pluck(),
    waiting: sqlite.prepare<[], Waiting>('SELECT id, provider, delivery_id, connection_id FROM webhook_deliveries WHERE deduped = 0 ORDER BY id'),
    oldestWaiting: sqlite.prepare<[number], Waiting>('SELECT id, provider, delivery_id, connection_id FROM webhook_deliveries WHERE deduped = 0 ORDER BY id LIMIT ?'),
    moveIn: sqlite.prepare<[number]>('UPDATE OR IGNORE webhook_deliveries SET deduped = 1 WHERE id = ?'),
    lateDuplicate: sqlite.prepare<[number]>('UPDATE webhook_deliveries SET deduped = 2 WHERE id = ?'),
  });
  const ready = () => (statements ??= prepare());
  const keyOf = (row: Waiting) => deliveryKey(row.provider, row.delivery_id, row.connection_id ?? '');
  // Read on first use (a restart's rows still waiting), not at construction: the recorder can be built before migrations ran.
  const waitingKeys = () => (keys ??= new Set(ready().waiting.all().map(keyOf)));
  return {
    waiting: (key) => waitingKeys().has(key),
    indexed: (provider, deliveryId, connectionId) => ready().indexed.get(provider, deliveryId, connectionId) !== undefined,
    canDefer: () => waitingKeys().size < maxWaiting,
    add: (key) => void waitingKeys().add(key),
    remove(list) {
      const set = waitingKeys();
      for (const key of list) set.delete(key);
    },
    size: () => waitingKeys().size,
    moveIn(limit) {
      const s = ready();
      const rows = s.oldestWaiting.all(limit);
      for (const row of rows) {
        // The index already holds this delivery: only a second process writing to this database can
        // have accepted it twice. Its row stays (its job names it), out of the index.
        if (s.moveIn.run(row.id).changes === 0) s.lateDuplicate.run(row.id);
      }
      return rows.map(keyOf);
    },
  };
}
