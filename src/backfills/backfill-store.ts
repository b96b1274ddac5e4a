// The backfills table (migrations/0030): a row becomes a BackfillRow here and nowhere else.
import type { Kysely } from 'kysely';
import type { BackfillDbRow, Database } from '../db/schema.ts';
import { addCounts, doneOf, type BackfillCounts, type BackfillDirection, type BackfillKind, type BackfillRow, type BackfillState } from './backfill-kind.ts';

/** Rate samples kept: the rate is measured over the last few pages, so it follows a change of pace. */
const RATE_SAMPLES = 6;

/** Running or paused: a backfill that still has work and holds its kind (and direction). */
const ACTIVE_STATES: readonly BackfillState[] = ['running', 'paused'];

function parseSamples(stored: string): Array<[number, number]> {
  const parsed: unknown = JSON.parse(stored);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((entry): entry is [number, number] => Array.isArray(entry) && entry.length === 2 && entry.every((n) => typeof n === 'number'));
}

function toBackfill(row: BackfillDbRow): BackfillRow {
  return {
    id: row.id,
    connectionId: row.connection_id,
    kind: row.kind,
    direction: row.direction,
    closedFrom: row.closed_from,
    closedTo: row.closed_to,
    state: row.state,
    cursor: row.cursor,
    total: row.total,
    totalIsEstimate: row.total_is_estimate === 1,
    counts: { created: row.created, updated: row.updated, unchanged: row.unchanged, skippedByFilter: row.skipped_by_filter, failed: row.failed },
    pages: row.pages,
    rateSamples: parseSamples(row.rate_samples),
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    lastError: row.last_error,
  };
}

export async function getBackfill(db: Kysely<Database>, connectionId: string, id: string): Promise<BackfillRow | undefined> {
  const row = await db.selectFrom('backfills').selectAll().where('connection_id', '=', connectionId).where('id', '=', id).executeTakeFirst();
  return row && toBackfill(row);
}

/** Newest first; finished ones stay listed with their counts. */
export async function listBackfills(db: Kysely<Database>, connectionId: string, limit = 50): Promise<BackfillRow[]> {
  const rows = await db.selectFrom('backfills').selectAll().where('connection_id', '=', connectionId).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toBackfill);
}

/** Every running backfill, of every connection (the check that each has its page job). */
export async function runningBackfills(db: Kysely<Database>): Promise<BackfillRow[]> {
  const rows = await db.selectFrom('backfills').selectAll().where('state', '=', 'running').execute();
  return rows.map(toBackfill);
}

/** The running or paused backfill of this kind (and direction), if any. */
export async function activeBackfill(db: Kysely<Database>, connectionId: string, kind: BackfillKind, direction: BackfillDirection | null): Promise<BackfillRow | undefined> {
  let query = db.selectFrom('backfills').selectAll().where('connection_id', '=', connectionId).where('kind', '=', kind).where('state', 'in', ACTIVE_STATES);
  query = direction === null ? query.where('direction', 'is', null) : query.where('direction', '=', direction);
  const row = await query.executeTakeFirst();
  return row && toBackfill(row);
}

export type NewBackfill = Pick<BackfillRow, 'id' | 'connectionId' | 'kind' | 'direction' | 'closedFrom' | 'closedTo'>;

/** A running backfill with nothing done yet. The caller has checked (in its transaction) that none of its kind is active. */
export async function insertBackfill(db: Kysely<Database>, input: NewBackfill, now: number): Promise<BackfillRow> {
  const row = await db
    .insertInto('backfills')
    .values({
      id: input.id,
      connection_id: input.connectionId,
      kind: input.kind,
      direction: input.direction,
      closed_from: input.closedFrom,
      closed_to: input.closedTo,
      state: 'running',
      cursor: null,
      total: null,
      rate_samples: JSON.stringify([[now, 0]]),
      started_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toBackfill(row);
}

export interface PageResult {
  /** The `pages` the page started from: the commit counts only if no other run of it committed first. */
  fromPages: number;
  cursor: string | null;
  counts: BackfillCounts;
  total?: { value: number; estimate: boolean } | undefined;
  now: number;
}

/**
 * Adds one page's counts and moves the cursor; call it inside the transaction that also queues the
 * next page. Returns the row as it is now, or undefined when the backfill is gone (its connection
 * was deleted) or another run of the same page committed first (a retried run racing a resumed
 * one): its counts are not added twice. A backfill paused or cancelled while the page ran keeps the
 * page's counts and cursor, and its state; one still running is done when the source is exhausted.
 */
export async function commitPage(db: Kysely<Database>, backfill: Pick<BackfillRow, 'id' | 'connectionId'>, page: PageResult): Promise<BackfillRow | undefined> {
  const current = await getBackfill(db, backfill.connectionId, backfill.id);
  if (!current || current.pages !== page.fromPages) return undefined;
  const counts = addCounts(current.counts, page.counts);
  const samples = [...current.rateSamples, [page.now, doneOf(counts)] as [number, number]].slice(-RATE_SAMPLES);
  const finished = page.cursor === null && current.state === 'running';
  const row = await db
    .updateTable('backfills')
    .set({
      cursor: page.cursor,
      created: counts.created,
      updated: counts.updated,
      unchanged: counts.unchanged,
      skipped_by_filter: counts.skippedByFilter,
      failed: counts.failed,
      pages: page.fromPages + 1,
      rate_samples: JSON.stringify(samples),
      ...(page.total ? { total: page.total.value, total_is_estimate: page.total.estimate ? 1 : 0 } : {}),
      ...(finished ? { state: 'done' as const, finished_at: page.now } : {}),
      updated_at: page.now,
      last_error: null,
    })
    .where('id', '=', current.id)
    .where('pages', '=', page.fromPages)
    .returningAll()
    .executeTakeFirst();
  return row && toBackfill(row);
}

/**
 * Moves a backfill from one of `from` to `to`. Returns the row after the change, or undefined when it
 * was not in one of `from`. Resuming starts the rate afresh: the pause is not part of the pace.
 */
export async function changeState(
  db: Kysely<Database>,
  backfill: Pick<BackfillRow, 'id' | 'connectionId'>,
  change: { from: readonly BackfillState[]; to: BackfillState; now: number; lastError?: string | null },
): Promise<BackfillRow | undefined> {
  const finished = change.to === 'cancelled' || change.to === 'done' || change.to === 'failed';
  const current = await db.selectFrom('backfills').selectAll().where('id', '=', backfill.id).where('connection_id', '=', backfill.connectionId).executeTakeFirst();
  if (!current || !change.from.includes(current.state)) return undefined;
  const done = doneOf(toBackfill(current).counts);
  const row = await db
    .updateTable('backfills')
    .set({
      state: change.to,
      updated_at: change.now,
      finished_at: finished ? change.now : null,
      ...(change.to === 'running' ? { rate_samples: JSON.stringify([[change.now, done]]), last_error: null } : {}),
      ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
    })
    .where('id', '=', backfill.id)
    .where('state', '=', current.state)
    .returningAll()
    .executeTakeFirst();
  return row && toBackfill(row);
}
