// Two replicas of one install (two daemons on one database) behind a load balancer without
// stickiness: whatever a browser began on one, the other finishes (issue #21 item 3). Sessions and
// their CSRF tokens live in admin_sessions; OAuth flows under way in oauth_pending
// (migrations/0033); the PKCE verifier in the plugin's unsigned cookie, which needs no per-process
// secret to read.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { startDaemon } from '../../src/daemon.ts';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { OAUTH_TOKENS_KIND } from '../../src/integrations/hubspot/auth.ts';
import { createSandbox } from '../../src/sandbox-mount/mount-sandbox.ts';
import { consentFormFields, cookieBrowser, type CookieJar } from '../helpers/cookie-browser.ts';
import { daemonOptions, makeDataDir, sessionApi, signIn, testDaemonSetup, type Teardownable, type TestServerOptions } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test('a session begun on one replica works on another: the cookie, its CSRF token, signing out', async (t) => {
  const dataDir = makeDataDir(t);
  const a = await buildTestApp(t, { dataDir, startScheduler: false });
  const b = await buildTestApp(t, { dataDir, startScheduler: false });
  const session = await signIn(a);

  const onB = sessionApi(b, session);
  t.match(await onB('GET', '/api/session'), { status: 200, body: { username: a.username, csrfToken: session.csrfToken } }, 'B knows the session and its CSRF token');
  t.match(await onB('POST', '/api/connections', { name: 'Made on B' }), { status: 201 }, 'a change on B with the CSRF token from A');
  t.match(await sessionApi(b, { ...session, csrfToken: 'not-the-token' })('POST', '/api/connections', { name: 'Forged' }), { status: 403, body: { error: { code: 'csrf_failed' } } }, 'B checks the token A issued');
  t.match((await sessionApi(a, session)('GET', '/api/connections')).body, { connections: [{ name: 'Made on B' }] });

  t.equal((await onB('DELETE', '/api/session')).status, 204, 'signed out on B');
  t.equal((await sessionApi(a, session)('GET', '/api/session')).status, 401, 'and so on A');
});

t.test("a password changed on one replica is the password on every replica (the bootstrap admin's too)", async (t) => {
  const dataDir = makeDataDir(t);
  // No password in the file: the first start generates one and stores its hash; the admin may change it.
  const noPassword = { dataDir, startScheduler: false, config: { admin: { password: '' } } };
  const a = await buildTestApp(t, noPassword);
  const b = await buildTestApp(t, noPassword);
  const generated = String(a.daemon.admin.generatedPassword);
  const changed = await sessionApi(a, await signIn({ ...a, password: generated }))('PUT', '/api/session/password', { currentPassword: generated, newPassword: 'a brand new passphrase' });
  t.equal(changed.status, 204, 'changed on A');
  await t.rejects(signIn({ ...b, password: generated }), /401/, 'B refuses the old password');
  t.ok((await signIn({ ...b, password: 'a brand new passphrase' })).cookie, 'B takes the new one');
});

type Jar = CookieJar;

/** A browser that keeps cookies and follows nothing; the load balancer is the `to` it is given. */
function browser(jar: Jar) {
  const go = cookieBrowser(jar);
  return (to: string, path: string, init: { form?: Record<string, string> } = {}) => go(`${to}${path}`, init);
}

const formFields = consentFormFields;

/**
 * The load balancer: a loopback proxy that sends each request to the replica the test names, the
 * way a balancer without stickiness may. Its address is the install's public URL.
 */
async function loadBalancer(t: Teardownable) {
  let target: string | undefined;
  const server = http.createServer((request, response) => {
    if (!target) return response.writeHead(503).end();
    const upstream = new URL(target);
    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.writeHead(502).end());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sendTo: (replicaUrl: string) => (target = replicaUrl) };
}

/**
 * A replica on a port (the sandbox's token exchange dials the daemon itself). Both replicas share
 * one set of simulators, as real replicas share the vendors, and the balancer's public URL: the
 * OAuth redirect URI and the webhook URL are the balancer's, whichever replica builds them.
 */
async function replica(t: Teardownable, options: TestServerOptions & { sandbox: Awaited<ReturnType<typeof createSandbox>> }) {
  const { config, log, password } = testDaemonSetup(t, options);
  const daemon = await startDaemon({ config, log, ...daemonOptions(options), sandbox: options.sandbox });
  t.teardown(() => daemon.close());
  return { url: daemon.url, username: config.admin.username, password, daemon };
}

t.test('an OAuth flow begun on one replica is completed on another', async (t) => {
  const dataDir = makeDataDir(t);
  const sandbox = await createSandbox();
  await sandbox.load();
  const balancer = await loadBalancer(t);
  const shared = { dataDir, startScheduler: false, sandbox, config: { server: { publicUrl: balancer.url } } };
  const a = await replica(t, shared);
  const b = await replica(t, shared);
  const lb = balancer.url;
  balancer.sendTo(a.url);

  const session = await signIn({ fetch: (path, init) => fetch(`${lb}${path}`, init), username: a.username, password: a.password });
  const api = sessionApi({ fetch: (path, init) => fetch(`${lb}${path}`, init) }, session);
  const created = await api('POST', '/api/connections/sandbox');
  t.equal(created.status, 201, 'a sandbox connection, made on A');
  const id = String(created.body?.id);
  const jar: Jar = new Map([[session.cookie.split('=')[0] as string, session.cookie.split('=').slice(1).join('=')]]);
  const go = browser(jar);

  // Begun on A: the state is stored, the consent page is the (shared) simulator's, reached through A.
  const start = await go(lb, String((await api('GET', `/api/connections/${id}`)).body?.oauthStart.hubspot));
  t.equal(start.status, 302, 'A starts the flow');
  const authorize = new URL(String(start.location), lb);
  const page = await go(lb, String(start.location));
  t.equal(page.status, 200, 'the consent page');
  const decision = await go(lb, '/sandbox/hubspot/oauth/authorize/decision', { form: { ...formFields(page.text), decision: 'approve' } });
  t.equal(decision.status, 302, 'consent given');
  const callback = new URL(String(decision.location));
  t.equal(callback.origin, lb, 'the vendor sends the browser to the load balancer');

  // The PKCE verifier travels in the browser, unsigned: B reads it with no secret of A's.
  const verifier = [...jar].find(([name]) => name.startsWith('ihz_oauth_verifier_'))?.[1];
  t.equal(createHash('sha256').update(String(verifier)).digest('base64url'), authorize.searchParams.get('code_challenge'), 'the cookie holds the plain verifier');

  // The load balancer sends the callback to B.
  balancer.sendTo(b.url);
  const back = await go(lb, `${callback.pathname}${callback.search}`);
  t.equal(back.status, 302, 'B takes the callback');
  t.equal(back.location, `/connections/${id}?oauth=hubspot`);
  const stored = await getCredential(b.daemon.db.kysely, b.daemon.vault, connectionOwner(id), OAUTH_TOKENS_KIND);
  const tokens = JSON.parse(String(stored?.value)) as { refreshToken: string };
  t.ok(sandbox.hubspot.state.refreshTokens.has(tokens.refreshToken), 'B stored the tokens of the exchange');
  t.match((await api('GET', `/api/connections/${id}`)).body, { hubspot: { connected: true, method: 'oauth' } }, 'and A sees the connection connected');

  balancer.sendTo(a.url);
  t.match(await go(lb, `${callback.pathname}${callback.search}`), { status: 400, text: /does not match an authorisation started here/ }, 'the state was used up for every replica');
});
