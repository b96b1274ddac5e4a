import t from 'tap';
import { API_TOKEN_PREFIX } from '../../src/db/repos/api-tokens.ts';
import { countRows } from '../helpers/rows.ts';
import { signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Fastify's own route table as [method, path] pairs, so a route added later without the hook fails here. */
function routeTable(printed: string): Array<[string, string]> {
  const stack: string[] = [];
  return printed.split('\n').flatMap((line) => {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)/.exec(line);
    if (!match) return [];
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = `${stack.join('')}${match[2]}`;
    stack.push(match[2] ?? '');
    return (match[3] ?? '').split(', ').map((method): [string, string] => [method, path]);
  });
}

t.test('every /api route needs a login; health checks do not', async (t) => {
  const server = await buildTestApp(t);
  const routes = routeTable(server.daemon.app.printRoutes({ commonPrefix: false })).filter(
    ([method, path]) => path.startsWith('/api/') && method !== 'HEAD' && !(method === 'POST' && path === '/api/session'),
  );
  t.ok(routes.length >= 6, `found ${routes.length} api routes`);
  for (const [method, path] of routes) {
    const response = await server.fetch(path.replace(':id', 'anything'), { method });
    t.equal(response.status, 401, `${method} ${path} → 401`);
    t.same(await response.json(), { error: { code: 'unauthorized', message: 'Sign in, or send an API token as "Authorization: Bearer <token>".' } });
  }
  t.equal((await server.fetch('/healthz')).status, 200);
  t.equal((await server.fetch('/readyz')).status, 200);
});

t.test('a wrong username and a wrong password get the same 401', async (t) => {
  const server = await buildTestApp(t, { password: 'right password' });
  const wrongPassword = await server.fetch('/api/session', { method: 'POST', ...json({ username: 'admin', password: 'nope' }) });
  const wrongUser = await server.fetch('/api/session', { method: 'POST', ...json({ username: 'root', password: 'right password' }) });
  t.equal(wrongPassword.status, 401);
  t.equal(wrongUser.status, 401);
  const a = await wrongPassword.json();
  t.same(a, await wrongUser.json(), 'identical bodies');
  t.same(a, { error: { code: 'invalid_credentials', message: 'Wrong username or password.' } });
  t.equal(wrongPassword.headers.get('set-cookie'), null, 'no cookie on failure');
});

t.test('a bad sign-in body is a 400 that names the field', async (t) => {
  const server = await buildTestApp(t);
  const response = await server.fetch('/api/session', { method: 'POST', ...json({ username: 'admin' }) });
  t.equal(response.status, 400);
  const body = (await response.json()) as { error: { code: string; details: unknown[] } };
  t.equal(body.error.code, 'invalid_request');
  t.same(body.error.details, [{ path: 'password', message: 'Invalid input: expected string, received undefined' }]);
});

t.test('session cookie: HttpOnly, SameSite=Lax, Secure only behind HTTPS', async (t) => {
  const server = await buildTestApp(t);
  const response = await server.fetch('/api/session', { method: 'POST', ...json({ username: server.username, password: server.password }) });
  t.equal(response.status, 200);
  const cookie = response.headers.get('set-cookie') ?? '';
  t.match(cookie, /^ihz_session=[A-Za-z0-9_-]{40,};/);
  t.match(cookie, /HttpOnly/);
  t.match(cookie, /SameSite=Lax/);
  t.notMatch(cookie, /Secure/, 'plain http (an http:// public URL): a Secure cookie would never come back');

  const proxied = await buildTestApp(t, { config: { server: { trustProxy: 1 } } });
  const behindTls = await proxied.fetch('/api/session', {
    method: 'POST',
    ...json({ username: proxied.username, password: proxied.password }, { 'x-forwarded-proto': 'https' }),
  });
  t.match(behindTls.headers.get('set-cookie') ?? '', /; Secure/);

  const publicHttps = await buildTestApp(t, { config: { server: { publicUrl: 'https://ihz.example.com' } } });
  const viaPublicUrl = await publicHttps.fetch('/api/session', {
    method: 'POST',
    ...json({ username: publicHttps.username, password: publicHttps.password }),
  });
  t.match(viaPublicUrl.headers.get('set-cookie') ?? '', /; Secure/);
});

