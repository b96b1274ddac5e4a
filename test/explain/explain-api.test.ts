// The conversation explainer (issue #16 item 4): GET …/explain tells what happened and why from
// stored ids, decisions and times — webhook → trigger → guards → routing → matching with its
// candidates and tie-break → note → activity; a skipped conversation names its guard; a failed
// capture shows the vendor's message before the success that followed — and POST …/explain/replay
// runs the dry run with the current settings, writing nothing. No message text, subject or email
// lands in the database file. 404s, 400s and who may call them.
import t from 'tap';
import { CAPTURE_TASK, captureKey } from '../../src/capture/capture-task.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';
import { countRows, storedText } from '../helpers/rows.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const SECRET_BODY = 'Quokka-invoice-confidential-4711';
const SUBJECT = 'Invoice question';

/** Conversations at real time (the simulator's clock is not moved), so the duration guard is off. */
async function scenario(t: Parameters<typeof captureScenario>[0]): Promise<Scenario> {
  const s = await captureScenario(t);
  await s.setSettings((settings) => void (settings.conversations.guards.minDurationMinutes = 0));
  return s;
}

type Entry = { kind: string; summary: string; detail: Record<string, any>; run: string | null; failed: boolean };
const explain = (s: Scenario, conversationId: string) => s.api('GET', `/api/connections/${s.connectionId}/conversations/${conversationId}/explain`);
const replay = (s: Scenario, conversationId: string) => s.api('POST', `/api/connections/${s.connectionId}/conversations/${conversationId}/explain/replay`);

/** The index of the first entry after `from` that passes `test`, or -1. */
function indexAfter(entries: Entry[], from: number, test: (entry: Entry) => boolean): number {
  for (let i = from + 1; i < entries.length; i++) if (test(entries[i] as Entry)) return i;
  return -1;
}

/** What the store holds, as text: on SQLite its file and WAL; on PostgreSQL every row of every table. */
const dbText = (s: Scenario): Promise<string> => storedText(s.server.daemon.db);

/** A job of `task` still to run (queued or running). */
const jobPending = async (s: Scenario, task: string) =>
  (await s.server.daemon.db.kysely.selectFrom('jobs').select('id').where('task', '=', task).where('status', 'in', ['queued', 'running']).executeTakeFirst()) !== undefined;

