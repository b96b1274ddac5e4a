// Capture driven by the simulated Intercom's signed webhooks, through the job table: a close is
// captured after the grace window, a reopen inside it ends as "open again", realtime captures an open
// conversation, and a close whose webhook was dropped is found by the reconciliation sweep.
import { pino } from 'pino';
import t from 'tap';
import { until as waitUntil } from '../helpers/until.ts';
import { RECONCILE_TASK, reconcileKey } from '../../src/reconcile/reconcile-task.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';
import { countRows } from '../helpers/rows.ts';

/** 1.2 s: long enough to reopen inside, short enough for a test. */
const GRACE_MINUTES = 0.02;

/**
 * Conversations happen at real time here (no minutes skipped on the simulator's clock, which would
 * put the close in the future and the grace window with it), so the duration guard is off.
 */
async function liveScenario(t: Parameters<typeof captureScenario>[0]) {
  const s = await captureScenario(t);
  await s.setSettings((settings) => void (settings.conversations.guards.minDurationMinutes = 0));
  // A connection's first reconciliation sweep comes with the next minute's chore, wherever that falls
  // in a test: run it now, before any conversation, so no sweep races a webhook's capture here. (That
  // race ends in a second capture run deciding "unchanged" — right, but not what these tests count.)
  const db = s.server.daemon.db.kysely;
  await s.server.daemon.jobs.enqueue({ task: RECONCILE_TASK, payload: {}, connectionId: s.connectionId, key: reconcileKey(s.connectionId), keyMode: 'keep' });
  await until('the first sweep', async () => (await db.selectFrom('jobs').select('id').where('task', '=', RECONCILE_TASK).where('connection_id', '=', s.connectionId).where('status', '=', 'succeeded').executeTakeFirst()) ?? undefined);
  const conversation = s.conversation.bind(s);
  s.conversation = (input = {}) => conversation({ spacingMs: 0, ...input });
  return s;
}

/** This file's waits give up after 15,000 ms unless told otherwise. */
const until = <T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000) => waitUntil(what, probe, { timeoutMs });

const captureJobs = (s: Scenario) =>
  s.server.daemon.db.kysely.selectFrom('jobs').select(['status', 'key']).where('task', '=', 'conversation.capture').orderBy('id').execute();

/** The note exists a moment before its job records the activity entry and is marked done. */
const settled = (s: Scenario) => until('the capture jobs to finish', async () => (await captureJobs(s)).every((job) => job.status !== 'queued' && job.status !== 'running') || undefined);

async function delivered(s: Scenario, topic: string): Promise<void> {
  await s.intercom.control.webhooks.flush();
  await until(`${topic} delivered`, async () => (await countRows(s.server.daemon.db, 'webhook_deliveries', { topic, connection_id: s.connectionId })) > 0);
}

t.test('on_close: the close webhook schedules a capture after the grace window', async (t) => {
  const s = await liveScenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.graceMinutes = GRACE_MINUTES));
  const { conversationId } = s.conversation({});
  await delivered(s, 'conversation.admin.closed');
  await until('the note', () => s.notes().length === 1);
  await settled(s);
  t.match(await captureJobs(s), [{ status: 'succeeded', key: `capture:${s.connectionId}:${conversationId}` }], 'one capture job, keyed by the conversation');
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.match(activity.body?.entries, [{ outcome: 'captured', subjectId: conversationId, detail: { trigger: 'on_close' } }]);
});

t.test('on_close: a reopen inside the grace window ends the capture as "open again"; the next close schedules again', async (t) => {
  // Since issue #13 the reopen does not cancel the job (events come out of order): the job finds the
  // conversation open when it runs and records that decision.
  const s = await liveScenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.graceMinutes = 0.1));
  const { conversationId } = s.conversation({});
  await delivered(s, 'conversation.admin.closed');
  s.intercom.control.actAsAdmin.open({ conversationId, adminId: s.adminId });
  await delivered(s, 'conversation.admin.opened');
  await until('the capture to find it open', async () => (await captureJobs(s)).some((job) => job.status === 'succeeded'));
  const skipped = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.match(skipped.body?.entries[0], { outcome: 'skipped', detail: { why: /open again/ } });
  t.equal(s.notes().length, 0, 'no note while it is open again');

  await s.setSettings((settings) => void (settings.conversations.capture.graceMinutes = GRACE_MINUTES));
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  await s.intercom.control.webhooks.flush();
  await until('the note after the second close', () => s.notes().length === 1);
  await settled(s);
  t.same((await captureJobs(s)).map((job) => job.status), ['succeeded', 'succeeded']);
});

