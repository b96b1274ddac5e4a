// The connections API against the real daemon, with Intercom played by its simulator.
import t from 'tap';
import { connectionOwner } from '../../src/db/repos/credentials.ts';
import { enqueueJob, getJob } from '../../src/jobs/queue.ts';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { sessionApi, signIn, type Teardownable, type TestServerOptions } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

async function setup(t: Teardownable, config: TestServerOptions = {}) {
  const intercom = await startIntercomSimulator({ port: 0 });
  t.teardown(() => intercom.close());
  const server = await buildTestApp(t, { startScheduler: false, ...config, config: { server: { publicUrl: 'https://ihz.example.com' }, ...config.config } });
  const session = await signIn(server);
  const call = sessionApi(server, session);
  const pointAtSimulator = (id: string) =>
    server.daemon.db.kysely.updateTable('connections').set({ intercom_base_url: intercom.url }).where('id', '=', id).execute();
  return { server, intercom, call, pointAtSimulator };
}

t.test('create: unique names, within maxConnections; the detail names the webhook URLs', async (t) => {
  const { call } = await setup(t, { config: { maxConnections: 2 } });
  const created = await call('POST', '/api/connections', { name: 'Support EU' });
  t.equal(created.status, 201);
  t.match(created.body, {
    name: 'Support EU', status: 'disconnected', managedByConfig: false,
    intercom: { connected: false, workspaceId: null, region: 'us' }, hubspot: { connected: false, portalId: null },
    webhookUrls: { intercom: 'https://ihz.example.com/webhooks/intercom', hubspot: 'https://ihz.example.com/webhooks/hubspot' },
    lastWebhookAt: null,
  });
  t.match(await call('POST', '/api/connections', { name: 'Support EU' }), { status: 409, body: { error: { code: 'name_taken' } } });
  t.equal((await call('POST', '/api/connections', { name: 'Support US' })).status, 201);
  t.match(await call('POST', '/api/connections', { name: 'Third' }), { status: 409, body: { error: { code: 'limit_reached', message: /allows 2 connection/ } } });
  t.match(await call('POST', '/api/connections', { name: '' }), { status: 400 });
  t.equal((await call('GET', '/api/connections')).body?.connections.length, 2);
  t.match(await call('GET', '/api/connections/nope'), { status: 404 });
});

t.test('connect Intercom with a token: checked first, identity stored, a different workspace said plainly', async (t) => {
  const { server, intercom, call, pointAtSimulator } = await setup(t);
  const { body } = await call('POST', '/api/connections', { name: 'Support' });
  const id = String(body?.id);
  await pointAtSimulator(id);
  const workspaceA = intercom.sim.defaults?.workspaceId ?? '';
  const tokenA = intercom.sim.control.createAccessToken(workspaceA);

  const refused = await call('POST', `/api/connections/${id}/intercom/token`, { accessToken: 'not-a-token', region: 'eu' });
  t.match(refused, { status: 400, body: { error: { code: 'token_refused', message: /^Intercom refused this access token/ } } });
  t.same(await server.daemon.db.kysely.selectFrom('credentials').select('kind').where('owner', '=', connectionOwner(id)).execute(), [], 'a refused token is not stored');

  const connected = await call('POST', `/api/connections/${id}/intercom/token`, { accessToken: tokenA, region: 'eu', webhookSecret: 'own-app-secret' });
  t.equal(connected.status, 200);
  t.match(connected.body, { intercom: { connected: true, workspaceId: workspaceA, region: 'eu' } });
  t.notOk(connected.body?.notice);
  const raw = JSON.stringify(await server.daemon.db.kysely.selectFrom('credentials').selectAll().execute());
  t.notMatch(raw, tokenA, 'stored encrypted only');

  // The token is revoked; the connection needs re-authorising; its work waits.
  await server.daemon.db.kysely.updateTable('connections').set({ status: 'needs_reauth' }).where('id', '=', id).execute();
  const parked = await enqueueJob(server.daemon.db.kysely, { task: 'intercom.event', payload: {}, connectionId: id }, { now: Date.now(), maxAttempts: 3 });
  const workspaceB = intercom.sim.control.workspaces.create({ name: 'Another' }).id;
  const reauth = await call('POST', `/api/connections/${id}/intercom/token`, { accessToken: intercom.sim.control.createAccessToken(workspaceB), region: 'eu' });
  t.equal(reauth.status, 200);
  t.match(reauth.body, { status: 'active', intercom: { workspaceId: workspaceB }, notice: new RegExp(`is for Intercom workspace ${workspaceB}, not ${workspaceA}`) });
  t.match(await getJob(server.daemon.db.kysely, parked.id), { status: 'queued' }, 're-authorising resumed the parked work');
});

t.test('pause and resume; delete erases everything; a connection from the config file is not deleted here', async (t) => {
  const { server, call } = await setup(t);
  const { body } = await call('POST', '/api/connections', { name: 'Support' });
  const id = String(body?.id);
  t.match(await call('POST', `/api/connections/${id}/pause`), { status: 409, body: { error: { code: 'not_active' } } });
  await server.daemon.db.kysely.updateTable('connections').set({ status: 'active' }).where('id', '=', id).execute();
  t.match(await call('POST', `/api/connections/${id}/pause`), { status: 200, body: { status: 'paused' } });
  t.match(await call('POST', `/api/connections/${id}/resume`), { status: 200, body: { status: 'active' } });
  t.match(await call('POST', `/api/connections/${id}/resume`), { status: 409 });
  t.equal((await call('DELETE', `/api/connections/${id}`)).status, 204);
  t.equal((await call('GET', `/api/connections/${id}`)).status, 404);

  await server.daemon.db.kysely.insertInto('connections').values({ id: 'from-yaml', name: 'From YAML', status: 'active', managed_by_config: 1, created_at: 1, updated_at: 1 }).execute();
  t.match(await call('DELETE', '/api/connections/from-yaml'), { status: 409, body: { error: { code: 'managed_by_config', message: /remove it there/ } } });
});