t.test('a captured conversation: webhook → trigger → guards → routing → matching with candidates → note, with the vendor calls', async (t) => {
  const s = await scenario(t);
  await s.setSettings((settings) => {
    settings.conversations.capture.graceMinutes = 0.02;
    settings.conversations.routing.rules = [{ name: 'Everyone to the contact', when: {}, destinations: ['contact'] }];
  });
  // Two HubSpot contacts are spellings of the customer's Gmail address (dots do not count there): the
  // matching step weighs both and says which it chose.
  const email = 'dana.tie@gmail.com';
  const older = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'danatie@gmail.com', createdate: '2025-01-01T00:00:00Z' } });
  const newer = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email, createdate: '2026-01-01T00:00:00Z' } });
  const { conversationId } = s.conversation({ customer: email, body: `<p>${SECRET_BODY}</p>`, spacingMs: 0 });
  await s.intercom.control.webhooks.flush();
  await until('the note', () => s.notes().length === 1, { timeoutMs: 15_000 });
  await until('the capture decided', async () => (await explain(s, conversationId)).body?.outcome?.decision?.outcome === 'captured', { timeoutMs: 15_000 });

  const answer = await explain(s, conversationId);
  t.equal(answer.status, 200);
  const body = answer.body ?? {};
  t.match(body.conversation, { id: conversationId, intercomUrl: new RegExp(`/inbox/conversation/${conversationId}$`) });
  t.equal(body.seen, true);
  const timeline = body.timeline as Entry[];
  const webhook = timeline.findIndex((entry) => entry.kind === 'webhook' && entry.detail.topic === 'conversation.admin.closed');
  t.ok(webhook >= 0, 'the close webhook, with its topic');
  const trigger = indexAfter(timeline, webhook, (entry) => entry.kind === 'trigger' && entry.detail.action === 'schedule');
  t.ok(trigger > webhook, 'then the capture it scheduled');
  t.match(timeline[trigger]?.summary, /Capture scheduled for .* after conversation\.admin\.closed: closed; captured after a grace window/);
  const guards = indexAfter(timeline, trigger, (entry) => entry.kind === 'guards');
  t.ok(guards > trigger, 'then the guard verdicts');
  t.match(timeline[guards], { detail: { pass: true, facts: { customerMessages: 2, humanTeammateTookPart: true } }, summary: /^Guards passed: 2 customer messages \(minimum 2\)/ });
  const routing = indexAfter(timeline, guards, (entry) => entry.kind === 'routing');
  t.match(timeline[routing], { detail: { rule: 'Everyone to the contact', destinations: ['contact'] }, summary: /rule "Everyone to the contact" matched/ });
  const matching = indexAfter(timeline, routing, (entry) => entry.kind === 'match_lookup');
  t.ok(matching > routing, 'then matching');
  t.match(timeline[matching]?.detail, { object: 'contact', strategy: 'email', chosen: older, tieBreak: /./ });
  t.same([...(timeline[matching]?.detail.candidates ?? [])].sort(), [older, newer].sort(), 'both candidates, by their HubSpot ids');
  const decided = indexAfter(timeline, matching, (entry) => entry.kind === 'run_decided');
  const noteId = s.notes()[0]?.id;
  t.match(timeline[decided], { detail: { outcome: 'captured', noteId, contact: { id: older } }, summary: new RegExp(`^Note written: note ${noteId}, contact ${older}`) });
  const run = timeline[decided]?.run;
  t.ok(run, 'the run names its steps');
  t.equal(timeline[guards]?.run, run, 'the guards belong to the same run');
  const calls = timeline.filter((entry) => entry.kind === 'api_call' && entry.run === run);
  t.ok(calls.some((entry) => entry.detail.service === 'intercom' && entry.detail.family === 'conversations.get' && entry.detail.status === 200), 'the conversation read from Intercom');
  t.ok(calls.some((entry) => entry.detail.service === 'hubspot' && /notes/.test(entry.detail.family) && entry.detail.status < 300), 'the note written to HubSpot');
  t.ok(calls.every((entry) => typeof entry.detail.durationMs === 'number'), 'each with its duration');
  t.match(body.outcome, { decision: { outcome: 'captured', noteId, rule: 'Everyone to the contact' }, summary: new RegExp(`Captured: note ${noteId} on contact ${older}`) });
  t.ok((body.outcome.records as Array<{ type: string; id: string }>).some((record) => record.type === 'contact' && record.id === older), 'the contact among the records written');

  const feed = await s.api('GET', `/api/activity?search=${conversationId}`);
  t.equal(feed.body?.entries[0]?.explainPath, `/connections/${s.connectionId}/conversations/${conversationId}/explain`, 'the activity row links to the explainer');

  const text = await dbText(s);
  t.ok(text.includes(conversationId), 'the store was read: its ids are in it');
  t.notOk(text.includes(SECRET_BODY), 'the message body is not in the database file');
  t.notOk(text.includes(SUBJECT), 'nor the subject');
  t.notOk(text.includes(email), "nor the customer's email");
});

t.test('a skipped conversation names the guard that skipped it', async (t) => {
  const s = await scenario(t);
  const { conversationId } = s.conversation({ messages: 1, body: `<p>${SECRET_BODY}</p>` });
  const pushed = await s.push(conversationId);
  t.equal(pushed.body?.outcome, 'skipped');
  const body = (await explain(s, conversationId)).body ?? {};
  const guards = (body.timeline as Entry[]).find((entry) => entry.kind === 'guards');
  t.match(guards, { detail: { pass: false, guard: 'human_teammate' }, summary: /^Skipped by the guard human_teammate: no human teammate replied/ });
  t.match(body.outcome, { decision: { outcome: 'skipped', guard: 'human_teammate' }, summary: /^Skipped by the guard human_teammate: .*Nothing was written to HubSpot\.$/ });
  t.same(body.outcome.records, [], 'nothing written');
  t.notOk((await dbText(s)).includes(SECRET_BODY));
});

