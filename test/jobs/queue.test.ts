import t from 'tap';
import { cancelConnectionJobs, cancelJob, cancelJobByKey, enqueueJob, getJob, listJobs, parkConnectionJobs, resumeConnectionJobs, retryJob } from '../../src/jobs/queue.ts';
import { eachStore } from '../helpers/postgres.ts';

const defaults = { now: 1_000_000, maxAttempts: 5 };

eachStore(t, 'enqueue without a key inserts; payload, due time and defaults are stored', async (t, { kysely }) => {
  const a = await enqueueJob(kysely, { task: 'x', payload: { conversationId: '42' } }, defaults);
  const b = await enqueueJob(kysely, { task: 'x', payload: { conversationId: '42' }, runAt: 2_000_000, connectionId: 'c1', maxAttempts: 2 }, defaults);
  t.not(a.id, b.id);
  t.match(await getJob(kysely, a.id), { task: 'x', payload: '{"conversationId":"42"}', status: 'queued', run_at: 1_000_000, attempts: 0, max_attempts: 5, key: null });
  t.match(await getJob(kysely, b.id), { run_at: 2_000_000, connection_id: 'c1', max_attempts: 2 });
});

eachStore(t, 'key mode replace reschedules the pending job (a grace window restarted)', async (t, { kysely }) => {
  const first = await enqueueJob(kysely, { task: 'capture', payload: { v: 1 }, key: 'capture:7', runAt: 10 }, defaults);
  const second = await enqueueJob(kysely, { task: 'capture', payload: { v: 2 }, key: 'capture:7', runAt: 20 }, { ...defaults, now: 5 });
  t.equal(first.result, 'inserted');
  t.equal(second.result, 'replaced');
  t.equal(second.id, first.id, 'the same row');
  t.match(await getJob(kysely, first.id), { run_at: 20, payload: '{"v":2}', status: 'queued' });
  t.equal((await listJobs(kysely)).length, 1);
});

eachStore(t, 'key mode keep: the pending job wins', async (t, { kysely }) => {
  const first = await enqueueJob(kysely, { task: 'sync', payload: { v: 1 }, key: 'k', runAt: 10 }, defaults);
  const second = await enqueueJob(kysely, { task: 'sync', payload: { v: 2 }, key: 'k', runAt: 99, keyMode: 'keep' }, defaults);
  t.same(second, { id: first.id, result: 'kept', runAt: 10, status: 'queued' });
  t.match(await getJob(kysely, first.id), { run_at: 10, payload: '{"v":1}' });
});

eachStore(t, 'cancel by key (a reopen inside the grace window); a later enqueue starts afresh', async (t, { kysely }) => {
  const first = await enqueueJob(kysely, { task: 'capture', payload: {}, key: 'capture:7', runAt: 10 }, defaults);
  t.equal(await cancelJobByKey(kysely, 'capture:7', 11), 1);
  t.match(await getJob(kysely, first.id), { status: 'cancelled', finished_at: 11 });
  t.equal(await cancelJobByKey(kysely, 'capture:7', 12), 0, 'nothing left to cancel');
  const again = await enqueueJob(kysely, { task: 'capture', payload: {}, key: 'capture:7', runAt: 30 }, defaults);
  t.equal(again.result, 'inserted');
  t.not(again.id, first.id);
});

eachStore(t, 'a running job with the same key does not block a new pending one', async (t, { kysely }) => {
  const first = await enqueueJob(kysely, { task: 'capture', payload: {}, key: 'k' }, defaults);
  await kysely.updateTable('jobs').set({ status: 'running' }).where('id', '=', first.id).execute();
  const second = await enqueueJob(kysely, { task: 'capture', payload: {}, key: 'k' }, defaults);
  t.equal(second.result, 'inserted');
});

eachStore(t, 'enqueue joins the caller\'s transaction: the record and the job commit or roll back together', async (t, { kysely }) => {
  await kysely
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('settings').values({ key: 'delivery:1', value: 'x', updated_at: 1 }).execute();
      await enqueueJob(trx, { task: 'handle', payload: { delivery: 1 } }, defaults);
      throw new Error('the webhook record failed');
    })
    .catch(() => undefined);
  t.equal((await listJobs(kysely)).length, 0, 'rolled back: no job without its record');
  await kysely.transaction().execute(async (trx) => {
    await trx.insertInto('settings').values({ key: 'delivery:2', value: 'x', updated_at: 1 }).execute();
    await enqueueJob(trx, { task: 'handle', payload: { delivery: 2 }, key: 'd2' }, defaults);
  });
  t.equal((await listJobs(kysely)).length, 1, 'committed together');
});

