// Auth, versions, Accept, regional hosts, rate limits, faults, the request log and mounting.
import Fastify from 'fastify';
import t from 'tap';
import { request as undiciRequest } from 'undici';
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { createIntercomSimulator } from '../../../src/sandbox/intercom/index.ts';
import { startHarness, T0 } from './helpers.ts';

t.test('bearer tokens: missing, unknown, revoked, another workspace', async (t) => {
  const h = await startHarness(t);
  const unauthorized = { status: 401, body: { type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] } };
  t.match(await h.api('GET', '/me', undefined, { authorization: '' }), unauthorized);
  t.match(await h.api('GET', '/me', undefined, { authorization: 'Bearer nope' }), unauthorized);
  const noAuth = await h.api('GET', '/me', undefined, { authorization: '' });
  t.equal(noAuth.headers.get('x-ratelimit-limit'), null, 'no rate-limit headers without valid credentials (D-rate)');

  const other = h.sim.control.workspaces.create({ name: 'Other' });
  const otherToken = h.sim.control.createAccessToken(other.id);
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'mine@x.test' });
  const cross = await h.api('GET', `/contacts/${contact.id}`, undefined, { authorization: `Bearer ${otherToken}` });
  t.equal(cross.status, 404, "another workspace's records are invisible");

  h.sim.control.revokeToken(h.token);
  t.match(await h.api('GET', '/me'), unauthorized, 'a revoked token answers 401');
});