t.test('a failed capture shows the vendor’s message, then the success that followed', async (t) => {
  const s = await scenario(t);
  const { conversationId } = s.conversation({ customer: 'retry.me@acme.test' });
  // Every try of the contact search fails: the push gives up with HubSpot's words.
  s.hubspot.control.addFault({ kind: '500', count: 20, pathPrefix: '/crm/objects/2026-09/contacts/search' });
  const failed = await s.push(conversationId);
  t.equal(failed.status, 502);
  s.hubspot.control.clearFaults();
  const retried = await s.push(conversationId);
  t.equal(retried.body?.outcome, 'captured');

  const timeline = (await explain(s, conversationId)).body?.timeline as Entry[];
  const failedCall = timeline.findIndex((entry) => entry.kind === 'api_call' && entry.failed && entry.detail.status === 500);
  t.ok(failedCall >= 0, 'the failed call');
  t.match(timeline[failedCall], { detail: { service: 'hubspot', failure: { kind: 'server_error', vendorMessage: /./ } }, summary: /→ 500 in \d+ ms.*: \S/ });
  const runFailed = indexAfter(timeline, failedCall, (entry) => entry.kind === 'run_failed');
  t.ok(runFailed > failedCall, 'then the run that failed');
  t.match(timeline[runFailed], { failed: true, summary: /^Failed for good: .*HubSpot/ });
  const decided = indexAfter(timeline, runFailed, (entry) => entry.kind === 'run_decided');
  t.match(timeline[decided], { detail: { outcome: 'captured' } }, 'then the run that wrote the note');
  t.not(timeline[decided]?.run, timeline[runFailed]?.run, 'two runs');
});

t.test('a capture job retried after a failure: HubSpot’s words and "tried again", then the note', async (t) => {
  // One try per call and a short backoff: the job's first attempt fails on the 500, its second writes the note.
  const s = await captureScenario(t, { config: { jobs: { backoffBaseSeconds: 1 }, upstream: { maxAttemptsPerCall: 1 } } });
  await s.setSettings((settings) => {
    settings.conversations.guards.minDurationMinutes = 0;
    settings.conversations.capture.mode = 'manual';
  });
  const { conversationId } = s.conversation({ customer: 'job.retry@acme.test' });
  s.hubspot.control.addFault({ kind: '500', count: 1, pathPrefix: '/crm/objects/2026-09/contacts/search' });
  await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'manual' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
  await until('the capture job to succeed', async () => (await countRows(s.server.daemon.db, 'jobs', { task: CAPTURE_TASK, status: 'succeeded', attempts: 2 })) > 0, { timeoutMs: 60_000 });

  const timeline = (await explain(s, conversationId)).body?.timeline as Entry[];
  const failedCall = timeline.findIndex((entry) => entry.kind === 'api_call' && entry.failed);
  t.match(timeline[failedCall], { detail: { status: 500, failure: { vendorMessage: /./ } } }, 'the call HubSpot refused, with its message');
  const runFailed = indexAfter(timeline, failedCall, (entry) => entry.kind === 'run_failed');
  t.match(timeline[runFailed], { failed: true, detail: { final: false, trigger: 'manual' }, summary: /^Failed; it will be tried again: / });
  const decided = indexAfter(timeline, runFailed, (entry) => entry.kind === 'run_decided');
  t.match(timeline[decided], { detail: { outcome: 'captured', noteId: s.notes()[0]?.id } }, 'then the attempt that wrote the note');
});