t.test('realtime: an open conversation is captured once quiet, and updated after the next message', async (t) => {
  const s = await liveScenario(t);
  await s.setSettings((settings) => {
    settings.conversations.capture.mode = 'realtime';
    settings.conversations.capture.realtimeDebounceMinutes = GRACE_MINUTES;
  });
  const { conversationId, contactId } = s.conversation({ close: false });
  await s.intercom.control.webhooks.flush();
  await until('the realtime note', () => s.notes().length === 1);
  s.intercom.control.actAsCustomer.reply({ conversationId, contactId, body: '<p>Still there?</p>' });
  await s.intercom.control.webhooks.flush();
  await until('the note updated', () => /Still there\?/.test(s.notes()[0]?.properties.hs_note_body ?? ''));
  t.equal(s.notes().length, 1, 'the same note, updated');
});

t.test('manual: webhooks schedule nothing', async (t) => {
  const s = await liveScenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
  s.conversation({});
  await delivered(s, 'conversation.admin.closed');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.same(await captureJobs(s), []);
  t.equal(s.notes().length, 0);
});

t.test('a close whose webhook Intercom dropped is captured through the reconciliation sweep', async (t) => {
  const s = await liveScenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.graceMinutes = GRACE_MINUTES));
  s.intercom.control.webhooks.addFault({ kind: 'drop', count: 1000 });
  const { conversationId } = s.conversation({});
  await s.intercom.control.webhooks.flush();
  t.equal(await countRows(s.server.daemon.db, 'webhook_deliveries', { topic: 'conversation.admin.closed' }), 0, 'the close never arrived');
  // A sweep now, instead of waiting for the interval.
  await s.server.daemon.jobs.enqueue({ task: RECONCILE_TASK, payload: {}, connectionId: s.connectionId, key: reconcileKey(s.connectionId) });
  await until('the swept note', () => s.notes().length === 1, 20_000);
  await settled(s);
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.match(activity.body?.entries, [{ outcome: 'captured', subjectId: conversationId, detail: { trigger: 'sweep' } }]);
});

t.test('rolling captures: a conversation open longer than rollingHours is captured while open, once per period', async (t) => {
  const { queueRollingCaptures } = await import('../../src/capture/rolling-captures.ts');
  const s = await liveScenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.rollingHours = 4));
  const clock = s.intercom.control.clock;
  clock.set(Date.now() - 5 * 3_600_000);
  const old = s.conversation({ close: false });
  clock.set(Date.now());
  s.conversation({ close: false }); // young: not due
  const deps = { db: s.server.daemon.db.kysely, clients: s.server.daemon.clients, jobs: s.server.daemon.jobs, clock: Date.now, log: pino({ level: 'silent' }) };
  t.equal(await queueRollingCaptures(deps), 1, 'only the old open conversation is due');
  await until('the rolling note', () => s.notes().length === 1);
  await settled(s);
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.match(activity.body?.entries[0], { outcome: 'captured', subjectId: old.conversationId, detail: { trigger: 'rolling' } });
  t.equal(await queueRollingCaptures(deps), 0, 'captured just now: not due again for 4 hours');
});

t.test('duplicated and reordered webhooks: one capture, one note', async (t) => {
  const s = await liveScenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.graceMinutes = GRACE_MINUTES));
  s.intercom.control.webhooks.addFault({ kind: 'duplicate', count: 20 });
  s.intercom.control.webhooks.addFault({ kind: 'reorder', count: 20 });
  const { conversationId } = s.conversation({});
  await delivered(s, 'conversation.admin.closed');
  await until('the note', () => s.notes().length === 1);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  t.equal(s.notes().length, 1, 'still one note after every duplicate was handled');
  const deliveries = await countRows(s.server.daemon.db, 'webhook_deliveries', { topic: 'conversation.admin.closed' });
  t.equal(deliveries, 1, 'the duplicate close was recorded once');
  t.equal((await captureJobs(s)).filter((job) => job.key === `capture:${s.connectionId}:${conversationId}` && job.status === 'succeeded').length, 1);
});
