import t from 'tap';
import { z } from 'zod';
import type { Db } from '../../src/db/database.ts';
import { createLogger } from '../../src/log.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { NeedsReauthError, outcome, PermanentJobError, RetryAfterError } from '../../src/jobs/outcomes.ts';
import { getJob, resumeConnectionJobs } from '../../src/jobs/queue.ts';
import { createScheduler, type SchedulerOptions } from '../../src/jobs/scheduler.ts';
import { defineTask, taskRegistry, type TaskDefinition } from '../../src/jobs/task.ts';
import { eachStore } from '../helpers/postgres.ts';
import { until } from '../helpers/until.ts';

const T0 = Date.UTC(2026, 10, 23, 12);

function setup(t: { teardown(fn: () => unknown): void }, db: Db, tasks: TaskDefinition[], overrides: Partial<SchedulerOptions> = {}) {
  const clock = { now: T0 };
  const scheduler = createScheduler({
    db: db.kysely,
    tasks: taskRegistry(tasks),
    log: createLogger('silent'),
    concurrency: 4,
    perConnectionConcurrency: 2,
    leaseMs: 60_000,
    maxSleepMs: 60 * 60_000,
    backoff: { baseMs: 1000, capMs: 60_000 },
    clock: () => clock.now,
    random: () => 0.5,
    ...overrides,
  });
  const queue = createJobQueue({ db: db.kysely, clock: () => clock.now, maxAttempts: 3, notify: scheduler.notify });
  t.teardown(() => scheduler.stop(1000));
  return { db, clock, scheduler, queue };
}

const jobRow = (db: Db, id: number) => getJob(db.kysely, id);

eachStore(t, 'done: a returned nothing marks the job succeeded', async (t, store) => {
  const seen: unknown[] = [];
  const { db, scheduler, queue } = setup(t, store, [defineTask({ name: 'echo', payload: z.object({ id: z.string() }), run: async (p) => void seen.push(p) })]);
  const { id } = await queue.enqueue({ task: 'echo', payload: { id: 'a' } });
  await scheduler.drain();
  t.same(seen, [{ id: 'a' }]);
  t.match(await jobRow(db, id), { status: 'succeeded', attempts: 1, locked_by: null, finished_at: T0 });
});

eachStore(t, 'not yet due jobs wait for the clock (grace windows run in milliseconds)', async (t, store) => {
  let runs = 0;
  const { db, clock, scheduler, queue } = setup(t, store, [defineTask({ name: 'capture', payload: z.object({}), run: async () => void runs++ })]);
  const { id } = await queue.enqueue({ task: 'capture', payload: {}, key: 'c:1', runAt: T0 + 10 * 60_000 });
  await scheduler.drain();
  t.equal(runs, 0, 'not before the grace window ends');
  clock.now += 5 * 60_000;
  await queue.enqueue({ task: 'capture', payload: {}, key: 'c:1', runAt: clock.now + 10 * 60_000 }); // a second close restarts it
  clock.now += 6 * 60_000;
  await scheduler.drain();
  t.equal(runs, 0, 'the restarted window has not ended');
  clock.now += 5 * 60_000;
  await scheduler.drain();
  t.equal(runs, 1, 'runs once when the window ends');
  t.match(await jobRow(db, id), { status: 'succeeded' });
});

eachStore(t, 'retry after a delay (Retry-After) does not use up an attempt', async (t, store) => {
  let calls = 0;
  const { db, clock, scheduler, queue } = setup(t, store, [
    defineTask({
      name: 'limited',
      payload: z.object({}),
      run: async () => {
        calls += 1;
        if (calls <= 5) throw new RetryAfterError(10_000, 'HubSpot 429: daily limit');
      },
    }),
  ]);
  const { id } = await queue.enqueue({ task: 'limited', payload: {}, maxAttempts: 2 });
  for (let i = 0; i < 5; i++) {
    await scheduler.drain();
    t.match(await jobRow(db, id), { status: 'queued', attempts: 0, run_at: clock.now + 10_000, last_error: 'HubSpot 429: daily limit' });
    clock.now += 10_000;
  }
  await scheduler.drain();
  t.match(await jobRow(db, id), { status: 'succeeded', attempts: 1 }, 'five waits, and the job still had all its attempts');
});

