// Jobs of one task that failed for good in a time span (alerts: "a capture failed for good",
// src/alerts). Here because all SQL on the jobs table lives in src/jobs.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface FailedJob {
  id: number;
  connectionId: string | null;
  /** The job's payload as stored (ids and small values). */
  payload: string;
  lastError: string | null;
  finishedAt: number;
}

/** Failed jobs of `task` that finished after `after` and at or before `upTo`, oldest first. */
export async function jobsFailedBetween(db: Kysely<Database>, task: string, after: number, upTo: number): Promise<FailedJob[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['id', 'connection_id', 'payload', 'last_error', 'finished_at'])
    .where('task', '=', task)
    .where('status', '=', 'failed')
    .where('finished_at', '>', after)
    .where('finished_at', '<=', upTo)
    .orderBy('finished_at')
    .execute();
  return rows.map((row) => ({ id: row.id, connectionId: row.connection_id, payload: row.payload, lastError: row.last_error, finishedAt: row.finished_at ?? upTo }));
}
