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
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { SharedBudgetState, SharedBudgetStore } from '../../integrations/shared-budget-state.ts';
import type { PostgresDb } from '../database.ts';
import type { Database } from '../schema.ts';
import { greatest } from '../sql-dialect.ts';

/** pg, loaded on first use: this module is part of every daemon, pg only of those on PostgreSQL (src/db/open-store.ts). */
let pgModule: Promise<typeof import('pg')> | undefined;
async function escapeLiteral(value: string): Promise<string> {
  return (await (pgModule ??= import('pg'))).default.escapeLiteral(value);
}

/**
 * A take and an observation each go to the database as one simple query of several statements, in one
 * round trip: PostgreSQL runs them as one implicit transaction (the lock lasts to its end), and under
 * Read Committed each statement reads its own snapshot, so the statements after the lock see the sends
 * the previous holder committed. Through the extended protocol (parameters) every statement is a round
 * trip of its own, and a call cost six of them before its request could leave: ~60% of an Inbox-app
 * push's queries on PostgreSQL. The simple protocol takes no parameters, so the values are literals:
 * the key through pg's escapeLiteral, the numbers checked to be integers.
 */
export function createSharedBudgetStore(db: Pick<PostgresDb, 'kysely' | 'pool'>): SharedBudgetStore {
  const { kysely } = db;

  /** The budget's row created if missing, then locked until the query's implicit transaction ends. */
  const lockBudget = (key: string, at: number) => [
    `INSERT INTO rate_budgets (budget_key, observed_limit, paused_until, updated_at) VALUES (${key}, NULL, 0, ${at}) ON CONFLICT (budget_key) DO NOTHING`,
    `SELECT 1 FROM rate_budgets WHERE budget_key = ${key} FOR UPDATE`,
  ];

  /**
   * The last statement: the budget's limit and pause, the sends that left the window deleted, the
   * others counted, and `record` sends recorded at `at` (an expression of the count `win.counted` and
   * the limit `b.lim`). The count excludes the deleted rows by its own condition: a statement's CTEs
   * all read one snapshot, and the DELETE's effect is not visible to them.
   */
  const countAndRecord = (key: string, configuredLimit: number, windowStart: number, at: number, record: string) => `
    WITH b AS (SELECT COALESCE(observed_limit, ${configuredLimit}) AS lim, paused_until FROM rate_budgets WHERE budget_key = ${key}),
    gone AS (DELETE FROM rate_budget_sends WHERE budget_key = ${key} AND sent_at <= ${windowStart}),
    win AS (SELECT count(*) AS counted, min(sent_at) AS oldest FROM rate_budget_sends WHERE budget_key = ${key} AND sent_at > ${windowStart}),
    added AS (INSERT INTO rate_budget_sends (budget_key, sent_at) SELECT ${key}, ${at} FROM b, win, generate_series(1, ${record}) RETURNING 1)
    SELECT b.lim, b.paused_until, win.counted, win.oldest, (SELECT count(*) FROM added) AS added FROM b, win`;

  async function run(statements: string[]): Promise<{ limit: number; pausedUntil: number; counted: number; oldest: number | null; added: number }> {
    const results = (await db.pool.query(statements.join(';\n'))) as unknown as pg.QueryResult[];
    const row = results.at(-1)?.rows[0] as Record<'lim' | 'paused_until' | 'counted' | 'oldest' | 'added', string | number | null> | undefined;
    if (!row) throw new Error('the rate budget query returned no row');
    return { limit: Number(row.lim), pausedUntil: Number(row.paused_until), counted: Number(row.counted), oldest: row.oldest === null ? null : Number(row.oldest), added: Number(row.added) };
  }

  /** The state after `added` sends were recorded at `at`. */
  const withAdded = (state: SharedBudgetState, added: number, at: number): SharedBudgetState =>
    added > 0 ? { ...state, counted: state.counted + added, oldest: state.oldest ?? at } : state;

  return {
    async take(key, shape, now) {
      const k = await escapeLiteral(key);
      // Stamped just before the query leaves: the lock is normally free or held for a millisecond,
      // far inside the margin the rate plans keep on the window (400 ms on HubSpot's 10 s).
      const at = integer(now());
      const result = await run([
        ...lockBudget(k, at),
        // One send if no pause holds and the window has room, none otherwise.
        countAndRecord(k, integer(shape.limit), integer(at - shape.windowMs), at, `CASE WHEN b.paused_until <= ${at} AND win.counted < b.lim THEN 1 ELSE 0 END`),
      ]);
      const state = withAdded({ limit: result.limit, counted: result.counted, oldest: result.oldest, pausedUntil: result.pausedUntil }, result.added, at);
      if (result.pausedUntil > at) return { ...state, taken: false, retryAt: result.pausedUntil };
      if (result.added > 0) return { ...state, taken: true, stampedAt: at };
      return { ...state, taken: false, retryAt: (result.oldest ?? at) + shape.windowMs };
    },

    async observe(key, shape, reading, now) {
      const k = await escapeLiteral(key);
      const at = integer(now());
      const reported = reading.reportedLimit !== undefined && reading.reportedLimit > 0 ? integer(reading.reportedLimit) : null;
      const result = await run([
        ...lockBudget(k, at),
        ...(reported === null ? [] : [`UPDATE rate_budgets SET observed_limit = ${reported}, updated_at = ${at} WHERE budget_key = ${k} AND observed_limit IS DISTINCT FROM ${reported}`]),
        // As the local budget does: calls the vendor counted and no replica did are someone else's, counted now.
        countAndRecord(k, integer(shape.limit), integer(at - shape.windowMs), at, `GREATEST(0, b.lim - ${integer(reading.remaining)} - win.counted)`),
      ]);
      return withAdded({ limit: result.limit, counted: result.counted, oldest: result.oldest, pausedUntil: result.pausedUntil }, result.added, at);
    },

    async restamp(key, from, to) {
      // Sends of one budget with one time are interchangeable: any one of them is moved. SKIP LOCKED
      // so that two replicas moving sends of the same millisecond each move their own.
      await db.pool.query(
        `UPDATE rate_budget_sends SET sent_at = $3 WHERE ctid = (SELECT ctid FROM rate_budget_sends WHERE budget_key = $1 AND sent_at = $2 LIMIT 1 FOR UPDATE SKIP LOCKED)`,
        [key, integer(from), integer(to)],
      );
    },

    async pause(key, until, now) {
      await kysely.insertInto('rate_budgets').values({ budget_key: key, observed_limit: null, paused_until: until, updated_at: now })
        .onConflict((oc) => oc.column('budget_key').doUpdateSet((eb) => ({
          paused_until: greatest(kysely, eb.ref('rate_budgets.paused_until'), eb.ref('excluded.paused_until')),
          updated_at: eb.ref('excluded.updated_at'),
        })))
        .execute();
    },

    async read(key, shape, now) {
      const row = await kysely.selectFrom('rate_budgets').select(['observed_limit', 'paused_until']).where('budget_key', '=', key).executeTakeFirst();
      const { counted, oldest } = await kysely.selectFrom('rate_budget_sends')
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

/** A number written into SQL as a literal: only a safe integer gets there. */
function integer(n: number): number {
  const value = Math.floor(n);
  if (!Number.isSafeInteger(value)) throw new Error(`a rate budget figure is not a whole number: ${n}`);
  return value;
}
