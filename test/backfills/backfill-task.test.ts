// The backfill framework with a made-up source (a fake RunBackfillPage): one page per job, the
// counts and the cursor committed with the next page's job, a restart that goes on from the stored
// cursor, pause/resume/cancel, a failure that is visible, and live work claimed first.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { listActivity } from '../../src/activity/activity-log.ts';
import { BackfillRefusedError, cancelBackfill, pauseBackfill, resumeBackfill, startBackfill, type BackfillControlDeps } from '../../src/backfills/backfill-control.ts';
import type { BackfillPageInput, BackfillPages, RunBackfillPage } from '../../src/backfills/backfill-kind.ts';
import { changeState, commitPage, getBackfill } from '../../src/backfills/backfill-store.ts';
import { BACKFILL_PAGE_TASK, BACKFILL_PRIORITY, backfillTasks, keepBackfillsMoving } from '../../src/backfills/backfill-task.ts';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { openDb, type Db } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { insertConnection, setPaused } from '../../src/db/repos/connections.ts';
import { createJobQueue, type JobQueue } from '../../src/jobs/job-queue.ts';
import { PermanentJobError } from '../../src/jobs/outcomes.ts';
import { cancelJob, listJobs } from '../../src/jobs/queue.ts';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.ts';
import { defineTask, taskRegistry, type TaskDefinition } from '../../src/jobs/task.ts';
import { createLogger } from '../../src/log.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { makeDataDir, type Teardownable } from '../helpers/server.ts';

const T0 = Date.UTC(2026, 11, 4, 12);
const CONNECTION = 'conn-1';

/** 25 records, 10 a page: cursors null → '10' → '20' → exhausted; every record created. */
function source(size = 25, perPage = 10) {
  const calls: Array<string | null> = [];
  const page: RunBackfillPage = async ({ cursor }) => {
    calls.push(cursor);
    const from = cursor === null ? 0 : Number(cursor);
    const to = Math.min(size, from + perPage);
    return { cursor: to >= size ? null : String(to), counts: { created: to - from, updated: 0, unchanged: 0, skippedByFilter: 0, failed: 0 }, total: { value: size, estimate: false } };
  };
  return { calls, page };
}

interface Harness {
  db: Db;
  clock: { now: number };
  scheduler: Scheduler;
  queue: JobQueue;
  control: BackfillControlDeps;
  /** The process stops while a page runs (the restart test): the scheduler hands the job back. */
  stopWithPageInFlight(): Promise<void>;
}

/** Where a test's store lives: each harness opens a handle of its own on it, as each process would. */
interface Place {
  open(): Db;
}

/**
 * Runs `fn` as `${name} [sqlite]` (a database file) and `${name} [postgres]` (a database): eachStore,
 * but a place rather than an open handle, so the restart test can open the store again after closing it.
 */
function eachPlace(t: Test, name: string, fn: (t: Test, place: Place) => Promise<void>): void {
  t.test(`${name} [sqlite]`, async (t) => {
    // Registered first, so removed last (teardowns run last first): after every harness closed the file.
    const file = join(makeDataDir(t), 'backfill.db');
    await fn(t, {
      open: () => {
        const db = openDb(file);
        migrate(db.sqlite);
        return db;
      },
    });
  });
  t.test(`${name} [postgres]`, async (t) => {
    // Dropped last, as above; the test server trusts its clients, so the URL without a password connects.
    const { url } = await makeTestPgDb(t);
    await fn(t, { open: () => openPostgres(url) });
  });
}