eachStore(t, 'retry with backoff, then fail with the last reason when attempts run out', async (t, store) => {
  const { db, clock, scheduler, queue } = setup(t, store, [
    defineTask({ name: 'flaky', payload: z.object({}), run: async () => { throw new Error('HubSpot 502 Bad Gateway'); } }),
  ]);
  const { id } = await queue.enqueue({ task: 'flaky', payload: {}, maxAttempts: 3 });
  await scheduler.drain();
  // random() = 0.5 → delay = 3/4 of the ceiling: base 1000 → 750, then 1500.
  t.match(await jobRow(db, id), { status: 'queued', attempts: 1, run_at: T0 + 750, last_error: 'HubSpot 502 Bad Gateway' });
  clock.now += 750;
  await scheduler.drain();
  t.match(await jobRow(db, id), { status: 'queued', attempts: 2, run_at: clock.now + 1500 });
  clock.now += 1500;
  await scheduler.drain();
  t.match(await jobRow(db, id), { status: 'failed', attempts: 3, last_error: 'gave up after 3 attempts: HubSpot 502 Bad Gateway' });
});

eachStore(t, 'fail permanently, by throwing or by returning the outcome', async (t, store) => {
  const { db, scheduler, queue } = setup(t, store, [
    defineTask({ name: 'thrower', payload: z.object({}), run: async () => { throw new PermanentJobError('HubSpot 400: property "foo" does not exist'); } }),
    defineTask({ name: 'returner', payload: z.object({}), run: async () => outcome.fail('the conversation was deleted in Intercom') }),
  ]);
  const a = await queue.enqueue({ task: 'thrower', payload: {} });
  const b = await queue.enqueue({ task: 'returner', payload: {} });
  await scheduler.drain();
  t.match(await jobRow(db, a.id), { status: 'failed', attempts: 1, last_error: 'HubSpot 400: property "foo" does not exist' });
  t.match(await jobRow(db, b.id), { status: 'failed', last_error: 'the conversation was deleted in Intercom' });
});

eachStore(t, 'park until re-authorised: the connection\'s jobs wait, others go on, and all resume', async (t, store) => {
  let reauthorised = false;
  const ran: string[] = [];
  const { db, clock, scheduler, queue } = setup(t, store, [
    defineTask({
      name: 'call',
      payload: z.object({ n: z.number() }),
      run: async (p, ctx) => {
        if (ctx.job.connectionId === 'c1' && !reauthorised) throw new NeedsReauthError('HubSpot refresh token revoked');
        ran.push(`${ctx.job.connectionId}:${p.n}`);
      },
    }),
  ], { concurrency: 1 });
  const first = await queue.enqueue({ task: 'call', payload: { n: 1 }, connectionId: 'c1' });
  const second = await queue.enqueue({ task: 'call', payload: { n: 2 }, connectionId: 'c1', runAt: T0 + 1 });
  await queue.enqueue({ task: 'call', payload: { n: 3 }, connectionId: 'c2' });
  await scheduler.drain();
  t.match(await jobRow(db, first.id), { status: 'parked', attempts: 0, last_error: 'HubSpot refresh token revoked' });
  t.match(await jobRow(db, second.id), { status: 'parked' }, 'its other queued jobs park too');
  t.same(ran, ['c2:3'], 'another connection is not stalled');
  clock.now += 60_000;
  await scheduler.drain();
  t.same(ran, ['c2:3'], 'parked jobs do not run as time passes');
  reauthorised = true;
  t.equal(await resumeConnectionJobs(db.kysely, 'c1', clock.now), 2);
  await scheduler.drain();
  t.same(ran.sort(), ['c1:1', 'c1:2', 'c2:3']);
});

