// The rolling windows of the rate budgets every replica shares, in PostgreSQL (migrations/0034):
// one row per budget, locked (SELECT ... FOR UPDATE) while a replica counts the sends in its window
// and records its own, so two replicas never both take the last slot; one row per send counted.
//
// Read Committed (the store's level, #21 decision 5) is enough: each statement after the lock sees
// every send committed by the replica that held the lock before. The counting must be its own
// statement after the lock: a statement that took the lock and counted at once would count from the
// snapshot it started with, before the previous holder's commit.
//
// Send times are the sending replica's clock (BudgetClock), not the database's, so that a test can
// run the budgets and the vendor simulators on one clock. Replicas' clocks are assumed synchronised
// (NTP): a skew between two replicas shifts the window by as much, which the rate plans' margin on
// the window (src/integrations/hubspot/rate-plan.ts: 400 ms on 10 s) absorbs when it is small.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { SharedBudgetState, SharedBudgetStore } from '../../integrations/shared-budget-state.ts';
import type { Database } from '../schema.ts';
import { greatest } from '../sql-dialect.ts';
import { withTransaction } from '../transaction.ts';

type Trx = Transaction<Database>;

export function createSharedBudgetStore(db: Kysely<Database>): SharedBudgetStore {
  /** The budget's row, locked until the transaction ends; created on first use. */
  async function lockBudget(trx: Trx, key: string, now: () => number) {
    const select = () => trx.selectFrom('rate_budgets').select(['observed_limit', 'paused_until']).where('budget_key', '=', key).forUpdate().executeTakeFirst();
    const row = await select();
    if (row) return row;
    await trx.insertInto('rate_budgets').values({ budget_key: key, observed_limit: null, paused_until: 0, updated_at: now() }).onConflict((oc) => oc.column('budget_key').doNothing()).execute();
    const created = await select();
    if (!created) throw new Error(`the rate budget ${key} has no row after it was created`);
    return created;
  }

  /**
   * After the lock, the rest of a take or an observation in one statement (one round trip instead of
   * three or four): the sends that left the window deleted, the others counted, and sends recorded
   * at `at` — `one`: one if fewer than `below` are counted (a take); `upTo`: as many as it takes for
   * the count to reach `upTo` (the vendor's own count, an observation). The count is from this
   * statement's snapshot, taken after the lock, so it holds every send the previous holder
   * committed; it excludes the deleted rows by its own condition, because a statement's CTEs all
   * read one snapshot and the DELETE's effect is not visible to them.
   */
  async function countAndRecord(trx: Trx, key: string, windowStart: number, at: number, record: { one: true; below: number } | { upTo: number }) {
    const bigint = (n: number) => sql<number>`CAST(${n} AS BIGINT)`;
    const count = 'one' in record ? sql`CASE WHEN win.counted < ${bigint(record.below)} THEN 1 ELSE 0 END` : sql`GREATEST(0, ${bigint(record.upTo)} - win.counted)`;
    const { rows } = await sql<{ counted: number | string; oldest: number | string | null; added: number | string }>`
      WITH gone AS (DELETE FROM rate_budget_sends WHERE budget_key = ${key} AND sent_at <= ${bigint(windowStart)}),
      win AS (SELECT count(*) AS counted, min(sent_at) AS oldest FROM rate_budget_sends WHERE budget_key = ${key} AND sent_at > ${bigint(windowStart)}),
      added AS (
        INSERT INTO rate_budget_sends (budget_key, sent_at)
        SELECT ${key}, ${bigint(at)} FROM win, generate_series(1, ${count}) RETURNING 1
      )
      SELECT win.counted, win.oldest, (SELECT count(*) FROM added) AS added FROM win`.execute(trx);
    const row = rows[0];
    if (!row) throw new Error(`the rate budget ${key}: its window could not be counted`);
    return { counted: Number(row.counted), oldest: row.oldest === null ? null : Number(row.oldest), added: Number(row.added) };
  }

  /** The state after `added` sends were recorded at `at`. */
  const withAdded = (state: SharedBudgetState, added: number, at: number): SharedBudgetState =>
    added > 0 ? { ...state, counted: state.counted + added, oldest: state.oldest ?? at } : state;

  return {
    take: (key, shape, now) =>
      withTransaction(db, async (trx) => {
        const row = await lockBudget(trx, key, now);
        // Read under the lock: the send is stamped as late as it can be, just before it goes.
        const at = now();
        const limit = row.observed_limit ?? shape.limit;
        const paused = row.paused_until > at;
        // One send if the window has room (and no pause holds), none otherwise.
        const { counted, oldest, added } = await countAndRecord(trx, key, at - shape.windowMs, at, { one: true, below: paused ? 0 : limit });
        const state = withAdded({ limit, counted, oldest, pausedUntil: row.paused_until }, added, at);
        if (paused) return { ...state, taken: false, retryAt: row.paused_until };
        if (added > 0) return { ...state, taken: true };
        return { ...state, taken: false, retryAt: (oldest ?? at) + shape.windowMs };
      }),

    observe: (key, shape, reading, now) =>
      withTransaction(db, async (trx) => {
        const row = await lockBudget(trx, key, now);
        const at = now();
        let limit = row.observed_limit ?? shape.limit;
        if (reading.reportedLimit !== undefined && reading.reportedLimit > 0) {
          limit = reading.reportedLimit;
          if (row.observed_limit !== limit) {
            await trx.updateTable('rate_budgets').set({ observed_limit: limit, updated_at: at }).where('budget_key', '=', key).execute();
          }
        }
        // As the local budget does: calls the vendor counted and no replica did are someone else's, counted now.
        const { counted, oldest, added } = await countAndRecord(trx, key, at - shape.windowMs, at, { upTo: limit - reading.remaining });
        return withAdded({ limit, counted, oldest, pausedUntil: row.paused_until }, added, at);
      }),

    async pause(key, until, now) {
      await db.insertInto('rate_budgets').values({ budget_key: key, observed_limit: null, paused_until: until, updated_at: now })
        .onConflict((oc) => oc.column('budget_key').doUpdateSet((eb) => ({
          paused_until: greatest(db, eb.ref('rate_budgets.paused_until'), eb.ref('excluded.paused_until')),
          updated_at: eb.ref('excluded.updated_at'),
        })))
        .execute();
    },

    async read(key, shape, now) {
      const row = await db.selectFrom('rate_budgets').select(['observed_limit', 'paused_until']).where('budget_key', '=', key).executeTakeFirst();
      const { counted, oldest } = await db.selectFrom('rate_budget_sends')
        .select((eb) => [eb.fn.countAll<number>().as('counted'), eb.fn.min<number | null>('sent_at').as('oldest')])
        .where('budget_key', '=', key).where('sent_at', '>', now - shape.windowMs)
        .executeTakeFirstOrThrow();
      return { limit: row?.observed_limit ?? shape.limit, counted: Number(counted), oldest: oldest === null ? null : Number(oldest), pausedUntil: row?.paused_until ?? 0 };
    },
  };
}

/**
 * Send times are deleted as they leave their window when the budget is next used; a portal or
 * workspace no longer used would keep its last window's rows for good. The longest shared window is
 * HubSpot's 10 s, so an hour is far past any window. Returns how many rows went.
 */
export async function purgeStaleBudgetSends(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom('rate_budget_sends').where('sent_at', '<', now - STALE_SEND_MS).executeTakeFirst();
  return Number(result.numDeletedRows);
}

const STALE_SEND_MS = 3_600_000;
