// Issue #16 item 6 through the HTTP app: named accounts invited by a one-time link, roles, the last
// admin, passwords (own change, reset by an admin), removal ending sessions, admin.users from the
// YAML, and an install from before named accounts keeping its admin login.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { hashPassword } from '../../src/auth/password-hash.ts';
import { DATABASE_FILE } from '../../src/db/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { countRows } from '../helpers/rows.ts';
import { makeDataDir, sessionApi, signIn, TEST_PASSWORD_HASH_COST, type ApiAnswer, type Teardownable } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

type Api = ReturnType<typeof sessionApi>;
const NEW_PASSWORD = 'a brand new password 42';

async function adminApp(t: Teardownable, options: Parameters<typeof buildTestApp>[1] = {}) {
  const server = await buildTestApp(t, { startScheduler: false, ...options });
  return { server, api: sessionApi(server, await signIn(server)) };
}

/** The token of a one-time link, as the UI reads it from the fragment. */
const tokenOf = (answer: ApiAnswer): string => String(answer.body?.link.path).split('#')[1] ?? '';

async function acceptLink(server: TestApp, invitation: string, password = NEW_PASSWORD): Promise<Response> {
  return server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitation, password }) });
}

/** Invites `username`, accepts the link, and returns that person's API client. */
async function invited(server: TestApp, api: Api, username: string, role: 'admin' | 'viewer'): Promise<{ api: Api; id: string; cookie: string }> {
  const invite = await api('POST', '/api/people/invitations', { username, role });
  if (invite.status !== 201) throw new Error(`invite failed: ${JSON.stringify(invite.body)}`);
  const accepted = await acceptLink(server, tokenOf(invite));
  if (accepted.status !== 200) throw new Error(`accept failed: ${await accepted.text()}`);
  const session = await signIn({ ...server, username, password: NEW_PASSWORD });
  const people = await api('GET', '/api/people');
  const id = String(people.body?.people.find((p: { username: string }) => p.username === username)?.id);
  return { api: sessionApi(server, session), id, cookie: session.cookie };
}

const auditRows = (server: TestApp): Promise<Array<Record<string, string | null>>> =>
  server.daemon.db.kysely.selectFrom('audit_log').select(['actor_kind', 'actor_name', 'action', 'target_name', 'key']).orderBy('id').execute();

