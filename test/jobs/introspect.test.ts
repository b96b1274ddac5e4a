import t from 'tap';
import { jobCounts, purgeFinishedJobs } from '../../src/jobs/introspect.ts';
import { makeTestDb } from '../helpers/db.ts';

const DAY = 86_400_000;
const NOW = 100 * DAY;

function seed(db: ReturnType<typeof makeTestDb>) {
  const insert = db.sqlite.prepare(
    'INSERT INTO jobs (task, payload, status, run_at, max_attempts, created_at, updated_at, finished_at) VALUES (?, \'{}\', ?, ?, 3, 0, 0, ?)',
  );
  insert.run('capture', 'queued', NOW - 5000, null); // due 5 s ago
  insert.run('capture', 'queued', NOW + 5000, null); // not due
  insert.run('capture', 'succeeded', 0, NOW - 8 * DAY); // old: purged
  insert.run('capture', 'succeeded', 0, NOW - 1 * DAY);
  insert.run('stage-sync', 'cancelled', 0, NOW - 9 * DAY); // old: purged
  insert.run('stage-sync', 'failed', 0, NOW - 20 * DAY); // kept longer
  insert.run('stage-sync', 'failed', 0, NOW - 31 * DAY); // old: purged
  insert.run('stage-sync', 'running', 0, null);
}

t.test('counts by status and task, and the age of the oldest due job', async (t) => {
  const db = makeTestDb(t);
  seed(db);
  const counts = await jobCounts(db.kysely, NOW);
  t.same(counts.byStatus, { queued: 2, running: 1, parked: 0, succeeded: 2, failed: 2, cancelled: 1 });
  t.same(counts.byTask, { capture: { queued: 2, succeeded: 2 }, 'stage-sync': { cancelled: 1, failed: 2, running: 1 } });
  t.equal(counts.oldestDueAgeMs, 5000);
});

t.test('the purge chore deletes old finished jobs and keeps failed ones longer', async (t) => {
  const db = makeTestDb(t);
  seed(db);
  t.equal(await purgeFinishedJobs(db.kysely, { now: NOW, keepSucceededMs: 7 * DAY, keepFailedMs: 30 * DAY }), 3);
  const left = db.sqlite.prepare('SELECT task, status FROM jobs ORDER BY id').all();
  t.same(left, [
    { task: 'capture', status: 'queued' },
    { task: 'capture', status: 'queued' },
    { task: 'capture', status: 'succeeded' },
    { task: 'stage-sync', status: 'failed' },
    { task: 'stage-sync', status: 'running' },
  ]);
  t.same((await jobCounts(db.kysely, NOW)).oldestDueAgeMs, 5000);
});
