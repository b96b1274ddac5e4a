// GET /api/connections/:id spells out the webhook set-up (issue #14 items 19 and 13): which Intercom
// topics and HubSpot subscriptions (legacy and generic form) the enabled features need, when each
// last arrived (null: never), and — without server.publicUrl — no loopback URL to paste but what to set.
import t from 'tap';
import type { ConnectionDetail, NeededWebhookStatus } from '../../src/http/api-types.ts';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { sessionApi, signIn, startTestServer } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';
import { until } from '../helpers/until.ts';

const topics = (detail: ConnectionDetail, provider: 'intercom' | 'hubspot') =>
  detail.webhookSetup.needed.filter((webhook) => webhook.provider === provider).map((webhook) => webhook.topic);

t.test('without server.publicUrl: no webhook URL is offered, the answer says to set server.publicUrl', async (t) => {
  // On a port: without publicUrl the daemon's own URL is the listening address, which must not be shown.
  const server = await startTestServer(t, { startScheduler: false, config: { server: { publicUrl: '' } } });
  const call = sessionApi(server, await signIn(server));
  const created = await call('POST', '/api/connections', { name: 'Support' });
  const detail = created.body as ConnectionDetail;
  t.equal(detail.webhookUrls, null, 'no loopback address to paste');
  t.match(detail.webhookSetup.publicUrlMissing, /server\.publicUrl/);
  t.notOk(JSON.stringify(detail).includes('127.0.0.1'), 'the listening address is not shown anywhere');
});

t.test('with server.publicUrl: the URLs; default settings need the on_close topics, never received', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false, config: { server: { publicUrl: 'https://ihz.example.com' } } });
  const call = sessionApi(server, await signIn(server));
  const detail = (await call('POST', '/api/connections', { name: 'Support' })).body as ConnectionDetail;
  t.same(detail.webhookUrls, { intercom: 'https://ihz.example.com/webhooks/intercom', hubspot: 'https://ihz.example.com/webhooks/hubspot' });
  t.equal(detail.webhookSetup.publicUrlMissing, null);
  // on_close needs the close, and the deletion that cancels a pending capture (src/capture/triggers.ts).
  t.same(detail.webhookSetup.needed, [
    { provider: 'intercom', topic: 'conversation.admin.closed', propertyName: null, generic: null, features: ['Capture on close'], lastReceivedAt: null },
    { provider: 'intercom', topic: 'conversation.deleted', propertyName: null, generic: null, features: ['Capture on close'], lastReceivedAt: null },
  ]);
});

t.test('tickets with sync back: the state topics and the HubSpot subscriptions in both forms; what arrived is dated', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.conversations.routing.defaultDestinations = ['contact', 'company', 'ticket'];
    settings.tickets.whenClosedInHubSpot = 'close';
  });
  const read = async () => (await s.api('GET', `/api/connections/${s.connectionId}`)).body as ConnectionDetail;
  const before = await read();
  t.ok(before.webhookUrls, 'a sandbox connection shows where its simulators deliver');
  t.same(topics(before, 'hubspot').sort(), ['ticket.deletion', 'ticket.merge', 'ticket.propertyChange', 'ticket.restore']);
  const stage = before.webhookSetup.needed.find((webhook) => webhook.topic === 'ticket.propertyChange') as NeededWebhookStatus;
  t.match(stage, { propertyName: 'hs_pipeline_stage', generic: { subscriptionType: 'object.propertyChange', objectTypeId: '0-5' }, features: ['Ticket stage changes back to Intercom'] });
  for (const topic of ['conversation.admin.closed', 'conversation.admin.opened', 'conversation.admin.snoozed', 'conversation.admin.unsnoozed', 'conversation.user.replied', 'conversation.admin.replied', 'conversation.deleted']) {
    t.ok(topics(before, 'intercom').includes(topic), `needs ${topic}`);
  }
  t.same(before.webhookSetup.needed.find((webhook) => webhook.topic === 'conversation.admin.closed')?.features, ['Capture on close', 'Ticket stage follows the conversation'], 'a topic two features need is listed once');
  t.ok(before.webhookSetup.needed.every((webhook) => webhook.lastReceivedAt === null), 'nothing arrived yet');

  // A close arrives through the simulator's webhook.
  s.conversation({ spacingMs: 0 });
  await s.intercom.control.webhooks.flush();
  const after = await until('the close is dated', async () => {
    const detail = await read();
    return detail.webhookSetup.needed.find((webhook) => webhook.topic === 'conversation.admin.closed')?.lastReceivedAt ? detail : null;
  });
  t.ok(Date.parse(after.webhookSetup.needed.find((webhook) => webhook.topic === 'conversation.admin.closed')?.lastReceivedAt ?? '') > 0);
  t.equal(after.webhookSetup.needed.find((webhook) => webhook.topic === 'ticket.merge')?.lastReceivedAt, null, 'one that never came stays null');
});

t.test('manual capture and no tickets: nothing is needed', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.conversations.capture.mode = 'manual';
  });
  const detail = (await s.api('GET', `/api/connections/${s.connectionId}`)).body as ConnectionDetail;
  t.same(detail.webhookSetup.needed, []);
});

t.test('the sandbox subscribes its Intercom app to every topic any feature needs, so none shows as never received for want of a subscription', async (t) => {
  const { webhooksByFeature } = await import('../../src/webhooks/needed-webhooks.ts');
  const s = await captureScenario(t, { startScheduler: false });
  const subscribed = new Set(s.intercom.control.webhooks.subscriptions().flatMap((subscription) => subscription.topics));
  const needed = Object.values(webhooksByFeature()).flat().filter((webhook) => webhook.provider === 'intercom').map((webhook) => webhook.topic);
  t.same(needed.filter((topic) => !subscribed.has(topic)), [], 'no needed topic left out (conversation.deleted was)');
});
