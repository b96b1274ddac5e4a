// HubSpot scopes record sync needs (#17 items 3, 5): the OAuth consent asks for the schema write
// scope only when a mapping creates a HubSpot property, and for the deals read scope only when a
// mapping reads deals; a connection whose grant lacks one shows it with its missing scopes, naming
// the mapping that needs it.
import t from 'tap';
import { REQUIRED_SCOPES } from '../../src/integrations/hubspot/scopes.ts';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const RECORD_SYNC = {
  contacts: {
    enabled: true,
    mappings: [
      { intercom: 'custom.plan', hubspot: 'intercom_plan', direction: 'to_hubspot', create: true },
      { intercom: 'custom.open_deals', hubspot: '@deals.open_count', direction: 'to_intercom', create: true },
    ],
  },
};

t.test('the HubSpot consent asks for the scopes the connection’s record sync needs, and only then', async (t) => {
  const server = await buildTestApp(t, {
    startScheduler: false,
    config: { apps: { hubspot: { clientId: 'hs-client', clientSecret: 'hs-secret' } }, sandbox: { enabled: false } },
  });
  const session = await signIn(server);
  const api = sessionApi(server, session);
  const id = String((await api('POST', '/api/connections', { name: 'Support' })).body?.id);
  const asked = async () => {
    const start = await server.fetch(`/api/connections/${id}/oauth/hubspot/start`, { headers: { cookie: session.cookie }, redirect: 'manual' });
    return new URL(String(start.headers.get('location'))).searchParams.get('scope')?.split(' ').sort();
  };
  t.same(await asked(), [...REQUIRED_SCOPES].sort(), 'nothing extra by default');
  const saved = await api('PUT', `/api/connections/${id}/settings`, { recordSync: RECORD_SYNC });
  t.equal(saved.status, 200, JSON.stringify(saved.body));
  t.same(await asked(), [...REQUIRED_SCOPES, 'crm.schemas.contacts.write', 'crm.objects.deals.read'].sort());
  await api('PUT', `/api/connections/${id}/settings`, { recordSync: { ...RECORD_SYNC, contacts: { ...RECORD_SYNC.contacts, enabled: false } } });
  t.same(await asked(), [...REQUIRED_SCOPES].sort(), 'a disabled object asks for nothing');
});

t.test('a grant without a scope record sync needs shows it with the missing scopes, naming the mapping', async (t) => {
  const simulator = await startHubSpotSimulator({ port: 0 });
  t.teardown(() => simulator.close());
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'Token made' })).body?.id);
  await server.daemon.db.kysely.updateTable('connections').set({ hubspot_base_url: simulator.url }).where('id', '=', id).execute();
  const token = simulator.sim.control.createStaticToken({ scopes: ['oauth', ...REQUIRED_SCOPES, 'crm.objects.deals.read'] });
  t.equal((await api('POST', `/api/connections/${id}/hubspot/token`, { accessToken: token })).status, 200);
  const before = await api('GET', `/api/connections/${id}`);
  t.same(before.body?.hubspot.missingScopes, []);
  t.same(before.body?.hubspot.missingScopeNeeds, []);

  // Intercom is not connected, so the save is not checked against the accounts (nothing is created).
  t.equal((await api('PUT', `/api/connections/${id}/settings`, { recordSync: RECORD_SYNC })).status, 200);
  const after = await api('GET', `/api/connections/${id}`);
  t.same(after.body?.hubspot.missingScopes, ['crm.schemas.contacts.write'], 'the deals scope was granted');
  t.same(after.body?.hubspot.missingScopeNeeds, [
    { scope: 'crm.schemas.contacts.write', neededBy: 'recordSync.contacts.mappings[3] (custom.plan → intercom_plan, create: true)' },
  ]);
});
