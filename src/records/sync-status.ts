// Sync status counts per object type (#18 item 4): how many records each account has, how many are
// paired and in step, what was skipped by a filter or failed in the last 24 h, when a change last
// synced, and the latest sync, sweep and backfill jobs.
//
// Definitions (each one query, cheap on 100k pairs — see the notes at each query):
// - paired: record_pairs rows of the connection and type.
// - inStep: paired, synced at least once (last_synced_at set), and the pair's latest contact/company
//   activity entry is neither `failed` nor `skipped`: a sync that failed (the job gave up) or skipped
//   (every field refused, or the record kept out by a filter) since the last good sync takes the pair
//   out of step until a later sync of it goes through. A pair with no entry left (purged) is in step.
// - skippedByFilter24h: entries of the type with outcome `skipped` whose detail has `filtered` (the
//   filter that kept the record out, src/records/record-filters.ts) in the last 24 h.
// - failed24h: entries of the type with outcome `failed` in the last 24 h. The activity log, not the
//   jobs table, is the source: it has one entry per record given up on, whether a live sync, a sweep
//   or a backfill page failed it, and keeps it after the job is purged.
// - totals: Intercom's total_count (GET /contacts, GET /companies), HubSpot's search total (limit 1);
//   two calls per type, so cached for a minute per connection and type; null when unreachable.
// - paired, inStep and lastSyncedAt walk every pair of the type (about 0.1–0.5 s per 100k pairs on a
//   busy two-core machine, measured with 300k activity entries): better-sqlite3 runs it on the one
//   event loop, so it is cached PAIR_COUNTS_TTL_MS per connection and type while a panel polls. The
//   day's counts and the jobs are index reads (~20 ms and ~0 ms at that size) and stay live.
import { sql, type Kysely } from 'kysely';
import { listBackfills } from '../backfills/backfill-store.ts';
import { BACKFILL_PAGE_TASK } from '../backfills/backfill-task.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { jsonText } from '../db/sql-dialect.ts';
import { recentJobs } from '../jobs/recent-jobs.ts';
import type { RecordObject } from './field-mapping.ts';
import { pairTypeOf } from './pair-store.ts';
import { RECORD_SWEEP_TASK } from './record-sweep.ts';

interface ObjectSyncStatus {
  enabled: boolean;
  intercom: { total: number | null };
  hubspot: { total: number | null };
  paired: number;
  inStep: number;
  skippedByFilter24h: number;
  failed24h: number;
  lastSyncedAt: number | null;
  recentJobs: Array<{ id: string; task: string; state: string; at: number; error: string | null }>;
}

interface SyncStatus {
  objects: Record<RecordObject, ObjectSyncStatus>;
}

export interface SyncStatusDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  now: () => number;
}

export interface SyncStatusReader {
  statusOf(row: Connection): Promise<SyncStatus>;
}

const TOTALS_TTL_MS = 60_000;
const PAIR_COUNTS_TTL_MS = 15_000;
const DAY_MS = 86_400_000;
const RECENT_JOBS = 10;
// src/records/record-tasks.ts's task name (not exported there).
const RECORD_SYNC_TASK = 'records.sync';

interface Totals {
  intercom: number | null;
  hubspot: number | null;
}

/** null when the call fails: the panel says "unknown" rather than failing as a whole. */
async function orNull(read: () => Promise<number | null>): Promise<number | null> {
  try {
    return await read();
  } catch {
    return null;
  }
}

async function readTotals(deps: SyncStatusDeps, row: Connection, object: RecordObject): Promise<Totals> {
  const [intercom, hubspot] = await Promise.all([
    row.intercomWorkspaceId === null
      ? null
      : orNull(() => {
          const client = deps.clients.intercom(row);
          return object === 'contacts' ? client.countContacts() : client.countCompanies();
        }),
    // hubspot-api.md §10: a search answers `total` whatever the limit; no filter matches every record.
    row.hubspotPortalId === null ? null : orNull(async () => (await deps.clients.hubspot(row)[object].searchPage({ limit: 1, properties: ['hs_object_id'] })).total),
  ]);
  return { intercom, hubspot };
}

/** One pass over the type's pairs, with one seek per synced pair into activity_by_subject (subject_id, id) for its latest entry. */
async function pairCounts(db: Kysely<Database>, connectionId: string, object: RecordObject) {
  const type = pairTypeOf(object);
  const row = await db
    .selectFrom('record_pairs as p')
    .select((eb) => [
      eb.fn.countAll<number>().as('paired'),
      eb.fn.max('p.last_synced_at').as('last_synced_at'),
      sql<number>`coalesce(sum(CASE WHEN p.last_synced_at IS NOT NULL AND coalesce((
        SELECT a.outcome FROM activity a
        WHERE a.subject_id = p.intercom_id AND a.connection_id = p.connection_id AND a.kind = ${type}
        ORDER BY a.id DESC LIMIT 1), '') NOT IN ('failed', 'skipped') THEN 1 ELSE 0 END), 0)`.as('in_step'),
    ])
    .where('p.connection_id', '=', connectionId)
    .where('p.object_type', '=', type)
    .executeTakeFirstOrThrow();
  return { paired: Number(row.paired), inStep: Number(row.in_step), lastSyncedAt: row.last_synced_at === null ? null : Number(row.last_synced_at) };
}

