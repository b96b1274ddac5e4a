// POST /webhooks/intercom and /webhooks/hubspot against the real daemon: signatures, routing,
// dedupe, unrouted deliveries, bad input, and that nothing but ids reaches the database.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { RECONCILE_TASK } from '../../src/reconcile/reconcile-task.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { hubspotSignatureV1, hubspotSignatureV3 } from '../../src/webhooks/hubspot-signature.ts';
import { intercomSignature } from '../../src/webhooks/intercom-signature.ts';
import { webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { startTestServer, type Teardownable, type TestServer } from '../helpers/server.ts';
import { allRowsText, selectRows } from '../helpers/rows.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const INTERCOM_APP_SECRET = 'intercom-oauth-app-secret';
const HUBSPOT_APP_SECRET = 'hubspot-oauth-app-secret';
const PUBLIC_URL = 'https://ihz.example.com';

/** A test app, or a daemon on a port for a test whose webhooks a simulator sends over the network. */
async function server(t: Teardownable, start: typeof buildTestApp | typeof startTestServer = buildTestApp): Promise<TestApp | TestServer> {
  const s = await start(t, {
    startScheduler: false,
    config: { server: { publicUrl: PUBLIC_URL }, apps: { intercom: { clientSecret: INTERCOM_APP_SECRET }, hubspot: { clientSecret: HUBSPOT_APP_SECRET } } },
  });
  const db = s.daemon.db.kysely;
  const connection = (id: string, workspace: string | null, portal: number | null) =>
    db.insertInto('connections').values({ id, name: id, status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1, intercom_workspace_id: workspace, hubspot_portal_id: portal }).execute();
  await connection('c-eu', 'ws-eu', 111);
  await connection('c-us', 'ws-us', 222);
  return s;
}

const notification = (overrides: Record<string, unknown> = {}) => ({
  type: 'notification_event',
  id: 'notif_1',
  topic: 'conversation.admin.closed',
  app_id: 'ws-eu',
  created_at: 1_800_000_000,
  data: { type: 'notification_event_data', item: { type: 'conversation', id: '9001', source: { body: '<p>SECRET-BODY-7d1 the customer wrote this</p>' } } },
  ...overrides,
});

async function postIntercom(s: TestApp | TestServer, body: unknown, secret = INTERCOM_APP_SECRET, headers: Record<string, string> = {}) {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return s.fetch('/webhooks/intercom', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': intercomSignature(raw, secret), ...headers },
    body: raw,
  });
}

// The daemon's minute chores run even with the scheduler stopped: a test that crosses a minute
// boundary finds a reconciliation job per connection. The deliveries' jobs are what is counted.
const rows = async (s: TestApp | TestServer, table: 'jobs' | 'webhook_deliveries'): Promise<Array<Record<string, unknown>>> =>
  table === 'jobs'
    ? s.daemon.db.kysely.selectFrom('jobs').selectAll().where('task', '!=', RECONCILE_TASK).orderBy('id').execute()
    : selectRows(s.daemon.db, table);

t.test('Intercom: a signed delivery is recorded with its job, once, and answered 200', async (t) => {
  const s = await server(t);
  const first = await postIntercom(s, notification());
  t.equal(first.status, 200);
  t.same(await first.json(), { ok: true, accepted: 1, duplicates: 0, unrouted: 0 });
  const again = await postIntercom(s, notification());
  t.same(await again.json(), { ok: true, accepted: 0, duplicates: 1, unrouted: 0 }, 'a retried delivery is a duplicate');
  t.match(await rows(s, 'webhook_deliveries'), [{ provider: 'intercom', delivery_id: 'notif_1', connection_id: 'c-eu', account_id: 'ws-eu', topic: 'conversation.admin.closed', object_id: '9001', occurred_at: 1_800_000_000_000, status: 'accepted' }]);
  const jobs = await rows(s, 'jobs');
  t.equal(jobs.length, 1);
  t.match(jobs[0], { task: 'intercom.event', connection_id: 'c-eu', status: 'queued' });
  t.same(JSON.parse(String(jobs[0]?.payload)), { deliveryId: 1, topic: 'conversation.admin.closed', objectId: '9001', occurredAt: 1_800_000_000_000 });
});

