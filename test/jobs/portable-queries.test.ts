// The job table's reads and sweeps that other parts of the daemon ask for (connection health, the
// sync status panel, the rate-budget meter, alerts, the explainer, the lease sweep) give the same
// answers on both stores: the SQL that differs (a payload's JSON value, subqueries' names, a bound
// time inside a CASE) is written for each, the rest once.
import t from 'tap';
import type { Kysely } from 'kysely';
import type { Database, JobStatus } from '../../src/db/schema.ts';
import { jobsWaitingOnBudget } from '../../src/jobs/budget-waits.ts';
import { reclaimExpiredLeases } from '../../src/jobs/claim.ts';
import { jobsFailedBetween } from '../../src/jobs/failed-between.ts';
import { jobHealthFacts } from '../../src/jobs/health-facts.ts';
import { LATE_AFTER_MS } from '../../src/jobs/job-control.ts';
import { getJob } from '../../src/jobs/queue.ts';
import { recentJobs } from '../../src/jobs/recent-jobs.ts';
import { unfinishedJobWithKey } from '../../src/jobs/unfinished-job.ts';
import { eachStore } from '../helpers/postgres.ts';

const NOW = 50_000_000;

interface Put {
  task?: string;
  status: JobStatus;
  payload?: Record<string, unknown>;
  key?: string | null;
  connectionId?: string | null;
  runAt?: number;
  attempts?: number;
  lastError?: string | null;
  finishedAt?: number | null;
  lockedUntil?: number | null;
  supersededBy?: number | null;
}