/** A scheduler over the store with the backfill task and the given pages (and extra tasks). */
function harness(t: Teardownable, place: Place, pages: Partial<BackfillPages>, extra: TaskDefinition[] = [], clock = { now: T0 }, concurrency = 1): Harness {
  const db = place.open();
  let notify: (runAt: number) => void = () => undefined;
  const queue = createJobQueue({ db: db.kysely, clock: () => clock.now, maxAttempts: 3, notify: (runAt) => notify(runAt) });
  const unused: RunBackfillPage = async () => Promise.reject(new Error('this kind is not part of the test'));
  const tasks = backfillTasks({ db: db.kysely, jobs: queue, now: () => clock.now, pages: { contacts: unused, companies: unused, conversations: unused, ...pages } });
  const scheduler = createScheduler({
    db: db.kysely, tasks: taskRegistry([...tasks, ...extra]), log: createLogger('silent'), concurrency, perConnectionConcurrency: concurrency,
    leaseMs: 60_000, maxSleepMs: 60_000, backoff: { baseMs: 1000, capMs: 60_000 }, clock: () => clock.now, random: () => 0.5,
  });
  notify = (runAt) => scheduler.notify(runAt);
  let closed = false;
  // One teardown, in order: the scheduler, then the database (its checkpoint worker, its pool).
  t.teardown(async () => {
    if (closed) return;
    await scheduler.stop(1000);
    await db.close();
  });
  const stopWithPageInFlight = async () => {
    closed = true;
    await scheduler.stop(50);
    await db.close();
  };
  return { db, clock, queue, scheduler, control: { db: db.kysely, jobs: queue, now: () => clock.now }, stopWithPageInFlight };
}

async function withConnection(db: Db): Promise<void> {
  const settings = ConnectionSettings.parse({ recordSync: { contacts: { enabled: true } } });
  await insertConnection(db.kysely, {
    id: CONNECTION, name: 'Acme', status: 'active', createdAt: T0, intercomWorkspaceId: 'ws1', intercomRegion: 'us', hubspotPortalId: 1,
    intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: 'token', settings,
  });
}

const pageJobs = (h: Harness) => listJobs(h.db.kysely, { task: BACKFILL_PAGE_TASK });

eachPlace(t, 'pages through the source, one job a page, adding the counts; done when the source is exhausted', async (t, place) => {
  const fake = source();
  const h = harness(t, place, { contacts: fake.page });
  await withConnection(h.db);
  const started = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  t.match(started, { state: 'running', cursor: null, pages: 0, counts: { created: 0 } });
  await h.scheduler.drain();
  t.same(fake.calls, [null, '10', '20'], 'each page from the cursor the one before stored');
  const done = await getBackfill(h.db.kysely, CONNECTION, started.id);
  t.match(done, { state: 'done', pages: 3, cursor: null, total: 25, totalIsEstimate: false, counts: { created: 25, updated: 0, failed: 0 }, finishedAt: T0 });
  const jobs = await pageJobs(h);
  t.equal(jobs.length, 3, 'one job a page');
  t.ok(jobs.every((job) => job.status === 'succeeded' && job.priority === BACKFILL_PRIORITY && job.connection_id === CONNECTION));
});

