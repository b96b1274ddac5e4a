// Several replicas sharing one job table on PostgreSQL (issue #21 item 2): two Db handles on one
// database stand for two daemons. Every job runs once; a replica that stops without finishing has
// its jobs taken by the other after the lease; a job enqueued on one replica wakes the other's
// scheduler (LISTEN/NOTIFY), also after its listening connection was cut; a chore's time runs on one
// replica at a time; and two replicas enqueuing one key leave one pending job, never an error.
import t from 'tap';
import { z } from 'zod';
import { choreGuard, type Chore } from '../../src/chores.ts';
import type { PostgresDb } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { createLogger } from '../../src/log.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { listenForWakeUps } from '../../src/jobs/listen-wake-ups.ts';
import { enqueueJob, getJob, listJobs } from '../../src/jobs/queue.ts';
import { createScheduler, type SchedulerOptions } from '../../src/jobs/scheduler.ts';
import { defineTask, taskRegistry, type TaskDefinition } from '../../src/jobs/task.ts';
import { createWakeUps } from '../../src/jobs/wake-ups.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { until } from '../helpers/until.ts';

const log = createLogger('silent');

/** A second handle on the same database: another replica's pool. */
function secondReplica(t: { teardown(fn: () => unknown): void }, first: PostgresDb): PostgresDb {
  // The test cluster trusts local connections: the redacted URL has no password to lose.
  const db = openPostgres(first.url);
  t.teardown(() => db.close());
  return db;
}

/** One replica's job side as context.ts wires it: queue → wake-ups (local and LISTEN) → scheduler. */
function replica(t: { teardown(fn: () => unknown): void }, db: PostgresDb, tasks: TaskDefinition[], overrides: Partial<SchedulerOptions> = {}) {
  const clock = overrides.clock ?? Date.now;
  const wakeUps = createWakeUps();
  const listener = listenForWakeUps({ pool: db.pool, wakeUps, log, clock });
  const queue = createJobQueue({ db: db.kysely, clock, maxAttempts: 3, notify: wakeUps.raise });
  const scheduler = createScheduler({
    db: db.kysely,
    tasks: taskRegistry(tasks),
    log,
    concurrency: 4,
    perConnectionConcurrency: 4,
    leaseMs: 60_000,
    maxSleepMs: 60 * 60_000,
    backoff: { baseMs: 1, capMs: 1 },
    wakeUps,
    ...overrides,
  });
  t.teardown(async () => {
    await scheduler.stop(1000);
    await listener.close();
  });
  return { queue, scheduler, listener };
}

