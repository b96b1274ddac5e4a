// Issue #14 items 1 and 2, black-box over HTTP: the sandbox's control APIs, consent pages and
// token endpoints are guarded by the route that matched, whatever the spelling of the path, and
// `sandbox: auto` goes by the connections in the database.
import t from 'tap';
import { signIn, startTestServer } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const ENCODINGS = ['_sim', '%5fsim', '%5Fsim', '_%73im', '%5f%73%69%6d'];

t.test('the control APIs answer 401 without credentials, however the path is encoded', async (t) => {
  const server = await buildTestApp(t);
  const sandbox = server.daemon.app.sandbox;
  if (!sandbox) throw new Error('the sandbox is not mounted');
  const tokensBefore = sandbox.hubspot.state.tokens.size;
  for (const vendor of ['hubspot', 'intercom'] as const) {
    for (const spelling of ENCODINGS) {
      const state = await server.fetch(`/sandbox/${vendor}/${spelling}/${vendor === 'hubspot' ? 'state' : 'workspaces'}`);
      t.equal(state.status, 401, `GET /sandbox/${vendor}/${spelling}/… without credentials`);
      t.match(await state.json(), { error: { code: 'unauthorized' } });
      const write = await server.fetch(`/sandbox/${vendor}/${spelling}/${vendor === 'hubspot' ? 'tokens' : 'apps'}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
      });
      t.equal(write.status, 401, `POST /sandbox/${vendor}/${spelling}/… without credentials`);
      const unknown = await server.fetch(`/sandbox/${vendor}/${spelling}/no-such-control-route`);
      t.equal(unknown.status, 401, `an unknown control path (${spelling}) is guarded too`);
    }
  }
  t.equal(sandbox.hubspot.state.tokens.size, tokensBefore, 'no token was minted');
  t.equal(sandbox.intercom.state.apps.size, 1, 'no app was made');

  const { cookie, csrfToken } = await signIn(server);
  for (const spelling of ENCODINGS) {
    const state = await server.fetch(`/sandbox/hubspot/${spelling}/state`, { headers: { cookie } });
    t.equal(state.status, 200, `signed in, ${spelling} reaches the control API`);
    t.same(await state.json(), { defaultHubId: sandbox.hubspot.control.defaultHubId() });
  }
  const workspaces = await server.fetch('/sandbox/intercom/_sim/workspaces', { headers: { cookie } });
  t.equal(workspaces.status, 200);
  const noCsrf = await server.fetch('/sandbox/hubspot/_sim/tokens', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
  t.equal(noCsrf.status, 403, 'a change with a session needs its CSRF token, as every admin change does');
  const minted = await server.fetch('/sandbox/hubspot/%5fsim/tokens', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: '{}' });
  t.equal(minted.status, 201, 'with the CSRF token it works');
});

// The simulated apps' redirect URIs are registered once the daemon listens (an onListen hook in
// src/sandbox-mount/mount-sandbox.ts); on a test app every redirect_uri is refused: a real socket.
t.test('the consent pages serve only the signed-in admin; the token endpoints only the daemon or the admin', async (t) => {
  const server = await startTestServer(t);
  const sandbox = server.daemon.app.sandbox;
  if (!sandbox) throw new Error('the sandbox is not mounted');
  const intercomConsent = `/sandbox/intercom/oauth?client_id=${sandbox.apps.intercom.clientId}&state=s&redirect_uri=${encodeURIComponent(`${server.url}/oauth/intercom/callback`)}`;
  const hubspotConsent = `/sandbox/hubspot/oauth/authorize?client_id=${sandbox.apps.hubspot.clientId}&state=s&redirect_uri=${encodeURIComponent(`${server.url}/oauth/hubspot/callback`)}`;
  for (const path of [intercomConsent, hubspotConsent, intercomConsent.replace('/oauth?', '/%6fauth?')]) {
    t.equal((await fetch(`${server.url}${path}`)).status, 401, `${path.split('?')[0]} without a session`);
  }
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const decision = await fetch(`${server.url}/sandbox/intercom/oauth/decision`, {
    method: 'POST', headers: form,
    body: new URLSearchParams({ client_id: sandbox.apps.intercom.clientId, redirect_uri: `${server.url}/oauth/intercom/callback`, workspace_id: sandbox.intercom.defaults?.workspaceId ?? '', decision: 'approve' }).toString(),
  });
  t.equal(decision.status, 401, 'no code is handed out without a session');
  t.equal(sandbox.intercom.state.codes.size, 0);

  for (const [path, body] of [
    ['/sandbox/intercom/auth/eagle/token', { code: 'x', client_id: sandbox.apps.intercom.clientId, client_secret: 'sim-client-secret' }],
    ['/sandbox/hubspot/oauth/2026-09/token', { grant_type: 'refresh_token', refresh_token: 'x', client_id: sandbox.apps.hubspot.clientId, client_secret: 'sim-client-secret' }],
    ['/sandbox/hubspot/oauth/v1/token', { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'sim-client-id', client_secret: 'sim-client-secret' }],
    ['/sandbox/hubspot/%6fauth/2026-09/token/introspect', { token: 'x' }],
  ] as const) {
    const answer = await fetch(`${server.url}${path}`, { method: 'POST', headers: form, body: new URLSearchParams(body).toString() });
    t.equal(answer.status, 401, `${path} with the old shared secret or none`);
    t.match(await answer.json(), { error: { code: 'unauthorized' } });
  }
  const daemonItself = await fetch(`${server.url}/sandbox/hubspot/oauth/2026-09/token`, {
    method: 'POST', headers: form,
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'unknown', client_id: sandbox.apps.hubspot.clientId, client_secret: sandbox.apps.hubspot.clientSecret }).toString(),
  });
  t.equal(daemonItself.status, 400, 'the app’s own secret (the daemon’s) reaches the simulator, which judges the refresh token');

  const { cookie } = await signIn(server);
  const page = await fetch(`${server.url}${hubspotConsent}`, { headers: { cookie } });
  t.equal(page.status, 200, 'the signed-in admin sees the consent page');
  const crossSite = await fetch(`${server.url}/sandbox/hubspot/oauth/authorize/decision`, {
    method: 'POST', headers: { ...form, cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, body: 'decision=approve',
  });
  t.equal(crossSite.status, 403, 'a form posted from another site is refused');

  const unregistered = await fetch(`${server.url}/sandbox/hubspot/oauth/authorize?client_id=${sandbox.apps.hubspot.clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`, { headers: { cookie } });
  t.equal(unregistered.status, 400, 'a redirect_uri that is not registered is refused');
  const intercomUnregistered = await fetch(`${server.url}/sandbox/intercom/oauth?client_id=${sandbox.apps.intercom.clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`, { headers: { cookie } });
  t.equal(intercomUnregistered.status, 400);
  t.notMatch(sandbox.apps.intercom.clientSecret, /^sec_|^sim-/, 'the app credentials are not the old well-known ones');
  t.notMatch(sandbox.apps.hubspot.clientId, /^sim-client-id$/);
});

t.test('the app credentials differ per install', async (t) => {
  const one = await buildTestApp(t);
  const two = await buildTestApp(t);
  t.not(one.daemon.app.sandbox?.apps.intercom.clientSecret, two.daemon.app.sandbox?.apps.intercom.clientSecret);
  t.not(one.daemon.app.sandbox?.apps.hubspot.clientSecret, two.daemon.app.sandbox?.apps.hubspot.clientSecret);
});

// A sandbox connection's upstream URLs are the daemon's listening address
// (src/connections/create-sandbox-connection.ts), which a test app does not have: a real socket.
t.test('sandbox: auto turns off once a connection that is not a sandbox one is in the database', async (t) => {
  const first = await startTestServer(t, { startScheduler: false });
  t.ok(first.daemon.app.sandbox, 'on with no connections');
  const session = await signIn(first);
  const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
  t.equal((await fetch(`${first.url}/api/connections/sandbox`, { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken } })).status, 201);
  await first.daemon.close();

  const withSandboxOnly = await startTestServer(t, { dataDir: first.dataDir, startScheduler: false });
  t.ok(withSandboxOnly.daemon.app.sandbox, 'sandbox connections alone keep it on');
  const again = await signIn(withSandboxOnly);
  const created = await fetch(`${withSandboxOnly.url}/api/connections`, { method: 'POST', headers: { ...headers, cookie: again.cookie, 'x-csrf-token': again.csrfToken }, body: JSON.stringify({ name: 'Made in the UI' }) });
  t.equal(created.status, 201);
  await withSandboxOnly.daemon.close();

  const after = await startTestServer(t, { dataDir: first.dataDir, startScheduler: false });
  t.notOk(after.daemon.app.sandbox, 'a connection made in the UI turns it off at the next start');
  t.equal((await fetch(`${after.url}/sandbox/hubspot/_sim/state`)).status, 404);
  const forced = await startTestServer(t, { dataDir: first.dataDir, startScheduler: false, config: { sandbox: { enabled: true } } });
  t.ok(forced.daemon.app.sandbox, 'true still forces it on');
});