t.test("Intercom: a contact's delivery carries record sync's echo hint; a conversation's, though dated too, carries none", async (t) => {
  const s = await server(t);
  const item = { type: 'conversation', id: '9002', updated_at: 1_799_999_990 };
  t.equal((await postIntercom(s, notification({ id: 'notif_conv', data: { type: 'notification_event_data', item } }))).status, 200);
  const contact = { type: 'contact', id: 'ct-1', role: 'user', email: 'hint@acme.test', updated_at: 1_799_999_991 };
  t.equal((await postIntercom(s, notification({ id: 'notif_contact', topic: 'contact.user.updated', data: { type: 'notification_event_data', item: contact } }))).status, 200);
  const payloads = (await rows(s, 'jobs')).map((job) => JSON.parse(String(job['payload'])) as { topic: string; hint?: Record<string, unknown> });
  t.same(payloads.find((payload) => payload.topic === 'conversation.admin.closed')?.hint, undefined, 'no hint for a conversation: nothing would read it');
  t.match(payloads.find((payload) => payload.topic === 'contact.user.updated')?.hint, { itemUpdatedAt: 1_799_999_991, itemDigest: /^\S{16,}$/ }, "the contact's time and digest");
});

t.test('Intercom: no conversation content at rest', async (t) => {
  const s = await server(t);
  await postIntercom(s, notification());
  const rows = await allRowsText(s.daemon.db);
  t.ok(rows.includes('notif_1'), 'the delivery was stored: the search reads its row');
  t.notOk(rows.includes('SECRET-BODY-7d1'), 'the message body is in no row of the store');
  // On SQLite the store is files of the data directory: searched byte by byte, after a checkpoint.
  if (s.daemon.db.dialect === 'sqlite') s.daemon.db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const files = readdirSync(s.dataDir).filter((f) => readFileSync(join(s.dataDir, f)).includes('SECRET-BODY-7d1'));
  t.same(files, [], 'the message body is in no file of the data directory');
});

t.test('Intercom: deliveries of several apps, each verified with its own secret and routed by workspace', async (t) => {
  const s = await server(t);
  await putCredential(s.daemon.db.kysely, s.daemon.vault, { owner: connectionOwner('c-us'), kind: webhookSecretKind('intercom'), value: 'us-own-app-secret', now: 1 });
  const us = await postIntercom(s, notification({ id: 'notif_us', app_id: 'ws-us' }), 'us-own-app-secret');
  t.same(await us.json(), { ok: true, accepted: 1, duplicates: 0, unrouted: 0 }, 'a secret added after start is found');
  const eu = await postIntercom(s, notification({ id: 'notif_eu' }));
  t.same(await eu.json(), { ok: true, accepted: 1, duplicates: 0, unrouted: 0 });
  const crossed = await postIntercom(s, notification({ id: 'notif_x' }), 'us-own-app-secret');
  t.same(await crossed.json(), { ok: true, accepted: 0, duplicates: 0, unrouted: 1 }, "one connection's own app cannot deliver for another");
  t.same((await rows(s, 'jobs')).map((job) => job.connection_id), ['c-us', 'c-eu']);
});

