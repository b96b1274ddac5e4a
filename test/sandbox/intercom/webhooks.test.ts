import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import t from 'tap';
import { startHarness, type Harness, type Teardownable } from './helpers.ts';

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  json: any;
}

/** A webhook endpoint that records what it gets and answers with the scripted statuses (then 200). */
async function receiver(t: Teardownable, script: Array<number | 'hang'> = []) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.method === 'HEAD') return res.writeHead(200).end();
      received.push({ method: req.method ?? '', headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) });
      const next = script.shift() ?? 200;
      if (next === 'hang') return; // never answers: the simulator's timeout fires
      res.writeHead(next, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.teardown(() => server.closeAllConnections());
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/intercom`, received, script };
}

/** The documented algorithm, written independently of the simulator (D-wh-models "Signed notifications"). */
function verify(secret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha1=${createHmac('sha1', Buffer.from(secret, 'utf8')).update(raw).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function setup(t: Teardownable, script: Array<number | 'hang'> = [], topics = ['conversation.user.created', 'conversation.user.replied', 'conversation.admin.replied', 'conversation.admin.closed']) {
  // A short delivery timeout only where a receiver hangs on purpose: elsewhere a loaded CI machine
  // answering in more than 300 ms turned a good delivery into a retry (a flaky failure, seen once).
  const timeoutMs = script.includes('hang') ? 300 : 5000;
  const h = await startHarness(t, { webhooks: { validateUrl: true, timeoutMs } });
  const hook = await receiver(t, script);
  await h.sim.control.webhooks.subscribe({ url: hook.url, topics });
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'jane@customer.test', name: 'Jane' });
  return { h, hook, contact };
}

const start = (h: Harness, contactId: unknown) => String(h.sim.control.actAsCustomer.startConversation({ contactId: String(contactId), body: '<p>Help</p>' }).id);

t.test('signed notification_event envelope with the topic item', async (t) => {
  const { h, hook, contact } = await setup(t);
  const id = start(h, contact.id);
  h.sim.control.actAsAdmin.reply({ conversationId: id, body: '<p>Sure</p>' });
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2);
  const [created, replied] = hook.received;
  const secret = h.sim.defaults?.clientSecret ?? '';
  for (const r of hook.received) {
    t.ok(verify(secret, r.raw, r.headers['x-hub-signature']), 'X-Hub-Signature verifies with the client secret');
    t.equal(r.headers['user-agent'], 'intercom-parrot-service-client/1.0');
    t.match(r.headers['content-type'], /application\/json/);
  }
  t.notOk(verify('wrong-secret', created?.raw ?? Buffer.alloc(0), created?.headers['x-hub-signature']));
  t.match(created?.json, {
    type: 'notification_event',
    app_id: h.workspaceId,
    data: { type: 'notification_event_data', item: { type: 'conversation', id } },
    links: {},
    id: /^notif_[0-9a-f-]{36}$/,
    topic: 'conversation.user.created',
    delivery_status: 'pending',
    delivery_attempts: 1,
    delivered_at: 0,
    self: null,
  });
  t.equal(created?.json.created_at, created?.json.first_sent_at);
  t.equal(replied?.json.topic, 'conversation.admin.replied');
  const item = replied?.json.data.item;
  t.equal(item.conversation_parts.total_count, 1, 'only the parts the event made');
  t.match(item.conversation_parts.conversation_parts[0], { part_type: 'comment', body: '<p>Sure</p>', author: { type: 'admin' } });
  t.match(item.statistics.first_contact_reply_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/, 'statistics timestamps are ISO strings in webhooks');
  t.type(item.created_at, 'number', 'top-level timestamps stay integers');
  t.same(item.teammates, { type: 'admin.list', admins: [{ type: 'admin', id: h.adminId }] });
  t.same(h.sim.control.webhooks.notifications().map((n) => n.status), ['delivered', 'delivered']);
});

t.test('unsubscribed topics are not sent; contact items use ISO timestamps; ping has a null id', async (t) => {
  const { h, hook } = await setup(t, [], ['contact.user.created', 'conversation.admin.closed']);
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'new@x.test' });
  start(h, contact.id);
  h.sim.control.webhooks.ping();
  await h.sim.control.webhooks.flush();
  // setup() created Jane before this contact; no conversation topic was subscribed.
  t.same(hook.received.map((r) => r.json.topic), ['contact.user.created', 'contact.user.created', 'ping']);
  t.match(hook.received[1]?.json.data.item, { type: 'contact', id: contact.id, created_at: /^\d{4}-\d\d-\d\dT[\d:.]+\+00:00$/, sms_consent: false });
  t.match(hook.received[2]?.json, { id: null, delivery_status: null, data: { item: { type: 'ping' } } });
});

t.test('a failed delivery is retried once after a minute, same id, attempts counted', async (t) => {
  const { h, hook, contact } = await setup(t, [500, 500]);
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 1);
  h.sim.control.clock.advance(59_000);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 1, 'not before a minute');
  h.sim.control.clock.advance(1_000);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2);
  t.equal(hook.received[1]?.json.id, hook.received[0]?.json.id, 'the retry keeps the id');
  t.equal(hook.received[1]?.json.delivery_attempts, 2);
  t.equal(hook.received[1]?.json.first_sent_at, hook.received[0]?.json.first_sent_at, 'first_sent_at stays');
  h.sim.control.clock.advance(600_000);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2, 'no third attempt');
  t.equal(h.sim.control.webhooks.notifications()[0]?.status, 'failed');
  t.same(h.sim.control.webhooks.attempts().map((a) => a.outcome), ['http_error', 'http_error']);
});

t.test('no answer within the timeout counts as failed and is retried once', async (t) => {
  const { h, hook, contact } = await setup(t, ['hang', 200]);
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(h.sim.control.webhooks.attempts()[0]?.outcome, 'timeout');
  h.sim.control.clock.advance(60_000);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2);
  t.equal(h.sim.control.webhooks.notifications()[0]?.status, 'delivered');
});

t.test('410 Gone disables the subscription', async (t) => {
  const { h, hook, contact } = await setup(t, [410]);
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 1);
  t.equal(h.sim.control.webhooks.subscriptions()[0]?.status, 'disabled');
  h.sim.control.webhooks.resume();
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2, 'resumed');
});

t.test('429 throttles the subscription, doubling, and drops what waited over two hours', async (t) => {
  const { h, hook, contact } = await setup(t, [429, 429, 200]);
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  h.sim.control.clock.advance(60_000);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2, 'retried after the first minute');
  h.sim.control.clock.advance(60_000);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2, 'the second delay is two minutes');
  h.sim.control.clock.advance(60_000);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 3);
  t.equal(h.sim.control.webhooks.notifications()[0]?.status, 'delivered');

  hook.script.push(...Array(20).fill(429));
  start(h, contact.id);
  for (let i = 0; i < 12; i++) {
    await h.sim.control.webhooks.flush();
    h.sim.control.clock.advance(1_800_000);
  }
  await h.sim.control.webhooks.flush();
  t.equal(h.sim.control.webhooks.notifications()[1]?.status, 'dropped');
});

t.test('injected duplicates, drops and reordering', async (t) => {
  const { h, hook, contact } = await setup(t);
  h.sim.control.webhooks.addFault({ kind: 'duplicate', count: 1 });
  const first = start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.same(hook.received.map((r) => r.json.data.item.id), [first, first]);
  t.equal(hook.received[0]?.json.id, hook.received[1]?.json.id, 'a duplicate has the same notification id');

  h.sim.control.webhooks.addFault({ kind: 'drop', count: 1 });
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 2, 'dropped');

  h.sim.control.webhooks.addFault({ kind: 'reorder', count: 1 });
  const a = start(h, contact.id);
  const b = start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.same(hook.received.slice(2).map((r) => r.json.data.item.id), [b, a], 'delivered out of order');
});

t.test('registration validates the URL with a HEAD request', async (t) => {
  const h = await startHarness(t, { webhooks: { validateUrl: true, timeoutMs: 300 } });
  await t.rejects(h.sim.control.webhooks.subscribe({ url: 'http://127.0.0.1:9/nothing', topics: ['ping'] }), /HEAD/);
});

t.test('too many consecutive errors pause the subscription; a private app is suspended after 7 days', async (t) => {
  const h = await startHarness(t, { seed: { app: { private: true } }, webhooks: { validateUrl: false, timeoutMs: 300, errorRetries: 0, pauseAfterErrors: 2 } });
  const hook = await receiver(t, Array(10).fill(500));
  await h.sim.control.webhooks.subscribe({ url: hook.url, topics: ['conversation.user.created'] });
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'p@x.test' });
  for (let i = 0; i < 4; i++) {
    start(h, contact.id);
    await h.sim.control.webhooks.flush();
  }
  t.equal(hook.received.length, 3, 'the third error pauses: the fourth notification is dropped');
  h.sim.control.clock.advance(15 * 60_000);
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 4, 'sent again after 15 minutes');
  h.sim.control.clock.advance(8 * 86_400_000);
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(h.sim.control.webhooks.subscriptions()[0]?.status, 'suspended');
  start(h, contact.id);
  await h.sim.control.webhooks.flush();
  t.equal(hook.received.length, 5, 'nothing goes to a suspended subscription');
});

t.test('deletions send minimal items: conversation_id for conversations, deleted:true for contacts', async (t) => {
  const { h, hook, contact } = await setup(t, [], ['conversation.deleted', 'contact.deleted']);
  const id = start(h, contact.id);
  h.sim.control.actAsAdmin.delete({ conversationId: id });
  h.sim.control.contacts.delete(String(contact.id));
  await h.sim.control.webhooks.flush();
  t.same(hook.received.map((r) => r.json.data.item), [
    { type: 'conversation', conversation_id: id },
    { id: contact.id, external_id: null, type: 'contact', deleted: true },
  ]);
  t.equal((await h.api('GET', `/conversations/${id}`)).status, 404);
  t.equal((await h.api('GET', `/contacts/${contact.id}`)).status, 404);
});
