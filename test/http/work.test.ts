// The Work tab's API (issue #16 item 5): GET /api/connections/:id/work and the retry / cancel
// routes, one job or all of a kind — who may call them, what they answer, and what they record
// (audit trail, activity log); plus what each registered task is called in plain words.
import t from 'tap';
import { z } from 'zod';
import { FEATURES, featureTasks } from '../../src/features.ts';
import { defineTask } from '../../src/jobs/task.ts';
import type { JobStatus } from '../../src/db/schema.ts';
import { getJob } from '../../src/jobs/queue.ts';
import { describeJob, describesTask } from '../../src/work/describe-job.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';
import { until } from '../helpers/until.ts';

type Api = ReturnType<typeof sessionApi>;

async function adminApp(t: Parameters<typeof buildTestApp>[0], options: Parameters<typeof buildTestApp>[1] = { startScheduler: false }) {
  const server = await buildTestApp(t, options);
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/connections', { name: 'Support' });
  const other = await api('POST', '/api/connections', { name: 'Sales' });
  return { server, api, id: String(created.body?.id), otherId: String(other.body?.id) };
}

/** A job row as the scheduler would have left it. */
async function put(server: TestApp, spec: { connectionId: string; status: JobStatus; task?: string; key?: string; attempts?: number; lastError?: string; runAt?: number; payload?: object }): Promise<number> {
  const now = server.daemon.context.clock();
  const row = await server.daemon.db.kysely
    .insertInto('jobs')
    .values({
      task: spec.task ?? 'conversation.capture',
      payload: JSON.stringify(spec.payload ?? { conversationId: '215', trigger: 'on_close' }),
      key: spec.key ?? null,
      connection_id: spec.connectionId,
      status: spec.status,
      run_at: spec.runAt ?? now,
      attempts: spec.attempts ?? 0,
      max_attempts: 10,
      last_error: spec.lastError ?? null,
      locked_by: spec.status === 'running' ? 'w#1' : null,
      locked_until: spec.status === 'running' ? now + 60_000 : null,
      created_at: now - 3_600_000,
      updated_at: now,
      finished_at: spec.status === 'failed' ? now - 1000 : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const auditRows = (server: TestApp): Promise<Array<Record<string, string | null>>> =>
  server.daemon.db.kysely.selectFrom('audit_log').select(['actor_kind', 'actor_name', 'action', 'target_kind', 'target_id', 'target_name', 'key'])
    .where('action', 'like', 'job.%').orderBy('id').execute();

async function bearer(server: TestApp, api: Api, scope: string) {
  const token = await api('POST', '/api/tokens', { name: `${scope} token`, scope });
  const secret = String(token.body?.secret);
  return async (method: string, path: string, body?: unknown) => {
    const response = await server.fetch(path, { method, headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
}

t.test('lists a connection’s failed, parked, late and retrying jobs in plain words, with counts and a task filter', async (t) => {
  const { server, api, id, otherId } = await adminApp(t);
  const now = server.daemon.context.clock();
  const failed = await put(server, { connectionId: id, status: 'failed', attempts: 10, lastError: 'gave up after 10 attempts: HubSpot answered 500' });
  const late = await put(server, { connectionId: id, status: 'queued', task: 'ticket.stage', runAt: now - 3_600_000, payload: { conversationId: '77' } });
  await put(server, { connectionId: id, status: 'queued', runAt: now + 600_000 }); // waiting for its grace window: no problem
  await put(server, { connectionId: otherId, status: 'failed', lastError: 'x' });

  const page = await api('GET', `/api/connections/${id}/work`);
  t.equal(page.status, 200);
  t.match(page.body, {
    counts: { failed: 1, parked: 0, late: 1, retrying: 0 },
    tasks: [{ task: 'conversation.capture', count: 1 }, { task: 'ticket.stage', count: 1 }],
    next: null,
    lateAfterMinutes: 5,
  });
  t.same(page.body?.jobs.map((job: { id: number }) => job.id), [late, failed]);
  t.match(page.body?.jobs[1], {
    id: failed, task: 'conversation.capture', what: 'Capture conversation 215 into HubSpot (after it closed)', conversationId: '215', state: 'failed',
    reason: 'gave up after 10 attempts: HubSpot answered 500', attempts: 10, maxAttempts: 10, nextRunAt: null,
  });
  t.match(page.body?.jobs[0], { what: 'Move the HubSpot ticket of conversation 77 to its stage', state: 'late', nextRunAt: now - 3_600_000 });

  const onlyFailed = await api('GET', `/api/connections/${id}/work?state=failed`);
  t.same(onlyFailed.body?.jobs.map((job: { id: number }) => job.id), [failed]);
  const byTask = await api('GET', `/api/connections/${id}/work?task=ticket.stage`);
  t.same(byTask.body?.jobs.map((job: { id: number }) => job.id), [late]);
  const paged = await api('GET', `/api/connections/${id}/work?limit=1`);
  t.same([paged.body?.jobs.length, paged.body?.next], [1, late]);
  const rest = await api('GET', `/api/connections/${id}/work?limit=1&before=${late}`);
  t.same(rest.body?.jobs.map((job: { id: number }) => job.id), [failed]);
});

t.test('bad parameters are a 400 that names them; an unknown connection and another connection’s job are 404', async (t) => {
  const { server, api, id, otherId } = await adminApp(t);
  const theirs = await put(server, { connectionId: otherId, status: 'failed', lastError: 'x' });
  for (const [query, parameter] of [['state=broken', 'state'], ['limit=0', 'limit'], ['before=abc', 'before'], ['colour=red', 'colour']] as const) {
    const answer = await api('GET', `/api/connections/${id}/work?${query}`);
    t.equal(answer.status, 400, query);
    t.match(answer.body?.error, { code: 'invalid_query', details: [{ path: parameter }] }, `${query} names ${parameter}`);
  }
  const badJob = await api('POST', `/api/connections/${id}/work/first/retry`);
  t.match([badJob.status, badJob.body?.error.details], [400, [{ path: 'jobId' }]]);
  const badBody = await api('POST', `/api/connections/${id}/work/cancel`, { state: 'everything' });
  t.match([badBody.status, badBody.body?.error.details], [400, [{ path: 'state' }]]);
  t.equal((await api('GET', '/api/connections/no-such-connection/work')).status, 404);
  for (const action of ['retry', 'cancel']) {
    const answer = await api('POST', `/api/connections/${id}/work/${theirs}/${action}`);
    t.equal(answer.status, 404, `${action} of another connection's job`);
  }
  t.match(await getJob(server.daemon.db.kysely, theirs), { status: 'failed' }, 'left alone');
  t.same(await auditRows(server), [], 'nothing was recorded');
});

t.test('who may call: anonymous 401; read token and viewer read but do not change; push token neither; admin token and admin session both', async (t) => {
  const { server, api, id } = await adminApp(t);
  const job = await put(server, { connectionId: id, status: 'failed', lastError: 'gave up' });
  const paths: Array<[string, string, unknown?]> = [
    ['POST', `/api/connections/${id}/work/${job}/retry`],
    ['POST', `/api/connections/${id}/work/${job}/cancel`],
    ['POST', `/api/connections/${id}/work/retry`, { state: 'failed' }],
    ['POST', `/api/connections/${id}/work/cancel`, { state: 'failed' }],
  ];
  t.equal((await server.fetch(`/api/connections/${id}/work`)).status, 401, 'anonymous read');
  for (const [method, path] of paths) t.equal((await server.fetch(path, { method })).status, 401, `anonymous ${path}`);

  const read = await bearer(server, api, 'read');
  t.equal((await read('GET', `/api/connections/${id}/work`)).status, 200, 'a read token reads');
  const push = await bearer(server, api, 'push');
  t.equal((await push('GET', `/api/connections/${id}/work`)).status, 403, 'a push token does not read');
  const invite = await api('POST', '/api/people/invitations', { username: 'vera', role: 'viewer' });
  const link = String(invite.body?.link.path).split('#')[1] ?? '';
  await server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: link, password: 'veras own password' }) });
  const viewer = sessionApi(server, await signIn({ ...server, username: 'vera', password: 'veras own password' }));
  t.equal((await viewer('GET', `/api/connections/${id}/work`)).status, 200, 'a viewer reads');
  for (const [method, path, body] of paths) {
    t.match(await read(method, path, body), { status: 403, body: { error: { code: 'insufficient_scope' } } }, `read token ${path}`);
    t.match(await push(method, path, body), { status: 403, body: { error: { code: 'insufficient_scope' } } }, `push token ${path}`);
    t.match(await viewer(method, path, body), { status: 403, body: { error: { code: 'viewer_read_only' } } }, `viewer ${path}`);
  }
  const session = await signIn(server);
  const noCsrf = await server.fetch(paths[0]?.[1] ?? '', { method: 'POST', headers: { cookie: session.cookie } });
  t.equal(noCsrf.status, 403, 'a session POST without the CSRF token');
  t.match(await getJob(server.daemon.db.kysely, job), { status: 'failed' }, 'no refused call changed the job');
  t.same(await auditRows(server), []);

  const admin = await bearer(server, api, 'admin');
  t.match(await admin('POST', `/api/connections/${id}/work/${job}/retry`), { status: 200, body: { retried: 1 } }, 'an admin token retries');
  t.match(await auditRows(server), [{ actor_kind: 'token', actor_name: 'admin token', action: 'job.retry', target_kind: 'job', target_id: String(job) }]);
});

t.test('retry and cancel of one job: the answer, the job, the audit entry and the activity entry', async (t) => {
  const { server, api, id } = await adminApp(t);
  const db = server.daemon.db.kysely;
  const failed = await put(server, { connectionId: id, status: 'failed', key: `capture:${id}:215`, attempts: 10, lastError: 'gave up' });
  const retried = await api('POST', `/api/connections/${id}/work/${failed}/retry`);
  t.same(retried, { status: 200, body: { retried: 1, alreadyQueued: 0, cancelled: 0, message: `Job ${failed} is queued again with fresh attempts: Capture conversation 215 into HubSpot (after it closed).` }, headers: retried.headers });
  t.match(await getJob(db, failed), { status: 'queued', attempts: 0 });
  const again = await api('POST', `/api/connections/${id}/work/${failed}/retry`);
  t.match(again, { status: 409, body: { error: { code: 'not_waiting' } } }, 'a requeued job is waiting, not failed');

  const twin = await put(server, { connectionId: id, status: 'failed', key: `capture:${id}:215`, lastError: 'older failure' });
  const held = await api('POST', `/api/connections/${id}/work/${twin}/retry`);
  t.match(held, { status: 409, body: { error: { code: 'already_queued', message: new RegExp(`Job ${failed} with the same work is already queued`) } } });

  const running = await put(server, { connectionId: id, status: 'running', attempts: 1, payload: { conversationId: '300', trigger: 'sweep' } });
  t.match(await api('POST', `/api/connections/${id}/work/${running}/cancel`), { status: 409, body: { error: { code: 'running', message: /holds a lease/ } } });
  const parked = await put(server, { connectionId: id, status: 'parked', lastError: 'token refused' });
  t.match(await api('POST', `/api/connections/${id}/work/${parked}/retry`), { status: 409, body: { error: { code: 'parked', message: /re-authorise/ } } });

  const cancelled = await api('POST', `/api/connections/${id}/work/${failed}/cancel`);
  t.match(cancelled, { status: 200, body: { cancelled: 1, message: `Job ${failed} cancelled: Capture conversation 215 into HubSpot (after it closed).` } });
  t.match(await getJob(db, failed), { status: 'cancelled', last_error: 'cancelled by admin' });

  t.same(await auditRows(server), [
    { actor_kind: 'person', actor_name: 'admin', action: 'job.retry', target_kind: 'job', target_id: String(failed), target_name: 'Capture conversation 215 into HubSpot (after it closed) (Support)', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'job.cancel', target_kind: 'job', target_id: String(failed), target_name: 'Capture conversation 215 into HubSpot (after it closed) (Support)', key: null },
  ]);
  const activity = await api('GET', `/api/activity?connection=${id}`);
  t.match(activity.body?.entries, [{ kind: 'capture', conversationId: '215', outcome: 'skipped', reason: 'cancelled by admin', detail: { job: failed, task: 'conversation.capture' } }], 'the conversation’s activity shows that its capture was cancelled');
});

t.test('all of a kind: retry all failed, cancel all late, parked refused — one audit entry each with the filter and count', async (t) => {
  const { server, api, id, otherId } = await adminApp(t);
  const db = server.daemon.db.kysely;
  const now = server.daemon.context.clock();
  const failedA = await put(server, { connectionId: id, status: 'failed', lastError: 'a', payload: { conversationId: '1', trigger: 'on_close' } });
  const failedB = await put(server, { connectionId: id, status: 'failed', lastError: 'b', payload: { conversationId: '2', trigger: 'on_close' } });
  const failedTicket = await put(server, { connectionId: id, status: 'failed', task: 'ticket.stage', lastError: 'c', payload: { conversationId: '3' } });
  const late = await put(server, { connectionId: id, status: 'queued', runAt: now - 3_600_000, payload: { conversationId: '4', trigger: 'on_close' } });
  const theirs = await put(server, { connectionId: otherId, status: 'failed', lastError: 'd' });

  t.match(await api('POST', `/api/connections/${id}/work/retry`, { state: 'parked' }), { status: 409, body: { error: { code: 'parked' } } });
  const retried = await api('POST', `/api/connections/${id}/work/retry`, { state: 'failed', task: 'conversation.capture' });
  t.match(retried, { status: 200, body: { retried: 2, alreadyQueued: 0, cancelled: 0, message: '2 jobs queued again.' } });
  for (const job of [failedA, failedB]) t.match(await getJob(db, job), { status: 'queued', attempts: 0 });
  t.match(await getJob(db, failedTicket), { status: 'failed' }, 'another task is left');
  t.match(await getJob(db, theirs), { status: 'failed' }, 'another connection is left');

  const cancelled = await api('POST', `/api/connections/${id}/work/cancel`, { state: 'late' });
  t.match(cancelled, { status: 200, body: { cancelled: 1, message: '1 job cancelled.' } });
  t.match(await getJob(db, late), { status: 'cancelled' });
  t.match(await api('POST', `/api/connections/${id}/work/cancel`, { state: 'parked' }), { status: 200, body: { cancelled: 0 } }, 'nothing of that kind: nothing done, nothing recorded');

  t.same(await auditRows(server), [
    { actor_kind: 'person', actor_name: 'admin', action: 'job.retry', target_kind: 'connection', target_id: id, target_name: 'Support', key: 'state=failed task=conversation.capture jobs=2' },
    { actor_kind: 'person', actor_name: 'admin', action: 'job.cancel', target_kind: 'connection', target_id: id, target_name: 'Support', key: 'state=late jobs=1' },
  ]);
});

t.test('a retried job runs at once: the retry wakes the scheduler rather than waiting for its next look', async (t) => {
  let ran = 0;
  const ok = defineTask({ name: 'test.ok', payload: z.object({}), run: async () => void (ran += 1) });
  // An hour between looks: only a wake-up makes the job run within the test's time.
  const { server, api, id } = await adminApp(t, { tasks: [ok], config: { jobs: { maxSleepSeconds: 3600 } } });
  const job = await put(server, { connectionId: id, status: 'failed', task: 'test.ok', payload: {}, lastError: 'gave up' });
  t.equal((await api('POST', `/api/connections/${id}/work/${job}/retry`)).status, 200);
  await until('the retried job to succeed', async () => (await getJob(server.daemon.db.kysely, job))?.status === 'succeeded', { timeoutMs: 10_000 });
  t.equal(ran, 1);
});

t.test('every task the daemon registers is described in plain words; payloads give ids, never more', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const names = featureTasks(FEATURES, server.daemon.context).map((task) => task.name);
  t.ok(names.length >= 10, `${names.length} tasks`);
  t.same(names.filter((name) => !describesTask(name)), [], 'no task falls back to its bare name');
  t.same(describeJob({ task: 'intercom.event', payload: JSON.stringify({ deliveryId: 9, topic: 'conversation.admin.closed', objectId: '215', occurredAt: 1 }) }), {
    what: 'Handle an Intercom webhook (conversation.admin.closed, 215)',
    conversationId: null,
  });
  const batch = (topics: string[]) => JSON.stringify({ events: topics.map((topic, i) => ({ deliveryId: i, topic, objectId: String(i), occurredAt: 1 })) });
  t.same(describeJob({ task: 'hubspot.event', payload: batch(['contact.propertyChange', 'contact.propertyChange', 'company.deletion']) }).what, 'Handle 3 HubSpot webhooks (contact.propertyChange, company.deletion)', 'a batch of events: how many, and their topics');
  t.same(describeJob({ task: 'intercom.event', payload: batch(['a', 'b', 'c', 'd', 'a']) }).what, 'Handle 5 Intercom webhooks (a, b, c, …)');
  t.same(describeJob({ task: 'someone.elses', payload: 'not json' }), { what: 'Run task someone.elses', conversationId: null });
});