eachStore(t, 'payloads are ids and small values: a large one is refused', async (t, { kysely }) => {
  await t.rejects(enqueueJob(kysely, { task: 'capture', payload: { body: 'x'.repeat(5000) } }, defaults), {
    name: 'PayloadTooLargeError',
    message: /jobs carry ids and small values \(at most 4096 bytes\), never content/,
  });
  t.equal((await listJobs(kysely)).length, 0);
});

eachStore(t, 'jobs of a connection that needs re-auth are parked, and resume together', async (t, { kysely }) => {
  await kysely.insertInto('connections').values({ id: 'c1', name: 'EU', status: 'needs_reauth', managed_by_config: 0, created_at: 1, updated_at: 1 }).execute();
  const parked = await enqueueJob(kysely, { task: 'x', payload: {}, connectionId: 'c1', runAt: 5 }, defaults);
  t.equal(parked.status, 'parked');
  const other = await enqueueJob(kysely, { task: 'x', payload: {}, connectionId: 'c2' }, defaults);
  t.equal(other.status, 'queued', 'another connection is not affected');
  await kysely.updateTable('connections').set({ status: 'active' }).execute();
  t.equal(await resumeConnectionJobs(kysely, 'c1', 77), 1);
  t.match(await getJob(kysely, parked.id), { status: 'queued', run_at: 77 });
  t.equal(await parkConnectionJobs(kysely, 'c1', 80), 1);
  t.equal(await cancelConnectionJobs(kysely, 'c1', 90), 1, 'deleting a connection cancels its pending work');
  t.match(await getJob(kysely, parked.id), { status: 'cancelled', last_error: 'connection deleted' });
  t.match(await getJob(kysely, other.id), { status: 'queued' });
});

eachStore(t, 'failed jobs can be retried or cancelled; a newer pending job supersedes a retry', async (t, { kysely }) => {
  const job = await enqueueJob(kysely, { task: 'x', payload: {}, key: 'k' }, defaults);
  t.equal(await retryJob(kysely, job.id, 2), 'not_retryable', 'a queued job is not retried');
  await kysely.updateTable('jobs').set({ status: 'failed', attempts: 5, last_error: 'HubSpot said no', finished_at: 3 }).execute();
  t.equal(await retryJob(kysely, job.id, 10), 'retried');
  t.match(await getJob(kysely, job.id), { status: 'queued', attempts: 0, run_at: 10, finished_at: null });
  await kysely.updateTable('jobs').set({ status: 'failed' }).execute();
  await enqueueJob(kysely, { task: 'x', payload: {}, key: 'k' }, defaults);
  t.equal(await retryJob(kysely, job.id, 11), 'superseded');
  t.equal(await cancelJob(kysely, job.id, 12), true);
  t.match(await getJob(kysely, job.id), { status: 'cancelled' });
  t.equal(await retryJob(kysely, 9999, 1), 'not_retryable');
});

eachStore(t, 'a keyed job enqueued again while it runs: the run\'s retry or park yields to the new pending job', async (t, { kysely }) => {
  const { claimJobs } = await import('../../src/jobs/claim.ts');
  const { rescheduleJob, parkJob } = await import('../../src/jobs/finish.ts');
  for (const [label, finish] of [
    ['retry', (id: number, token: string) => rescheduleJob(kysely, { id, token }, { runAt: 50, reason: 'HubSpot 503', refundAttempt: false, now: 20 })],
    ['park', (id: number, token: string) => parkJob(kysely, { id, token, connectionId: 'c1' }, 'token refused', 20)],
  ] as const) {
    const key = `capture:${label}`;
    const running = await enqueueJob(kysely, { task: 'capture', payload: { v: 1 }, key, connectionId: 'c1', runAt: 0 }, defaults);
    const claimed = await claimJobs(kysely, { workerId: 'w', now: 10, leaseMs: 1000, limit: 10, perConnectionLimit: 10, running: new Map() });
    const run = claimed.jobs.find((job) => job.id === running.id);
    t.ok(run, `${label}: claimed`);
    const newer = await enqueueJob(kysely, { task: 'capture', payload: { v: 2 }, key, connectionId: 'c1', runAt: 600 }, { ...defaults, now: 15 });
    t.equal(newer.result, 'inserted', `${label}: a running job is not pending, so a new one is added`);
    t.match(await getJob(kysely, running.id), { key: null, superseded_by: newer.id }, `${label}: the run gave its key to the new job`);
    t.equal(await finish(running.id, run?.locked_by ?? ''), true);
    t.match(await getJob(kysely, running.id), { status: 'cancelled', last_error: new RegExp(`superseded by job ${newer.id}`) }, `${label}: the run yields`);
    t.match(await getJob(kysely, newer.id), { run_at: 600, payload: '{"v":2}' }, `${label}: the newer job keeps its schedule`);
  }
});

