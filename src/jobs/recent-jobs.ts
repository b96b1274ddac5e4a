// A connection's latest jobs of some tasks, with their state and last error: the sync status panel
// lists the latest record syncs, sweeps and backfill pages (#18 item 4). Jobs are told apart by a key
// of their payload (records.sync's `object`, backfill.page's `backfillId`).
//
// No index covers a connection's finished jobs, so the read walks the table's rowid backwards over
// the newest SCAN_WINDOW jobs at most and stops at `limit`: bounded whatever the table holds (the
// purge chore keeps it from growing anyway). A connection with no such job among them lists none.
import { sql, type Kysely } from 'kysely';
import type { Database, JobStatus } from '../db/schema.ts';
import { jsonText } from '../db/sql-dialect.ts';

const SCAN_WINDOW = 20_000;

export interface RecentJob {
  id: number;
  task: string;
  status: JobStatus;
  /** When its state last changed (epoch ms). */
  at: number;
  lastError: string | null;
}

/** Jobs of `task` whose payload's `key` is one of `values`. */
export interface RecentJobFilter {
  task: string;
  key: string;
  values: readonly string[];
}

const PAYLOAD_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function recentJobs(db: Kysely<Database>, connectionId: string, filters: readonly RecentJobFilter[], limit: number): Promise<RecentJob[]> {
  const wanted = filters.filter((filter) => filter.values.length > 0);
  if (wanted.length === 0) return [];
  for (const filter of wanted) if (!PAYLOAD_KEY.test(filter.key)) throw new Error(`'${filter.key}' is not a payload key`);
  const rows = await db
    .selectFrom('jobs')
    .select(['id', 'task', 'status', 'updated_at', 'last_error'])
    .where('connection_id', '=', connectionId)
    .where((eb) => eb('id', '>', sql<number>`(SELECT coalesce(max(id), 0) FROM jobs) - ${SCAN_WINDOW}`))
    .where((eb) =>
      eb.or(wanted.map((filter) => eb.and([eb('task', '=', filter.task), eb(jsonText(db, 'payload', filter.key), 'in', [...filter.values])]))),
    )
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ id: row.id, task: row.task, status: row.status, at: row.updated_at, lastError: row.last_error }));
}