t.test('replay with the current settings: done versus now, and nothing written', async (t) => {
  const s = await scenario(t);
  const { conversationId } = s.conversation({ customer: 'replay@acme.test' });
  t.equal((await s.push(conversationId)).body?.outcome, 'captured');
  await s.setSettings((settings) => void (settings.conversations.guards.minCustomerMessages = 5));

  // The conversation's own webhooks are in and their event jobs done: nothing else writes while the replay runs.
  await s.intercom.control.webhooks.flush();
  await until('the event jobs to finish', async () => !(await jobPending(s, 'intercom.event')));
  const tables = ['activity', 'conversation_trace', 'conversation_captures', 'record_links', 'record_associations', 'ticket_links', 'pending_closes', 'webhook_deliveries'] as const;
  const counts = () => Promise.all(tables.map((table) => countRows(s.server.daemon.db, table)));
  const writes = () => s.hubspot.control.requests().entries.filter((entry) => entry.method !== 'GET' && !/\/search$|\/batch\/read$/.test(entry.path)).length;
  const before = { rows: await counts(), writes: writes(), notes: s.notes().length };

  const answer = await replay(s, conversationId);
  t.equal(answer.status, 200);
  t.match(answer.body?.done, { outcome: 'captured', guard: null });
  t.match(answer.body?.now, { outcome: 'skipped', guard: 'min_customer_messages' });
  t.match(answer.body?.differences, [{ field: 'outcome', done: 'captured', now: 'skipped' }, { field: 'guard', done: 'none', now: 'min_customer_messages' }]);
  t.ok((answer.body?.steps as Entry[]).some((entry) => entry.kind === 'guards' && entry.detail.pass === false), 'the dry run’s own steps come with it');
  t.same(await counts(), before.rows, 'no row written here: no activity, no trace, no capture, no link');
  t.equal(writes(), before.writes, 'no write sent to HubSpot');
  t.equal(s.notes().length, before.notes);

  await s.setSettings((settings) => void (settings.conversations.guards.minCustomerMessages = 2));
  const same = await replay(s, conversationId);
  t.match(same.body?.now, { outcome: 'unchanged' });
  t.same(same.body?.differences, [], 'unchanged settings: no difference');
});

t.test('a conversation never received but known to Intercom; an unknown one is a 404', async (t) => {
  const s = await scenario(t);
  const { conversationId } = s.conversation({ close: false });
  // As if its webhooks had been lost and no sweep had run yet.
  await s.intercom.control.webhooks.flush();
  const db = s.server.daemon.db.kysely;
  await until('its event jobs to finish', async () => (await countRows(s.server.daemon.db, 'webhook_deliveries', { object_id: conversationId })) > 0 && !(await jobPending(s, 'intercom.event')));
  await db.deleteFrom('webhook_deliveries').where('object_id', '=', conversationId).execute();
  await db.deleteFrom('conversation_trace').where('conversation_id', '=', conversationId).execute();
  const answer = await explain(s, conversationId);
  t.equal(answer.status, 200);
  t.equal(answer.body?.seen, false);
  t.match(answer.body?.timeline, [{ kind: 'nothing_yet', summary: /^Nothing received yet/ }]);
  const replayed = await replay(s, conversationId);
  t.equal(replayed.status, 200, 'the replay still works');
  t.equal(replayed.body?.done, null);
  t.match(replayed.body?.differences, [{ field: 'outcome', done: 'nothing yet' }]);

  const unknown = await explain(s, '999999999');
  t.equal(unknown.status, 404);
  t.match(unknown.body, { error: { code: 'unknown_conversation', message: /Intercom has no conversation 999999999/ } });
  t.equal((await replay(s, '999999999')).status, 404);
  t.match(await s.api('GET', `/api/connections/nope/conversations/${conversationId}/explain`), { status: 404 });
  t.match(await s.api('POST', `/api/connections/nope/conversations/${conversationId}/explain/replay`), { status: 404 });
  t.match(await s.api('GET', `/api/connections/${s.connectionId}/conversations/a%20b/explain`), { status: 400, body: { error: { code: 'invalid_conversation_id' } } });
});

