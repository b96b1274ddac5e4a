// The job table never wedges (issue #13 item 1): a keyed job killed mid-run whose key is queued
// again before its lease runs out must not stop the scheduler; a stalled run cannot touch the lease
// of the run that replaced it in the same process; and a tick that cannot complete is visible.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { z } from 'zod';
import { openDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/log.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { enqueueJob, getJob, retryJob } from '../../src/jobs/queue.ts';
import { claimJobs, reclaimExpiredLeases } from '../../src/jobs/claim.ts';
import { createScheduler } from '../../src/jobs/scheduler.ts';
import { defineTask, taskRegistry } from '../../src/jobs/task.ts';
import { eachStore } from '../helpers/postgres.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { makeDataDir } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';
import { until } from '../helpers/until.ts';

const WORKER = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));

function startWorker(dbPath: string, env: Record<string, string>) {
  // The worker's upstream is never reached in this test before the kill matters: a closed port
  // would do, but the hanging run must first make its "effect", so give it a tiny server.
  const child = spawn(process.execPath, [WORKER, dbPath, env.UPSTREAM ?? ''], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

async function tinyUpstream(t: { teardown(fn: () => unknown): void }) {
  const { createServer } = await import('node:http');
  let notes = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(req.method === 'GET' ? '{}' : JSON.stringify({ id: `note-${++notes}` })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

t.test('SIGKILL during a keyed job, the key queued again before the lease runs out: every later job still runs', async (t) => {
  const dir = makeDataDir(t);
  const dbPath = join(dir, 'jobs.db');
  const db = openDb(dbPath);
  t.teardown(() => db.close());
  migrate(db.sqlite);
  const upstream = await tinyUpstream(t);
  const defaults = { now: Date.now(), maxAttempts: 5 };
  const first = await enqueueJob(db.kysely, { task: 'create-note', payload: { conversationId: '77' }, key: 'note:77' }, defaults);

  const crashed = startWorker(dbPath, { UPSTREAM: upstream, HANG_AFTER_EFFECT: '1', LEASE_MS: '400' });
  await until('the first run to make its effect', () => crashed.output().includes('EFFECT_DONE'));
  crashed.child.kill('SIGKILL');
  await crashed.exited;
  t.match(await getJob(db.kysely, first.id), { status: 'running' }, 'the killed run left its lease behind');

  // Before the lease runs out, the same key is queued again (a reopen and close, a sweep): as with a
  // grace window, the twin is due long after the lease; another job is due in between.
  const now = Date.now();
  const twin = await enqueueJob(db.kysely, { task: 'create-note', payload: { conversationId: '77' }, key: 'note:77', runAt: now + 2500 }, { ...defaults, now });
  const other = await enqueueJob(db.kysely, { task: 'create-note', payload: { conversationId: '78' }, key: 'note:78', runAt: now + 800 }, { ...defaults, now });
  t.equal(twin.result, 'inserted', 'the running job is not pending, so a new job takes the key');

  const restarted = startWorker(dbPath, { UPSTREAM: upstream, LEASE_MS: '400' });
  const finished = await Promise.race([
    until('the restarted worker to run everything', () => restarted.output().includes('ALL_DONE'), { timeoutMs: 20_000 }).then(() => true),
    restarted.exited.then(() => restarted.output().includes('ALL_DONE')),
  ]).catch(() => false);
  if (!finished) restarted.child.kill('SIGKILL');
  await restarted.exited;
  t.ok(finished, 'the restarted scheduler ran every job and went idle (it did not wedge on the expired lease)');
  t.match(await getJob(db.kysely, first.id), { status: 'cancelled', last_error: new RegExp(`superseded by job ${twin.id}`) }, 'the killed run ends as superseded');
  t.match(await getJob(db.kysely, twin.id), { status: 'succeeded' }, 'its twin ran');
  t.match(await getJob(db.kysely, other.id), { status: 'succeeded' }, 'a job of another key ran after the expiry');
});

eachStore(t, 'the reclaim cannot collide: two expired runs of one key, and a run whose key waits again', async (t, { kysely }) => {
  const defaults = { now: 0, maxAttempts: 5 };
  const claim = (now: number) => claimJobs(kysely, { workerId: 'w', now, leaseMs: 100, limit: 10, perConnectionLimit: 10, running: new Map() });
  const a = await enqueueJob(kysely, { task: 'x', payload: {}, key: 'k' }, defaults);
  await claim(0); // run A of key k, whose worker then dies
  const b = await enqueueJob(kysely, { task: 'x', payload: {}, key: 'k' }, { ...defaults, now: 10 });
  await claim(10); // run B of key k, whose worker dies too
  const c = await enqueueJob(kysely, { task: 'x', payload: {}, key: 'k', runAt: 10_000 }, { ...defaults, now: 20 }); // and the key waits again
  t.equal(await reclaimExpiredLeases(kysely, 1000), 2, 'both expired leases are dealt with in one statement that does not fail');
  t.match(await getJob(kysely, a.id), { status: 'cancelled', key: null, superseded_by: b.id });
  t.match(await getJob(kysely, b.id), { status: 'cancelled', key: null, superseded_by: c.id });
  t.match(await getJob(kysely, c.id), { status: 'queued', key: 'k' }, 'the newest job holds the key');
  const unfinished = await kysely.selectFrom('jobs').select('id').where('key', '=', 'k').where('status', 'in', ['queued', 'parked', 'running']).execute();
  t.equal(unfinished.length, 1, 'at most one unfinished row per key');
});

eachStore(t, 'an operator retry while the key runs detaches the run instead of adding a second holder', async (t, { kysely }) => {
  const defaults = { now: 0, maxAttempts: 5 };
  const failed = await enqueueJob(kysely, { task: 'x', payload: {}, key: 'k' }, defaults);
  await kysely.updateTable('jobs').set({ status: 'failed', finished_at: 1 }).where('id', '=', failed.id).execute();
  const running = await enqueueJob(kysely, { task: 'x', payload: {}, key: 'k' }, { ...defaults, now: 2 });
  await claimJobs(kysely, { workerId: 'w', now: 2, leaseMs: 100, limit: 10, perConnectionLimit: 10, running: new Map() });
  t.equal(await retryJob(kysely, failed.id, 3), 'retried');
  t.match(await getJob(kysely, running.id), { status: 'running', key: null, superseded_by: failed.id });
  t.equal(await reclaimExpiredLeases(kysely, 1000), 1);
  t.match(await getJob(kysely, running.id), { status: 'cancelled' });
  t.match(await getJob(kysely, failed.id), { status: 'queued', key: 'k' });
  t.equal(await retryJob(kysely, running.id, 5), 'superseded', 'the detached run is not retried: the job holding its key does the work');
  t.match(await getJob(kysely, running.id), { status: 'cancelled', key: null });
});

eachStore(t, 'a stalled run cannot finish or extend the lease of the run that replaced it in the same process', async (t, db) => {
  const clock = { now: 1_000_000 };
  const releases: Array<() => void> = [];
  let runs = 0;
  const slow = defineTask({
    name: 'slow',
    payload: z.object({}),
    run: async () => {
      runs += 1;
      await new Promise<void>((resolve) => releases.push(resolve));
    },
  });
  const options = {
    db: db.kysely, tasks: taskRegistry([slow]), log: createLogger('silent'), concurrency: 2, perConnectionConcurrency: 2,
    leaseMs: 1000, maxSleepMs: 60_000, backoff: { baseMs: 1, capMs: 1 }, clock: () => clock.now, workerId: 'one-process',
  };
  const first = createScheduler(options);
  const queue = createJobQueue({ db: db.kysely, clock: () => clock.now, maxAttempts: 3, notify: () => undefined });
  const { id } = await queue.enqueue({ task: 'slow', payload: {} });
  const stalled = first.drain();
  await until('the first run to start', () => runs === 1);
  clock.now += 5000; // the first run's lease runs out while it hangs
  // The same process (same worker id) reclaims the job and runs it again: a second run, still going.
  const second = createScheduler(options);
  const secondDrain = second.drain();
  await until('the second run to start', () => runs === 2);
  const secondLease = (await getJob(db.kysely, id))?.locked_by;
  releases[0]?.(); // the stalled first run now finishes "successfully"
  await stalled;
  t.match(await getJob(db.kysely, id), { status: 'running', locked_by: secondLease }, 'the stalled run\'s "done" is discarded: the second run still holds the job');
  releases[1]?.();
  await secondDrain;
  t.match(await getJob(db.kysely, id), { status: 'succeeded' }, 'the second run completes it');
  await first.stop(100);
  await second.stop(100);
});

eachStore(t, 'within one scheduler: a stalled run whose job was reclaimed and relaunched cannot complete the new run', async (t, db) => {
  const clock = { now: 1_000_000 };
  const releases: Array<() => void> = [];
  let runs = 0;
  const slow = defineTask({
    name: 'slow',
    payload: z.object({}),
    run: async () => {
      runs += 1;
      await new Promise<void>((resolve) => releases.push(resolve));
    },
  });
  const scheduler = createScheduler({
    db: db.kysely, tasks: taskRegistry([slow]), log: createLogger('silent'), concurrency: 2, perConnectionConcurrency: 2,
    leaseMs: 1000, maxSleepMs: 60_000, backoff: { baseMs: 1, capMs: 1 }, clock: () => clock.now,
  });
  const queue = createJobQueue({ db: db.kysely, clock: () => clock.now, maxAttempts: 3, notify: () => undefined });
  const { id } = await queue.enqueue({ task: 'slow', payload: {} });
  const first = scheduler.drain();
  await until('the first run to start', () => runs === 1);
  clock.now += 5000; // its lease runs out while it hangs; the same scheduler reclaims and relaunches it
  const second = scheduler.drain();
  await until('the second run to start', () => runs === 2);
  const secondLease = (await getJob(db.kysely, id))?.locked_by;
  releases[0]?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.match(await getJob(db.kysely, id), { status: 'running', locked_by: secondLease }, 'the stale run\'s "done" did not complete the job under the new lease');
  releases[1]?.();
  await Promise.all([first, second]);
  t.match(await getJob(db.kysely, id), { status: 'succeeded' }, 'the new run completes it');
  await scheduler.stop(100);
});

t.test('a tick that cannot complete: /readyz says why, the log says it once with a count, and it recovers', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { logDestination: logs });
  const { sqlite } = server.daemon.db;
  t.equal((await server.fetch('/readyz')).status, 200);
  // Every claim writes to the job table; make those writes fail, as a full disk or a broken table would.
  sqlite.exec("CREATE TRIGGER jobs_broken BEFORE UPDATE ON jobs BEGIN SELECT RAISE(ABORT, 'the disk refused the write'); END");
  await server.daemon.jobs.enqueue({ task: 'no-such-task', payload: {} });
  const notReady = await until('/readyz to report the failing scheduler', async () => {
    const response = await server.fetch('/readyz');
    return response.status === 503 ? ((await response.json()) as { checks: { scheduler: string } }) : null;
  });
  t.match(notReady.checks.scheduler, /^cannot run jobs since .* failed looks at the job table\): the disk refused the write$/);
  await until('several failed ticks', () => (server.daemon.scheduler.tickFailure()?.count ?? 0) >= 3, { timeoutMs: 10_000 });
  const said = logs.entries().filter((entry) => /cannot complete a look at the job table/.test(String(entry.msg)));
  t.equal(said.length, 1, `one log line for a repeated error, not one per tick (${server.daemon.scheduler.tickFailure()?.count} ticks failed)`);

  sqlite.exec('DROP TRIGGER jobs_broken');
  await until('/readyz to be ready again', async () => (await server.fetch('/readyz')).status === 200);
  const back = logs.entries().find((entry) => /running jobs again/.test(String(entry.msg)));
  t.ok(back && Number(back.times) >= 3, 'the recovery is logged with how often the error repeated');
  t.equal(server.daemon.scheduler.tickFailure(), null);
});