t.test('Intercom: ping answered, unknown workspace counted as unrouted, both 200', async (t) => {
  const s = await server(t);
  const ping = await postIntercom(s, notification({ id: 'notif_ping', topic: 'ping', data: { item: { type: 'ping', message: 'hi' } } }));
  t.equal(ping.status, 200);
  const unknown = await postIntercom(s, notification({ id: 'notif_other', app_id: 'ws-nobody' }));
  t.equal(unknown.status, 200, 'so Intercom does not suspend the endpoint');
  t.same(await unknown.json(), { ok: true, accepted: 0, duplicates: 0, unrouted: 1 });
  // Counted per provider and day, not stored row by row (#14 item 6).
  t.same(await rows(s, 'webhook_deliveries'), [], 'no row for a delivery nobody will act on');
  t.same(await s.daemon.db.kysely.selectFrom('webhook_unrouted_counts').select(['provider', 'count']).execute(), [{ provider: 'intercom', count: 1 }]);
  t.equal((await rows(s, 'jobs')).length, 0);
});

t.test("Intercom: the simulator's own ping (id null) and a hand-signed one are answered 200; a null id on any other topic is refused", async (t) => {
  // The simulator delivers its ping over the network: this daemon listens on a port.
  const s = await server(t, startTestServer);
  const intercom = await startIntercomSimulator({ port: 0, webhooks: { validateUrl: false } });
  t.teardown(() => intercom.close());
  const appSecret = intercom.sim.defaults?.clientSecret ?? '';
  await putCredential(s.daemon.db.kysely, s.daemon.vault, { owner: connectionOwner('c-eu'), kind: webhookSecretKind('intercom'), value: appSecret, now: 1 });
  await intercom.sim.control.webhooks.subscribe({ url: `${s.url}/webhooks/intercom`, topics: [] });
  intercom.sim.control.webhooks.ping();
  await intercom.sim.control.webhooks.flush();
  t.match(intercom.sim.control.webhooks.attempts(), [{ topic: 'ping', notificationId: null, status: 200 }], "the simulator's ping, signed with its app secret, is answered 200");

  const handSigned = await postIntercom(s, { type: 'notification_event', app_id: 'ws-eu', data: { type: 'notification_event_data', item: { type: 'ping', message: 'something something interzen' } }, links: {}, id: null, topic: 'ping', delivery_status: null, delivery_attempts: 1, delivered_at: 0, first_sent_at: 1_800_000_000, created_at: 1_800_000_000, self: null });
  t.equal(handSigned.status, 200);
  t.same(await handSigned.json(), { ok: true });

  const nullIdEvent = await postIntercom(s, notification({ id: null }));
  t.equal(nullIdEvent.status, 400, 'a delivery that is not a ping is deduplicated by its id, so it must have one');
  t.match(await nullIdEvent.json(), { error: { code: 'invalid_notification', details: [{ path: 'id' }] } });
  t.equal((await rows(s, 'webhook_deliveries')).length, 0, 'a ping records nothing');
  t.equal((await rows(s, 'jobs')).length, 0);
});

t.test('Intercom bad input: signature, JSON, shape, size, content type — and nothing accepted is lost', async (t) => {
  const s = await server(t);
  await postIntercom(s, notification());
  const forged = await postIntercom(s, notification({ id: 'notif_2' }), 'not-the-secret');
  t.equal(forged.status, 401);
  t.match(await forged.json(), { error: { code: 'invalid_signature', message: /does not match any configured Intercom app/ } });
  const unsigned = await s.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(notification({ id: 'n3' })) });
  t.equal(unsigned.status, 401);
  const truncated = await postIntercom(s, '{"type":"notification_event","id":');
  t.equal(truncated.status, 400);
  t.match(await truncated.json(), { error: { code: 'invalid_json' } });
  const wrongShape = await postIntercom(s, { hello: 'world' });
  t.equal(wrongShape.status, 400);
  t.match(await wrongShape.json(), { error: { code: 'invalid_notification', details: [{ path: 'type' }] } });
  const huge = await postIntercom(s, notification({ id: 'big', padding: 'x'.repeat(1024 * 1024) }));
  t.equal(huge.status, 413);
  const form = await s.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
  t.equal(form.status, 415);
  t.equal((await rows(s, 'webhook_deliveries')).length, 1, 'the accepted delivery is still there, nothing else');
  t.equal((await rows(s, 'jobs')).length, 1);
});

