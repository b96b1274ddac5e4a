// The audit trail through the HTTP app (issue #16 item 6): who (a person, an API token, the
// configuration file), what (the action and the setting's key), when; shown paged and filtered,
// exported as CSV and NDJSON — and never a secret: no password, token or link in the table or the export.
import t from 'tap';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const HUBSPOT_TOKEN = 'pat-eu1-11111111-2222-4333-8444-555555555555';

const dump = async (server: TestApp) => JSON.stringify(await server.daemon.db.kysely.selectFrom('audit_log').selectAll().execute());
type Row = { actor_kind: string; actor_name: string; action: string; target_name: string | null; key: string | null };
const rows = (server: TestApp): Promise<Row[]> =>
  server.daemon.db.kysely.selectFrom('audit_log').select(['actor_kind', 'actor_name', 'action', 'target_name', 'key']).orderBy('id').execute();

async function bearer(server: TestApp, token: string, method: string, path: string, body?: unknown) {
  const response = await server.fetch(path, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

t.test('each listed action is recorded with its actor and keys, and no secret anywhere', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));

  const created = await api('POST', '/api/connections', { name: 'Support' });
  const id = String(created.body?.id);
  t.equal((await api('PUT', `/api/connections/${id}/settings`, { timeZone: 'Europe/Berlin', conversations: { capture: { graceMinutes: 25 } } })).status, 200);
  t.equal((await api('PUT', `/api/connections/${id}/settings`, { timeZone: 'Europe/Berlin' })).status, 200, 'a save that changes nothing');
  const token = await api('POST', '/api/tokens', { name: 'deploy script', scope: 'admin' });
  const secret = String(token.body?.secret);
  const byToken = await bearer(server, secret, 'POST', '/api/connections', { name: 'From a script' });
  t.equal(byToken.status, 201);
  const scripted = JSON.parse(byToken.text) as { id: string };
  t.equal((await bearer(server, secret, 'DELETE', `/api/connections/${scripted.id}`)).status, 204);
  t.equal((await api('DELETE', `/api/tokens/${token.body?.token.id}`)).status, 204);
  const invite = await api('POST', '/api/people/invitations', { username: 'bob', role: 'viewer' });
  const link = String(invite.body?.link.path).split('#')[1] ?? '';
  const accepted = await server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: link, password: 'bobs own password' }) });
  t.equal(accepted.status, 200);
  const people = await api('GET', '/api/people');
  const bobId = people.body?.people.find((p: { username: string }) => p.username === 'bob').id;
  t.equal((await api('PATCH', `/api/people/${bobId}`, { role: 'admin' })).status, 200);
  t.equal((await api('POST', `/api/people/${bobId}/password-reset`, { password: 'set for bob by admin' })).status, 200);
  t.equal((await api('DELETE', `/api/people/${bobId}`)).status, 204);
  t.equal((await api('DELETE', '/api/sessions')).status, 200);

  const trail = (await rows(server)).filter((row) => row.actor_kind !== 'config');
  t.same(trail, [
    { actor_kind: 'person', actor_name: 'admin', action: 'connection.create', target_name: 'Support', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'settings.change', target_name: 'Support', key: 'conversations.capture.graceMinutes' },
    { actor_kind: 'person', actor_name: 'admin', action: 'settings.change', target_name: 'Support', key: 'timeZone' },
    { actor_kind: 'person', actor_name: 'admin', action: 'token.create', target_name: 'deploy script', key: null },
    { actor_kind: 'token', actor_name: 'deploy script', action: 'connection.create', target_name: 'From a script', key: null },
    { actor_kind: 'token', actor_name: 'deploy script', action: 'connection.delete', target_name: 'From a script', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'token.revoke', target_name: 'deploy script', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'user.invite', target_name: 'bob', key: null },
    { actor_kind: 'person', actor_name: 'bob', action: 'user.accept', target_name: 'bob', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'user.role_change', target_name: 'bob', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'user.password_reset', target_name: 'bob', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'user.remove', target_name: 'bob', key: null },
    { actor_kind: 'person', actor_name: 'admin', action: 'session.sign_out_everywhere', target_name: 'admin', key: null },
  ]);

  const exported: string[] = [];
  for (const format of ['csv', 'ndjson']) {
    const session = await signIn(server);
    const response = await server.fetch(`/api/audit/export?format=${format}`, { headers: { cookie: session.cookie } });
    t.equal(response.status, 200);
    t.match(response.headers.get('content-disposition'), new RegExp(`attachment; filename="interhubz-audit-\\d{4}-\\d{2}-\\d{2}\\.${format}"`));
    exported.push(await response.text());
  }
  for (const [what, value] of Object.entries({ secret, link, adminPassword: server.password, bobPassword: 'bobs own password', resetPassword: 'set for bob by admin' })) {
    t.notOk((await dump(server)).includes(value), `the audit table holds no ${what}`);
    for (const text of exported) t.notOk(text.includes(value), `the export holds no ${what}`);
  }
});