eachPlace(t, 'a restart goes on from the stored cursor: finished pages are not done again', async (t, place) => {
  const first = source();
  let release: () => void = () => undefined;
  const inFlight = new Promise<void>((resolve) => (release = resolve));
  // The third page never ends in the first process: it is stopped while the page runs.
  const hanging: RunBackfillPage = async (input) => {
    if (input.cursor === '20') {
      release();
      return new Promise(() => undefined);
    }
    return first.page(input);
  };
  const before = harness(t, place, { contacts: hanging });
  await withConnection(before.db);
  const { id } = await startBackfill(before.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  before.scheduler.start();
  await inFlight;
  await before.stopWithPageInFlight();
  t.same(first.calls, [null, '10']);

  const second = source();
  const after = harness(t, place, { contacts: second.page });
  t.match(await getBackfill(after.db.kysely, CONNECTION, id), { state: 'running', cursor: '20', pages: 2, counts: { created: 20 } }, 'the stored cursor and the finished pages survive');
  await after.scheduler.drain();
  t.same(second.calls, ['20'], 'only the page in flight is done again');
  t.match(await getBackfill(after.db.kysely, CONNECTION, id), { state: 'done', pages: 3, counts: { created: 25 } });
});

eachPlace(t, 'a page run twice at once counts once', async (t, place) => {
  const h = harness(t, place, {});
  await withConnection(h.db);
  const backfill = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  const page = { fromPages: 0, cursor: '10', counts: { created: 10, updated: 0, unchanged: 0, skippedByFilter: 0, failed: 0 }, now: T0 };
  t.ok(await commitPage(h.db.kysely, backfill, page));
  t.equal(await commitPage(h.db.kysely, backfill, page), undefined, 'the second commit of page 0 is refused');
  t.match(await getBackfill(h.db.kysely, CONNECTION, backfill.id), { pages: 1, counts: { created: 10 } });
});

t.test('pause, resume and cancel', async (t) => {
  eachPlace(t, 'pausing cancels the queued page; resuming goes on from the stored cursor', async (t, place) => {
    const fake = source();
    const h = harness(t, place, { contacts: fake.page });
    await withConnection(h.db);
    const b = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
    const paused = await pauseBackfill(h.control, CONNECTION, b.id);
    t.match(paused, { state: 'paused', finishedAt: null });
    t.match(await pageJobs(h), [{ status: 'cancelled' }], 'the queued page is cancelled');
    await h.scheduler.drain();
    t.same(fake.calls, [], 'no page runs while paused');
    t.match(await pauseBackfill(h.control, CONNECTION, b.id), { state: 'paused' }, 'pausing again changes nothing');
    t.match(await resumeBackfill(h.control, CONNECTION, b.id), { state: 'running' });
    await h.scheduler.drain();
    t.same(fake.calls, [null, '10', '20']);
    t.match(await getBackfill(h.db.kysely, CONNECTION, b.id), { state: 'done', counts: { created: 25 } });
  });

  eachPlace(t, 'a pause while a page runs: the page keeps its counts and queues no next page', async (t, place) => {
    const fake = source();
    let h: Harness | undefined;
    const pausing: RunBackfillPage = async (input: BackfillPageInput) => {
      const result = await fake.page(input);
      // A person presses Pause while this page is in flight.
      if (input.cursor === '10' && h) await pauseBackfill(h.control, CONNECTION, input.backfill.id);
      return result;
    };
    h = harness(t, place, { contacts: pausing });
    await withConnection(h.db);
    const { id } = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
    await h.scheduler.drain();
    t.same(fake.calls, [null, '10']);
    t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'paused', cursor: '20', pages: 2, counts: { created: 20 } });
    t.notOk((await pageJobs(h)).some((job) => job.status === 'queued'), 'no page waits');
    await resumeBackfill(h.control, CONNECTION, id);
    await h.scheduler.drain();
    t.same(fake.calls, [null, '10', '20'], 'resumed at the page after the paused one');
    t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'done', counts: { created: 25 } });
  });

  eachPlace(t, 'cancel stops for good and keeps the counts; a finished backfill cannot be paused or resumed', async (t, place) => {
    const fake = source();
    let h: Harness | undefined;
    const cancelling: RunBackfillPage = async (input) => {
      const result = await fake.page(input);
      if (input.cursor === '10' && h) await cancelBackfill(h.control, CONNECTION, input.backfill.id);
      return result;
    };
    h = harness(t, place, { contacts: cancelling });
    await withConnection(h.db);
    const { id } = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
    await h.scheduler.drain();
    t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'cancelled', counts: { created: 20 }, finishedAt: T0 });
    t.match(await cancelBackfill(h.control, CONNECTION, id), { state: 'cancelled' }, 'cancelling again changes nothing');
    await t.rejects(pauseBackfill(h.control, CONNECTION, id), new BackfillRefusedError(409, 'backfill_finished', `The contacts backfill to HubSpot ${id} is cancelled: it cannot be paused.`));
    await t.rejects(resumeBackfill(h.control, CONNECTION, id), { status: 409, code: 'backfill_finished' });
    await t.rejects(pauseBackfill(h.control, CONNECTION, 'nope'), { status: 404, code: 'not_found' });
    // Cancelled: the kind is free again.
    t.match(await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' }), { state: 'running' });
  });
});

