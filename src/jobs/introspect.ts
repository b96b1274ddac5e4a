// What /metrics and the UI read about the job table.
import type { Kysely } from 'kysely';
import type { Database, JobStatus } from '../db/schema.ts';

export interface JobCounts {
  byStatus: Record<JobStatus, number>;
  /** Counts per task and status, e.g. { "capture-conversation": { queued: 3, failed: 1 } }. */
  byTask: Record<string, Partial<Record<JobStatus, number>>>;
  /** How long the oldest due job has been waiting, in ms (0 when none is due). */
  oldestDueAgeMs: number;
}

const STATUSES: JobStatus[] = ['queued', 'running', 'parked', 'succeeded', 'failed', 'cancelled'];

export async function jobCounts(db: Kysely<Database>, now: number): Promise<JobCounts> {
  const rows = await db
    .selectFrom('jobs')
    .select(['task', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['task', 'status'])
    .execute();
  const byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
  const byTask: JobCounts['byTask'] = {};
  for (const row of rows) {
    byStatus[row.status] += Number(row.n);
    byTask[row.task] = { ...byTask[row.task], [row.status]: Number(row.n) };
  }
  const oldest = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_at').as('at'))
    .where('status', '=', 'queued')
    .where('run_at', '<=', now)
    .executeTakeFirst();
  return { byStatus, byTask, oldestDueAgeMs: typeof oldest?.at === 'number' ? now - oldest.at : 0 };
}

/** Deletes finished jobs older than their retention: succeeded and cancelled ones sooner than failed ones. */
export async function purgeFinishedJobs(
  db: Kysely<Database>,
  options: { now: number; keepSucceededMs: number; keepFailedMs: number },
): Promise<number> {
  const done = await db
    .deleteFrom('jobs')
    .where('finished_at', '<', options.now - options.keepSucceededMs)
    .where('status', 'in', ['succeeded', 'cancelled'])
    .executeTakeFirst();
  const failed = await db
    .deleteFrom('jobs')
    .where('finished_at', '<', options.now - options.keepFailedMs)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(done.numDeletedRows) + Number(failed.numDeletedRows);
}