eachStore(t, 'bad rows fail permanently with a reason instead of crash-looping', async (t, store) => {
  const { db, scheduler, queue } = setup(t, store, [defineTask({ name: 'typed', payload: z.object({ conversationId: z.string() }), run: async () => undefined })]);
  const unknown = await queue.enqueue({ task: 'removed-in-upgrade', payload: {} });
  const mismatched = await queue.enqueue({ task: 'typed', payload: { conversationId: 42 } });
  // A payload that is not JSON at all gets past the CHECK only on SQLite (a corrupted file, an old bug).
  let corrupt: number | undefined;
  if (db.dialect === 'sqlite') {
    db.sqlite.pragma('ignore_check_constraints = 1');
    corrupt = Number(
      db.sqlite
        .prepare(`INSERT INTO jobs (task, payload, status, run_at, max_attempts, created_at, updated_at) VALUES ('typed', '{not json', 'queued', ?, 3, 0, 0)`)
        .run(T0).lastInsertRowid,
    );
    db.sqlite.pragma('ignore_check_constraints = 0');
  }
  await scheduler.drain();
  t.match(await jobRow(db, unknown.id), { status: 'failed', attempts: 1, last_error: "no handler is registered for task 'removed-in-upgrade' (was it removed in an upgrade?)" });
  t.match(await jobRow(db, mismatched.id), { status: 'failed', last_error: "the payload does not match task 'typed': conversationId: Invalid input: expected string, received number" });
  if (corrupt !== undefined) t.match(await jobRow(db, corrupt), { status: 'failed', last_error: `the payload of job ${corrupt} is not valid JSON` });
});

eachStore(t, 'a handler that throws a non-Error value is recorded readably', async (t, store) => {
  const values: unknown[] = ['plain string', { code: 'E_WEIRD', detail: 1 }, undefined, 42];
  const { db, scheduler, queue } = setup(t, store, [
    defineTask({ name: 'odd', payload: z.object({ i: z.number() }), run: async (p) => { throw values[p.i]; } }),
  ]);
  const ids = await Promise.all(values.map((_, i) => queue.enqueue({ task: 'odd', payload: { i } })));
  await scheduler.drain();
  const errors = await Promise.all(ids.map(async ({ id }) => (await jobRow(db, id))?.last_error));
  t.same(errors, [
    'plain string',
    'the handler threw a non-Error value: {"code":"E_WEIRD","detail":1}',
    'the handler threw undefined',
    'the handler threw a non-Error value: 42',
  ]);
});

eachStore(t, 'a late finisher cannot overwrite a job another run has reclaimed', async (t, store) => {
  let release: () => void = () => undefined;
  let runs = 0;
  const { db, clock, scheduler, queue } = setup(t, store, [
    defineTask({
      name: 'slow',
      payload: z.object({}),
      run: async () => {
        runs += 1;
        if (runs === 1) await new Promise<void>((resolve) => { release = resolve; });
        else return outcome.fail('the second run decided this');
      },
    }),
  ], { leaseMs: 1000 });
  const { id } = await queue.enqueue({ task: 'slow', payload: {} });
  const stalled = scheduler.drain();
  await new Promise((resolve) => setTimeout(resolve, 50));
  // The lease runs out while the first run hangs; a second worker takes the job and finishes it.
  clock.now += 2000;
  const other = createScheduler({
    db: db.kysely, tasks: taskRegistry([defineTask({ name: 'slow', payload: z.object({}), run: async () => outcome.fail('the second run decided this') })]),
    log: createLogger('silent'), concurrency: 1, perConnectionConcurrency: 1, leaseMs: 1000, maxSleepMs: 60_000,
    backoff: { baseMs: 1, capMs: 1 }, clock: () => clock.now,
  });
  await other.drain();
  t.match(await jobRow(db, id), { status: 'failed', attempts: 2, last_error: 'the second run decided this' });
  release();
  await stalled;
  t.match(await jobRow(db, id), { status: 'failed', last_error: 'the second run decided this' }, 'the first run\'s late "done" was discarded');
});

eachStore(t, 'fair across connections: one connection\'s 10,000 due jobs do not starve another\'s one', async (t, store) => {
  const order: string[] = [];
  const { db, scheduler, queue } = setup(t, store, [
    defineTask({ name: 'work', payload: z.object({}), run: async (_p, ctx) => void order.push(ctx.job.connectionId ?? '-') }),
  ], { concurrency: 4, perConnectionConcurrency: 4 });
  const busy = Array.from({ length: 10_000 }, (_, i) => ({ task: 'work', payload: '{}', connection_id: 'busy', status: 'queued' as const, run_at: T0 - 60_000 + i, attempts: 0, max_attempts: 3, created_at: 0, updated_at: 0 }));
  await db.kysely.transaction().execute(async (trx) => {
    for (let at = 0; at < busy.length; at += 1000) await trx.insertInto('jobs').values(busy.slice(at, at + 1000)).execute();
  });
  await queue.enqueue({ task: 'work', payload: {}, connectionId: 'quiet' }); // due now, i.e. after all the others
  const draining = scheduler.drain();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await draining;
  const position = order.indexOf('quiet');
  t.equal(order.length, 10_001);
  t.ok(position >= 0 && position < 8, `the quiet connection's job ran at position ${position}, not after 10,000 others`);
});

