// Issue #14 item 10 through the HTTP app: what a push, read and admin token may reach, expiry, and that
// tokens made before scopes existed become admin.
import t from 'tap';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

async function tokenFor(server: TestApp, scope: string, extra: Record<string, unknown> = {}): Promise<string> {
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/tokens', { name: `${scope} token`, scope, ...extra });
  if (created.status !== 201) throw new Error(`token not created: ${JSON.stringify(created.body)}`);
  t.equal(created.body?.token.scope, scope);
  return String(created.body?.secret);
}

const call = async (server: TestApp, token: string, method: string, path: string, body?: unknown) => {
  const response = await server.fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, code: text ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined };
};

const PUSH = '/api/connections/nope/conversations/123/push';

t.test('push: API Push only', async (t) => {
  const server = await buildTestApp(t);
  const token = await tokenFor(server, 'push');
  const push = await call(server, token, 'POST', PUSH, {});
  t.equal(push.status, 404, 'API Push is reached (the connection does not exist)');
  t.not(push.code, 'insufficient_scope');
  t.match(await call(server, token, 'GET', '/api/connections'), { status: 403, code: 'insufficient_scope' }, 'no reading');
  t.match(await call(server, token, 'GET', '/api/connections/nope/activity'), { status: 403, code: 'insufficient_scope' });
  t.match(await call(server, token, 'POST', '/api/connections', { name: 'x' }), { status: 403, code: 'insufficient_scope' }, 'no changes');
  t.match(await call(server, token, 'DELETE', '/api/connections/nope'), { status: 403, code: 'insufficient_scope' });
  t.match(await call(server, token, 'POST', '/api/connections/nope/intercom/token', { accessToken: 'x' }), { status: 403, code: 'insufficient_scope' }, 'cannot replace credentials');
  t.match(await call(server, token, 'GET', '/api/tokens'), { status: 403 });
});

t.test('read: GET routes only', async (t) => {
  const server = await buildTestApp(t);
  const token = await tokenFor(server, 'read');
  t.equal((await call(server, token, 'GET', '/api/connections')).status, 200);
  t.equal((await call(server, token, 'GET', '/api/connections/nope')).status, 404, 'a GET route is reached');
  t.match(await call(server, token, 'POST', PUSH, {}), { status: 403, code: 'insufficient_scope' }, 'no push');
  t.match(await call(server, token, 'POST', '/api/connections', { name: 'x' }), { status: 403, code: 'insufficient_scope' });
  t.match(await call(server, token, 'DELETE', '/api/connections/nope'), { status: 403, code: 'insufficient_scope' });
  t.match(await call(server, token, 'PUT', '/api/connections/nope/settings', {}), { status: 403, code: 'insufficient_scope' });
  t.match(await call(server, token, 'GET', '/api/tokens'), { status: 403, code: 'session_required' }, 'the other tokens are not listed to a token');
});

t.test('admin: what a session may do, except managing tokens and sessions', async (t) => {
  const server = await buildTestApp(t);
  const token = await tokenFor(server, 'admin');
  t.equal((await call(server, token, 'GET', '/api/connections')).status, 200);
  t.equal((await call(server, token, 'DELETE', '/api/connections/nope')).status, 404, 'a change route is reached');
  t.not((await call(server, token, 'POST', PUSH, {})).code, 'insufficient_scope');
  t.match(await call(server, token, 'POST', '/api/tokens', { name: 'more', scope: 'admin' }), { status: 403, code: 'session_required' });
  t.match(await call(server, token, 'DELETE', '/api/tokens/anything'), { status: 403, code: 'session_required' });
  t.match(await call(server, token, 'GET', '/api/tokens'), { status: 403, code: 'session_required' });
  t.match(await call(server, token, 'DELETE', '/api/sessions'), { status: 403, code: 'session_required' });
  t.match(await call(server, token, 'GET', '/api/session'), { status: 403, code: 'session_required' });
});

t.test('scope is required and checked; expiry is optional and in the future', async (t) => {
  let now = Date.UTC(2026, 10, 23);
  const server = await buildTestApp(t, { clock: () => now });
  const api = sessionApi(server, await signIn(server));
  t.match(await api('POST', '/api/tokens', { name: 'x' }), { status: 400, body: { error: { details: [{ path: 'scope' }] } } });
  t.match(await api('POST', '/api/tokens', { name: 'x', scope: 'root' }), { status: 400, body: { error: { details: [{ path: 'scope' }] } } });
  t.match(await api('POST', '/api/tokens', { name: 'x', scope: 'read', expiresAt: '2020-01-01T00:00:00Z' }), { status: 400, body: { error: { details: [{ path: 'expiresAt' }] } } });
  const created = await api('POST', '/api/tokens', { name: 'x', scope: 'read', expiresAt: '2026-11-24T00:00:00Z' });
  t.equal(created.status, 201);
  t.equal(created.body?.token.expiresAt, '2026-11-24T00:00:00.000Z');
  const secret = String(created.body?.secret);
  t.equal((await call(server, secret, 'GET', '/api/connections')).status, 200, 'works before its expiry');
  now = Date.UTC(2026, 10, 24);
  t.match(await call(server, secret, 'GET', '/api/connections'), { status: 401, code: 'invalid_token' }, 'refused from its expiry on');
});

t.test('migration 0014: tokens made before scopes become admin', async (t) => {
  const { openDb } = await import('../../src/db/database.ts');
  const { migrate, readMigrations } = await import('../../src/db/migrate.ts');
  const { makeDataDir } = await import('../helpers/server.ts');
  const { join } = await import('node:path');
  const db = openDb(join(makeDataDir(t), 'interhubz.db'));
  t.teardown(() => db.close());
  const all = readMigrations();
  migrate(db.sqlite, all.filter((m) => m.id < '0014'));
  db.sqlite.prepare("INSERT INTO api_tokens (id, name, prefix, token_hash, created_at) VALUES ('t1', 'old', 'ihz_abc', 'h', 1)").run();
  migrate(db.sqlite, all);
  t.same(db.sqlite.prepare('SELECT scope, expires_at FROM api_tokens').all(), [{ scope: 'admin', expires_at: null }]);
});

t.test('the sandbox control API takes an admin token, not a read or push one', async (t) => {
  const server = await buildTestApp(t);
  const path = '/sandbox/hubspot/_sim/requests';
  t.match(await call(server, await tokenFor(server, 'read'), 'GET', path), { status: 403, code: 'insufficient_scope' });
  t.match(await call(server, await tokenFor(server, 'push'), 'GET', path), { status: 403, code: 'insufficient_scope' });
  t.equal((await call(server, await tokenFor(server, 'admin'), 'GET', path)).status, 200);
});