t.test('a session reads freely but changes need its CSRF token', async (t) => {
  const server = await buildTestApp(t);
  const { cookie, csrfToken } = await signIn(server);
  const who = await server.fetch('/api/session', { headers: { cookie } });
  t.same(await who.json(), { username: 'admin', csrfToken });

  const noToken = await server.fetch('/api/tokens', { method: 'POST', ...json({ name: 'x', scope: 'push' }, { cookie }) });
  t.equal(noToken.status, 403);
  t.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'csrf_failed');
  const wrongToken = await server.fetch('/api/tokens', { method: 'POST', ...json({ name: 'x', scope: 'push' }, { cookie, 'x-csrf-token': 'guess' }) });
  t.equal(wrongToken.status, 403);
  const signOutWithout = await server.fetch('/api/session', { method: 'DELETE', headers: { cookie } });
  t.equal(signOutWithout.status, 403, 'even sign-out, so a page elsewhere cannot sign the admin out');

  const ok = await server.fetch('/api/tokens', { method: 'POST', ...json({ name: 'x', scope: 'push' }, { cookie, 'x-csrf-token': csrfToken }) });
  t.equal(ok.status, 201);

  const signOut = await server.fetch('/api/session', { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.equal(signOut.status, 204);
  t.equal((await server.fetch('/api/session', { headers: { cookie } })).status, 401, 'the session is gone server-side');
});

t.test('sessions expire', async (t) => {
  let now = Date.UTC(2026, 10, 23);
  const server = await buildTestApp(t, { clock: () => now, config: { admin: { sessionHours: 1 } } });
  const { cookie } = await signIn(server);
  now += 59 * 60_000;
  t.equal((await server.fetch('/api/tokens', { headers: { cookie } })).status, 200);
  now += 2 * 60_000;
  t.equal((await server.fetch('/api/tokens', { headers: { cookie } })).status, 401);
});

t.test('failed sign-ins are rate-limited per client, with Retry-After', async (t) => {
  let now = Date.UTC(2026, 10, 23);
  const server = await buildTestApp(t, { clock: () => now, config: { admin: { loginAttempts: { max: 3, windowMinutes: 10 } } } });
  const attempt = (password: string) =>
    server.fetch('/api/session', { method: 'POST', ...json({ username: 'admin', password }) });
  for (let i = 0; i < 3; i++) t.equal((await attempt('wrong')).status, 401);
  const blocked = await attempt(server.password);
  t.equal(blocked.status, 429, 'even the right password is refused while blocked');
  t.equal(blocked.headers.get('retry-after'), '600');
  t.match(await blocked.json(), { error: { code: 'rate_limited', message: /Too many failed sign-in attempts\. Try again in 10 minute/ } });
  now += 10 * 60_000 + 1;
  t.equal((await attempt(server.password)).status, 200, 'allowed again after the window');
});

t.test('API tokens: shown once, stored hashed, authenticate, revocable', async (t) => {
  const server = await buildTestApp(t);
  const { cookie, csrfToken } = await signIn(server);
  const created = await server.fetch('/api/tokens', {
    method: 'POST',
    ...json({ name: 'Intercom workflow', scope: 'admin' }, { cookie, 'x-csrf-token': csrfToken }),
  });
  t.equal(created.status, 201);
  const { token, secret } = (await created.json()) as { token: { id: string; name: string; prefix: string }; secret: string };
  t.ok(secret.startsWith(API_TOKEN_PREFIX));
  t.equal(token.name, 'Intercom workflow');
  t.ok(secret.startsWith(token.prefix));

  const list = await (await server.fetch('/api/tokens', { headers: { cookie } })).text();
  t.notMatch(list, secret, 'the list never contains the secret');
  t.match(list, token.prefix);

  const rows = await server.daemon.db.kysely.selectFrom('api_tokens').selectAll().execute();
  t.notMatch(JSON.stringify(rows), secret, 'the database holds only a hash');

  const bearer = { authorization: `Bearer ${secret}` };
  const viaToken = await server.fetch('/api/connections', { headers: bearer });
  t.equal(viaToken.status, 200);
  t.same(await viaToken.json(), { connections: [], maxConnections: null });
  const listed = (await (await server.fetch('/api/tokens', { headers: { cookie } })).json()) as { tokens: Array<{ lastUsedAt: string | null }> };
  t.ok(listed.tokens[0]?.lastUsedAt, 'last use is recorded');
  t.equal((await server.fetch('/api/tokens', { headers: bearer })).status, 403, 'a token cannot list the tokens');

  const mint = await server.fetch('/api/tokens', { method: 'POST', ...json({ name: 'more', scope: 'admin' }, bearer) });
  t.equal(mint.status, 403, 'a token cannot mint more tokens');
  t.equal(((await mint.json()) as { error: { code: string } }).error.code, 'session_required');

  const revoke = await server.fetch(`/api/tokens/${token.id}`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.equal(revoke.status, 204);
  const after = await server.fetch('/api/connections', { headers: bearer });
  t.equal(after.status, 401);
  t.equal(((await after.json()) as { error: { code: string } }).error.code, 'invalid_token');
  const again = await server.fetch(`/api/tokens/${token.id}`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.equal(again.status, 404);

  const badName = await server.fetch('/api/tokens', { method: 'POST', ...json({ name: '  ', scope: 'read' }, { cookie, 'x-csrf-token': csrfToken }) });
  t.equal(badName.status, 400);
  t.match(await badName.json(), { error: { message: 'The request body is invalid: name: name is required.' } });
});

t.test('a garbage bearer token is a 401 that says so', async (t) => {
  const server = await buildTestApp(t);
  const response = await server.fetch('/api/tokens', { headers: { authorization: 'Bearer ihz_nope' } });
  t.equal(response.status, 401);
  t.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_token');
});

t.test('admin.passwordHash (from npm run hash-password) signs in; a malformed one stops the start', async (t) => {
  const { hashPassword } = await import('../../src/auth/password-hash.ts');
  const { execFileSync } = await import('node:child_process');
  const hash = execFileSync(process.execPath, ['scripts/hash-password.ts'], { input: 'from a hash 123\n', cwd: new URL('../../', import.meta.url) }).toString().trim();
  t.match(hash, /^scrypt\$131072\$8\$1\$/, 'the script makes hashes at the real cost, N = 2^17');
  const server = await buildTestApp(t, { config: { admin: { passwordHash: hash } } });
  await signIn({ fetch: server.fetch, username: 'admin', password: 'from a hash 123' });
  t.pass('signed in with the hashed password');
  t.not(await hashPassword('same'), await hashPassword('same'), 'salted');
  const error = await buildTestApp(t, { config: { admin: { passwordHash: 'md5:abc' } } }).catch((e: unknown) => e);
  t.match(error, { exitCode: 2, message: /admin\.passwordHash is not a scrypt hash/ });
});

t.test('the purge chore removes expired sessions only', async (t) => {
  const { foundationChores } = await import('../../src/chores.ts');
  const { createLogger } = await import('../../src/log.ts');
  let now = Date.UTC(2026, 10, 23);
  const server = await buildTestApp(t, { clock: () => now, config: { admin: { sessionHours: 1 } } });
  await signIn(server);
  now += 30 * 60_000;
  await signIn(server);
  now += 45 * 60_000;
  const purge = foundationChores(server.daemon.db.kysely, () => now, createLogger('silent')).find((c) => c.name === 'purge-expired-sessions');
  await purge?.run();
  t.equal(await countRows(server.daemon.db, 'admin_sessions'), 1, 'the live one stays');
});
