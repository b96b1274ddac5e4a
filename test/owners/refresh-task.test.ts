// The owner refresh against the simulators: teammates seeded in Intercom and owners (one archived) in
// HubSpot become a stored mapping; the Users API shows it, changes its settings and refreshes it.
import t from 'tap';
import { ensureOwnerRefreshes, OWNERS_REFRESH_TASK } from '../../src/owners/refresh-task.ts';
import { ownerForAdmin, readOwnerMapping } from '../../src/owners/owner-store.ts';
import { countRows } from '../helpers/rows.ts';
import { sessionApi, signIn, type TestServer } from '../helpers/server.ts';
import { startTestServer } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

/** On a port: a sandbox connection's clients dial the daemon's listening address. */
async function sandboxConnection(server: TestServer) {
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/connections/sandbox');
  const sandbox = server.daemon.app.sandbox;
  if (created.status !== 201 || !sandbox || !created.body) throw new Error(`no sandbox connection: ${created.status}`);
  const workspaceId = sandbox.intercom.defaults?.workspaceId ?? '';
  return { api, id: String(created.body.id), sandbox, workspaceId };
}

t.test('a refresh stores the mapping; the API shows it, saves settings and refreshes on demand', async (t) => {
  let now = Date.UTC(2026, 10, 23, 12);
  const server = await startTestServer(t, { startScheduler: false, clock: () => now });
  const { api, id, sandbox, workspaceId } = await sandboxConnection(server);
  const admins = sandbox.intercom.control.admins;
  const ada = admins.create(workspaceId, { name: 'Ada Lovelace', email: 'Ada@Example.com' });
  const grace = admins.create(workspaceId, { name: 'Grace Hopper', email: 'grace@example.com' });
  const linus = admins.create(workspaceId, { name: 'Linus', email: 'linus@example.com' });
  const hubspot = sandbox.hubspot.control;
  const adaOwner = hubspot.addOwner({ email: 'ada@example.com', firstName: 'Ada', lastName: 'L' });
  const graceOwner = hubspot.addOwner({ email: 'grace@example.com', firstName: 'Grace', lastName: 'H', archived: true });
  const boss = hubspot.addOwner({ email: 'boss@example.com', firstName: 'Boss', lastName: 'B' });

  const before = await api('GET', `/api/connections/${id}/users`);
  t.match(before.body, { mappings: [], refreshedAt: null, refreshing: false, canRefresh: true, managedByConfig: false, configKey: null, defaultOwner: '', overrides: [] });

  const refresh = await api('POST', `/api/connections/${id}/users/refresh`);
  t.equal(refresh.status, 202);
  t.match(refresh.body, { refreshing: true });
  t.equal((await api('POST', `/api/connections/${id}/users/refresh`)).status, 202, 'a second request is taken by the waiting job');
  t.equal(await countRows(server.daemon.db, 'jobs', { task: OWNERS_REFRESH_TASK }), 1, 'one job');
  await server.daemon.scheduler.drain();

  const users = await api('GET', `/api/connections/${id}/users`);
  const row = (adminId: string) => (users.body?.mappings as Array<Record<string, unknown>>).find((m) => m.adminId === adminId);
  t.match(users.body, { refreshedAt: new Date(now).toISOString(), refreshing: false, lastError: null, problems: [], fallbackOwner: null });
  t.match(row(ada.id), { adminName: 'Ada Lovelace', ownerId: adaOwner.id, ownerName: 'Ada L', source: 'email', ownerArchived: false }, 'email, ignoring case');
  t.match(row(grace.id), { ownerId: graceOwner.id, source: 'email', ownerArchived: true }, 'an archived owner is shown as such');
  t.match(row(linus.id), { ownerId: null, source: 'none' });
  t.ok(row(String(sandbox.intercom.defaults?.adminId)), 'the workspace owner is a teammate too');
  t.match(users.body?.owners, [{ name: 'Ada L' }, { name: 'Ana Agent' }, { name: 'Boss B' }, { name: 'Grace H', archived: true }], 'every owner, archived ones too, for the pickers');
  const db = server.daemon.db.kysely;
  t.same(await ownerForAdmin(db, id, ada.id), { ownerId: adaOwner.id, source: 'email' });
  t.same(await ownerForAdmin(db, id, grace.id), { ownerId: null, source: 'none' }, 'archived, and no default owner');

  // Settings: a default owner and overrides, by email and by id; the mapping changes at once.
  const put = await api('PUT', `/api/connections/${id}/users/settings`, {
    defaultOwner: 'BOSS@example.com',
    overrides: [
      { intercomAdmin: 'linus@example.com', hubspotOwner: adaOwner.id },
      { intercomAdmin: ada.id, hubspotOwner: 'nobody@example.com' },
    ],
  });
  t.equal(put.status, 200);
  t.match(put.body, {
    defaultOwner: 'BOSS@example.com',
    fallbackOwner: { id: boss.id, name: 'Boss B' },
    problems: [/^users\.overrides\[1\]\.hubspotOwner: no HubSpot owner has the email or id 'nobody@example\.com'/],
    refreshing: true,
  });
  const after = (adminId: string) => (put.body?.mappings as Array<Record<string, unknown>>).find((m) => m.adminId === adminId);
  t.match(after(linus.id), { ownerId: adaOwner.id, source: 'override' });
  t.match(after(ada.id), { ownerId: adaOwner.id, source: 'email' }, 'a broken override falls back to email');
  t.same(await ownerForAdmin(db, id, grace.id), { ownerId: boss.id, source: 'default' }, 'an archived owner falls back to the default owner');
  t.same(await ownerForAdmin(db, id, 'someone-new'), { ownerId: boss.id, source: 'default' }, 'so does a teammate not seen yet');
  const stored = await db.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
  const settings = JSON.parse(stored.settings);
  t.match(settings, { users: { defaultOwner: 'BOSS@example.com' }, conversations: { capture: { mode: 'on_close' } }, timeZone: 'UTC' }, 'the other settings are kept');

  const invalid = await api('PUT', `/api/connections/${id}/users/settings`, { defaultOwner: 3, overrides: [{ intercomAdmin: '' }] });
  t.equal(invalid.status, 400);
  t.match(invalid.body, { error: { code: 'invalid_request', details: [{ path: 'defaultOwner' }, { path: 'overrides.0.intercomAdmin' }, { path: 'overrides.0.hubspotOwner' }] } });
  t.equal((await api('GET', '/api/connections/nope/users')).status, 404);

  // A teammate added upstream is picked up by the refresh the settings change queued.
  const newcomer = admins.create(workspaceId, { name: 'New Person', email: 'new@example.com' });
  now += 60_000;
  await server.daemon.scheduler.drain();
  const refreshed = await readOwnerMapping(db, id);
  t.match(refreshed.mappings.find((m) => m.adminId === newcomer.id), { ownerId: boss.id, source: 'default' });
  t.equal(refreshed.refreshedAt, now);

  // A failed refresh keeps the last good mapping and says why.
  hubspot.addFault({ kind: '503', count: 50, pathPrefix: '/crm/owners' });
  now += 60_000;
  await api('POST', `/api/connections/${id}/users/refresh`);
  await server.daemon.scheduler.drain();
  const failed = await api('GET', `/api/connections/${id}/users`);
  t.match(failed.body, { lastError: /503|unavailable/i, refreshedAt: new Date(now - 60_000).toISOString() });
  t.equal((failed.body?.mappings as unknown[]).length, refreshed.mappings.length, 'the last good mapping stays');
});

