import t from 'tap';
import { signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test('with no connections configured, the simulators are served under /sandbox', async (t) => {
  const server = await buildTestApp(t);
  const sandbox = server.daemon.app.sandbox;
  t.ok(sandbox, 'mounted');
  const hubspotToken = sandbox?.hubspot.control.createStaticToken() ?? '';
  const contacts = await server.fetch('/sandbox/hubspot/crm/objects/2026-09/contacts', { headers: { authorization: `Bearer ${hubspotToken}` } });
  t.equal(contacts.status, 200);
  t.same(await contacts.json(), { results: [] });
  const noToken = await server.fetch('/sandbox/hubspot/crm/objects/2026-09/contacts');
  t.equal(noToken.status, 401, 'the simulated API asks for its own token, as HubSpot would');
  t.match(await noToken.json(), { status: 'error', category: 'INVALID_AUTHENTICATION' });

  const intercomToken = sandbox?.intercom.control.createAccessToken() ?? '';
  const me = await server.fetch('/sandbox/intercom/me', { headers: { authorization: `Bearer ${intercomToken}`, 'intercom-version': '2.14', accept: 'application/json' } });
  t.equal(me.status, 200);
  t.match(await me.json(), { type: 'admin' });

  const unknown = await server.fetch('/sandbox/hubspot/no/such/path', { headers: { authorization: `Bearer ${hubspotToken}` } });
  t.not(unknown.headers.get('content-type') ?? '', /text\/html/, 'not swallowed by the UI fallback');
});

t.test('the sandbox control APIs need the admin login', async (t) => {
  const server = await buildTestApp(t);
  for (const path of ['/sandbox/hubspot/_sim/requests', '/sandbox/intercom/_sim/requests']) {
    t.equal((await server.fetch(path)).status, 401, `${path} without a login`);
    const { cookie } = await signIn(server);
    t.equal((await server.fetch(path, { headers: { cookie } })).status, 200, `${path} signed in`);
  }
});

t.test('off when connections are configured, or when turned off', async (t) => {
  const withConnection = await buildTestApp(t, { config: { connections: [{ name: 'Support' }] } });
  t.notOk(withConnection.daemon.app.sandbox);
  t.equal((await withConnection.fetch('/sandbox/hubspot/crm/objects/2026-09/contacts')).status, 404);
  const off = await buildTestApp(t, { config: { sandbox: { enabled: false } } });
  t.notOk(off.daemon.app.sandbox);
  const forced = await buildTestApp(t, { config: { connections: [{ name: 'Support' }], sandbox: { enabled: true } } });
  t.ok(forced.daemon.app.sandbox, 'true forces it on');
});