t.test('deliveries a paused connection took, and deliveries not worked yet (their event job parked), are in the story', async (t) => {
  const s = await scenario(t);
  const db = s.server.daemon.db.kysely;
  const topicsOf = (timeline: Entry[]) => timeline.filter((entry) => entry.kind === 'webhook').map((entry) => entry.detail.topic as string);

  t.match(await s.api('POST', `/api/connections/${s.connectionId}/pause`), { status: 200, body: { status: 'paused' } });
  const paused = s.conversation({ spacingMs: 0 });
  await s.intercom.control.webhooks.flush();
  await until('its event jobs to finish', async () => (await countRows(s.server.daemon.db, 'webhook_deliveries', { object_id: paused.conversationId })) >= 3 && !(await jobPending(s, 'intercom.event')));
  const received = await countRows(s.server.daemon.db, 'webhook_deliveries', { object_id: paused.conversationId });
  const pausedStory = (await explain(s, paused.conversationId)).body?.timeline as Entry[];
  t.equal(topicsOf(pausedStory).length, received, 'every delivery of the paused connection is told');
  t.ok(topicsOf(pausedStory).includes('conversation.admin.closed'), 'the close among them');
  t.ok(pausedStory.some((entry) => entry.kind === 'trigger' && /the connection is paused/.test(entry.summary)), 'and why nothing was scheduled');

  // A connection waiting for re-authorisation: its event jobs start parked, so nothing has worked them.
  await db.updateTable('connections').set({ status: 'needs_reauth' }).where('id', '=', s.connectionId).execute();
  const waiting = s.conversation({ spacingMs: 0 });
  await s.intercom.control.webhooks.flush();
  await until('its deliveries recorded', async () => (await countRows(s.server.daemon.db, 'webhook_deliveries', { object_id: waiting.conversationId })) >= 3);
  const parked = await db.selectFrom('jobs').select('id').where('task', '=', 'intercom.event').where('status', '=', 'parked').execute();
  t.ok(parked.length > 0, 'the event jobs are parked');
  const waitingStory = (await explain(s, waiting.conversationId)).body?.timeline as Entry[];
  t.equal(topicsOf(waitingStory).length, await countRows(s.server.daemon.db, 'webhook_deliveries', { object_id: waiting.conversationId }), 'every delivery still waiting is told');
  t.notOk(waitingStory.some((entry) => entry.kind === 'trigger'), 'none worked yet');
  t.equal(topicsOf((await explain(s, paused.conversationId)).body?.timeline as Entry[]).length, received, "the other conversation's story has none of them");
});

t.test('who may call them: a read token and a viewer read and replay, a push token neither, anonymous 401', async (t) => {
  const s = await scenario(t);
  const { conversationId } = s.conversation({});
  await s.push(conversationId);
  const token = async (scope: string) => (await s.api('POST', '/api/tokens', { name: `explain-${scope}`, scope })).body?.secret as string;
  const call = (method: string, path: string, bearer?: string) =>
    s.server.fetch(path, { method, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }).then((response) => response.status);
  const path = `/api/connections/${s.connectionId}/conversations/${conversationId}/explain`;
  const read = await token('read');
  const push = await token('push');
  t.equal(await call('GET', path), 401);
  t.equal(await call('POST', `${path}/replay`), 401);
  t.equal(await call('GET', path, read), 200);
  t.equal(await call('POST', `${path}/replay`, read), 200, 'the replay writes nothing: a read token may run it');
  t.equal(await call('GET', path, push), 403);
  t.equal(await call('POST', `${path}/replay`, push), 403);

  // A viewer changes nothing, and the replay changes nothing: a viewer may run it.
  const invite = await s.api('POST', '/api/people/invitations', { username: 'vera', role: 'viewer' });
  const link = String(invite.body?.link.path).split('#')[1] ?? '';
  const accepted = await s.server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: link, password: 'veras own password' }) });
  t.equal(accepted.status, 200);
  const viewer = sessionApi(s.server, await signIn({ ...s.server, username: 'vera', password: 'veras own password' }));
  t.equal((await viewer('GET', path)).status, 200);
  t.equal((await viewer('POST', `${path}/replay`)).status, 200, 'a viewer may replay');
  t.equal((await viewer('POST', `/api/connections/${s.connectionId}/conversations/${conversationId}/push`, {})).status, 403, 'but not push');
});