eachPlace(t, 'one running or paused backfill per kind and direction', async (t, place) => {
  const h = harness(t, place, {});
  await withConnection(h.db);
  const first = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  await pauseBackfill(h.control, CONNECTION, first.id);
  await t.rejects(startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' }), { status: 409, code: 'backfill_running', details: { backfillId: first.id } });
  t.match(await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_intercom' }), { state: 'running' }, 'the other direction is another backfill');
  t.equal((await pageJobs(h)).filter((job) => job.status === 'queued').length, 1, 'the refused one queued nothing');
  // A failed one is not in the way, but cannot be resumed while another of its kind runs.
  await changeState(h.db.kysely, first, { from: ['paused'], to: 'failed', now: T0, lastError: 'boom' });
  const second = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  await t.rejects(resumeBackfill(h.control, CONNECTION, first.id), { status: 409, code: 'backfill_running', details: { backfillId: second.id } });
  t.match(await getBackfill(h.db.kysely, CONNECTION, first.id), { state: 'failed' });

  const racing = await Promise.allSettled([1, 2].map(() => startBackfill(h.control, CONNECTION, { kind: 'conversations', closedFrom: '2026-01-01', closedTo: '2026-01-31' })));
  t.same(racing.map((result) => result.status).sort(), ['fulfilled', 'rejected'], 'two at once: one starts');
  t.match(racing.find((result) => result.status === 'rejected'), { reason: { status: 409, code: 'backfill_running' } });
});

eachPlace(t, 'a page that fails for good: the backfill is failed, with the reason and an activity entry; resume tries the page again', async (t, place) => {
  const fake = source();
  let failNext = true;
  const flaky: RunBackfillPage = async (input) => {
    if (input.cursor === '10' && failNext) throw new PermanentJobError('HubSpot said no: property missing');
    return fake.page(input);
  };
  const h = harness(t, place, { contacts: flaky });
  await withConnection(h.db);
  const { id } = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  await h.scheduler.drain();
  t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'failed', cursor: '10', counts: { created: 10 }, lastError: 'HubSpot said no: property missing', finishedAt: T0 });
  t.match(await pageJobs(h), [{ status: 'failed' }, { status: 'succeeded' }]);
  const activity = await listActivity(h.db.kysely, { connectionId: CONNECTION, kind: 'backfill' });
  t.match(activity, [{ kind: 'backfill', subject_id: id, outcome: 'failed', reason: 'HubSpot said no: property missing' }]);
  failNext = false;
  t.match(await resumeBackfill(h.control, CONNECTION, id), { state: 'running', lastError: null, finishedAt: null });
  await h.scheduler.drain();
  t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'done', counts: { created: 25 } });
});

eachPlace(t, 'a page that keeps failing is retried with backoff, then the backfill fails saying so', async (t, place) => {
  let runs = 0;
  const broken: RunBackfillPage = async () => {
    runs += 1;
    throw new Error('socket hang up');
  };
  const h = harness(t, place, { contacts: broken });
  await withConnection(h.db);
  const { id } = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  for (let attempt = 0; attempt < 3; attempt++) {
    await h.scheduler.drain();
    if (attempt < 2) t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'running' }, 'still running while retries are left');
    h.clock.now += 120_000;
  }
  t.equal(runs, 3);
  t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'failed', lastError: 'gave up after 3 attempts: socket hang up' });
});

eachPlace(t, 'a page waits while its connection is paused', async (t, place) => {
  const fake = source();
  const h = harness(t, place, { contacts: fake.page });
  await withConnection(h.db);
  const { id } = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  await setPaused(h.db.kysely, CONNECTION, true, T0);
  await h.scheduler.drain();
  t.same(fake.calls, []);
  t.match(await pageJobs(h), [{ status: 'queued', attempts: 0 }], 'waiting, without using up an attempt');
  await setPaused(h.db.kysely, CONNECTION, false, T0);
  h.clock.now += 5 * 60_000;
  await h.scheduler.drain();
  t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'done' });
});