t.test('invite → accept → the new admin signs in; the link works once', async (t) => {
  const { server, api } = await adminApp(t);
  const invite = await api('POST', '/api/people/invitations', { username: 'bob', role: 'admin' });
  t.equal(invite.status, 201, JSON.stringify(invite.body));
  t.match(invite.body, { invitation: { username: 'bob', role: 'admin', createdBy: 'admin' }, link: { path: /^\/invite#[A-Za-z0-9_-]{40,}$/, url: /^http:\/\/interhubz\.test\/invite#/ } });
  const token = tokenOf(invite);
  t.notOk(await server.daemon.db.kysely.selectFrom('admin_invitations').select('id').where((eb) => eb.or([eb('token_hash', '=', token), eb('token_hash', 'like', `%${token}%`)])).executeTakeFirst(), 'only a hash of the token is stored');
  t.match((await api('GET', '/api/people')).body, { invitations: [{ username: 'bob' }] }, 'the pending invitation is listed');

  const tooShort = await acceptLink(server, token, 'short');
  t.equal(tooShort.status, 400, 'the password rules of admin.password apply');
  const accepted = await acceptLink(server, token);
  t.equal(accepted.status, 200);
  t.match(accepted.headers.get('set-cookie') ?? '', /^ihz_session=/, 'accepting signs in');
  const cookie = (accepted.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const me = await server.fetch('/api/me', { headers: { cookie } });
  t.match(await me.json(), { username: 'bob', role: 'admin', passwordManagedByConfig: false });

  const again = await acceptLink(server, token, 'another password 1234');
  t.equal(again.status, 410, 'a link works once');
  t.match(await again.json(), { error: { code: 'invitation_invalid' } });
  t.equal((await signIn({ ...server, username: 'bob', password: NEW_PASSWORD })).cookie.startsWith('ihz_session='), true, 'bob signs in with his password');
  t.match((await api('GET', '/api/people')).body, { invitations: [] });
  t.equal((await api('POST', '/api/people/invitations', { username: 'bob', role: 'viewer' })).status, 409, 'the name is taken now');
});

t.test('an invitation expires after 7 days', async (t) => {
  let now = Date.parse('2026-05-01T10:00:00Z');
  const { server, api } = await adminApp(t, { clock: () => now });
  const invite = await api('POST', '/api/people/invitations', { username: 'late', role: 'viewer' });
  t.equal(invite.body?.link.expiresAt, '2026-05-08T10:00:00.000Z');
  now += 7 * 86_400_000;
  const accepted = await acceptLink(server, tokenOf(invite));
  t.equal(accepted.status, 410);
  const later = sessionApi(server, await signIn(server));
  t.match((await later('GET', '/api/people')).body, { invitations: [] }, 'an expired invitation is no longer listed');
});

t.test('a viewer reads what a read token reads and changes nothing but their own password', async (t) => {
  const { server, api } = await adminApp(t);
  const created = await api('POST', '/api/connections', { name: 'Support' });
  const viewer = await invited(server, api, 'vera', 'viewer');
  t.equal((await viewer.api('GET', '/api/connections')).status, 200);
  t.equal((await viewer.api('GET', `/api/connections/${created.body?.id}/settings`)).status, 200);
  t.equal((await viewer.api('GET', '/api/people')).status, 200);
  t.equal((await viewer.api('GET', '/api/audit')).status, 200);
  for (const [method, path, body] of [
    ['POST', '/api/connections', { name: 'Mine' }],
    ['PUT', `/api/connections/${created.body?.id}/settings`, { timeZone: 'Europe/Paris' }],
    ['POST', `/api/connections/${created.body?.id}/pause`, {}],
    ['DELETE', `/api/connections/${created.body?.id}`, undefined],
    ['POST', '/api/tokens', { name: 'x', scope: 'read' }],
    ['POST', '/api/people/invitations', { username: 'eve', role: 'admin' }],
    ['PATCH', `/api/people/${viewer.id}`, { role: 'admin' }],
  ] as const) {
    const answer = await viewer.api(method, path, body);
    t.equal(answer.status, 403, `${method} ${path}`);
    t.equal(answer.body?.error.code, 'viewer_read_only');
  }
  t.match((await viewer.api('POST', '/api/connections', { name: 'Mine' })).body?.error.message, /viewer: viewers can see everything but change nothing/);
  t.equal((await viewer.api('PUT', '/api/session/password', { currentPassword: NEW_PASSWORD, newPassword: 'viewer picked this one' })).status, 204, 'own password: allowed');
  t.equal((await viewer.api('DELETE', '/api/session')).status, 204, 'signing out: allowed');
});

t.test('the last enabled admin cannot be demoted, disabled or removed', async (t) => {
  const { server, api } = await adminApp(t);
  const people = await api('GET', '/api/people');
  const adminId = String(people.body?.people[0].id);
  t.match(people.body?.people, [{ username: 'admin', role: 'admin', source: 'bootstrap', managedByConfig: false, passwordManagedByConfig: true }]);
  t.match(await api('PATCH', `/api/people/${adminId}`, { role: 'viewer' }), { status: 409, body: { error: { code: 'last_admin' } } });
  t.match(await api('PATCH', `/api/people/${adminId}`, { disabled: true }), { status: 409, body: { error: { code: 'last_admin' } } });

  const bob = await invited(server, api, 'bob', 'admin');
  t.match(await bob.api('PATCH', `/api/people/${adminId}`, { disabled: true }), { status: 200, body: { disabled: true } }, 'with bob an admin, the first admin can be disabled');
  t.equal((await api('GET', '/api/connections')).status, 401, 'the disabled admin is signed out');
  t.match(await bob.api('DELETE', `/api/people/${bob.id}`), { status: 409, body: { error: { code: 'last_admin' } } }, 'bob is now the last admin');
  t.match(await bob.api('PATCH', `/api/people/${bob.id}`, { role: 'viewer' }), { status: 409, body: { error: { code: 'last_admin' } } });
  t.match(await bob.api('DELETE', `/api/people/${adminId}`), { status: 409, body: { error: { code: 'managed_by_config' } } }, 'admin.username is disabled, not removed');
  t.equal((await bob.api('PATCH', `/api/people/${adminId}`, { disabled: false })).status, 200);
  t.equal((await signIn(server)).cookie.startsWith('ihz_session='), true, 'enabled again, the first admin signs in');
});

t.test('a removed or demoted person: sessions end at once, the role takes effect at once', async (t) => {
  const { server, api } = await adminApp(t);
  const carol = await invited(server, api, 'carol', 'admin');
  t.equal((await carol.api('POST', '/api/connections', { name: 'By Carol' })).status, 201);
  t.equal((await api('PATCH', `/api/people/${carol.id}`, { role: 'viewer' })).status, 200);
  t.equal((await carol.api('POST', '/api/connections', { name: 'Again' })).status, 403, 'demoted: no more changes');
  t.equal((await api('DELETE', `/api/people/${carol.id}`)).status, 204);
  t.equal((await carol.api('GET', '/api/connections')).status, 401, 'removed: the session is gone');
  t.equal(await countRows(server.daemon.db, 'admin_sessions', { username: 'carol' }), 0);
  const relogin = await server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', password: NEW_PASSWORD }) });
  t.equal(relogin.status, 401);
});

t.test('changing one\'s own password needs the current one; other sessions end', async (t) => {
  const { server, api } = await adminApp(t);
  const dan = await invited(server, api, 'dan', 'admin');
  const otherLaptop = sessionApi(server, await signIn({ ...server, username: 'dan', password: NEW_PASSWORD }));
  t.match(await dan.api('PUT', '/api/session/password', { currentPassword: 'not my password', newPassword: 'dans second password' }), { status: 403, body: { error: { code: 'wrong_password' } } });
  t.match(await dan.api('PUT', '/api/session/password', { currentPassword: NEW_PASSWORD, newPassword: 'short' }), { status: 400 });
  t.equal((await dan.api('PUT', '/api/session/password', { currentPassword: NEW_PASSWORD, newPassword: 'dans second password' })).status, 204);
  t.equal((await dan.api('GET', '/api/me')).status, 200, 'this session stays');
  t.equal((await otherLaptop('GET', '/api/me')).status, 401, 'the others end');
  await t.rejects(signIn({ ...server, username: 'dan', password: NEW_PASSWORD }), 'the old password no longer works');
  await signIn({ ...server, username: 'dan', password: 'dans second password' });
  t.match(await api('PUT', '/api/session/password', { currentPassword: server.password, newPassword: 'whatever it is 123' }), { status: 409, body: { error: { code: 'managed_by_config' } } }, 'admin.password is the file\'s');
});

t.test('an admin resets a password with a one-time link or by setting one', async (t) => {
  const { server, api } = await adminApp(t);
  const erin = await invited(server, api, 'erin', 'viewer');
  const reset = await api('POST', `/api/people/${erin.id}/password-reset`, {});
  t.equal(reset.status, 200, JSON.stringify(reset.body));
  t.match(reset.body, { link: { path: /^\/invite#/ }, endedSessions: 0 });
  const accepted = await acceptLink(server, tokenOf(reset), 'erins reset password');
  t.equal(accepted.status, 200);
  t.equal((await erin.api('GET', '/api/me')).status, 401, 'the sessions from before the reset end');
  t.match(await (await server.fetch('/api/me', { headers: { cookie: (accepted.headers.get('set-cookie') ?? '').split(';')[0] ?? '' } })).json(), { username: 'erin', role: 'viewer' });

  const set = await api('POST', `/api/people/${erin.id}/password-reset`, { password: 'set by an admin 99' });
  t.match(set, { status: 200, body: { link: null, endedSessions: 1 } });
  await signIn({ ...server, username: 'erin', password: 'set by an admin 99' });
  const viewer = sessionApi(server, await signIn({ ...server, username: 'erin', password: 'set by an admin 99' }));
  t.equal((await viewer('POST', `/api/people/${erin.id}/password-reset`, {})).status, 403, 'a viewer cannot reset');
});

t.test('admin.users from the YAML: signs in, read-only here, removed with its entry', async (t) => {
  const dataDir = makeDataDir(t);
  const passwordHash = await hashPassword('frank from the file', TEST_PASSWORD_HASH_COST);
  const first = await buildTestApp(t, { dataDir, startScheduler: false, config: { admin: { users: [{ username: 'frank', displayName: 'Frank F.', role: 'viewer', passwordHash }] } } });
  const api = sessionApi(first, await signIn(first));
  const people = await api('GET', '/api/people');
  const frank = people.body?.people.find((p: { username: string }) => p.username === 'frank');
  t.match(frank, { displayName: 'Frank F.', role: 'viewer', source: 'config', managedByConfig: true, passwordManagedByConfig: true });
  const frankApi = sessionApi(first, await signIn({ ...first, username: 'frank', password: 'frank from the file' }));
  t.equal((await frankApi('POST', '/api/connections', { name: 'x' })).status, 403, 'a viewer from the file');
  t.match(await api('PATCH', `/api/people/${frank.id}`, { role: 'admin' }), { status: 409, body: { error: { code: 'managed_by_config' } } });
  t.match(await api('DELETE', `/api/people/${frank.id}`), { status: 409, body: { error: { code: 'managed_by_config' } } });
  t.match(await api('POST', `/api/people/${frank.id}/password-reset`, {}), { status: 409 });
  t.match(await auditRows(first), [{ actor_kind: 'config', action: 'user.create', target_name: 'admin' }, { actor_kind: 'config', action: 'user.create', target_name: 'frank' }]);
  await first.daemon.close();

  const second = await buildTestApp(t, { dataDir, startScheduler: false });
  const after = await sessionApi(second, await signIn(second))('GET', '/api/people');
  t.same(after.body?.people.map((p: { username: string }) => p.username), ['admin'], 'gone with its entry');
  t.match((await auditRows(second)).at(-1), { actor_kind: 'config', action: 'user.remove', target_name: 'frank' });
});

// On SQLite only: the old layout is an SQLite file, and no PostgreSQL install predates named accounts.
t.test('an install from before named accounts keeps its admin login, and may change that password in the UI', async (t) => {
  const dataDir = makeDataDir(t);
  // The old layout: every migration before 0022, and the admin's hash in settings.
  const sqlite = new Database(join(dataDir, DATABASE_FILE));
  migrate(sqlite, readMigrations().filter((m) => m.id < '0022'));
  sqlite.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run('admin.generatedPasswordHash', await hashPassword('the old admin password', TEST_PASSWORD_HASH_COST), Date.now());
  sqlite.close();
  const secretKey = randomBytes(32).toString('base64');

  const server = await buildTestApp(t, { store: 'sqlite', dataDir, secretKey, startScheduler: false, password: 'the old admin password', config: { admin: { password: '' } } });
  const api = sessionApi(server, await signIn(server));
  t.match((await api('GET', '/api/people')).body?.people, [{ username: 'admin', role: 'admin', source: 'bootstrap', passwordManagedByConfig: false }]);
  t.equal((await api('PUT', '/api/session/password', { currentPassword: 'the old admin password', newPassword: 'the new admin password' })).status, 204);
  await server.daemon.close();

  const restarted = await buildTestApp(t, { store: 'sqlite', dataDir, secretKey, startScheduler: false, password: 'the new admin password', config: { admin: { password: '' } } });
  await signIn(restarted);
  t.pass('the password changed in the UI survives a restart');
});

t.test('admin.username renamed in the file: the same account under the new name; a bad admin.users hash stops the start', async (t) => {
  const dataDir = makeDataDir(t);
  const first = await buildTestApp(t, { dataDir, startScheduler: false });
  const before = await sessionApi(first, await signIn(first))('GET', '/api/people');
  await first.daemon.close();

  const renamed = await buildTestApp(t, { dataDir, startScheduler: false, config: { admin: { username: 'root' } } });
  t.equal(renamed.username, 'root');
  const after = await sessionApi(renamed, await signIn(renamed))('GET', '/api/people');
  t.match(after.body?.people, [{ id: before.body?.people[0].id, username: 'root', role: 'admin', source: 'bootstrap' }], 'the same row, renamed');
  await renamed.daemon.close();

  await t.rejects(
    buildTestApp(t, { dataDir, startScheduler: false, config: { admin: { users: [{ username: 'gus', role: 'admin', passwordHash: 'not-a-hash' }] } } }),
    { message: /admin\.users\.0\.passwordHash is not a scrypt hash/ },
  );
});

t.test('a disabled account cannot sign in, with the same answer as a wrong password', async (t) => {
  const { server, api } = await adminApp(t);
  const hal = await invited(server, api, 'hal', 'viewer');
  t.equal((await api('PATCH', `/api/people/${hal.id}`, { disabled: true })).status, 200);
  const refused = await server.fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'hal', password: NEW_PASSWORD }) });
  t.equal(refused.status, 401);
  t.same(await refused.json(), { error: { code: 'invalid_credentials', message: 'Wrong username or password.' } });
});
