// Connecting HubSpot with a private-app token: the portal comes from the account details, the
// scopes from the private-app token info; only a working token is stored.
import t from 'tap';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test('HubSpot token connect: identity and scopes looked up, missing scopes named, another portal said plainly', async (t) => {
  // HubSpot is its simulator on its own port, so the daemon need not listen (the sandbox mounted
  // on the daemon would be dialled at the daemon's listening address).
  const simulator = await startHubSpotSimulator({ port: 0 });
  t.teardown(() => simulator.close());
  const hubspot = simulator.sim;
  const server = await buildTestApp(t, { startScheduler: false });
  const session = await signIn(server);
  const call = sessionApi(server, session);
  const db = server.daemon.db.kysely;
  const id = String((await call('POST', '/api/connections', { name: 'Token made' })).body?.id);
  await db.updateTable('connections').set({ hubspot_base_url: simulator.url }).where('id', '=', id).execute();

  t.match(await call('POST', `/api/connections/${id}/hubspot/token`, {}), { status: 400, body: { error: { details: [{ path: 'accessToken' }] } } });
  t.match(await call('POST', `/api/connections/${id}/hubspot/token`, { accessToken: 'pat-na1-forged' }), { status: 400, body: { error: { code: 'token_refused', message: /^HubSpot refused this access token/ } } });
  t.equal(await getCredential(db, server.daemon.vault, connectionOwner(id), STATIC_TOKEN_KIND), undefined, 'a refused token is not stored');

  const hubId = hubspot.control.defaultHubId();
  const narrow = hubspot.control.createStaticToken({ hubId, scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'] });
  const connected = await call('POST', `/api/connections/${id}/hubspot/token`, { accessToken: narrow, webhookSecret: 'app-secret' });
  t.equal(connected.status, 200);
  t.match(connected.body, {
    status: 'disconnected',
    hubspot: { connected: true, method: 'token', portalId: hubId, scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'] },
  });
  t.same(connected.body?.hubspot.missingScopes, ['crm.objects.companies.read', 'crm.objects.companies.write', 'tickets', 'crm.objects.owners.read'], 'what the product needs and the token lacks');
  t.notOk(connected.body?.notice);
  t.equal((await getCredential(db, server.daemon.vault, connectionOwner(id), STATIC_TOKEN_KIND))?.value, narrow);

  const other = hubspot.control.createPortal({ domain: 'second.example' });
  const moved = await call('POST', `/api/connections/${id}/hubspot/token`, { accessToken: hubspot.control.createStaticToken({ hubId: other.hubId }) });
  t.match(moved.body, { hubspot: { portalId: other.hubId, missingScopes: [] }, notice: new RegExp(`HubSpot portal ${other.hubId}, not ${hubId} as before`) });
});
