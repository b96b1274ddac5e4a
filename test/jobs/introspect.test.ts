import t from 'tap';
import type { Kysely } from 'kysely';
import type { Database, JobStatus } from '../../src/db/schema.ts';
import { jobCounts, purgeFinishedJobs } from '../../src/jobs/introspect.ts';
import { eachStore } from '../helpers/postgres.ts';

const DAY = 86_400_000;
const NOW = 100 * DAY;

async function seed(db: Kysely<Database>) {
  const row = (task: string, status: JobStatus, runAt: number, finishedAt: number | null) => ({
    task, payload: '{}', status, run_at: runAt, attempts: 0, max_attempts: 3, created_at: 0, updated_at: 0, finished_at: finishedAt,
  });
  await db
    .insertInto('jobs')
    .values([
      row('capture', 'queued', NOW - 5000, null), // due 5 s ago
      row('capture', 'queued', NOW + 5000, null), // not due
      row('capture', 'succeeded', 0, NOW - 8 * DAY), // old: purged
      row('capture', 'succeeded', 0, NOW - 1 * DAY),
      row('stage-sync', 'cancelled', 0, NOW - 9 * DAY), // old: purged
      row('stage-sync', 'failed', 0, NOW - 20 * DAY), // kept longer
      row('stage-sync', 'failed', 0, NOW - 31 * DAY), // old: purged
      row('stage-sync', 'running', 0, null),
    ])
    .execute();
}

eachStore(t, 'counts by status and task, and the age of the oldest due job', async (t, db) => {
  await seed(db.kysely);
  const counts = await jobCounts(db.kysely, NOW);
  t.same(counts.byStatus, { queued: 2, running: 1, parked: 0, succeeded: 2, failed: 2, cancelled: 1 });
  t.same(counts.byTask, { capture: { queued: 2, succeeded: 2 }, 'stage-sync': { cancelled: 1, failed: 2, running: 1 } });
  t.equal(counts.oldestDueAgeMs, 5000);
});

eachStore(t, 'the purge chore deletes old finished jobs and keeps failed ones longer', async (t, db) => {
  await seed(db.kysely);
  t.equal(await purgeFinishedJobs(db.kysely, { now: NOW, keepSucceededMs: 7 * DAY, keepFailedMs: 30 * DAY }), 3);
  const left = await db.kysely.selectFrom('jobs').select(['task', 'status']).orderBy('id').execute();
  t.same(left, [
    { task: 'capture', status: 'queued' },
    { task: 'capture', status: 'queued' },
    { task: 'capture', status: 'succeeded' },
    { task: 'stage-sync', status: 'failed' },
    { task: 'stage-sync', status: 'running' },
  ]);
  t.same((await jobCounts(db.kysely, NOW)).oldestDueAgeMs, 5000);
});