t.test('the daily chore refreshes connected connections whose mapping is a day old', async (t) => {
  let now = Date.UTC(2026, 10, 23, 12);
  const server = await startTestServer(t, { startScheduler: false, clock: () => now });
  const { id } = await sandboxConnection(server);
  const { db, jobs } = server.daemon;
  await db.kysely.insertInto('connections').values({ id: 'lonely', name: 'Only Intercom', status: 'active', managed_by_config: 0, created_at: now, updated_at: now, intercom_workspace_id: 'ws' }).execute();
  const chore = () => ensureOwnerRefreshes({ db: db.kysely, jobs, clock: () => now });

  t.equal(await chore(), 1, 'never refreshed: refreshed now (a connection with one side is not)');
  t.equal(await chore(), 0, 'one job is enough');
  await server.daemon.scheduler.drain();
  t.equal((await readOwnerMapping(db.kysely, id)).refreshedAt, now);
  now += 23 * 3_600_000;
  t.equal(await chore(), 0, 'fresh enough');
  now += 3_600_000;
  t.equal(await chore(), 1, 'a day old');
  await server.daemon.scheduler.drain();
  await db.kysely.updateTable('connections').set({ status: 'paused' }).where('id', '=', id).execute();
  now += 25 * 3_600_000;
  t.equal(await chore(), 0, 'paused connections wait for a person');
});

t.test('a connection declared in the YAML file is read-only here', async (t) => {
  const server = await buildTestApp(t, {
    startScheduler: false,
    config: { sandbox: { enabled: true }, connections: [{ name: 'Support', users: { defaultOwner: 'boss@example.com' } }] },
  });
  const api = sessionApi(server, await signIn(server));
  const { id } = await server.daemon.db.kysely.selectFrom('connections').select('id').where('name', '=', 'Support').executeTakeFirstOrThrow();
  const users = await api('GET', `/api/connections/${id}/users`);
  t.match(users.body, { managedByConfig: true, configKey: 'connections[0].users', defaultOwner: 'boss@example.com', canRefresh: false });
  const put = await api('PUT', `/api/connections/${id}/users/settings`, { defaultOwner: '', overrides: [] });
  t.equal(put.status, 409);
  t.match(put.body, { error: { code: 'managed_by_config', message: /connections\[0\]\.users/ } });
  const refresh = await api('POST', `/api/connections/${id}/users/refresh`);
  t.equal(refresh.status, 409);
  t.match(refresh.body, { error: { code: 'not_connected' } });
});
