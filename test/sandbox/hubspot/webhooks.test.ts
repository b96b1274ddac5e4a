// Webhook signatures, checked against the published test vectors and by an implementation of the
// documented algorithm written here independently of the simulator's; and delivery with retries.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { signV1, signV2, signV3 } from '../../../src/sandbox/hubspot/index.ts';
import { harness } from './helpers.ts';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const V1_BODY = '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';

/** The validating-requests algorithm for v3, as a receiver implements it (hubspot-api.md §16.4). */
function verifyV3(secret: string, method: string, url: string, body: string, headers: IncomingHttpHeaders, now: number): boolean {
  const timestamp = Number(headers['x-hubspot-request-timestamp']);
  if (!Number.isFinite(timestamp) || now - timestamp > 300_000) return false;
  const decoded = url.replace(/%3A/gi, ':').replace(/%2F/gi, '/').replace(/%3F/gi, '?').replace(/%40/gi, '@').replace(/%21/gi, '!')
    .replace(/%24/gi, '$').replace(/%27/gi, "'").replace(/%28/gi, '(').replace(/%29/gi, ')').replace(/%2A/gi, '*').replace(/%2C/gi, ',').replace(/%3B/gi, ';');
  const expected = createHmac('sha256', secret).update(method + decoded + body + String(timestamp)).digest();
  const given = Buffer.from(String(headers['x-hubspot-signature-v3'] ?? ''), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

t.test('published test vectors', async (t) => {
  t.equal(signV1(SECRET, V1_BODY), '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de', 'v1 (docs)');
  t.equal(signV2(SECRET, 'GET', 'https://www.example.com/webhook_uri', ''), 'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e', 'v2 GET (docs)');
  t.equal(signV2(SECRET, 'POST', 'https://www.example.com/webhook_uri', '{"example_field":"example_value"}'), '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900', 'v2 POST (docs)');
  t.equal(signV3(SECRET, 'POST', 'https://www.example.com/webhook_uri', V1_BODY, 1700000000000), '/pXDSgWeGksQpwCsgqd43P0eY6gBIse9UX0tfkudUrE=', 'v3 (hubspot-api.md)');
  t.equal(createHash('sha256').update(SECRET + V1_BODY).digest('hex'), signV1(SECRET, V1_BODY), 'v1 by hand');
});

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function receiver(answer: (index: number) => number | 'hang') {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const index = received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }) - 1;
      const status = answer(index);
      if (status === 'hang') return;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, base, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

t.test('deliveries are batched, signed v1 and v3, and only for subscribed properties', async (t) => {
  const target = await receiver(() => 204);
  t.teardown(target.close);
  const h = await harness({ webhooks: { batchDelayMs: 20 } });
  t.teardown(() => h.server.close());
  const targetUrl = `${target.base}/hooks/hubspot?conn=a%3Ab`;
  h.server.sim.control.subscribeWebhooks({
    targetUrl, clientSecret: 'app-secret',
    subscriptions: [{ eventType: 'contact.creation' }, { eventType: 'contact.propertyChange', propertyName: 'email' }],
  });
  const created = await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ünï@acme.test', firstname: 'Ana' } });
  await h.server.sim.control.webhooksIdle();
  t.equal(target.received.length, 1, 'one request for the batch');
  const delivery = target.received[0]!;
  const events = JSON.parse(delivery.body) as Array<Record<string, unknown>>;
  t.same(events.map((e) => e.subscriptionType), ['contact.creation', 'contact.propertyChange'], 'firstname is not subscribed');
  t.match(events[1], { objectId: Number(created.body.id), propertyName: 'email', propertyValue: 'ünï@acme.test', portalId: h.server.sim.control.defaultHubId(), attemptNumber: 0, changeSource: 'INTEGRATION', sourceId: String });
  t.equal(typeof events[0]!.eventId, 'number');
  t.equal(delivery.headers['x-hubspot-signature-version'], 'v1');
  t.equal(delivery.headers['x-hubspot-signature'], createHash('sha256').update(`app-secret${delivery.body}`).digest('hex'), 'v1 over the raw UTF-8 body');
  t.ok(verifyV3('app-secret', 'POST', targetUrl, delivery.body, delivery.headers, h.server.sim.control.clock.now()), 'v3 verifies');
  t.notOk(verifyV3('other-secret', 'POST', targetUrl, delivery.body, delivery.headers, h.server.sim.control.clock.now()), 'and fails with another secret');
  t.notOk(verifyV3('app-secret', 'POST', targetUrl, delivery.body, delivery.headers, h.server.sim.control.clock.now() + 300_001), 'and when too old');
});

t.test('failed deliveries are retried with attemptNumber counting up', async (t) => {
  const target = await receiver((i) => (i < 2 ? 500 : i === 2 ? 'hang' : 200));
  t.teardown(target.close);
  const h = await harness({ webhooks: { retryDelaysMs: [5], timeoutMs: 2000 } });
  t.teardown(() => h.server.close());
  h.server.sim.control.subscribeWebhooks({ targetUrl: `${target.base}/hook`, subscriptions: [{ eventType: 'company.creation' }] });
  await h.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme' } });
  await h.server.sim.control.webhooksIdle();
  t.same(target.received.map((r) => JSON.parse(r.body)[0].attemptNumber), [0, 1, 2, 3]);
  const attempts = h.server.sim.control.webhookDeliveries();
  t.same(attempts.map((a) => a.status), [500, 500, null, 200]);
  t.match(attempts[2]?.error, /2000 ms/, 'a slow answer counts as a failure');
});

t.test('retries stop after the last attempt', async (t) => {
  const target = await receiver(() => 503);
  t.teardown(target.close);
  const h = await harness({ webhooks: { retryDelaysMs: [1], maxAttempts: 10 } });
  t.teardown(() => h.server.close());
  h.server.sim.control.subscribeWebhooks({ targetUrl: `${target.base}/hook`, subscriptions: [{ eventType: 'ticket.deletion' }] });
  const ticket = await h.call('POST', '/crm/v3/objects/tickets', { properties: { subject: 'x', hs_pipeline_stage: '1' } });
  await h.call('DELETE', `/crm/v3/objects/tickets/${ticket.body.id}`);
  await h.server.sim.control.webhooksIdle();
  t.equal(target.received.length, 10, 'ten attempts in all');
  t.equal(JSON.parse(target.received[9]!.body)[0].subscriptionType, 'ticket.deletion');
});
