// Claiming due jobs fairly. Jobs are grouped by connection; each pass takes a share from every
// group that has due work and spare capacity, starting after the group served first last time, so
// one connection's 10,000 due jobs cannot starve another's single job. Every pick is an index seek
// on jobs_due_by_connection, never a scan.
//
// On PostgreSQL several replicas claim from one table at once: each pick is FOR UPDATE SKIP LOCKED,
// so a replica passes over the rows another is taking instead of waiting for them or taking them
// twice, and a claim returns only the rows its own UPDATE moved to running.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, JobRow } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { epochMs, onPostgres } from './sql.ts';

/** The group key of jobs without a connection (chores, global work). */
export const NO_CONNECTION = '';

export interface ClaimOptions {
  workerId: string;
  now: number;
  leaseMs: number;
  limit: number;
  perConnectionLimit: number;
  /** Jobs of each group this worker is running now. */
  running: ReadonlyMap<string, number>;
  /** The group served first last time; this claim starts after it. */
  after?: string | undefined;
}

/** Connections that have queued jobs (due or not), by skip-scan over the index: O(groups), not O(jobs). */
export function queuedGroupsQuery() {
  return sql<{ cid: string | null }>`
    WITH RECURSIVE c(cid) AS (
      SELECT (SELECT connection_id FROM jobs WHERE status = 'queued' AND connection_id IS NOT NULL ORDER BY connection_id LIMIT 1)
      UNION ALL
      SELECT (SELECT connection_id FROM jobs WHERE status = 'queued' AND connection_id > c.cid ORDER BY connection_id LIMIT 1)
      FROM c WHERE c.cid IS NOT NULL
    )
    SELECT cid FROM c WHERE cid IS NOT NULL`;
}

export function unownedQueuedQuery(db: Kysely<Database>) {
  return db.selectFrom('jobs').select('id').where('status', '=', 'queued').where('connection_id', 'is', null).limit(1);
}

async function queuedGroups(db: Kysely<Database>): Promise<string[]> {
  const result = await queuedGroupsQuery().execute(db);
  // Sorted here, in code-unit order: a PostgreSQL collation may order text otherwise, and rotate()
  // compares groups with JavaScript's order.
  const groups = result.rows.map((row) => row.cid as string).sort();
  const unowned = await unownedQueuedQuery(db).executeTakeFirst();
  return unowned ? [NO_CONNECTION, ...groups] : groups;
}

function rotate(groups: string[], after: string | undefined): string[] {
  if (after === undefined) return groups;
  const index = groups.findIndex((group) => group > after);
  return index <= 0 ? groups : [...groups.slice(index), ...groups.slice(0, index)];
}

/** The next due jobs of one group, oldest first. Exported for the query-plan test. */
export function dueIdsQuery(db: Kysely<Database>, group: string, now: number, count: number) {
  const query = db.selectFrom('jobs').select('id').where('status', '=', 'queued');
  return (group === NO_CONNECTION ? query.where('connection_id', 'is', null) : query.where('connection_id', '=', group))
    .where('run_at', '<=', now)
    .orderBy('priority', 'desc')
    .orderBy('run_at')
    .orderBy('id')
    .limit(count);
}

async function dueIds(db: Kysely<Database>, group: string, now: number, count: number): Promise<number[]> {
  const query = dueIdsQuery(db, group, now, count);
  // Rows another replica's claim (or an enqueue replacing a keyed job) holds are passed over.
  const rows = await (onPostgres(db) ? query.forUpdate().skipLocked() : query).execute();
  return rows.map((row) => row.id);
}

export interface Claimed {
  jobs: JobRow[];
  /** The last group that got a job: the next claim starts after it. */
  lastGroup: string | undefined;
}

/**
 * The lease token of one claim: the worker's id plus a fresh nonce. A worker that reclaims its own
 * stalled job gets a new token, so the stalled run can no longer extend or finish the new run's lease.
 */
const claimToken = (workerId: string) => `${workerId}#${randomBytes(6).toString('hex')}`;

/**
 * Claims up to `limit` due jobs in one transaction; attempts go up at claim, as graphile-worker does.
 * Each returned row's `locked_by` is its lease token: every later write about the run must quote it.
 */
