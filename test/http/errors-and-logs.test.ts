import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../src/db/database.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { withPgAdmin } from '../helpers/postgres.ts';
import { signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test('errors are JSON {error: {code, message}} with the right status', async (t) => {
  const server = await buildTestApp(t);
  const post = (body: string, type = 'application/json') =>
    server.fetch('/api/session', { method: 'POST', headers: { 'content-type': type }, body });

  const malformed = await post('{"username": ');
  t.equal(malformed.status, 400);
  t.same(await malformed.json(), { error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });

  const huge = await post(JSON.stringify({ username: 'admin', password: 'x'.repeat(1024 * 1024 + 10) }));
  t.equal(huge.status, 413);
  t.same(await huge.json(), { error: { code: 'payload_too_large', message: 'The request body is larger than the 1 MiB this endpoint accepts.' } });

  const wrongType = await post('username=admin', 'application/x-www-form-urlencoded');
  t.equal(wrongType.status, 415);
  t.equal(((await wrongType.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');

  const extra = await post(JSON.stringify({ username: 'a', password: 'b', admin: true }));
  t.equal(extra.status, 400);
  t.match(await extra.json(), { error: { code: 'invalid_request', details: [{ path: '(body)', message: 'unknown field(s): admin' }] } });

  const unknownApi = await server.fetch('/api/nothing-here');
  t.equal(unknownApi.status, 404);
  t.same(await unknownApi.json(), { error: { code: 'not_found', message: 'GET /api/nothing-here was not found.' } });
  t.match(unknownApi.headers.get('content-type'), /application\/json/);
});

t.test('request ids: generated, or kept from a tame X-Request-Id, and in the logs', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { logDestination: logs });
  const generated = await server.fetch('/healthz');
  t.match(generated.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
  const kept = await server.fetch('/api/session', { headers: { 'x-request-id': 'edge-abc.123' } });
  t.equal(kept.headers.get('x-request-id'), 'edge-abc.123');
  const wild = await server.fetch('/healthz', { headers: { 'x-request-id': 'x'.repeat(200) } });
  t.not(wild.headers.get('x-request-id'), 'x'.repeat(200), 'an overlong id is replaced');
  t.ok(logs.entries().some((entry) => entry.reqId === 'edge-abc.123'), 'the log lines carry the id');
});

t.test('logs never hold passwords, tokens, cookies, CSRF tokens or bodies', async (t) => {
  const logs = captureLogs();
  const password = 'pw-4d1f3b8c2e-very-secret';
  const server = await buildTestApp(t, { password, logDestination: logs, logLevel: 'trace' });
  const { cookie, csrfToken } = await signIn(server);
  await server.fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: `${password}-wrong` }),
  });
  const created = await server.fetch('/api/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'note-body-7f3a marker', scope: 'read' }),
  });
  const { secret } = (await created.json()) as { secret: string };
  await server.fetch(`/api/tokens?token=${secret}&code=oauth-code-91be`, { headers: { authorization: `Bearer ${secret}` } });
  await server.fetch('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: '{"name": "body-in-a-broken-json-9c2d' });

  const text = logs.text();
  t.ok(text.includes('"msg":"request completed"'), 'requests were logged at all');
  t.ok(text.includes('admin sign-in failed'), 'the failed sign-in was logged');
  const sessionToken = cookie.split('=')[1] ?? '';
  for (const [what, value] of Object.entries({ password, secret, sessionToken, csrfToken, oauthCode: 'oauth-code-91be', brokenBody: 'body-in-a-broken-json-9c2d' })) {
    t.notOk(text.includes(value), `the ${what} is not in the log`);
  }
  t.ok(text.includes('?token=[redacted]&code=[redacted]'), 'secret query values are masked in logged URLs');
});

t.test('an unexpected error is a 500 that hides internals and points at the log', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { logDestination: logs });
  const { cookie } = await signIn(server);
  // The table gone from under the daemon (renamed: PostgreSQL will not drop a table others reference).
  await sql`ALTER TABLE connections RENAME TO connections_gone`.execute(server.daemon.db.kysely);
  const response = await server.fetch('/api/connections', { headers: { cookie, 'x-request-id': 'boom-1' } });
  t.equal(response.status, 500);
  t.same(await response.json(), {
    error: { code: 'internal_error', message: 'Something went wrong on our side; the server log has the details (request id boom-1).' },
  });
  t.ok(logs.entries().some((e) => e.reqId === 'boom-1' && e.level === 50), 'the error is logged with the request id');
});

t.test('readiness follows the database', async (t) => {
  const server = await buildTestApp(t);
  const ready = await server.fetch('/readyz');
  t.same(await ready.json(), { status: 'ready', checks: { database: 'ok', migrations: 'ok', scheduler: 'ok' } });
  // The database gone from under the daemon: SQLite's handle closed; PostgreSQL's database refusing
  // connections, the daemon's own ended by the server.
  const db: Db = server.daemon.db;
  if (db.dialect === 'sqlite') db.sqlite.close();
  else {
    const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(db.kysely);
    const name = String(rows[0]?.name);
    await withPgAdmin(async (admin) => {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    });
  }
  const notReady = await server.fetch('/readyz');
  t.equal(notReady.status, 503);
  t.match(await notReady.json(), { status: 'not_ready', checks: { database: db.dialect === 'sqlite' ? 'closed' : /^unreachable: / } });
  t.equal((await server.fetch('/healthz')).status, 200, 'liveness is only about the process');
});

t.test('readiness includes the scheduler heartbeat', async (t) => {
  let now = Date.now();
  const server = await buildTestApp(t, { clock: () => now });
  t.equal((await server.fetch('/readyz')).status, 200);
  now += 3_600_000;
  const stale = await server.fetch('/readyz');
  t.equal(stale.status, 503, 'an hour without a look at the job table is not ready');
  t.match(await stale.json(), { checks: { scheduler: /^no heartbeat for \d+ s$/ } });
});

t.test('health probes are not logged at info (they would bury everything else)', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { logDestination: logs });
  for (let i = 0; i < 5; i++) await server.fetch('/healthz');
  await server.fetch('/readyz');
  t.notMatch(logs.text(), /"url":"\/(healthz|readyz)"/);
});

t.test('security headers on every response', async (t) => {
  const server = await buildTestApp(t);
  const response = await server.fetch('/healthz');
  t.equal(response.headers.get('x-content-type-options'), 'nosniff');
  t.equal(response.headers.get('x-frame-options'), 'DENY');
  t.match(response.headers.get('content-security-policy'), /default-src 'self'/);
});
