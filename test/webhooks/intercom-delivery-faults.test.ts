// The daemon against Intercom's delivery behaviour as the simulator reproduces it (intercom-api.md
// §2.6): per-notification faults drawn at a rate (here 1, so the test is exact) duplicate every
// message's notification and drop the close's; each duplicate is recorded once, the lost close is
// found by the reconciliation sweep, and the conversation becomes one note with its last message.
// Then a delivery answered 503 (a proxy in front of a daemon that is restarting) comes back a
// minute later as Intercom's one retry, and is accepted once.
import { createServer } from 'node:http';
import t from 'tap';
import { RECONCILE_TASK, reconcileKey } from '../../src/reconcile/reconcile-task.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';
import { countRows } from '../helpers/rows.ts';
import { until } from '../helpers/until.ts';

const deliveries = (s: Scenario, topic: string) => countRows(s.server.daemon.db, 'webhook_deliveries', { topic, connection_id: s.connectionId });

async function liveScenario(t: Parameters<typeof captureScenario>[0]) {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    // The conversation happens at real time: the duration guard is off, the grace window short.
    settings.conversations.guards.minDurationMinutes = 0;
    settings.conversations.capture.graceMinutes = 0.02;
  });
  return s;
}

t.test('duplicated message notifications are recorded once; a dropped close is captured by the sweep, once', async (t) => {
  const s = await liveScenario(t);
  const webhooks = s.intercom.control.webhooks;
  webhooks.setFaultRates({ duplicate: 1 });
  const { conversationId, contactId } = s.conversation({ close: false, spacingMs: 0 });
  s.intercom.control.actAsCustomer.reply({ conversationId, contactId, body: '<p>Last words: the amount is fine now.</p>' });
  await webhooks.flush();
  webhooks.setFaultRates({ duplicate: 0, drop: 1 });
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  await webhooks.flush();
  webhooks.setFaultRates({ drop: 0 });

  const sent = webhooks.notifications().filter((n) => n.topic.startsWith('conversation.'));
  const replies = sent.filter((n) => n.topic === 'conversation.user.replied');
  t.ok(replies.length >= 2 && replies.every((n) => n.fault === 'duplicate' && n.status === 'delivered'), 'each reply notification went out twice');
  t.match(sent.filter((n) => n.topic === 'conversation.admin.closed'), [{ fault: 'drop', status: 'dropped' }], 'the close notification was dropped');
  await until('the deliveries to be recorded', async () => (await deliveries(s, 'conversation.user.replied')) === replies.length / 2 || undefined);
  t.equal(await deliveries(s, 'conversation.user.replied'), replies.length / 2, 'each duplicated notification is recorded once');
  t.equal(await deliveries(s, 'conversation.admin.closed'), 0, 'the close never arrived');

  // A sweep now, instead of waiting for the interval.
  await s.server.daemon.jobs.enqueue({ task: RECONCILE_TASK, payload: {}, connectionId: s.connectionId, key: reconcileKey(s.connectionId) });
  await until('the swept note', () => s.notes().length === 1, { timeoutMs: 20_000 });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const notes = s.notes();
  t.equal(notes.length, 1, 'one note');
  t.match(notes[0]?.properties.hs_note_body, /Last words: the amount is fine now\./, 'with the last message');
});

t.test("a delivery answered 503 comes back as Intercom's one retry a minute later, accepted once", async (t) => {
  const s = await liveScenario(t);
  const webhooks = s.intercom.control.webhooks;
  const [subscription] = webhooks.subscriptions();
  if (!subscription) throw new Error('the sandbox connection subscribed no webhooks');
  // As if the daemon were restarting behind a proxy: the URL answers the HEAD check, then 503s.
  const proxy = createServer((req, res) => {
    req.resume();
    res.writeHead(req.method === 'HEAD' ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  const address = proxy.address();
  await webhooks.subscribe({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/webhooks/intercom`, topics: subscription.topics, appId: subscription.appId });
  const { conversationId } = s.conversation({ spacingMs: 0 });
  await webhooks.flush();
  t.match(webhooks.attempts().filter((a) => a.topic === 'conversation.admin.closed'), [{ outcome: 'http_error', status: 503, attempt: 1 }], 'the first attempt failed');
  t.equal(await deliveries(s, 'conversation.admin.closed'), 0, 'nothing recorded yet');

  // The daemon is back; the simulator's clock moves the minute Intercom waits.
  await webhooks.subscribe({ url: subscription.url, topics: subscription.topics, appId: subscription.appId });
  s.intercom.control.clock.advance(60_000);
  await webhooks.flush();
  t.match(webhooks.attempts().filter((a) => a.topic === 'conversation.admin.closed'), [{ outcome: 'http_error' }, { outcome: 'delivered', attempt: 2, status: 200 }], 'the retry came and was taken');
  await until('the retried close to be recorded', async () => (await deliveries(s, 'conversation.admin.closed')) === 1 || undefined);
  await until('the note', () => s.notes().length === 1, { timeoutMs: 20_000 });
  t.equal(await deliveries(s, 'conversation.admin.closed'), 1, 'recorded once');
  t.match(s.notes()[0]?.properties.hs_note_body, new RegExp(`Customer answer 1`), `the note of conversation ${conversationId}`);
});