t.test('Intercom-Version, Accept, methods, bad JSON', async (t) => {
  const h = await startHarness(t);
  t.equal((await h.api('GET', '/me', undefined, { 'intercom-version': '2.11' })).status, 200);
  t.equal((await h.api('GET', '/me', undefined, { 'intercom-version': 'Unstable' })).status, 200);
  const badVersion = await h.api('GET', '/me', undefined, { 'intercom-version': '9.9' });
  t.match(badVersion, { status: 400, body: { errors: [{ code: 'intercom_version_invalid' }] } });
  t.equal((await h.api('GET', '/me', undefined, { accept: 'text/html' })).status, 406);
  t.equal((await h.api('GET', '/me', undefined, { accept: '*/*' })).status, 200);
  const wrongMethod = await h.api('DELETE', '/me');
  t.match(wrongMethod, { status: 404, body: { errors: [{ code: 'not_found' }] } }, 'an unsupported method is 404 (D-http)');
  const badJson = await fetch(`${h.url}/conversations/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, accept: 'application/json', 'content-type': 'application/json' },
    body: '{"query":',
  });
  t.equal(badJson.status, 400);
  t.match(await badJson.json(), { type: 'error.list', errors: [{ code: 'parameter_invalid' }] });

  const strict = await startHarness(t, { strictAccept: true });
  t.equal((await fetch(`${strict.url}/me`, { headers: { authorization: `Bearer ${strict.token}`, accept: '' } })).status, 406);
});

t.test('regional hosts are accepted; strictRegion rejects a token on the wrong regional host', async (t) => {
  const h = await startHarness(t, { strictRegion: true, seed: { workspace: { region: 'EU' } } });
  const call = async (host: string) => {
    const r = await undiciRequest(`${h.url}/me`, { headers: { host, authorization: `Bearer ${h.token}`, accept: 'application/json' } });
    await r.body.dump();
    return r.statusCode;
  };
  t.equal(await call('api.eu.intercom.io'), 200);
  t.equal(await call('api.intercom.io'), 200, 'the US host routes every region (D-rest)');
  t.equal(await call('api.au.intercom.io'), 401);
});

t.test('rate limits: 10-second windows, headers on every response, 429 body', async (t) => {
  const h = await startHarness(t, { rateLimitPerMinute: 60 }); // 10 per 10-second window
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 11; i++) {
    last = await h.api('GET', '/me');
    statuses.push(last.status);
  }
  t.same(statuses, [...Array(10).fill(200), 429]);
  t.equal(last?.headers.get('x-ratelimit-limit'), '10');
  t.equal(last?.headers.get('x-ratelimit-remaining'), '0');
  t.equal(last?.headers.get('x-ratelimit-reset'), String(T0 / 1000 + 10));
  t.match(last?.body, { type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 10 in 10_seconds' }] });
  h.sim.control.clock.advance(10_000);
  const fresh = await h.api('GET', '/me');
  t.equal(fresh.status, 200, 'the window resets');
  t.equal(fresh.headers.get('x-ratelimit-remaining'), '9');
  const missing = await h.api('GET', '/admins/1');
  t.equal(missing.headers.get('x-ratelimit-remaining'), '8', 'error responses carry the headers too');
});

t.test('faults: status codes, Retry-After, per endpoint, timeout, reset, latency; control is exempt', async (t) => {
  const h = await startHarness(t);
  h.sim.control.faults.add({ kind: '429', count: 1, retryAfterSeconds: 7 });
  h.sim.control.faults.add({ kind: '429', count: 1 });
  let r = await h.api('GET', '/me');
  t.match(r, { status: 429, body: { type: 'error.list', errors: [{ code: 'rate_limit_exceeded' }] } });
  t.equal(r.headers.get('retry-after'), '7');
  r = await h.api('GET', '/me');
  t.equal(r.status, 429);
  t.equal(r.headers.get('retry-after'), null, 'a 429 without Retry-After');
  t.equal((await h.api('GET', '/me')).status, 200, 'used up');

  h.sim.control.faults.add({ kind: '503', count: 2, method: 'POST', pathPrefix: '/conversations/search' });
  t.equal((await h.api('GET', '/me')).status, 200, 'other endpoints are unaffected');
  const search = () => h.api('POST', '/conversations/search', { query: { field: 'state', operator: '=', value: 'open' } });
  t.match(await search(), { status: 503, body: { errors: [{ code: 'service_unavailable' }] } });
  t.equal((await search()).status, 503);
  t.equal((await search()).status, 200);
  for (const kind of ['500', '502'] as const) {
    h.sim.control.faults.add({ kind, count: 1 });
    t.equal((await h.api('GET', '/me')).status, Number(kind));
  }

  h.sim.control.faults.add({ kind: 'timeout', count: 1 });
  await t.rejects(fetch(`${h.url}/me`, { headers: { authorization: `Bearer ${h.token}` }, signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' });
  h.sim.control.faults.add({ kind: 'reset', count: 1 });
  await t.rejects(fetch(`${h.url}/me`, { headers: { authorization: `Bearer ${h.token}` } }), TypeError, 'the connection is reset');

  h.sim.control.faults.add({ kind: '500', count: 1 });
  const control = await fetch(`${h.url}/_sim/workspaces`);
  t.equal(control.status, 200, 'the control API is exempt from faults');
  t.equal((await h.api('GET', '/me')).status, 500);

  h.sim.control.faults.setLatency({ ms: 150, pathPrefix: '/admins' });
  const started = Date.now();
  await h.api('GET', '/admins');
  t.ok(Date.now() - started >= 140, 'latency is added');
  h.sim.control.faults.clear();
  t.same(h.sim.control.faults.pending(), []);
});

t.test('request log: counts per endpoint, control calls left out', async (t) => {
  const h = await startHarness(t);
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'log@x.test' });
  await h.api('GET', `/contacts/${contact.id}`);
  await h.api('GET', `/contacts/${contact.id}`);
  await h.api('GET', '/me');
  await h.api('GET', '/nowhere');
  await fetch(`${h.url}/_sim/records`);
  t.same(h.sim.control.requests.counts(), { 'GET /contacts/:contact_id': 2, 'GET /me': 1 }, 'a request that matched no route is not kept (a bounded log, issue #14)');
  t.match(h.sim.control.requests.entries()[0], { method: 'GET', route: '/contacts/:contact_id', path: `/contacts/${contact.id}`, status: 200, at: T0 });
  h.sim.control.requests.clear();
  t.same(h.sim.control.requests.entries(), []);
});

t.test('mounted under a prefix inside another app', async (t) => {
  const sim = createIntercomSimulator({ clock: createSimClock(T0) });
  const app = Fastify();
  await app.register(sim.plugin, { prefix: '/sandbox/intercom' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    sim.close();
    await app.close();
  });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/sandbox/intercom`;
  const token = sim.control.createAccessToken();
  sim.control.faults.add({ kind: '500', count: 1, pathPrefix: '/admins' });
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  t.equal((await fetch(`${base}/me`, { headers })).status, 200);
  t.equal((await fetch(`${base}/admins`, { headers })).status, 500, 'fault paths are relative to the mount');
  t.equal((await fetch(`${base}/admins`, { headers })).status, 200);
  const companies = await fetch(`${base}/companies?per_page=1`, { headers });
  t.equal(companies.status, 200);
  t.same(sim.control.requests.counts(), { 'GET /me': 1, 'GET /admins': 2, 'GET /companies': 1 }, 'routes are logged without the prefix');
  t.equal((await fetch(`${base}/_sim/workspaces`)).status, 200);
});
