// Rate limits, fault injection and the control API, in-process and over HTTP under a mount prefix.
import Fastify from 'fastify';
import t from 'tap';
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { createHubSpotSimulator } from '../../../src/sandbox/hubspot/index.ts';
import { harness, T0 } from './helpers.ts';

t.test('the ten-secondly and daily limits, per portal', async (t) => {
  const h = await harness({ burstLimitPer10s: 3, dailyLimit: 5 });
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 4; i++) statuses.push((last = await h.call('GET', '/crm/v3/objects/contacts')).status);
  t.same(statuses, [200, 200, 200, 429]);
  t.match(last?.body, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
  t.equal(last?.headers.get('x-hubspot-ratelimit-remaining'), '0');
  t.equal(last?.headers.get('x-hubspot-ratelimit-interval-milliseconds'), '10000');

  const other = control.createPortal();
  const otherToken = control.createStaticToken({ hubId: other.hubId });
  t.equal((await h.call('GET', '/crm/v3/objects/contacts', undefined, otherToken)).status, 200, 'another portal has its own budget');

  control.clock.advance(10_000);
  t.equal((await h.call('GET', '/crm/v3/objects/contacts')).status, 200, 'the window rolls');
  t.equal((await h.call('GET', '/crm/v3/objects/contacts')).status, 200);
  const daily = await h.call('GET', '/crm/v3/objects/contacts');
  t.match(daily, { status: 429, body: { policyName: 'DAILY', message: 'You have reached your daily limit.' } });
  control.clock.advance(24 * 3600_000);
  t.equal((await h.call('GET', '/crm/v3/objects/contacts')).status, 200, 'the daily budget resets at midnight');
});

t.test('faults: status codes, Retry-After, endpoint filter, reset, timeout, latency', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  control.addFault({ kind: '429', count: 2, pathPrefix: '/crm/v3/objects/notes', retryAfterSeconds: 3 });
  const note = { properties: { hs_timestamp: '2026-01-01T00:00:00Z' } };
  const limited = await h.call('POST', '/crm/v3/objects/notes', note);
  t.equal(limited.status, 429);
  t.equal(limited.headers.get('retry-after'), '3');
  t.equal(limited.body.policyName, 'TEN_SECONDLY_ROLLING');
  t.equal((await h.call('GET', '/crm/v3/objects/contacts')).status, 200, 'other endpoints are untouched');
  t.equal((await h.call('POST', '/crm/v3/objects/notes', note)).status, 429);
  t.equal((await h.call('POST', '/crm/v3/objects/notes', note)).status, 201, 'used up after count calls');
  t.equal(control.records({ objectType: 'notes' }).length, 1, 'the failed calls wrote nothing');

  for (const kind of ['500', '502', '503'] as const) {
    control.addFault({ kind, method: 'GET' });
    const answer = await h.call('GET', '/crm/v3/owners');
    t.equal(answer.status, Number(kind));
    t.equal(answer.body.status, 'error');
  }
  control.addFault({ kind: 'reset' });
  await t.rejects(fetch(`${h.server.url}/crm/v3/owners`, { headers: { authorization: `Bearer ${h.token}` } }), 'reset connection');
  control.addFault({ kind: 'timeout' });
  await t.rejects(fetch(`${h.server.url}/crm/v3/owners`, { headers: { authorization: `Bearer ${h.token}` }, signal: AbortSignal.timeout(200) }), 'no answer');
  control.setLatency({ ms: 150 });
  const started = performance.now();
  await h.call('GET', '/crm/v3/owners');
  t.ok(performance.now() - started >= 140, 'latency added');
  control.clearFaults();
  t.same(control.pendingFaults(), []);
});

t.test('mounted under a prefix, driven over HTTP', async (t) => {
  const sim = createHubSpotSimulator({ clock: createSimClock(T0) });
  const app = Fastify();
  await app.register(sim.plugin, { prefix: '/sandbox/hubspot' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/sandbox/hubspot`;
  const json = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const { body: { token } } = await json('POST', '/_sim/tokens', {});
  t.match(token, /^pat-na1-/);
  t.equal((await json('POST', '/_sim/faults', { kind: '503', pathPrefix: '/crm/objects/2026-09/contacts' })).status, 201);
  t.equal((await json('POST', '/crm/objects/2026-09/contacts', { properties: { email: 'a@b.test' } }, token)).status, 503, 'the fault path is relative to the mount');
  const created = await json('POST', '/crm/objects/2026-09/contacts', { properties: { email: 'a@b.test' } }, token);
  t.equal(created.status, 201);
  const seeded = await json('POST', '/_sim/portals/4455667/records/companies', { properties: { name: 'Acme' }, associations: [{ to: { id: created.body.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 280 }] }] });
  t.equal(seeded.status, 201);
  const records = await json('GET', '/_sim/portals/4455667/records/contacts');
  t.same(records.body.results[0].associations, { companies: [{ id: seeded.body.id, typeIds: [279] }] });
  const requests = await json('GET', '/_sim/requests');
  t.equal(requests.body.total, 2, 'control calls are not logged');
  t.same(requests.body.counts, { 'POST /crm/objects/2026-09/:objectType': 2 });
  t.equal((await json('PUT', '/_sim/portals/4455667/rate-limits', { burstPer10s: 1 })).status, 200);
  t.equal((await json('GET', '/crm/v3/owners', undefined, token)).status, 200);
  t.equal((await json('GET', '/crm/v3/owners', undefined, token)).status, 429);
  t.equal((await json('POST', '/_sim/clock', { advance: 10_000 })).body.now, T0 + 10_000);
  t.equal((await json('GET', '/crm/v3/owners', undefined, token)).status, 200);
  const oauth = await json('POST', '/_sim/oauth/tokens', { scopes: ['tickets'] });
  t.equal((await json('POST', '/_sim/tokens/revoke', { token: oauth.body.accessToken })).body.revoked, true);
  t.equal((await json('GET', '/crm/v3/objects/tickets', undefined, oauth.body.accessToken)).status, 401);
  t.match(await json('POST', '/_sim/faults', { kind: '418' }), { status: 400, body: { error: String } }, 'bodies are validated');
  t.equal((await json('GET', '/_sim/portals/1/records/contacts')).status, 404);
  t.equal((await json('GET', '/nowhere')).status, 404);
});