t.test('two replicas, 200 jobs: every job runs exactly once', async (t) => {
  const a = await makeTestPgDb(t);
  const b = secondReplica(t, a);
  const runs = new Map<number, string[]>();
  const work = (name: string) =>
    defineTask({
      name: 'work',
      payload: z.object({ n: z.number() }),
      run: async (payload) => {
        runs.set(payload.n, [...(runs.get(payload.n) ?? []), name]);
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
  const one = replica(t, a, [work('a')]);
  const two = replica(t, b, [work('b')]);
  one.scheduler.start();
  two.scheduler.start();
  // Enqueued on both replicas, over five connections, while both schedulers claim.
  await Promise.all([0, 1].map(async (side) => {
    for (let n = side; n < 200; n += 2) await (side === 0 ? one : two).queue.enqueue({ task: 'work', payload: { n }, connectionId: `c${n % 5}` });
  }));
  await until('all 200 jobs recorded as succeeded', async () => (await listJobs(a.kysely, { status: 'succeeded', limit: 1000 })).length === 200, { timeoutMs: 60_000 });
  const twice = [...runs].filter(([, by]) => by.length !== 1);
  t.same(twice, [], 'no job ran twice');
  t.equal(runs.size, 200, 'every job ran');
});

t.test('a replica that stops without finishing: the other takes its jobs once the lease has run out', async (t) => {
  const a = await makeTestPgDb(t);
  const b = secondReplica(t, a);
  const clock = { now: 1_000_000 };
  const ranOn: Record<string, number[]> = { a: [], b: [] };
  const task = (name: 'a' | 'b') =>
    defineTask({
      name: 'work',
      payload: z.object({ n: z.number() }),
      run: async (payload) => {
        ranOn[name]?.push(payload.n);
        // Replica a's runs never end: it is about to disappear.
        if (name === 'a') await new Promise(() => undefined);
      },
    });
  const options = { clock: () => clock.now, leaseMs: 1000 };
  const dying = createScheduler({
    db: a.kysely, tasks: taskRegistry([task('a')]), log, concurrency: 4, perConnectionConcurrency: 4, leaseMs: 1000, maxSleepMs: 60_000, backoff: { baseMs: 1, capMs: 1 }, clock: options.clock,
  });
  const queue = createJobQueue({ db: b.kysely, clock: options.clock, maxAttempts: 3, notify: () => undefined });
  const ids: number[] = [];
  for (let n = 0; n < 6; n += 1) ids.push((await queue.enqueue({ task: 'work', payload: { n } })).id);
  void dying.drain().catch(() => undefined);
  await until('replica a to be running four jobs', () => ranOn.a?.length === 4);
  // Replica a goes away: its pool closes, so its leases are never renewed nor its jobs finished.
  await a.close();
  const survivor = replica(t, b, [task('b')], options);
  await survivor.scheduler.drain();
  t.same(ranOn.b?.slice(0, 2).sort(), [4, 5], 'before the lease runs out only the jobs nobody held ran');
  t.same((await listJobs(b.kysely, { status: 'running' })).length, 4, "replica a's four jobs still wait for their lease");
  clock.now += 1001;
  await survivor.scheduler.drain();
  t.same([...(ranOn.b ?? [])].sort(), [0, 1, 2, 3, 4, 5], 'after it, replica b ran every job, each once');
  for (const id of ids) t.match(await getJob(b.kysely, id), { status: 'succeeded' });
  const retaken = await Promise.all(ids.slice(0, 4).map((id) => getJob(b.kysely, id)));
  t.same(retaken.map((job) => job?.attempts), [2, 2, 2, 2], "a's attempt stays used");
});

t.test("a job enqueued on one replica wakes the other's scheduler, also after its listening connection was cut", async (t) => {
  const a = await makeTestPgDb(t);
  const b = secondReplica(t, a);
  const ran: number[] = [];
  const mark = defineTask({ name: 'mark', payload: z.object({ n: z.number() }), run: async (payload) => void ran.push(payload.n) });
  // Replica a only enqueues (its scheduler never starts); replica b sleeps an hour between looks.
  const sender = replica(t, a, [mark]);
  const sleeper = replica(t, b, [mark], { maxSleepMs: 60 * 60_000 });
  await sleeper.listener.ready;
  sleeper.scheduler.start();
  await until("replica b's first look", () => sleeper.scheduler.lastHeartbeat() !== null);
  await new Promise((resolve) => setTimeout(resolve, 100)); // and its plan to sleep an hour
  await sender.queue.enqueue({ task: 'mark', payload: { n: 1 } });
  await until('replica b to run the job enqueued on replica a, long before its hour of sleep', () => ran.includes(1));

  // The server drops b's listening connection: b reconnects, and a job enqueued then still wakes it.
  await a.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN interhubz_jobs'");
  await until("replica b's listener to reconnect", () => sleeper.listener.reconnects() >= 1);
  await until('replica b to listen again', async () => {
    const rows = await a.pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN interhubz_jobs'");
    return Number(rows.rows[0]?.n) >= 2;
  });
  await sender.queue.enqueue({ task: 'mark', payload: { n: 2 } });
  await until('replica b to run the job enqueued after the reconnect', () => ran.includes(2));
  t.same(ran, [1, 2]);
});

t.test('two replicas running the same chore at once: it runs once', async (t) => {
  const a = await makeTestPgDb(t);
  const b = secondReplica(t, a);
  let runs = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const chore: Chore = {
    name: 'purge-something',
    schedule: '* * * * *',
    run: async () => {
      runs += 1;
      await gate;
    },
  };
  const first = choreGuard(a)(chore, 60_000);
  await until('the first replica to be running it', () => runs === 1);
  t.equal(await choreGuard(b)(chore, 60_000), false, 'the second replica skips the run the first is doing');
  release();
  t.equal(await first, true);
  t.equal(runs, 1, 'it ran once');
  t.equal(await choreGuard(b)(chore, 120_000), true, 'once the first is done, the next run may be anyone’s');
  t.equal(runs, 2);
  t.equal(await choreGuard(b)({ ...chore, name: 'another-chore', run: async () => void (runs += 10) }, 120_000), true, 'other chores are not held by it');
});

t.test('a replica whose cron fires after another ran that time skips it; the next time runs', async (t) => {
  const a = await makeTestPgDb(t);
  const b = secondReplica(t, a);
  const ran: string[] = [];
  const chore = (replica: string): Chore => ({ name: 'refresh-something', schedule: '* * * * *', run: async () => void ran.push(replica) });
  t.equal(await choreGuard(a)(chore('a'), 60_000), true, 'a runs the 60-s time');
  t.equal(await choreGuard(b)(chore('b'), 60_000), false, 'b, a moment late, finds it run already');
  t.equal(await choreGuard(a)(chore('a'), 60_000), false, 'nor does a run it again');
  t.equal(await choreGuard(b)(chore('b'), 120_000), true, 'the next time is run, by whoever comes first');
  t.equal(await choreGuard(a)(chore('a'), 60_000), false, 'an earlier time seen late is not run after a later one');
  t.same(ran, ['a', 'b']);
  const failing: Chore = { name: 'fails', schedule: '* * * * *', run: async () => Promise.reject(new Error('HubSpot is down')) };
  await t.rejects(choreGuard(a)(failing, 60_000), /HubSpot is down/, 'a failed run fails as on SQLite');
  t.equal(await choreGuard(b)({ ...failing, run: async () => void ran.push('b') }, 60_000), false, 'and that time is not run again elsewhere: it runs at its next time');
});

t.test('two replicas enqueuing one key at once: one pending job, never a key collision', async (t) => {
  const a = await makeTestPgDb(t);
  const b = secondReplica(t, a);
  const defaults = (now: number) => ({ now, maxAttempts: 3 });
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => enqueueJob(i % 2 === 0 ? a.kysely : b.kysely, { task: 'capture', payload: { i }, key: 'capture:1', runAt: 1000 + i }, defaults(i))),
  );
  const pending = await listJobs(a.kysely, { status: 'queued' });
  t.equal(pending.length, 1, 'one pending job holds the key');
  t.equal(results.filter((result) => result.result === 'inserted').length, 1, 'one enqueue inserted it; the others replaced it');
  t.ok(results.every((result) => result.id === pending[0]?.id), 'every enqueue names that job');
});