export async function claimJobs(db: Kysely<Database>, options: ClaimOptions): Promise<Claimed> {
  if (options.limit <= 0) return { jobs: [], lastGroup: options.after };
  const token = claimToken(options.workerId);
  return withTransaction(db, async (trx) => {
    const groups = rotate(await queuedGroups(trx), options.after);
    const capacity = new Map(groups.map((group) => [group, options.perConnectionLimit - (options.running.get(group) ?? 0)]));
    let active = groups.filter((group) => (capacity.get(group) ?? 0) > 0);
    let lastGroup = options.after;
    const ids: number[] = [];
    while (ids.length < options.limit && active.length > 0) {
      const share = Math.max(1, Math.floor((options.limit - ids.length) / active.length));
      const stillActive: string[] = [];
      const pass: number[] = [];
      for (const group of active) {
        const room = capacity.get(group) ?? 0;
        const want = Math.min(share, room, options.limit - ids.length - pass.length);
        if (want <= 0) break;
        const picked = await dueIds(trx, group, options.now, want);
        if (picked.length > 0) lastGroup = group;
        pass.push(...picked);
        capacity.set(group, room - picked.length);
        if (picked.length === want && room - picked.length > 0) stillActive.push(group);
      }
      if (pass.length === 0) break;
      // Marked now, so the next pass's seeks skip them.
      ids.push(...(await markRunning(trx, pass, token, options)));
      active = stillActive;
    }
    if (ids.length === 0) return { jobs: [], lastGroup };
    const jobs = await trx.selectFrom('jobs').selectAll().where('id', 'in', ids).orderBy('run_at').orderBy('id').execute();
    return { jobs, lastGroup };
  });
}

/** Marks the picked jobs running under this claim's lease; returns those it moved (all of them, as the picks are locked). */
async function markRunning(db: Kysely<Database>, ids: number[], token: string, options: ClaimOptions): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      locked_by: token,
      locked_until: options.now + options.leaseMs,
      updated_at: options.now,
    }))
    .where('id', 'in', ids)
    .where('status', '=', 'queued')
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Leases that ran out (their worker crashed or hung) go back to the queue; the attempt stays used.
 * A run whose key was handed to a newer job while it ran (superseded_by) ends as superseded instead:
 * the newer job does its work. Neither can collide in the unique key index, because at most one
 * unfinished row holds a key (migrations/0012), so this one statement cannot fail on a constraint.
 */
export function reclaimQuery(db: Kysely<Database>, now: number) {
  const superseded = sql<boolean>`superseded_by IS NOT NULL`;
  return db
    .updateTable('jobs')
    .set({
      status: sql`CASE WHEN ${superseded} THEN 'cancelled' ELSE 'queued' END`,
      locked_by: null,
      locked_until: null,
      updated_at: now,
      finished_at: sql`CASE WHEN ${superseded} THEN ${epochMs(now)} ELSE NULL END`,
      last_error: sql`CASE WHEN ${superseded}
        THEN 'the run stopped without finishing (lease expired); superseded by job ' || superseded_by || ', which has the same key and runs instead'
        ELSE 'the previous run stopped without finishing (lease expired)' END`,
    })
    .where('status', '=', 'running')
    .where('locked_until', '<=', now);
}

export async function reclaimExpiredLeases(db: Kysely<Database>, now: number): Promise<number> {
  const result = await reclaimQuery(db, now).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** When the scheduler should look again: the earliest due job or lease expiry, if any. */
export const nextDueQuery = (db: Kysely<Database>) =>
  db.selectFrom('jobs').select((eb) => eb.fn.min('run_at').as('at')).where('status', '=', 'queued');
export const nextLeaseExpiryQuery = (db: Kysely<Database>) =>
  db.selectFrom('jobs').select((eb) => eb.fn.min('locked_until').as('at')).where('status', '=', 'running');

export async function nextWakeAt(db: Kysely<Database>): Promise<{ at: number | null; leaseExpiry: number | null }> {
  const due = await nextDueQuery(db).executeTakeFirst();
  const lease = await nextLeaseExpiryQuery(db).executeTakeFirst();
  const leaseExpiry = typeof lease?.at === 'number' ? lease.at : null;
  const times = [due?.at, leaseExpiry].filter((at): at is number => typeof at === 'number');
  return { at: times.length === 0 ? null : Math.min(...times), leaseExpiry };
}