/** The last 24 h of the connection's entries, through activity_by_connection (connection_id, id) from the first id of the day. */
async function dayCounts(db: Kysely<Database>, connectionId: string, object: RecordObject, since: number) {
  const row = await db
    .selectFrom('activity')
    .select([
      // CASE rather than sum(<comparison>): PostgreSQL's comparisons are booleans, which sum() refuses.
      sql<number>`coalesce(sum(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), 0)`.as('failed'),
      sql<number>`coalesce(sum(CASE WHEN outcome = 'skipped' AND ${jsonText(db, 'detail', 'filtered')} IS NOT NULL THEN 1 ELSE 0 END), 0)`.as('filtered'),
    ])
    .where('connection_id', '=', connectionId)
    // Ids grow with time: the day starts at the first entry at or after `since` (a seek on activity_by_time).
    .where('id', '>=', sql<number>`coalesce((SELECT id FROM activity WHERE at >= ${since} ORDER BY at LIMIT 1), (SELECT coalesce(max(id), 0) + 1 FROM activity))`)
    // `+at`: still checked on each row (an entry written late with an earlier time), without the planner taking activity_by_time.
    .where(sql<number>`+at`, '>=', since)
    .where('kind', '=', pairTypeOf(object))
    .where('outcome', 'in', ['failed', 'skipped'])
    .executeTakeFirstOrThrow();
  return { failed24h: Number(row.failed), skippedByFilter24h: Number(row.filtered) };
}

async function jobsOf(db: Kysely<Database>, connectionId: string, object: RecordObject, backfillIds: readonly string[]) {
  const jobs = await recentJobs(
    db,
    connectionId,
    [
      { task: RECORD_SYNC_TASK, key: 'object', values: [object] },
      { task: RECORD_SWEEP_TASK, key: 'object', values: [object] },
      { task: BACKFILL_PAGE_TASK, key: 'backfillId', values: backfillIds },
    ],
    RECENT_JOBS,
  );
  return jobs.map((job) => ({ id: String(job.id), task: job.task, state: job.status, at: job.at, error: job.lastError }));
}

/** A read kept `ttlMs` by key; the promise is kept, so polls at once share one read, and a failed read is not kept. */
function cached<T>(ttlMs: number, now: () => number): (key: string, read: () => Promise<T>) => Promise<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key, read) => {
    const at = now();
    const found = entries.get(key);
    if (found && at - found.at < ttlMs) return found.value;
    for (const [other, entry] of entries) if (at - entry.at >= ttlMs) entries.delete(other);
    const entry = { at, value: read() };
    entries.set(key, entry);
    entry.value.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return entry.value;
  };
}

export function createSyncStatus(deps: SyncStatusDeps): SyncStatusReader {
  const totalsOf = cached<Totals>(TOTALS_TTL_MS, deps.now);
  const pairsOf = cached<Awaited<ReturnType<typeof pairCounts>>>(PAIR_COUNTS_TTL_MS, deps.now);

  return {
    async statusOf(row) {
      const since = deps.now() - DAY_MS;
      const backfills = await listBackfills(deps.db, row.id);
      const objectStatus = async (object: RecordObject): Promise<ObjectSyncStatus> => {
        const backfillIds = backfills.filter((backfill) => backfill.kind === object).map((backfill) => backfill.id);
        const [sideTotals, pairs, day, jobs] = await Promise.all([
          // Accounts reconnected to others are other totals.
          totalsOf(`${row.id}\u0000${object}\u0000${row.intercomWorkspaceId ?? ''}\u0000${row.hubspotPortalId ?? ''}`, () => readTotals(deps, row, object)),
          pairsOf(`${row.id}\u0000${object}`, () => pairCounts(deps.db, row.id, object)),
          dayCounts(deps.db, row.id, object, since),
          jobsOf(deps.db, row.id, object, backfillIds),
        ]);
        return {
          enabled: row.settings.recordSync[object].enabled,
          intercom: { total: sideTotals.intercom },
          hubspot: { total: sideTotals.hubspot },
          ...pairs,
          ...day,
          recentJobs: jobs,
        };
      };
      const [contacts, companies] = await Promise.all([objectStatus('contacts'), objectStatus('companies')]);
      return { objects: { contacts, companies } };
    },
  };
}
