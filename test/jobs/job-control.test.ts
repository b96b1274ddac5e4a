// The Work tab's levers on the job table (issue #16 item 5): which jobs are failed, parked, late or
// retrying; retry and cancel one or all of a kind; the key rule (at most one unfinished job per key)
// and a running job's lease are never broken by a person's click.
import t from 'tap';
import type { Kysely } from 'kysely';
import type { Database, JobStatus } from '../../src/db/schema.ts';
import {
  cancelProblemJob,
  cancelProblemJobs,
  countProblemJobs,
  LATE_AFTER_MS,
  listProblemJobs,
  problemJobsQuery,
  retryProblemJob,
  retryProblemJobs,
  workCounts,
  workStateOf,
} from '../../src/jobs/job-control.ts';
import { getJob } from '../../src/jobs/queue.ts';
import { makeTestDb } from '../helpers/db.ts';
import { eachStore } from '../helpers/postgres.ts';

const NOW = 10_000_000;
const C1 = 'conn-1';

interface Put {
  status: JobStatus;
  task?: string;
  key?: string | null;
  connectionId?: string;
  runAt?: number;
  attempts?: number;
  lastError?: string | null;
  supersededBy?: number | null;
}

/** A job row as the scheduler would have left it, written directly so each state is set up exactly. */
async function put(db: Kysely<Database>, spec: Put): Promise<number> {
  const finished = spec.status === 'failed' || spec.status === 'succeeded' || spec.status === 'cancelled';
  const row = await db
    .insertInto('jobs')
    .values({
      task: spec.task ?? 'conversation.capture',
      payload: JSON.stringify({ conversationId: '42', trigger: 'on_close' }),
      key: spec.key ?? null,
      connection_id: spec.connectionId ?? C1,
      status: spec.status,
      run_at: spec.runAt ?? NOW,
      attempts: spec.attempts ?? 0,
      max_attempts: 5,
      last_error: spec.lastError ?? null,
      locked_by: spec.status === 'running' ? 'w#1' : null,
      locked_until: spec.status === 'running' ? NOW + 60_000 : null,
      created_at: NOW - 3_600_000,
      updated_at: NOW - 60_000,
      finished_at: finished ? NOW - 60_000 : null,
      superseded_by: spec.supersededBy ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** One job in each state, and some that are no problem at all. */
async function mixedTable(db: Kysely<Database>) {
  return {
    failed: await put(db, { status: 'failed', attempts: 5, lastError: 'gave up after 5 attempts: HubSpot answered 500' }),
    parked: await put(db, { status: 'parked', lastError: 'HubSpot refused the token' }),
    late: await put(db, { status: 'queued', task: 'ticket.stage', runAt: NOW - LATE_AFTER_MS - 1 }),
    retrying: await put(db, { status: 'queued', attempts: 2, lastError: 'HubSpot answered 500', runAt: NOW + 30_000 }),
    // Not problems: a job waiting for its grace window, one running, one done, one of another connection.
    waiting: await put(db, { status: 'queued', runAt: NOW + 600_000 }),
    dueJustNow: await put(db, { status: 'queued', runAt: NOW - 1000 }),
    running: await put(db, { status: 'running', attempts: 1 }),
    succeeded: await put(db, { status: 'succeeded' }),
    otherConnection: await put(db, { status: 'failed', connectionId: 'conn-2', lastError: 'x' }),
  };
}

eachStore(t, 'each problem state is recognised, and jobs that are no problem are not listed', async (t, { kysely }) => {
  const ids = await mixedTable(kysely);
  const listed = await listProblemJobs(kysely, { connectionId: C1, now: NOW, limit: 50 });
  t.same(
    listed.map((job) => [job.id, job.state]),
    [
      [ids.retrying, 'retrying'],
      [ids.late, 'late'],
      [ids.parked, 'parked'],
      [ids.failed, 'failed'],
    ],
    'newest first; waiting, due-just-now, running, succeeded and the other connection are left out',
  );
  t.match(listed.find((job) => job.id === ids.failed), { last_error: 'gave up after 5 attempts: HubSpot answered 500', attempts: 5, max_attempts: 5 });
  t.same(await countProblemJobs(kysely, { connectionId: C1, now: NOW }), {
    byState: { failed: 1, parked: 1, late: 1, retrying: 1 },
    byTask: { 'conversation.capture': 3, 'ticket.stage': 1 },
  });
  t.equal(workStateOf({ status: 'queued', run_at: NOW - LATE_AFTER_MS - 1, attempts: 3, last_error: 'x' }, { now: NOW }), 'late', 'an overdue retry is late, not retrying');
  t.equal(workStateOf({ status: 'queued', run_at: NOW - 10, attempts: 0, last_error: null }, { now: NOW, lateAfterMs: 5 }), 'late', 'the threshold is a parameter');
});

eachStore(t, 'filtered by state and task, and paged by id', async (t, { kysely }) => {
  const ids = await mixedTable(kysely);
  t.same((await listProblemJobs(kysely, { connectionId: C1, now: NOW, limit: 50, state: 'failed' })).map((job) => job.id), [ids.failed]);
  t.same((await listProblemJobs(kysely, { connectionId: C1, now: NOW, limit: 50, task: 'ticket.stage' })).map((job) => job.id), [ids.late]);
  t.same((await listProblemJobs(kysely, { connectionId: C1, now: NOW, limit: 50, state: 'failed', task: 'ticket.stage' })).map((job) => job.id), []);
  const first = await listProblemJobs(kysely, { connectionId: C1, now: NOW, limit: 2 });
  const second = await listProblemJobs(kysely, { connectionId: C1, now: NOW, limit: 2, before: first.at(-1)?.id });
  t.same([...first, ...second].map((job) => job.id), [ids.retrying, ids.late, ids.parked, ids.failed]);
});

eachStore(t, 'workCounts: problem jobs per connection, for the connection list', async (t, { kysely }) => {
  await mixedTable(kysely);
  const counts = await workCounts(kysely, NOW);
  t.same(Object.fromEntries(counts), {
    [C1]: { failed: 1, parked: 1, late: 1, retrying: 1 },
    'conn-2': { failed: 1, parked: 0, late: 0, retrying: 0 },
  });
});

eachStore(t, 'retrying a failed job requeues it due now with fresh attempts', async (t, { kysely }) => {
  const id = await put(kysely, { status: 'failed', attempts: 5, key: 'capture:c1:42', lastError: 'gave up' });
  const outcome = await retryProblemJob(kysely, { connectionId: C1, jobId: id, now: NOW });
  t.match(outcome, { result: 'retried', from: 'failed', runAt: NOW });
  t.match(await getJob(kysely, id), { status: 'queued', run_at: NOW, attempts: 0, finished_at: null, key: 'capture:c1:42' });
});

eachStore(t, 'the key rule: a failed job whose work another job holds is refused, never run twice', async (t, { kysely }) => {
  for (const holderStatus of ['queued', 'parked', 'running'] as const) {
    const key = `capture:c1:${holderStatus}`;
    const failed = await put(kysely, { status: 'failed', key, lastError: 'gave up' });
    const holder = await put(kysely, { status: holderStatus, key, runAt: NOW + 600_000 });
    const outcome = await retryProblemJob(kysely, { connectionId: C1, jobId: failed, now: NOW });
    t.match(outcome, { result: 'refused', refusal: { reason: 'already_queued', holder } }, `held by a ${holderStatus} job`);
    t.match(await getJob(kysely, failed), { status: 'failed' }, 'left as it was');
    t.match(await getJob(kysely, holder), { status: holderStatus, key }, 'the holder keeps its key');
  }
  const newer = await put(kysely, { status: 'succeeded' });
  const superseded = await put(kysely, { status: 'failed', supersededBy: newer });
  t.match(await retryProblemJob(kysely, { connectionId: C1, jobId: superseded, now: NOW }), { result: 'refused', refusal: { reason: 'superseded', by: newer } });
});

eachStore(t, 'retry refuses running and parked jobs, finished ones and waiting ones; another connection’s job is not found', async (t, { kysely }) => {
  const ids = await mixedTable(kysely);
  const retry = (jobId: number) => retryProblemJob(kysely, { connectionId: C1, jobId, now: NOW });
  t.match(await retry(ids.running), { result: 'refused', refusal: { reason: 'running' } });
  t.match(await retry(ids.parked), { result: 'refused', refusal: { reason: 'parked' } });
  t.match(await retry(ids.succeeded), { result: 'refused', refusal: { reason: 'finished', status: 'succeeded' } });
  t.match(await retry(ids.waiting), { result: 'refused', refusal: { reason: 'not_waiting' } });
  t.same(await retry(ids.otherConnection), { result: 'not_found' });
  t.same(await retry(999_999), { result: 'not_found' });
  t.match(await getJob(kysely, ids.running), { status: 'running', locked_by: 'w#1' }, 'the lease is untouched');
});

eachStore(t, 'retrying a waiting job runs it now: a retrying one becomes due now, a late one keeps its earlier place', async (t, { kysely }) => {
  const ids = await mixedTable(kysely);
  t.match(await retryProblemJob(kysely, { connectionId: C1, jobId: ids.retrying, now: NOW }), { result: 'retried', from: 'retrying', runAt: NOW });
  t.match(await getJob(kysely, ids.retrying), { status: 'queued', run_at: NOW, attempts: 2 }, 'attempts are kept: it is the same retry, sooner');
  t.match(await retryProblemJob(kysely, { connectionId: C1, jobId: ids.late, now: NOW }), { result: 'retried', from: 'late' });
  t.match(await getJob(kysely, ids.late), { status: 'queued', run_at: NOW - LATE_AFTER_MS - 1 });
});

eachStore(t, 'cancel: a waiting job is cancelled by a named person, a failed one dismissed with its reason kept, a running one refused', async (t, { kysely }) => {
  const ids = await mixedTable(kysely);
  const cancel = (jobId: number) => cancelProblemJob(kysely, { connectionId: C1, jobId, now: NOW, by: 'alice' });
  t.match(await cancel(ids.parked), { result: 'cancelled', from: 'parked' });
  t.match(await getJob(kysely, ids.parked), { status: 'cancelled', finished_at: NOW, last_error: 'cancelled by alice' });
  t.match(await cancel(ids.failed), { result: 'cancelled', from: 'failed' });
  t.match(await getJob(kysely, ids.failed), { status: 'cancelled', last_error: 'dismissed by alice; it had failed: gave up after 5 attempts: HubSpot answered 500' });
  t.match(await cancel(ids.running), { result: 'refused', refusal: { reason: 'running' } });
  t.match(await getJob(kysely, ids.running), { status: 'running' });
  t.match(await cancel(ids.succeeded), { result: 'refused', refusal: { reason: 'finished', status: 'succeeded' } });
  t.same(await cancel(ids.otherConnection), { result: 'not_found' });
  t.same((await listProblemJobs(kysely, { connectionId: C1, now: NOW, limit: 50 })).map((job) => job.state), ['retrying', 'late']);
});

eachStore(t, 'bulk retry of failed jobs: one transaction, the newest of a key requeued, the older ones left as already queued', async (t, { kysely }) => {
  const older = await put(kysely, { status: 'failed', key: 'k1', lastError: 'a' });
  const newer = await put(kysely, { status: 'failed', key: 'k1', lastError: 'b' });
  const other = await put(kysely, { status: 'failed', key: 'k2', task: 'ticket.stage', lastError: 'c' });
  const all = await retryProblemJobs(kysely, { connectionId: C1, now: NOW, state: 'failed', task: 'conversation.capture' });
  t.same(all.retried.map((job) => job.id), [newer]);
  t.same(all.alreadyQueued.map((job) => job.id), [older]);
  t.match(await getJob(kysely, newer), { status: 'queued', key: 'k1', attempts: 0 });
  t.match(await getJob(kysely, older), { status: 'failed' });
  t.match(await getJob(kysely, other), { status: 'failed' }, 'the task filter held');
  const unfinished = await kysely.selectFrom('jobs').select('id').where('key', '=', 'k1').where('status', 'in', ['queued', 'parked', 'running']).execute();
  t.equal(unfinished.length, 1, 'at most one unfinished job per key');
});

eachStore(t, 'bulk retry of retrying jobs makes them all due now; bulk cancel takes a whole kind and nothing else', async (t, { kysely }) => {
  const ids = await mixedTable(kysely);
  const second = await put(kysely, { status: 'queued', attempts: 1, lastError: 'HubSpot answered 503', runAt: NOW + 90_000 });
  const retried = await retryProblemJobs(kysely, { connectionId: C1, now: NOW, state: 'retrying' });
  t.same(retried.retried.map((job) => job.id).sort(), [ids.retrying, second].sort());
  t.match(await getJob(kysely, second), { run_at: NOW });
  const cancelled = await cancelProblemJobs(kysely, { connectionId: C1, now: NOW, state: 'late', by: 'API token "ops"' });
  t.same(cancelled.map((job) => job.id), [ids.late]);
  t.match(await getJob(kysely, ids.late), { status: 'cancelled', last_error: 'cancelled by API token "ops"' });
  t.match(await getJob(kysely, ids.waiting), { status: 'queued' }, 'a job waiting for its due time is no problem and is not cancelled');
  const dismissed = await cancelProblemJobs(kysely, { connectionId: C1, now: NOW, state: 'failed', by: 'alice' });
  t.same(dismissed.map((job) => job.id), [ids.failed]);
  t.match(await getJob(kysely, ids.failed), { status: 'cancelled', last_error: 'dismissed by alice; it had failed: gave up after 5 attempts: HubSpot answered 500' });
  t.match(await getJob(kysely, ids.otherConnection), { status: 'failed' }, 'another connection’s failed job is untouched');
});

t.test('a page of a connection’s problem jobs is an index seek on a table of 100,000 jobs, never a scan', async (t) => {
  const db = makeTestDb(t);
  const insert = db.sqlite.prepare(
    `INSERT INTO jobs (task, payload, connection_id, status, run_at, attempts, max_attempts, last_error, created_at, updated_at, finished_at)
     VALUES (?, '{}', ?, ?, ?, 0, 10, NULL, 0, 0, ?)`,
  );
  // Mostly finished jobs, kept for days: what a scan would have to read through.
  const statuses = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'cancelled', 'queued', 'failed', 'parked'] as const;
  db.sqlite.transaction(() => {
    for (let i = 0; i < 100_000; i++) {
      const status = statuses[i % statuses.length] ?? 'succeeded';
      insert.run(`task-${i % 5}`, `conn-${i % 20}`, status, i * 10, status === 'queued' || status === 'parked' ? null : i);
    }
  })();
  db.sqlite.exec('ANALYZE');
  const pages = {
    'every problem state': problemJobsQuery(db.kysely, { connectionId: 'conn-3', now: 500_000, limit: 51 }),
    'failed, of one task, an older page': problemJobsQuery(db.kysely, { connectionId: 'conn-3', now: 500_000, limit: 51, state: 'failed', task: 'task-3', before: 90_000 }),
    late: problemJobsQuery(db.kysely, { connectionId: 'conn-3', now: 500_000, limit: 51, state: 'late' }),
  };
  for (const [name, query] of Object.entries(pages)) {
    const compiled = query.compile();
    const plan = (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as Array<{ detail: string }>).map((row) => row.detail).join(' | ');
    t.match(plan, /SEARCH jobs USING INDEX jobs_problems_by_connection/, `${name}: ${plan}`);
    t.notMatch(plan, /TEMP B-TREE/, `${name}: newest first straight from the index`);
  }
});