async function put(db: Kysely<Database>, spec: Put): Promise<number> {
  const row = await db
    .insertInto('jobs')
    .values({
      task: spec.task ?? 'conversation.capture',
      payload: JSON.stringify(spec.payload ?? {}),
      key: spec.key ?? null,
      connection_id: spec.connectionId === undefined ? 'c1' : spec.connectionId,
      status: spec.status,
      run_at: spec.runAt ?? NOW,
      attempts: spec.attempts ?? 0,
      max_attempts: 5,
      last_error: spec.lastError ?? null,
      locked_by: spec.status === 'running' ? 'w#1' : null,
      locked_until: spec.status === 'running' ? (spec.lockedUntil ?? NOW + 60_000) : null,
      created_at: NOW - 1000,
      updated_at: NOW - 500,
      finished_at: spec.finishedAt ?? null,
      superseded_by: spec.supersededBy ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

eachStore(t, 'recent jobs of a task, told apart by a value of their payload', async (t, { kysely }) => {
  const contacts = await put(kysely, { task: 'records.sync', status: 'succeeded', payload: { object: 'contacts' }, finishedAt: NOW });
  await put(kysely, { task: 'records.sync', status: 'succeeded', payload: { object: 'companies' }, finishedAt: NOW });
  const page = await put(kysely, { task: 'backfill.page', status: 'failed', payload: { backfillId: 'b7' }, lastError: 'HubSpot answered 500', finishedAt: NOW });
  await put(kysely, { task: 'records.sync', status: 'succeeded', payload: { object: 'contacts' }, connectionId: 'c2' });
  const found = await recentJobs(kysely, 'c1', [
    { task: 'records.sync', key: 'object', values: ['contacts'] },
    { task: 'backfill.page', key: 'backfillId', values: ['b7'] },
  ], 10);
  t.same(found.map((job) => job.id), [page, contacts], 'newest first, only the values asked for, only this connection');
  t.match(found[0], { task: 'backfill.page', status: 'failed', lastError: 'HubSpot answered 500', at: NOW - 500 });
});

eachStore(t, 'health facts: each kind of problem work per connection, with its sample and its tasks', async (t, { kysely }) => {
  await put(kysely, { status: 'queued', attempts: 2, lastError: 'HubSpot answered 500', runAt: NOW + 30_000 });
  await put(kysely, { status: 'queued', attempts: 4, lastError: 'HubSpot answered 502', runAt: NOW + 60_000, task: 'ticket.stage' });
  await put(kysely, { status: 'parked', lastError: 'token refused' });
  await put(kysely, { status: 'failed', lastError: 'gave up', finishedAt: NOW - 1000 });
  await put(kysely, { status: 'failed', lastError: 'long ago', finishedAt: NOW - 10 * 86_400_000 });
  await put(kysely, { status: 'queued', runAt: NOW - LATE_AFTER_MS - 1, connectionId: 'c2' });
  await put(kysely, { status: 'queued', runAt: NOW + 1000 }); // waiting: no problem
  const facts = await jobHealthFacts(kysely, { now: NOW, failedSince: NOW - 86_400_000 });
  t.same([...facts.keys()].sort(), ['c1', 'c2']);
  const c1 = facts.get('c1');
  t.match(c1?.retrying, { count: 2, byTask: { 'conversation.capture': 1, 'ticket.stage': 1 }, sample: { task: 'ticket.stage', attempts: 4, lastError: 'HubSpot answered 502' } });
  t.match(c1?.parked, { count: 1, sample: { lastError: 'token refused' } });
  t.match(c1?.failed, { count: 1, sample: { lastError: 'gave up', finishedAt: NOW - 1000 } });
  t.equal(c1?.late, undefined);
  t.match(facts.get('c2')?.late, { count: 1 });
  t.same([...(await jobHealthFacts(kysely, { now: NOW, failedSince: NOW - 86_400_000, connectionId: 'c2' })).keys()], ['c2'], 'one connection when asked');
});

eachStore(t, "jobs waiting on a vendor's rate budget, failed jobs of a span, a key's unfinished job", async (t, { kysely }) => {
  await put(kysely, { status: 'queued', runAt: NOW + 5000, lastError: 'HubSpot POST /crm/objects/2026-09/notes failed with 429' });
  await put(kysely, { status: 'queued', runAt: NOW + 9000, lastError: 'Intercom GET /conversations/1 failed with rate_limited' });
  await put(kysely, { status: 'queued', runAt: NOW + 1000, lastError: 'HubSpot answered 500' });
  t.same(await jobsWaitingOnBudget(kysely, 'c1', NOW), { count: 2, nextRunAt: NOW + 5000 });
  t.same(await jobsWaitingOnBudget(kysely, 'c2', NOW), { count: 0, nextRunAt: null });

  const failed = await put(kysely, { status: 'failed', lastError: 'gave up', finishedAt: NOW - 10, payload: { conversationId: '9' } });
  await put(kysely, { status: 'failed', finishedAt: NOW - 5000 });
  t.same(await jobsFailedBetween(kysely, 'conversation.capture', NOW - 100, NOW), [{ id: failed, connectionId: 'c1', payload: '{"conversationId":"9"}', lastError: 'gave up', finishedAt: NOW - 10 }]);

  const keyed = await put(kysely, { status: 'parked', key: 'capture:9' });
  t.match(await unfinishedJobWithKey(kysely, 'capture:9'), { id: keyed, status: 'parked' });
  t.equal(await unfinishedJobWithKey(kysely, 'capture:10'), undefined);
});

eachStore(t, 'the lease sweep: an expired run goes back to the queue, a superseded one ends', async (t, { kysely }) => {
  const newer = await put(kysely, { status: 'queued', key: 'capture:1' });
  const superseded = await put(kysely, { status: 'running', lockedUntil: NOW - 1, supersededBy: newer });
  const expired = await put(kysely, { status: 'running', lockedUntil: NOW - 1, attempts: 1 });
  const held = await put(kysely, { status: 'running', lockedUntil: NOW + 1 });
  t.equal(await reclaimExpiredLeases(kysely, NOW), 2);
  t.match(await getJob(kysely, expired), { status: 'queued', attempts: 1, locked_by: null, finished_at: null, last_error: 'the previous run stopped without finishing (lease expired)' });
  t.match(await getJob(kysely, superseded), { status: 'cancelled', finished_at: NOW, last_error: new RegExp(`superseded by job ${newer}, which has the same key`) });
  t.match(await getJob(kysely, held), { status: 'running' });
});
