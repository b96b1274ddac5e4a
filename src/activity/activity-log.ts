// The activity log (DESIGN.md §1 "Seeing what happens"): one entry per decision, with ids, counts
// and the vendor's error message — never conversation text (invariant 3). Callers pass ids and
// names only; `detail` is checked to hold no long strings as a second line of defence.
import type { Kysely } from 'kysely';
import type { ActivityOutcome, ActivityRow, Database } from '../db/schema.ts';

/**
 * What an entry is about: a capture decision, a ticket's stage sync and HubSpot-side changes, a
 * contact's or company's record sync, a backfill that failed, or a teammate's click in the Intercom
 * Inbox app (src/canvas, naming the teammate).
 */
export const ACTIVITY_KINDS = ['capture', 'ticket', 'contact', 'company', 'backfill', 'inbox'] as const;

export interface ActivityEntry {
  connectionId: string | null;
  at: number;
  kind: string;
  subjectId: string | null;
  outcome: ActivityOutcome;
  reason?: string | null;
  detail?: Record<string, unknown>;
  apiCalls?: number;
  durationMs?: number;
}

/** Longer strings in `detail` are a bug that might be carrying text. */
const MAX_DETAIL_STRING = 300;

function checkDetail(value: unknown, path: string): void {
  if (typeof value === 'string' && value.length > MAX_DETAIL_STRING) throw new Error(`activity detail ${path} is ${value.length} characters; details carry ids and counts, never content`);
  if (Array.isArray(value)) value.forEach((item, index) => checkDetail(item, `${path}[${index}]`));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) checkDetail(item, `${path}.${key}`);
}

export async function recordActivity(db: Kysely<Database>, entry: ActivityEntry): Promise<number> {
  const detail = entry.detail ?? {};
  checkDetail(detail, 'detail');
  const row = await db
    .insertInto('activity')
    .values({
      connection_id: entry.connectionId,
      at: entry.at,
      kind: entry.kind,
      subject_id: entry.subjectId,
      outcome: entry.outcome,
      reason: entry.reason ?? null,
      detail: JSON.stringify(detail),
      api_calls: entry.apiCalls ?? 0,
      duration_ms: Math.round(entry.durationMs ?? 0),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface ActivityQuery {
  connectionId: string;
  /** Entries older than this id (paging backwards). */
  before?: number;
  limit?: number;
  outcome?: ActivityOutcome;
  subjectId?: string;
  kind?: string;
}

export async function listActivity(db: Kysely<Database>, query: ActivityQuery): Promise<ActivityRow[]> {
  let select = db.selectFrom('activity').selectAll().where('connection_id', '=', query.connectionId);
  if (query.before !== undefined) select = select.where('id', '<', query.before);
  if (query.outcome) select = select.where('outcome', '=', query.outcome);
  if (query.subjectId) select = select.where('subject_id', '=', query.subjectId);
  if (query.kind) select = select.where('kind', '=', query.kind);
  return select.orderBy('id', 'desc').limit(Math.min(Math.max(query.limit ?? 50, 1), 500)).execute();
}

/** The purge chore: activity older than the retention is deleted. */
export async function purgeActivity(db: Kysely<Database>, olderThan: number): Promise<number> {
  const result = await db.deleteFrom('activity').where('at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
