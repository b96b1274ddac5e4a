// Both OAuth flows end to end against the simulators the daemon mounts as its sandbox: the
// browser's part (start → consent page → callback) is played with fetch and a small cookie jar.
import t from 'tap';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { OAUTH_TOKENS_KIND, STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../../src/integrations/intercom/auth.ts';
import { enqueueJob, getJob } from '../../src/jobs/queue.ts';
import { markNeedsReauth } from '../../src/connections/reauth.ts';
import { consentFormFields, cookieBrowser, type CookieJar } from '../helpers/cookie-browser.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { sessionApi, signIn, startTestServer, type TestServer } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

type Jar = CookieJar;

/** A browser's view of this server: paths are the daemon's, full URLs as they are. */
function browser(server: TestServer, jar: Jar) {
  const go = cookieBrowser(jar);
  return (path: string, init: { method?: string; form?: Record<string, string> } = {}) => go(path.startsWith('http') ? path : `${server.url}${path}`, init);
}

const formFields = consentFormFields;

const CONSENT_ACTION = { intercom: '/sandbox/intercom/oauth/decision', hubspot: '/sandbox/hubspot/oauth/authorize/decision' } as const;

// On a port: a sandbox connection's clients, and the sandbox's token exchange, dial the daemon itself.
async function setup(t: Parameters<typeof startTestServer>[0]) {
  const logs = captureLogs();
  const server = await startTestServer(t, { startScheduler: false, logDestination: logs });
  const session = await signIn(server);
  const jar: Jar = new Map([[session.cookie.split('=')[0] as string, session.cookie.split('=').slice(1).join('=')]]);
  const go = browser(server, jar);
  const api = sessionApi(server, session);
  const sandbox = server.daemon.app.sandbox;
  if (!sandbox) throw new Error('the sandbox is not mounted');
  const created = await api('POST', '/api/connections/sandbox');
  const id = String(created.body?.id);

  /** Start → consent page → decision; returns where the vendor sends the browser back. */
  const consent = async (provider: 'intercom' | 'hubspot', decision: 'approve' | 'deny', choose: Record<string, string> = {}) => {
    const detail = await api('GET', `/api/connections/${id}`);
    const start = await go(String(detail.body?.oauthStart[provider]));
    if (start.status !== 302 || !start.location) throw new Error(`start answered ${start.status}: ${start.text}`);
    const page = await go(start.location);
    if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${page.text}`);
    const answer = await go(CONSENT_ACTION[provider], { form: { ...formFields(page.text), ...choose, decision } });
    if (answer.status !== 302 || !answer.location) throw new Error(`decision answered ${answer.status}: ${answer.text}`);
    return { start, callback: answer.location };
  };
  return { server, session, jar, go, api, sandbox, id, consent, logs };
}

t.test('Intercom OAuth: start, consent, callback; the new token is stored and the side says oauth', async (t) => {
  const { server, go, api, id, consent, sandbox, logs } = await setup(t);
  const { start, callback } = await consent('intercom', 'approve');
  t.match(start.location, /^\/sandbox\/intercom\/oauth\?/, 'the consent page is the sandbox simulator: a path, so the browser stays at the address it used');
  const authorize = new URL(String(start.location), server.url);
  t.equal(authorize.searchParams.get('client_id'), sandbox.apps.intercom.clientId);
  t.equal(authorize.searchParams.get('redirect_uri'), `${server.url}/oauth/intercom/callback`);
  t.notOk(authorize.searchParams.get('code_challenge'), 'Intercom documents no PKCE');
  const stateSent = String(authorize.searchParams.get('state'));
  t.ok(stateSent.length >= 32, 'a random state');

  const back = await go(callback);
  t.equal(back.status, 302);
  t.equal(back.location, `/connections/${id}?oauth=intercom`);
  const detail = await api('GET', `/api/connections/${id}`);
  t.match(detail.body, { status: 'active', intercom: { connected: true, method: 'oauth', workspaceId: sandbox.intercom.defaults?.workspaceId } });
  const stored = await getCredential(server.daemon.db.kysely, server.daemon.vault, connectionOwner(id), INTERCOM_TOKEN_KIND);
  const token = sandbox.intercom.state.tokens.get(String(stored?.value));
  t.equal(token?.kind, 'oauth', 'the stored token is the one the OAuth exchange issued');

  const replay = await go(callback);
  t.equal(replay.status, 400, 'a state is used once');
  t.match(replay.text, /does not match an authorisation started here/);

  const logged = logs.text();
  const code = String(new URL(callback).searchParams.get('code'));
  t.match(logged, /connected through OAuth/, 'the flow is logged');
  for (const [what, secret] of [['the authorisation code', code], ['the state', stateSent], ['the access token', String(stored?.value)], ['the client secret', String(sandbox.intercom.defaults?.clientSecret)]]) {
    t.notOk(logged.includes(secret as string), `the logs never hold ${what}`);
  }
});

t.test('HubSpot OAuth: PKCE, scopes asked and granted, portal from the token answer; the static token is replaced', async (t) => {
  const { server, jar, go, api, id, consent, sandbox } = await setup(t);
  const { start, callback } = await consent('hubspot', 'approve');
  t.match(start.location, /^\/sandbox\/hubspot\/oauth\/authorize\?/);
  const authorize = new URL(String(start.location), server.url);
  t.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  t.match(authorize.searchParams.get('scope'), /crm\.objects\.contacts\.write/);
  t.ok([...jar.keys()].some((name) => name.startsWith('ihz_oauth_verifier_')), 'the PKCE verifier waits in an httpOnly cookie');

  const back = await go(callback);
  t.equal(back.status, 302, back.text);
  t.equal(back.location, `/connections/${id}?oauth=hubspot`);
  const detail = await api('GET', `/api/connections/${id}`);
  t.match(detail.body, { status: 'active', hubspot: { connected: true, method: 'oauth', portalId: sandbox.hubspot.control.defaultHubId(), missingScopes: [] } });
  t.ok((detail.body?.hubspot.scopes as string[]).includes('tickets'));
  const db = server.daemon.db.kysely;
  const stored = await getCredential(db, server.daemon.vault, connectionOwner(id), OAUTH_TOKENS_KIND);
  const tokens = JSON.parse(String(stored?.value)) as { accessToken: string; refreshToken: string; expiresAt: number };
  t.ok(sandbox.hubspot.state.refreshTokens.has(tokens.refreshToken), 'the refresh token is the simulator’s');
  t.equal(await getCredential(db, server.daemon.vault, connectionOwner(id), STATIC_TOKEN_KIND), undefined, 'one kind of HubSpot credential at a time');
});

t.test('a wrong PKCE verifier is refused by HubSpot and nothing changes', async (t) => {
  const { jar, go, api, id, consent } = await setup(t);
  const { callback } = await consent('hubspot', 'approve');
  for (const name of jar.keys()) if (name.startsWith('ihz_oauth_verifier_')) jar.set(name, 'x'.repeat(43));
  const back = await go(callback);
  t.equal(back.status, 502);
  t.match(back.text, /HubSpot did not accept the authorisation code/);
  t.match(back.text, /HTTP 400/);
  t.match((await api('GET', `/api/connections/${id}`)).body, { hubspot: { method: 'token' } });
});

t.test('denied consent ends on a clear page and changes nothing, for both vendors', async (t) => {
  const { go, api, id, consent } = await setup(t);
  const before = (await api('GET', `/api/connections/${id}`)).body;
  for (const provider of ['intercom', 'hubspot'] as const) {
    const { callback } = await consent(provider, 'deny');
    t.match(new URL(callback).searchParams.get('error'), 'access_denied');
    const page = await go(callback);
    t.equal(page.status, 403, `${provider}: denied`);
    t.match(page.text, /was not connected/);
    t.match(page.text, /Access was declined/);
    t.match(page.text, new RegExp(`href="/connections/${id}"`), 'links back to the connection');
  }
  t.same((await api('GET', `/api/connections/${id}`)).body, before);
});

t.test('state mismatch: missing, forged, another session, the other vendor’s — each a clear page, nothing changed', async (t) => {
  const { server, go, consent, api, id } = await setup(t);
  const before = (await api('GET', `/api/connections/${id}`)).body;
  t.match(await go('/oauth/intercom/callback?code=abc'), { status: 400, text: /carries no state/ });
  t.match(await go('/oauth/intercom/callback?code=abc&state=forged'), { status: 400, text: /does not match an authorisation started here/ });

  const { callback } = await consent('intercom', 'approve');
  const other = await signIn(server);
  const otherBrowser = browser(server, new Map([[other.cookie.split('=')[0] as string, other.cookie.split('=').slice(1).join('=')]]));
  t.match(await otherBrowser(callback), { status: 400, text: /another admin session/ }, 'a state belongs to the session that started it');
  t.match(await go(callback), { status: 400 }, 'and is gone once tried');

  const second = await consent('hubspot', 'approve');
  const crossed = new URL(second.callback);
  t.match(await go(`/oauth/intercom/callback${crossed.search}`), { status: 400, text: /other vendor/ });
  t.match(await go(second.callback), { status: 400 }, 'used up by the crossed attempt');
  t.same((await api('GET', `/api/connections/${id}`)).body, before);
});

t.test('re-auth into a different HubSpot portal is allowed and said plainly; settings and parked work survive', async (t) => {
  const { server, go, api, id, consent, sandbox } = await setup(t);
  const db = server.daemon.db.kysely;
  const settings = JSON.stringify({ timeZone: 'Europe/Berlin', conversations: { capture: { mode: 'manual' } } });
  await db.updateTable('connections').set({ settings }).where('id', '=', id).execute();
  const job = await enqueueJob(db, { task: 'intercom.event', payload: {}, connectionId: id }, { now: Date.now(), maxAttempts: 3 });
  await markNeedsReauth(db, id, 'hubspot', Date.now());
  t.match(await getJob(db, job.id), { status: 'parked' });

  const portal = sandbox.hubspot.control.createPortal({ domain: 'other.example' });
  const { callback } = await consent('hubspot', 'approve', { portal_id: String(portal.hubId) });
  const back = await go(callback);
  t.equal(back.location, `/connections/${id}?oauth=hubspot&changed=1`);
  const row = await db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(row.status, 'active');
  t.equal(row.hubspot_portal_id, portal.hubId);
  t.equal(row.settings, settings, 'settings kept');
  t.match(await getJob(db, job.id), { status: 'queued' }, 'parked work resumed');
});

t.test('which flows are offered: configured apps go to the vendors, sessions only, config-managed tokens stay', async (t) => {
  const server = await buildTestApp(t, {
    startScheduler: false,
    config: {
      server: { publicUrl: 'https://ihz.example.com' },
      apps: { intercom: { clientId: 'ic-client', clientSecret: 'ic-secret' }, hubspot: { clientId: 'hs-client', clientSecret: 'hs-secret' } },
      sandbox: { enabled: false },
      connections: [{ name: 'From YAML', intercom: { accessToken: 'yaml-token' } }],
    },
  });
  const session = await signIn(server);
  const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
  const created = (await (await server.fetch('/api/connections', { method: 'POST', headers, body: JSON.stringify({ name: 'UI made' }) })).json()) as Record<string, any>;
  t.same(created.oauthStart, { intercom: `/api/connections/${created.id}/oauth/intercom/start`, hubspot: `/api/connections/${created.id}/oauth/hubspot/start` });

  const start = async (provider: string) => server.fetch(`/api/connections/${created.id}/oauth/${provider}/start`, { headers: { cookie: session.cookie }, redirect: 'manual' });
  const intercom = new URL(String((await start('intercom')).headers.get('location')));
  t.equal(`${intercom.origin}${intercom.pathname}`, 'https://app.intercom.com/oauth', 'intercom-api.md §1.3');
  t.equal(intercom.searchParams.get('client_id'), 'ic-client');
  t.equal(intercom.searchParams.get('redirect_uri'), 'https://ihz.example.com/oauth/intercom/callback');
  t.notOk(intercom.searchParams.has('scope'));
  const hubspot = new URL(String((await start('hubspot')).headers.get('location')));
  t.equal(`${hubspot.origin}${hubspot.pathname}`, 'https://app.hubspot.com/oauth/authorize', 'hubspot-api.md §2.2');
  t.equal(hubspot.searchParams.get('redirect_uri'), 'https://ihz.example.com/oauth/hubspot/callback');
  t.equal(hubspot.searchParams.get('scope')?.split(' ').sort().join(' '), 'crm.objects.companies.read crm.objects.companies.write crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read tickets');
  t.equal(hubspot.searchParams.get('code_challenge_method'), 'S256');
  t.notOk(JSON.stringify([...hubspot.searchParams]).includes('hs-secret'), 'the client secret never goes to the browser');

  const token = (await (await server.fetch('/api/tokens', { method: 'POST', headers, body: JSON.stringify({ name: 'script', scope: 'admin' }) })).json()) as { secret: string };
  const byToken = await server.fetch(`/api/connections/${created.id}/oauth/intercom/start`, { headers: { authorization: `Bearer ${token.secret}` }, redirect: 'manual' });
  t.equal(byToken.status, 403, 'an API token has no browser session to bind the flow to');
  t.equal((await server.fetch(`/api/connections/${created.id}/oauth/intercom/start`, { redirect: 'manual' })).status, 401);
  t.equal((await server.fetch(`/api/connections/${created.id}/oauth/zendesk/start`, { headers: { cookie: session.cookie }, redirect: 'manual' })).status, 404);

  const list = (await (await server.fetch('/api/connections', { headers })).json()) as { connections: Array<{ id: string; name: string }> };
  const yaml = list.connections.find((c) => c.name === 'From YAML');
  const yamlDetail = (await (await server.fetch(`/api/connections/${yaml?.id}`, { headers })).json()) as Record<string, any>;
  t.same(yamlDetail.oauthStart, { intercom: null, hubspot: `/api/connections/${yaml?.id}/oauth/hubspot/start` }, 'the side whose token the YAML declares is not offered');
  const refused = await server.fetch(`/api/connections/${yaml?.id}/oauth/intercom/start`, { headers: { cookie: session.cookie }, redirect: 'manual' });
  t.equal(refused.status, 409);
  t.match(await refused.json(), { error: { code: 'managed_by_config', message: /connections\[0\]\.intercom\.accessToken/ } });
  const byTokenForm = await server.fetch(`/api/connections/${yaml?.id}/intercom/token`, { method: 'POST', headers, body: JSON.stringify({ accessToken: 'other' }) });
  t.equal(byTokenForm.status, 409);
});

t.test('without an OAuth app the flows are not offered and say what to configure', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false, config: { sandbox: { enabled: false } } });
  const session = await signIn(server);
  const headers = { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
  const created = (await (await server.fetch('/api/connections', { method: 'POST', headers, body: JSON.stringify({ name: 'Plain' }) })).json()) as Record<string, any>;
  t.same(created.oauthStart, { intercom: null, hubspot: null });
  const start = await server.fetch(`/api/connections/${created.id}/oauth/hubspot/start`, { headers: { cookie: session.cookie }, redirect: 'manual' });
  t.equal(start.status, 409);
  t.match(await start.json(), { error: { code: 'oauth_not_configured', message: /apps\.hubspot\.clientId/ } });
});
