// A delivery is deduplicated by its stored row, and rows are purged after jobs.keepWebhookDeliveriesDays.
// Intercom's signature and HubSpot's v1 carry no timestamp, so the intake refuses events dated
// before that window: a delivery captured once and replayed after its purge is not taken as new.
import t from 'tap';
import { purgeOldDeliveries } from '../../src/webhooks/record-deliveries.ts';
import { hubspotSignatureV1, hubspotSignatureV3 } from '../../src/webhooks/hubspot-signature.ts';
import { intercomSignature } from '../../src/webhooks/intercom-signature.ts';
import { countRows } from '../helpers/rows.ts';
import type { Teardownable } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const INTERCOM_SECRET = 'intercom-app-secret-replay';
const HUBSPOT_SECRET = 'hubspot-app-secret-replay';
const DAY = 86_400_000;
const START = Date.parse('2026-12-01T12:00:00Z');

async function app(t: Teardownable) {
  let now = START;
  const server = await buildTestApp(t, {
    startScheduler: false,
    clock: () => now,
    config: { jobs: { keepWebhookDeliveriesDays: 30 }, apps: { intercom: { clientSecret: INTERCOM_SECRET }, hubspot: { clientSecret: HUBSPOT_SECRET } } },
  });
  await server.daemon.db.kysely
    .insertInto('connections')
    .values({ id: 'c1', name: 'c1', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1, intercom_workspace_id: 'ws1', hubspot_portal_id: 42 })
    .execute();
  return { server, advance: (ms: number) => (now += ms), now: () => now };
}

const intercomBody = (createdAtMs: number | undefined, id = 'notif_replay_1') =>
  JSON.stringify({
    type: 'notification_event', id, topic: 'conversation.admin.closed', app_id: 'ws1',
    ...(createdAtMs === undefined ? {} : { created_at: Math.floor(createdAtMs / 1000) }),
    data: { type: 'notification_event_data', item: { type: 'conversation', id: '77' } },
  });

function postIntercom(server: TestApp, body: string) {
  const raw = Buffer.from(body);
  return server.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': intercomSignature(raw, INTERCOM_SECRET) }, body: raw });
}

const hubspotBody = (occurredAt: number | undefined) =>
  JSON.stringify([{ eventId: 9001, subscriptionId: 1, portalId: 42, appId: 7, subscriptionType: 'ticket.propertyChange', objectId: 5, propertyName: 'hs_pipeline_stage', propertyValue: '4', ...(occurredAt === undefined ? {} : { occurredAt }) }]);

function postHubSpotV1(server: TestApp, body: string) {
  const raw = Buffer.from(body);
  return server.fetch('/webhooks/hubspot', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hubspot-signature': hubspotSignatureV1(raw, HUBSPOT_SECRET), 'x-hubspot-signature-version': 'v1' }, body: raw });
}

function postHubSpotV3(server: TestApp, body: string, now: number) {
  const raw = Buffer.from(body);
  const timestamp = String(now);
  const signature = hubspotSignatureV3({ method: 'POST', uri: `${server.url}/webhooks/hubspot`, rawBody: raw, timestamp, clientSecret: HUBSPOT_SECRET });
  return server.fetch('/webhooks/hubspot', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp }, body: raw });
}

const counts = async (server: TestApp) => ({
  deliveries: await countRows(server.daemon.db, 'webhook_deliveries'),
  jobs: await countRows(server.daemon.db, 'jobs'),
});

t.test('Intercom: a delivery replayed after its record was purged is refused, not taken as new', async (t) => {
  const { server, advance, now } = await app(t);
  const body = intercomBody(now() - 60_000);
  const first = await postIntercom(server, body);
  t.equal(first.status, 200);
  t.match(await first.json(), { accepted: 1 });
  t.same(await counts(server), { deliveries: 1, jobs: 1 });

  advance(31 * DAY);
  await purgeOldDeliveries(server.daemon.db.kysely, { now: now(), keepDays: 30 });
  t.equal((await counts(server)).deliveries, 0, 'the delivery record is gone');
  const replay = await postIntercom(server, body);
  t.equal(replay.status, 401);
  t.match(await replay.json(), { error: { code: 'stale_delivery', message: /created_at is more than 30 days old \(jobs\.keepWebhookDeliveriesDays\)/ } });
  t.equal((await counts(server)).jobs, 1, 'no second job');
});

t.test('Intercom: a delivery inside the window is accepted; one without created_at is refused by name', async (t) => {
  const { server, now } = await app(t);
  const recent = await postIntercom(server, intercomBody(now() - 29 * DAY, 'notif_recent'));
  t.equal(recent.status, 200, 'an event 29 days old is still inside a 30-day window');
  const undated = await postIntercom(server, intercomBody(undefined, 'notif_undated'));
  t.equal(undated.status, 400);
  t.match(await undated.json(), { error: { code: 'invalid_notification', details: [{ path: 'created_at' }] } });
  t.equal((await counts(server)).deliveries, 1);
});

t.test('HubSpot v1 (no timestamp in the signature): old or undated events are refused; v3 needs no occurredAt', async (t) => {
  const { server, now } = await app(t);
  const old = await postHubSpotV1(server, hubspotBody(now() - 31 * DAY));
  t.equal(old.status, 401);
  t.match(await old.json(), { error: { code: 'stale_delivery', message: /occurredAt/ } });
  const undated = await postHubSpotV1(server, hubspotBody(undefined));
  t.equal(undated.status, 400);
  t.match(await undated.json(), { error: { code: 'invalid_events', details: [{ path: 'occurredAt' }] } });
  t.same(await counts(server), { deliveries: 0, jobs: 0 }, 'nothing recorded');

  const fresh = await postHubSpotV1(server, hubspotBody(now() - 60_000));
  t.equal(fresh.status, 200);
  const v3Undated = await postHubSpotV3(server, hubspotBody(undefined).replace('9001', '9002'), now());
  t.equal(v3Undated.status, 200, 'a v3 signature is dated itself');
  t.equal((await counts(server)).deliveries, 2);
});