eachPlace(t, 'live work keeps priority: a live job due after a page job is claimed first', async (t, place) => {
  const order: string[] = [];
  const fake = source(5, 10);
  const logged: RunBackfillPage = async (input) => {
    order.push('page');
    return fake.page(input);
  };
  const live = defineTask({ name: 'live', payload: z.object({}), run: async () => void order.push('live') });
  const h = harness(t, place, { contacts: logged }, [live]);
  await withConnection(h.db);
  await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  h.clock.now += 1000;
  await h.queue.enqueue({ task: 'live', payload: {}, connectionId: CONNECTION });
  await h.scheduler.drain();
  t.same(order, ['live', 'page']);
});

eachPlace(t, 'a running backfill whose page job is gone gets it back, from its stored cursor', async (t, place) => {
  const fake = source();
  const h = harness(t, place, { contacts: fake.page });
  await withConnection(h.db);
  const { id } = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  t.equal(await keepBackfillsMoving({ db: h.db.kysely, jobs: h.queue }), 0, 'its job waits: nothing to do');
  // Someone cancels the page job on the Work tab instead of pausing the backfill.
  const [job] = await pageJobs(h);
  await cancelJob(h.db.kysely, job?.id ?? 0, T0);
  await h.scheduler.drain();
  t.same(fake.calls, []);
  t.equal(await keepBackfillsMoving({ db: h.db.kysely, jobs: h.queue }), 1);
  await h.scheduler.drain();
  t.same(fake.calls, [null, '10', '20']);
  t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'done', counts: { created: 25 } });
  const paused = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  await pauseBackfill(h.control, CONNECTION, paused.id);
  t.equal(await keepBackfillsMoving({ db: h.db.kysely, jobs: h.queue }), 0, 'a paused backfill is left paused');
});

eachPlace(t, 'a source that answers with the cursor it was given fails the backfill instead of going round in circles', async (t, place) => {
  let runs = 0;
  const stuck: RunBackfillPage = async ({ cursor }) => {
    runs += 1;
    return { cursor: cursor ?? 'same', counts: { created: 1, updated: 0, unchanged: 0, skippedByFilter: 0, failed: 0 } };
  };
  const h = harness(t, place, { contacts: stuck });
  await withConnection(h.db);
  const { id } = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  await h.scheduler.drain();
  t.equal(runs, 2);
  t.match(await getBackfill(h.db.kysely, CONNECTION, id), { state: 'failed', cursor: 'same', counts: { created: 1 }, lastError: /answered page 2 with the cursor it was given/ });
});

eachPlace(t, "one page per connection at a time: two backfills' pages do not take all of its job slots", async (t, place) => {
  let running = 0;
  let most = 0;
  const clock = { now: T0 };
  const slow = (fake: ReturnType<typeof source>): RunBackfillPage => async (input) => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 20));
    running -= 1;
    // Time moves on with each page, so a page told to wait becomes due again.
    clock.now += 5_000;
    return fake.page(input);
  };
  const contacts = source();
  const companies = source();
  const h = harness(t, place, { contacts: slow(contacts), companies: slow(companies) }, [], clock, 2);
  const settings = ConnectionSettings.parse({ recordSync: { contacts: { enabled: true }, companies: { enabled: true } } });
  await insertConnection(h.db.kysely, {
    id: CONNECTION, name: 'Acme', status: 'active', createdAt: T0, intercomWorkspaceId: 'ws1', intercomRegion: 'us', hubspotPortalId: 1,
    intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: 'token', settings,
  });
  const a = await startBackfill(h.control, CONNECTION, { kind: 'contacts', direction: 'to_hubspot' });
  const b = await startBackfill(h.control, CONNECTION, { kind: 'companies', direction: 'to_hubspot' });
  for (let round = 0; round < 20 && (contacts.calls.length < 3 || companies.calls.length < 3); round += 1) {
    await h.scheduler.drain();
    clock.now += 5_000;
  }
  t.equal(most, 1, 'never two pages of one connection at once, with two job slots free');
  t.match(await getBackfill(h.db.kysely, CONNECTION, a.id), { state: 'done', counts: { created: 25 } });
  t.match(await getBackfill(h.db.kysely, CONNECTION, b.id), { state: 'done', counts: { created: 25 } });
});