function hubspotEvents(events: Array<Record<string, unknown>>) {
  return Buffer.from(JSON.stringify(events));
}

async function postHubSpot(s: TestApp | TestServer, raw: Buffer, options: { secret?: string; timestamp?: number; v1?: boolean } = {}) {
  const timestamp = String(options.timestamp ?? Date.now());
  const secret = options.secret ?? HUBSPOT_APP_SECRET;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.v1) {
    headers['x-hubspot-signature'] = hubspotSignatureV1(raw, secret);
    headers['x-hubspot-signature-version'] = 'v1';
  } else {
    headers['x-hubspot-signature-v3'] = hubspotSignatureV3({ method: 'POST', uri: `${PUBLIC_URL}/webhooks/hubspot`, rawBody: raw, timestamp, clientSecret: secret });
    headers['x-hubspot-request-timestamp'] = timestamp;
  }
  return s.fetch('/webhooks/hubspot', { method: 'POST', headers, body: raw });
}

const ticketEvent = (eventId: number, portalId: number, extra: Record<string, unknown> = {}) => ({
  eventId, subscriptionId: 5, portalId, appId: 77, occurredAt: 1_800_000_000_000, subscriptionType: 'ticket.propertyChange',
  attemptNumber: 0, objectId: 4242, propertyName: 'hs_pipeline_stage', propertyValue: 'PRIVATE-VALUE-31c', changeSource: 'CRM', ...extra,
});

t.test('HubSpot: an array of events, signed v3 over the public URL, routed by portal and deduplicated', async (t) => {
  const s = await server(t);
  const raw = hubspotEvents([ticketEvent(1, 111), ticketEvent(2, 222), ticketEvent(3, 999)]);
  const response = await postHubSpot(s, raw);
  t.equal(response.status, 200);
  t.same(await response.json(), { ok: true, accepted: 2, duplicates: 0, unrouted: 1 });
  const again = await postHubSpot(s, hubspotEvents([ticketEvent(2, 222), ticketEvent(4, 111)]));
  t.same(await again.json(), { ok: true, accepted: 1, duplicates: 1, unrouted: 0 });
  t.same((await rows(s, 'jobs')).map((job) => [job.task, job.connection_id]), [['hubspot.event', 'c-eu'], ['hubspot.event', 'c-us'], ['hubspot.event', 'c-eu']]);
  t.notMatch(JSON.stringify(await rows(s, 'webhook_deliveries')) + JSON.stringify(await rows(s, 'jobs')), /PRIVATE-VALUE/, 'property values are not stored');
});

t.test('HubSpot: v1 for apps that send it; stale, forged and wrong-URL signatures are refused', async (t) => {
  const s = await server(t);
  t.equal((await postHubSpot(s, hubspotEvents([ticketEvent(10, 111)]), { v1: true })).status, 200);
  const stale = await postHubSpot(s, hubspotEvents([ticketEvent(11, 111)]), { timestamp: Date.now() - 6 * 60_000 });
  t.equal(stale.status, 401);
  t.match(await stale.json(), { error: { code: 'invalid_signature', message: /older than 5 minutes/ } });
  const forged = await postHubSpot(s, hubspotEvents([ticketEvent(12, 111)]), { secret: 'guess' });
  t.equal(forged.status, 401);
  const missing = await s.fetch('/webhooks/hubspot', { method: 'POST', headers: { 'content-type': 'application/json' }, body: hubspotEvents([ticketEvent(13, 111)]) });
  t.match(await missing.json(), { error: { message: /is missing/ } });
  const notArray = await postHubSpot(s, Buffer.from('{"eventId":1}'));
  t.equal(notArray.status, 400);
  t.equal((await rows(s, 'jobs')).length, 1);
});
