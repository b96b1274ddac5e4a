// "Try the sandbox": a connection wired to the built-in simulators, whose webhooks really arrive.
// Creating one needs a daemon on a port (its clients dial the listening address), so only the
// refusal with the sandbox off runs on a test app.
import http from 'node:http';
import t from 'tap';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { signV3 } from '../../src/sandbox/hubspot/index.ts';
import { signBody } from '../../src/sandbox/intercom/index.ts';
import { createIdSource } from '../../src/sandbox/shared/ids.ts';
import { sandboxWebhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { sessionApi, signIn, startTestServer } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test('creates a connected sandbox connection; a customer message in the simulator reaches the intake', async (t) => {
  const server = await startTestServer(t);
  const { cookie, csrfToken } = await signIn(server);
  const post = (path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const response = await post('/api/connections/sandbox');
  t.equal(response.status, 201);
  const detail = (await response.json()) as { id: string; name: string; status: string; sandbox: boolean; intercom: { connected: boolean }; hubspot: { connected: boolean } };
  t.match(detail, { name: 'Sandbox', status: 'active', sandbox: true, intercom: { connected: true }, hubspot: { connected: true } });
  // A second one only when asked for by name ("Try the sandbox" again opens this one: below).
  t.match(await (await post('/api/connections/sandbox', { another: true })).json(), { name: 'Sandbox 2' }, 'a second one gets its own name');

  const sim = server.daemon.app.sandbox?.intercom;
  const workspaceId = sim?.defaults?.workspaceId ?? '';
  const customer = sim?.control.contacts.create(workspaceId, { email: 'grace@example.com', role: 'user' });
  sim?.control.actAsCustomer.startConversation({ contactId: String(customer?.id), body: 'Hello from the sandbox' });

  const delivered = async () =>
    server.daemon.db.kysely.selectFrom('webhook_deliveries').select(['connection_id', 'topic', 'status'])
      .where('provider', '=', 'intercom').where('topic', '=', 'conversation.user.created').execute();
  for (let i = 0; i < 100 && (await delivered()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const rows = await delivered();
  t.ok(rows.some((row) => row.connection_id === detail.id), 'the simulator delivered a signed webhook, accepted for the sandbox connection');
});

t.test('"Try the sandbox" again opens the sandbox there is (200, nothing made, nothing audited) unless another is asked for', async (t) => {
  const server = await startTestServer(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const first = await api('POST', '/api/connections/sandbox');
  t.equal(first.status, 201);
  await api('POST', '/api/connections', { name: 'Support EU' });
  const again = await api('POST', '/api/connections/sandbox');
  t.equal(again.status, 200, 'not a second 201');
  t.match(again.body, { id: first.body?.id, name: 'Sandbox', sandbox: true });
  const sandboxes = (await api('GET', '/api/connections')).body?.connections.filter((c: { sandbox: boolean }) => c.sandbox);
  t.equal(sandboxes.length, 1, 'no "Sandbox 2"');
  const audit = await server.daemon.db.kysely.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'connection.create').executeTakeFirstOrThrow();
  t.equal(Number(audit.n), 2, 'only the two creations are audited');

  const another = await api('POST', '/api/connections/sandbox', { another: true });
  t.equal(another.status, 201);
  t.match(another.body, { name: 'Sandbox 2', sandbox: true });
  t.equal((await api('POST', '/api/connections/sandbox')).body?.id, first.body?.id, 'the first made is the one opened');
  const bad = await api('POST', '/api/connections/sandbox', { another: 'yes' });
  t.equal(bad.status, 400);
  t.match(bad.body, { error: { message: /another/ } });
});

t.test('refused when the sandbox is off', async (t) => {
  const server = await buildTestApp(t, { config: { sandbox: { enabled: false } } });
  const { cookie, csrfToken } = await signIn(server);
  const response = await server.fetch('/api/connections/sandbox', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.equal(response.status, 409);
  t.match(await response.json(), { error: { code: 'sandbox_off' } });
});

// ---- Issue #14 items 4 and 5 ----

/** A request with headers fetch will not send as given (Host). */
function rawRequest(url: string, options: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method, headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

t.test('a spoofed Host or X-Forwarded-Host points nothing elsewhere: upstream URLs, webhook targets and OAuth redirects are the daemon’s own', async (t) => {
  const logs = captureLogs();
  // A proxy on the loopback is trusted, so X-Forwarded-Host would be believed if anything read it.
  const server = await startTestServer(t, { startScheduler: false, logDestination: logs, config: { server: { trustProxy: ['127.0.0.1', '::1'] } } });
  t.ok(logs.entries().some((entry) => /server\.publicUrl is not set/.test(String(entry.msg)) && entry.level === 40), 'a warning at start says OAuth and HubSpot webhooks need publicUrl');
  const { cookie, csrfToken } = await signIn(server);
  const spoofed = { host: 'attacker.example:4444', 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'https', cookie };
  const created = await rawRequest(`${server.url}/api/connections/sandbox`, { method: 'POST', headers: { ...spoofed, 'x-csrf-token': csrfToken } });
  t.equal(created.status, 201, created.body);
  const detail = JSON.parse(created.body) as { id: string; oauthStart: { intercom: string; hubspot: string } };
  const row = await server.daemon.db.kysely.selectFrom('connections').selectAll().where('id', '=', detail.id).executeTakeFirstOrThrow();
  t.equal(row.intercom_base_url, `${server.url}/sandbox/intercom`, 'the Intercom upstream is the listening address');
  t.equal(row.hubspot_base_url, `${server.url}/sandbox/hubspot`, 'the HubSpot upstream is the listening address');
  const sandbox = server.daemon.app.sandbox;
  t.same(sandbox?.intercom.control.webhooks.subscriptions().map((s) => s.url), [`${server.url}/webhooks/intercom`], 'the Intercom simulator delivers to the daemon itself');
  t.notOk(JSON.stringify(sandbox?.hubspot.control.webhookDeliveries() ?? []).includes('attacker'), 'no HubSpot delivery goes to the spoofed host');

  for (const provider of ['intercom', 'hubspot'] as const) {
    const start = await rawRequest(`${server.url}${detail.oauthStart[provider]}`, { method: 'GET', headers: spoofed });
    t.equal(start.status, 302);
    const location = String(start.headers.location);
    t.notMatch(location, /attacker/, `${provider}: the consent page is not sent to the spoofed host`);
    t.equal(new URL(location, server.url).searchParams.get('redirect_uri'), `${server.url}/oauth/${provider}/callback`, `${provider}: the redirect URI is the listening address`);
  }
});

t.test('a failed webhook subscription is a clear 4xx and leaves nothing behind', async (t) => {
  // Port 9 on the loopback (discard) answers nothing: the simulated Intercom's HEAD check fails.
  const server = await startTestServer(t, { startScheduler: false, config: { server: { publicUrl: 'http://127.0.0.1:9' } } });
  const sandbox = server.daemon.app.sandbox;
  const { cookie, csrfToken } = await signIn(server);
  const response = await fetch(`${server.url}/api/connections/sandbox`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.equal(response.status, 409);
  t.match(await response.json(), { error: { code: 'sandbox_webhooks_failed', message: /could not subscribe their webhooks to http:\/\/127\.0\.0\.1:9\/webhooks/ } });
  const db = server.daemon.db.kysely;
  t.same(await db.selectFrom('connections').select('id').execute(), [], 'no connection');
  t.same(await db.selectFrom('credentials').select('id').where('owner', 'like', 'connection:%').execute(), [], 'no credentials');
  t.same(sandbox?.intercom.control.webhooks.subscriptions(), [], 'no Intercom subscription');
  t.equal(sandbox?.intercom.state.apps.size, 1, 'no Intercom app left (only the OAuth app)');
  t.same(sandbox?.hubspot.control.webhookSubscriptions?.() ?? [], [], 'no HubSpot subscription');
});

t.test('webhook secrets are random per sandbox connection and accepted only while the sandbox is on', async (t) => {
  const first = await startTestServer(t, { startScheduler: false });
  const { cookie, csrfToken } = await signIn(first);
  const make = async () =>
    (await (await fetch(`${first.url}/api/connections/sandbox`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ another: true }) })).json()) as { id: string };
  const one = await make();
  const two = await make();
  const secretOf = async (id: string, provider: 'intercom' | 'hubspot') =>
    String((await getCredential(first.daemon.db.kysely, first.daemon.vault, connectionOwner(id), sandboxWebhookSecretKind(provider)))?.value);
  const secrets = { intercom: await secretOf(one.id, 'intercom'), hubspot: await secretOf(one.id, 'hubspot') };
  t.not(secrets.intercom, await secretOf(two.id, 'intercom'), 'each connection has its own Intercom secret');
  t.not(secrets.hubspot, await secretOf(two.id, 'hubspot'), 'and its own HubSpot secret');
  t.ok(secrets.hubspot.length >= 32 && secrets.intercom.length >= 32, 'long random secrets');
  const hubId = first.daemon.app.sandbox?.hubspot.control.defaultHubId() ?? 0;
  const workspaceId = first.daemon.app.sandbox?.intercom.defaults?.workspaceId ?? '';

  const hubspotDelivery = (server: { url: string }, secret: string) => {
    const body = JSON.stringify([{ eventId: 7001, subscriptionId: 1, portalId: hubId, appId: 1, occurredAt: Date.now(), subscriptionType: 'ticket.deletion', objectId: 42 }]);
    const timestamp = String(Date.now());
    return fetch(`${server.url}/webhooks/hubspot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signV3(secret, 'POST', `${server.url}/webhooks/hubspot`, body, timestamp), 'x-hubspot-request-timestamp': timestamp },
      body,
    });
  };
  const intercomDelivery = (server: { url: string }, secret: string) => {
    const body = JSON.stringify({ type: 'notification_event', id: `notif_${Math.random()}`, topic: 'conversation.admin.noted', app_id: workspaceId, created_at: Math.floor(Date.now() / 1000), data: { type: 'notification_event_data', item: { type: 'conversation', id: '215470000001001' } } });
    return fetch(`${server.url}/webhooks/intercom`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': signBody(secret, body) }, body });
  };
  const OLD_HUBSPOT_CONSTANT = 'sandbox-hubspot-app-secret';
  // The seeded Intercom app's secret was derived from a counter: the same on every install.
  const OLD_INTERCOM_SECRET = `sec_${createIdSource().nextHex('secret')}`;
  t.equal((await hubspotDelivery(first, OLD_HUBSPOT_CONSTANT)).status, 401, 'HubSpot: signed with the old constant, refused');
  t.equal((await intercomDelivery(first, OLD_INTERCOM_SECRET)).status, 401, 'Intercom: signed with the old shared secret, refused');
  t.equal((await hubspotDelivery(first, secrets.hubspot)).status, 200, 'HubSpot: signed with the connection’s own secret, accepted');
  t.equal((await intercomDelivery(first, secrets.intercom)).status, 200, 'Intercom: signed with the connection’s own secret, accepted');
  const recorded = await first.daemon.db.kysely.selectFrom('webhook_deliveries').select(['provider', 'connection_id']).distinct().orderBy('provider').execute();
  t.same(recorded, [{ provider: 'hubspot', connection_id: one.id }, { provider: 'intercom', connection_id: one.id }], 'each recorded for that connection alone');
  await first.daemon.close();

  const off = await startTestServer(t, { dataDir: first.dataDir, startScheduler: false, config: { sandbox: { enabled: false } } });
  t.equal((await hubspotDelivery(off, secrets.hubspot)).status, 401, 'HubSpot: with the sandbox off, refused');
  t.equal((await intercomDelivery(off, secrets.intercom)).status, 401, 'Intercom: with the sandbox off, refused');
});