eachStore(t, 'concurrency: never more than the global and per-connection limits at once', async (t, store) => {
  let now = 0;
  let peak = 0;
  const perConnection = new Map<string, number>();
  let peakPerConnection = 0;
  const { scheduler, queue } = setup(t, store, [
    defineTask({
      name: 'busy',
      payload: z.object({}),
      run: async (_p, ctx) => {
        const c = ctx.job.connectionId ?? '';
        now += 1;
        perConnection.set(c, (perConnection.get(c) ?? 0) + 1);
        peak = Math.max(peak, now);
        peakPerConnection = Math.max(peakPerConnection, perConnection.get(c) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 5));
        now -= 1;
        perConnection.set(c, (perConnection.get(c) ?? 0) - 1);
      },
    }),
  ], { concurrency: 4, perConnectionConcurrency: 2 });
  for (let i = 0; i < 30; i++) await queue.enqueue({ task: 'busy', payload: {}, connectionId: `c${i % 3}` });
  await scheduler.drain();
  t.equal(peak, 4, 'the global limit is reached and held');
  t.equal(peakPerConnection, 2, 'no connection exceeds its share');
});

eachStore(t, 'the live loop wakes at once for a job due now and sleeps until the next due time', async (t, store) => {
  const done: string[] = [];
  let signal: (() => void) | undefined;
  const { scheduler, queue } = setup(t, store, [
    defineTask({ name: 'mark', payload: z.object({ n: z.string() }), run: async (p) => { done.push(p.n); signal?.(); } }),
  ], { clock: Date.now, maxSleepMs: 60 * 60_000 });
  scheduler.start();
  const waitFor = (n: number) => new Promise<void>((resolve) => { signal = () => done.length >= n && resolve(); });
  // With an hour between looks, only a wake-up on enqueue or a planned timer can run these.
  const first = waitFor(1);
  await queue.enqueue({ task: 'mark', payload: { n: 'now' } });
  await first;
  const second = waitFor(2);
  await queue.enqueue({ task: 'mark', payload: { n: 'soon' }, runAt: Date.now() + 200 });
  await second;
  t.same(done, ['now', 'soon']);
  t.ok(scheduler.lastHeartbeat(), 'the loop records its heartbeat');
});

eachStore(t, 'during an intake burst that never ends the work still moves: every job runs, once', async (t, store) => {
  const done: number[] = [];
  const { db, scheduler, queue } = setup(t, store, [defineTask({ name: 'event', payload: z.object({ n: z.number() }), run: async (p) => void done.push(p.n) })], {
    clock: Date.now,
    // An hour between planned looks: only the burst's spaced ticks can run these.
    maxSleepMs: 60 * 60_000,
    intakeBusy: () => true,
  });
  scheduler.start();
  for (let n = 0; n < 30; n += 1) await queue.enqueue({ task: 'event', payload: { n } });
  await until('all 30 jobs done', () => done.length >= 30 && scheduler.runningCount() === 0);
  t.same([...done].sort((a, b) => a - b), Array.from({ length: 30 }, (_, n) => n), 'each job ran once');
  const succeeded = await db.kysely.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow();
  t.equal(Number(succeeded.n), 30, 'and is recorded as succeeded');
});

