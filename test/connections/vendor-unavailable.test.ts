// An unreachable vendor is said in plain words when connecting with a token: where the daemon tried
// to go and what stopped it, or what the vendor answered; never an undici error string or a stack.
// Only loopback: a closed port and a local server that answers 503 (never the real vendor).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { describeVendorUnavailable } from '../../src/connections/vendor-unavailable.ts';
import { UpstreamError, type FailureKind } from '../../src/integrations/upstream-error.ts';
import { exchangeUnreachable } from '../../src/oauth/oauth-client.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const failure = (kind: FailureKind, status: number | null, cause?: unknown) =>
  new UpstreamError({ service: 'hubspot', kind, status, method: 'GET', path: '/account-info/2026-09/details', cause });
/** undici's shape: fetch failed, caused by the socket's error with its code. */
const socketError = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code} 1.2.3.4:443`), { code }) });
const BASE = 'https://api.hubapi.com';

t.test('each transport failure in words, with the host; the vendor’s answers by status', async (t) => {
  t.equal(
    describeVendorUnavailable('HubSpot', BASE, failure('network', null, socketError('ECONNREFUSED'))),
    "Could not reach HubSpot (api.hubapi.com): the network refused the connection — check the container's outbound access/proxy.",
  );
  t.match(describeVendorUnavailable('HubSpot', BASE, failure('network', null, socketError('ENOTFOUND'))), /^Could not reach HubSpot \(api\.hubapi\.com\): the name could not be resolved \(DNS\)/);
  t.match(describeVendorUnavailable('HubSpot', BASE, failure('timeout', null, socketError('UND_ERR_CONNECT_TIMEOUT'))), /: no answer came in time — check/);
  t.match(describeVendorUnavailable('HubSpot', BASE, failure('network', null, socketError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))), /: the secure connection failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\) — a proxy that inspects TLS/);
  t.match(describeVendorUnavailable('HubSpot', BASE, failure('network', null, socketError('ECONNRESET'))), /: the connection was cut off/);
  t.match(describeVendorUnavailable('Intercom', 'https://api.eu.intercom.io', failure('network', null, new Error('no code at all'))), /^Could not reach Intercom \(api\.eu\.intercom\.io\): the connection failed — check/);
  t.equal(describeVendorUnavailable('HubSpot', BASE, failure('server_error', 503)), 'HubSpot answered 503 — try again later.');
  t.equal(describeVendorUnavailable('HubSpot', BASE, failure('rate_limited', 429)), 'HubSpot answered 429 (too many requests) — try again in a minute.');
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'CERT_HAS_EXPIRED']) {
    t.notMatch(describeVendorUnavailable('HubSpot', BASE, failure('network', null, socketError(code))), /fetch failed|connect E|1\.2\.3\.4|\n\s+at /, `${code}: no error string of the library`);
  }
});

t.test('connecting a token when the vendor cannot be reached, or answers 503: a 502 in plain words, nothing stored', async (t) => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));

  const failing = http.createServer((_request, response) => response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"status":"error","message":"maintenance","category":"SERVICE_UNAVAILABLE"}'));
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => failing.close(resolve)));
  const failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;

  const server = await buildTestApp(t, { startScheduler: false });
  const call = sessionApi(server, await signIn(server));
  const db = server.daemon.db.kysely;
  const id = String((await call('POST', '/api/connections', { name: 'Offline' })).body?.id);

  await db.updateTable('connections').set({ hubspot_base_url: `http://127.0.0.1:${closedPort}`, intercom_base_url: `http://127.0.0.1:${closedPort}` }).where('id', '=', id).execute();
  const hubspot = await call('POST', `/api/connections/${id}/hubspot/token`, { accessToken: 'pat-na1-00000000-0000-0000-0000-000000000000' });
  t.equal(hubspot.status, 502);
  t.same(hubspot.body?.error.code, 'upstream_unavailable');
  t.equal(hubspot.body?.error.message, `Could not reach HubSpot (127.0.0.1:${closedPort}): the network refused the connection — check the container's outbound access/proxy.`);
  const intercom = await call('POST', `/api/connections/${id}/intercom/token`, { accessToken: 'dG9rOmFiYw==' });
  t.equal(intercom.status, 502);
  t.equal(intercom.body?.error.message, `Could not reach Intercom (127.0.0.1:${closedPort}): the network refused the connection — check the container's outbound access/proxy.`);

  await db.updateTable('connections').set({ hubspot_base_url: failingUrl }).where('id', '=', id).execute();
  const unavailable = await call('POST', `/api/connections/${id}/hubspot/token`, { accessToken: 'pat-na1-00000000-0000-0000-0000-000000000000' });
  t.equal(unavailable.status, 502);
  t.equal(unavailable.body?.error.message, 'HubSpot answered 503 — try again later.');
  t.match((await call('GET', `/api/connections/${id}`)).body, { hubspot: { connected: false }, intercom: { connected: false } }, 'nothing stored');
});

t.test('an OAuth code exchange that got no answer is said the same way; an answer is not', async (t) => {
  // @hapi/wreck's errors as simple-oauth2 throws them (seen from a closed port: Boom 502 with the
  // socket's code; a timeout: Boom 504; an HTTP answer: data.isResponseError with the payload).
  const refused = Object.assign(new Error('Client request error: connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', isBoom: true, output: { statusCode: 502 }, data: null });
  t.equal(exchangeUnreachable('HubSpot', 'https://api.hubapi.com', refused), "Could not reach HubSpot (api.hubapi.com): the network refused the connection — check the container's outbound access/proxy.");
  const timedOut = Object.assign(new Error('Client request timeout'), { isBoom: true, output: { statusCode: 504 }, data: null });
  t.match(exchangeUnreachable('Intercom', 'https://api.intercom.io', timedOut), /^Could not reach Intercom \(api\.intercom\.io\): no answer came in time/);
  const answered = Object.assign(new Error('Response Error: 400 Bad Request'), { isBoom: true, output: { statusCode: 400 }, data: { isResponseError: true, payload: { message: 'bad code' } } });
  t.equal(exchangeUnreachable('HubSpot', 'https://api.hubapi.com', answered), null, 'the vendor answered: its own words are shown instead');
});
