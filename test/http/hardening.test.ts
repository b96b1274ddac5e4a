// Issue #14 item 12 (and the sign-in upgrade of item 8): HSTS, secrets in URL paths
// kept out of logs, every error in the documented shape, sign out everywhere, explicit timeouts.
import { connect } from 'node:net';
import t from 'tap';
import { SERVER_TIMEOUTS } from '../../src/http/app.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { sessionApi, signIn, startTestServer } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

/** Sends raw bytes and returns the whole answer, for what fetch() refuses to send. */
function rawRequest(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(answer) : reject(error)));
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

t.test('HSTS only when the public URL is https', async (t) => {
  const https = await buildTestApp(t, { config: { server: { publicUrl: 'https://ihz.example.com' } } });
  t.equal((await https.fetch('/healthz')).headers.get('strict-transport-security'), 'max-age=31536000');
  const plain = await buildTestApp(t);
  t.equal((await plain.fetch('/healthz')).headers.get('strict-transport-security'), null);
});

t.test('a secret in a URL path is masked in the log', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { logDestination: logs, logLevel: 'info' });
  const secret = `ihz_${'Q3kP9x'.repeat(7)}`;
  const oauthish = 'Zx81KqPl0vBn3Mw7Ty2Rc5Hj';
  await server.fetch(`/api/tokens/${secret}`, { method: 'DELETE' });
  await server.fetch(`/oauth/intercom/${oauthish}`);
  const text = logs.text();
  t.ok(text.includes('/api/tokens/[redacted]'), 'the path is logged with the secret masked');
  t.notOk(text.includes(secret), 'the token is not in the log');
  t.notOk(text.includes(oauthish), 'a long mixed-case code is not in the log');
});

t.test('a malformed URL is answered in the { error } shape', async (t) => {
  const server = await buildTestApp(t);
  const badUrl = await server.fetch('/api/connections/%E0%A4%A');
  t.equal(badUrl.status, 400);
  t.match(await badUrl.json(), { error: { code: 'bad_url', message: /not a valid URL/ } });
});

// Node's HTTP parser refuses these before Fastify sees a request (app.inject skips it): a real socket.
t.test('bytes that are not HTTP are answered in the { error } shape', async (t) => {
  const server = await startTestServer(t);
  const garbage = await rawRequest(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n');
  t.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.same(bodyOf(garbage), { error: { code: 'bad_request', message: 'The request is not valid HTTP.' } });

  const huge = await rawRequest(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  t.match(huge, /^HTTP\/1\.1 431 /);
  t.match(bodyOf(huge), { error: { code: 'headers_too_large' } });
});

t.test('sign out everywhere ends every session, and needs a session with its CSRF token', async (t) => {
  const server = await buildTestApp(t);
  const laptop = await signIn(server);
  const phone = await signIn(server);
  const withoutCsrf = await server.fetch('/api/sessions', { method: 'DELETE', headers: { cookie: laptop.cookie } });
  t.equal(withoutCsrf.status, 403);
  const answer = await sessionApi(server, laptop)('DELETE', '/api/sessions');
  t.same({ status: answer.status, body: answer.body }, { status: 200, body: { ended: 2 } });
  for (const session of [laptop, phone]) {
    t.equal((await server.fetch('/api/session', { headers: { cookie: session.cookie } })).status, 401, 'signed out');
  }
  t.equal((await signIn(server)).cookie.length > 0, true, 'signing in again works');
});

t.test('the server timeouts are set, not left at 0', async (t) => {
  const server = await buildTestApp(t);
  const http = server.daemon.app.server;
  t.equal(http.requestTimeout, SERVER_TIMEOUTS.requestTimeoutMs);
  t.equal(http.headersTimeout, SERVER_TIMEOUTS.headersTimeoutMs);
  t.equal(http.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveTimeoutMs);
  t.equal(http.timeout, SERVER_TIMEOUTS.connectionTimeoutMs);
  t.ok(http.requestTimeout > 0 && http.headersTimeout <= http.requestTimeout, 'headers must arrive within the request timeout');
});

t.test('a stored hash of a lower scrypt cost is upgraded at the next successful sign-in', async (t) => {
  const { hashPassword, DEFAULT_SCRYPT_COST } = await import('../../src/auth/password-hash.ts');
  const { makeDataDir, TEST_PASSWORD_HASH_COST } = await import('../helpers/server.ts');
  t.equal(DEFAULT_SCRYPT_COST, 2 ** 17, 'the default cost is OWASP\'s floor, N = 2^17');
  t.match(await hashPassword('a long enough password'), /^scrypt\$131072\$8\$1\$/, 'and hashPassword uses it by default');

  const dataDir = makeDataDir(t);
  const password = 'correct horse battery staple';
  const first = await buildTestApp(t, { dataDir, password });
  const weak = await hashPassword(password, 2 ** 10);
  await first.daemon.db.kysely.updateTable('settings').set({ value: weak }).where('key', '=', 'admin.generatedPasswordHash').execute();
  await first.daemon.close();

  // The variable removed: the stored (weak) hash is the password now.
  const second = await buildTestApp(t, { dataDir, password, config: { admin: { password: '' } } });
  t.equal(second.daemon.admin.passwordHash, weak);
  await signIn(second);
  const { value: stored } = await second.daemon.db.kysely.selectFrom('settings').select('value').where('key', '=', 'admin.generatedPasswordHash').executeTakeFirstOrThrow();
  t.match(stored, new RegExp(`^scrypt\\$${TEST_PASSWORD_HASH_COST}\\$`), 'rehashed at the current cost');
  t.not(stored, weak);
  await signIn(second);
  t.pass('the upgraded hash signs in');
});