eachStore(t, 'during an intake burst a look claims one job, not a slot for each free worker', async (t, store) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let busy = true;
  const { scheduler, queue } = setup(t, store, [defineTask({ name: 'held', payload: z.object({}), run: async () => gate })], {
    clock: Date.now,
    maxSleepMs: 60 * 60_000,
    intakeBusy: () => busy,
  });
  for (let n = 0; n < 6; n += 1) await queue.enqueue({ task: 'held', payload: {} });
  scheduler.start();
  await until('the first look to launch a job', () => scheduler.runningCount() > 0);
  t.equal(scheduler.runningCount(), 1, 'one job from this look (the scheduler has room for more)');
  busy = false;
  scheduler.notify();
  await until('the burst over, the next look fills the free slots', () => scheduler.runningCount() > 1);
  release();
  await until('all done', () => scheduler.runningCount() === 0);
});

eachStore(t, 'stop: no new claims, in-flight jobs finish; past the timeout they go back to the queue', async (t, store) => {
  let release: () => void = () => undefined;
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => { started = resolve; });
  const { db, scheduler, queue } = setup(t, store, [
    defineTask({ name: 'long', payload: z.object({}), run: async (_p, ctx) => {
      started();
      await new Promise<void>((resolve) => { release = resolve; ctx.signal.addEventListener('abort', () => resolve()); });
    } }),
    defineTask({ name: 'quick', payload: z.object({}), run: async () => undefined }),
  ], { clock: Date.now, maxSleepMs: 60_000 });
  scheduler.start();
  const { id } = await queue.enqueue({ task: 'long', payload: {} });
  await running;
  const result = await scheduler.stop(100);
  t.same(result, { unfinished: 1 });
  const late = await queue.enqueue({ task: 'quick', payload: {} });
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.match(await jobRow(db, late.id), { status: 'queued' }, 'a stopped scheduler claims nothing');
  t.match(await jobRow(db, id), { status: 'queued', attempts: 0, last_error: 'interrupted by shutdown' }, 'handed back with its attempt refunded');
  release();
});

eachStore(t, 'stop waits for a job that finishes within the timeout', async (t, store) => {
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => { started = resolve; });
  const { db, scheduler, queue } = setup(t, store, [
    defineTask({ name: 'short', payload: z.object({}), run: async () => { started(); await new Promise((r) => setTimeout(r, 100)); } }),
  ], { clock: Date.now });
  scheduler.start();
  const { id } = await queue.enqueue({ task: 'short', payload: {} });
  await running;
  t.same(await scheduler.stop(5000), { unfinished: 0 });
  t.match(await jobRow(db, id), { status: 'succeeded' });
});

eachStore(t, 'handler durations are recorded per task', async (t, store) => {
  const { scheduler, queue } = setup(t, store, [defineTask({ name: 'timed', payload: z.object({}), run: async () => { await new Promise((r) => setTimeout(r, 5)); } })]);
  for (let i = 0; i < 3; i++) await queue.enqueue({ task: 'timed', payload: {} });
  await scheduler.drain();
  const stats = scheduler.handlerDurations().timed;
  t.equal(stats?.count, 3);
  t.ok((stats?.p50Ms ?? 0) >= 4 && (stats?.maxMs ?? 0) >= (stats?.p50Ms ?? 0));
});

eachStore(t, 'a short lease is renewed before it runs out, so a second worker cannot take the running job', async (t, store) => {
  // Real time: the renewal timer and the lease are both measured in it.
  let release: () => void = () => undefined;
  let runs = 0;
  const { db, scheduler, queue } = setup(t, store, [
    defineTask({ name: 'slow', payload: z.object({}), run: async () => { runs += 1; await new Promise<void>((resolve) => { release = resolve; }); } }),
  ], { leaseMs: 600, clock: Date.now });
  const { id } = await queue.enqueue({ task: 'slow', payload: {} });
  const running = scheduler.drain();
  // Three lease lengths later, another worker looks for due or expired work.
  await new Promise((resolve) => setTimeout(resolve, 1800));
  const other = createScheduler({
    db: db.kysely, tasks: taskRegistry([defineTask({ name: 'slow', payload: z.object({}), run: async () => void (runs += 1) })]),
    log: createLogger('silent'), concurrency: 1, perConnectionConcurrency: 1, leaseMs: 600, maxSleepMs: 60_000,
    backoff: { baseMs: 1, capMs: 1 }, clock: Date.now,
  });
  await other.drain();
  t.equal(runs, 1, 'the job ran once: its lease was renewed in time');
  release();
  await running;
  t.match(await jobRow(db, id), { status: 'succeeded', attempts: 1 });
});