t.test('changes applied from the YAML at start are recorded with the actor config', async (t) => {
  const server = await buildTestApp(t, {
    startScheduler: false,
    config: { connections: [{ name: 'From YAML', intercom: { accessToken: 'ic-token-from-yaml' }, hubspot: { accessToken: HUBSPOT_TOKEN } }] },
  });
  t.match(await rows(server), [
    { actor_kind: 'config', actor_name: 'configuration file', action: 'connection.create', target_name: 'From YAML' },
    { actor_kind: 'config', action: 'user.create', target_name: 'admin' },
  ]);
  t.notOk((await dump(server)).includes('ic-token-from-yaml'), 'no token from the file');
  t.notOk((await dump(server)).includes(HUBSPOT_TOKEN));
});

t.test('GET /api/audit: newest first, paged, filtered by actor and action; CSV and NDJSON exports', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  for (const name of ['one', 'two', 'three']) await api('POST', '/api/connections', { name: `=${name}` });
  await api('POST', '/api/tokens', { name: 'reader', scope: 'read' });

  const first = await api('GET', '/api/audit?limit=2');
  t.equal(first.status, 200);
  t.match(first.body?.entries, [{ action: 'token.create', actor: { kind: 'person', name: 'admin' } }, { action: 'connection.create', target: { kind: 'connection', name: '=three' } }]);
  t.type(first.body?.nextBefore, 'number');
  t.ok(first.body?.actions.includes('settings.change'));
  t.same(first.body?.actors, ['admin', 'configuration file']);
  const second = await api('GET', `/api/audit?limit=2&before=${first.body?.nextBefore}`);
  t.match(second.body?.entries, [{ target: { name: '=two' } }, { target: { name: '=one' } }]);
  const last = await api('GET', `/api/audit?limit=2&before=${second.body?.nextBefore}`);
  t.match(last.body, { entries: [{ actor: { kind: 'config' }, action: 'user.create' }], nextBefore: null });

  t.equal((await api('GET', '/api/audit?action=connection.create')).body?.entries.length, 3);
  t.equal((await api('GET', '/api/audit?actor=configuration%20file')).body?.entries.length, 1);
  t.match(await api('GET', '/api/audit?sort=up'), { status: 400, body: { error: { code: 'invalid_query' } } });

  const session = await signIn(server);
  const csv = await server.fetch('/api/audit/export?format=csv&action=connection.create', { headers: { cookie: session.cookie } });
  t.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = (await csv.text()).trim().split('\r\n');
  t.equal(lines[0], 'id,at,actor_kind,actor_id,actor_name,action,target_kind,target_id,target_name,key');
  t.equal(lines.length, 4);
  t.match(lines[1], /,person,[0-9a-f-]{36},admin,connection\.create,connection,[0-9a-f-]{36},'=three,$/, 'a name a spreadsheet would run as a formula is defused');
  const ndjson = await server.fetch('/api/audit/export?format=ndjson', { headers: { cookie: session.cookie } });
  t.match(ndjson.headers.get('content-type'), /^application\/x-ndjson/);
  const records = (await ndjson.text()).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(records.length, 5);
  t.match(records[0], { action: 'token.create', actor_kind: 'person', target_name: 'reader', at: /^\d{4}-\d{2}-\d{2}T/ });
  t.equal((await server.fetch('/api/audit/export?format=xml', { headers: { cookie: session.cookie } })).status, 400);
});

t.test('connecting with a token is recorded as connection.connect, without the token', async (t) => {
  // HubSpot is its simulator on its own port, as in test/connections/hubspot-token.test.ts.
  const simulator = await startHubSpotSimulator({ port: 0 });
  t.teardown(() => simulator.close());
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'Token made' })).body?.id);
  await server.daemon.db.kysely.updateTable('connections').set({ hubspot_base_url: simulator.url }).where('id', '=', id).execute();
  const token = simulator.sim.control.createStaticToken({ hubId: simulator.sim.control.defaultHubId() });
  t.equal((await api('POST', `/api/connections/${id}/hubspot/token`, { accessToken: token, webhookSecret: 'app-secret-for-audit' })).status, 200);
  t.match((await rows(server)).at(-1), { actor_kind: 'person', actor_name: 'admin', action: 'connection.connect', target_name: 'Token made', key: null });
  t.notOk((await dump(server)).includes(token), 'no token in the trail');
  t.notOk((await dump(server)).includes('app-secret-for-audit'), 'no webhook secret in the trail');
});

t.test('a viewer cannot start an OAuth flow, although it is a GET', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'OAuth' })).body?.id);
  const invite = await api('POST', '/api/people/invitations', { username: 'val', role: 'viewer' });
  await server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation: String(invite.body?.link.path).split('#')[1], password: 'vals own password' }) });
  const viewer = sessionApi(server, await signIn({ ...server, username: 'val', password: 'vals own password' }));
  t.match(await viewer('GET', `/api/connections/${id}/oauth/hubspot/start`), { status: 403, body: { error: { code: 'viewer_read_only' } } });
});