eachStore(t, 'keep with coveredByRunSince: a run that started after the version the caller saw is the job; one that started before is not', async (t, { kysely }) => {
  const { claimJobs } = await import('../../src/jobs/claim.ts');
  const running = await enqueueJob(kysely, { task: 'capture', payload: { v: 1 }, key: 'capture:9', connectionId: 'c1', runAt: 0 }, defaults);
  await claimJobs(kysely, { workerId: 'w', now: 100, leaseMs: 1000, limit: 10, perConnectionLimit: 10, running: new Map() });
  const sweep = (seenVersionAt: number, now: number) =>
    enqueueJob(kysely, { task: 'capture', payload: { v: 2 }, key: 'capture:9', connectionId: 'c1', runAt: now, keyMode: 'keep', coveredByRunSince: seenVersionAt }, { ...defaults, now });
  t.same(await sweep(100, 150), { id: running.id, result: 'covered', runAt: 0, status: 'running' }, 'a version from when the run started: covered');
  t.same(await sweep(40, 160), { id: running.id, result: 'covered', runAt: 0, status: 'running' }, 'an older version: covered');
  t.match(await getJob(kysely, running.id), { status: 'running', key: 'capture:9', superseded_by: null }, 'the run keeps its key');
  t.equal((await listJobs(kysely)).length, 1, 'nothing added');
  const newer = await sweep(101, 170);
  t.equal(newer.result, 'inserted', 'a version newer than the run’s start: the run may have read too early, so a job follows it');
  t.match(await getJob(kysely, running.id), { key: null, superseded_by: newer.id });
  const plain = await enqueueJob(kysely, { task: 'capture', payload: { v: 3 }, key: 'capture:10', connectionId: 'c1', runAt: 0 }, defaults);
  await claimJobs(kysely, { workerId: 'w', now: 200, leaseMs: 1000, limit: 10, perConnectionLimit: 10, running: new Map() });
  const replace = await enqueueJob(kysely, { task: 'capture', payload: { v: 4 }, key: 'capture:10', connectionId: 'c1', runAt: 300, coveredByRunSince: 0 }, { ...defaults, now: 250 });
  t.equal(replace.result, 'inserted', 'only keep mode is covered: replace (a webhook) always follows a run');
  t.match(await getJob(kysely, plain.id), { key: null, superseded_by: replace.id });
});

eachStore(t, 'priority: among a connection\'s due jobs the higher priority is claimed first', async (t, { kysely }) => {
  const { claimJobs } = await import('../../src/jobs/claim.ts');
  for (let i = 0; i < 5; i++) await enqueueJob(kysely, { task: 'capture', payload: { i }, connectionId: 'c1', runAt: i }, defaults);
  const urgent = await enqueueJob(kysely, { task: 'ticket.stage', payload: {}, connectionId: 'c1', runAt: 50, priority: 10 }, defaults);
  await enqueueJob(kysely, { task: 'later', payload: {}, connectionId: 'c1', runAt: 10_000, priority: 10 }, defaults);
  const claimed = await claimJobs(kysely, { workerId: 'w', now: 100, leaseMs: 1000, limit: 2, perConnectionLimit: 2, running: new Map() });
  t.equal(claimed.jobs.length, 2);
  t.ok(claimed.jobs.some((job) => job.id === urgent.id), 'the priority job is among the first claimed, ahead of older captures');
  t.notOk(claimed.jobs.some((job) => job.task === 'later'), 'a job not yet due waits, whatever its priority');
});
