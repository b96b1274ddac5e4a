import t from 'tap';
import { startHarness } from './helpers.ts';

async function authorize(url: string, clientId: string, state: string, decision: 'approve' | 'deny', redirectUri = 'https://daemon.test/oauth/intercom/callback') {
  const page = await fetch(`${url}/oauth?client_id=${encodeURIComponent(clientId)}&state=${state}&redirect_uri=${encodeURIComponent(redirectUri)}`);
  const html = await page.text();
  const workspaceId = /name="workspace_id" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const form = new URLSearchParams({ client_id: clientId, state, redirect_uri: redirectUri, workspace_id: workspaceId, decision });
  const answer = await fetch(`${url}/oauth/decision`, { method: 'POST', body: form, redirect: 'manual' });
  return { page, html, answer, location: new URL(answer.headers.get('location') ?? 'about:blank') };
}

t.test('authorize page, approve, exchange (form and JSON), token works and never expires', async (t) => {
  const h = await startHarness(t);
  const app = h.sim.control.apps.create({ name: 'Interhubz', redirectUris: ['https://daemon.test/oauth/intercom/callback'] });
  const { page, html, answer, location } = await authorize(h.url, app.clientId, 'xyz', 'approve');
  t.equal(page.status, 200);
  t.match(page.headers.get('content-type'), /text\/html/);
  t.match(html, /Interhubz would like to access your Intercom workspace/);
  t.match(html, /id="approve"/);
  t.equal(answer.status, 302);
  t.equal(location.origin + location.pathname, 'https://daemon.test/oauth/intercom/callback');
  t.equal(location.searchParams.get('state'), 'xyz');
  const code = location.searchParams.get('code') ?? '';
  t.ok(code);

  const form = await fetch(`${h.url}/auth/eagle/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ code, client_id: app.clientId, client_secret: app.clientSecret }),
  });
  t.equal(form.status, 200);
  const token = (await form.json()) as { token_type: string; token: string; access_token: string };
  t.same(Object.keys(token).sort(), ['access_token', 'token', 'token_type']);
  t.equal(token.token_type, 'Bearer');
  t.equal(token.token, token.access_token);

  const reused = await fetch(`${h.url}/auth/eagle/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, client_id: app.clientId, client_secret: app.clientSecret }),
  });
  t.equal(reused.status, 401, 'a code works once');
  t.match(await reused.json(), { type: 'error.list', errors: [{ code: 'unauthorized', message: 'Unauthorized Code' }] });

  h.sim.control.clock.advance(400 * 86_400_000);
  const me = await h.api('GET', '/me', undefined, { authorization: `Bearer ${token.access_token}` });
  t.equal(me.status, 200, 'OAuth tokens do not expire (C-oauth)');
  t.equal(me.body.app.id_code, h.workspaceId);

  const second = await authorize(h.url, app.clientId, 'abc', 'approve');
  const json = await fetch(`${h.url}/auth/eagle/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: second.location.searchParams.get('code'), client_id: app.clientId, client_secret: app.clientSecret }),
  });
  t.equal(json.status, 200, 'JSON bodies work too');
});

t.test('bad exchanges and denied consent', async (t) => {
  const h = await startHarness(t);
  const app = h.sim.control.apps.create({ redirectUris: ['https://daemon.test/cb'] });
  const { location } = await authorize(h.url, app.clientId, 's1', 'approve', 'https://daemon.test/cb');
  const code = location.searchParams.get('code') ?? '';
  const exchange = (body: Record<string, string>) =>
    fetch(`${h.url}/auth/eagle/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  t.equal((await exchange({ code: `${code}x`, client_id: app.clientId, client_secret: app.clientSecret })).status, 401, 'a mangled code');
  t.equal((await exchange({ code, client_id: app.clientId, client_secret: 'wrong' })).status, 401, 'a wrong secret');
  t.equal((await exchange({ code, client_id: app.clientId })).status, 401, 'a missing secret');

  const denied = await authorize(h.url, app.clientId, 's2', 'deny', 'https://daemon.test/cb');
  t.equal(denied.location.searchParams.get('error'), 'access_denied');
  t.equal(denied.location.searchParams.get('state'), 's2');
  t.equal(denied.location.searchParams.get('code'), null);

  const unknownClient = await fetch(`${h.url}/oauth?client_id=nope&state=x`);
  t.equal(unknownClient.status, 400);
  const unregistered = await fetch(`${h.url}/oauth?client_id=${app.clientId}&redirect_uri=${encodeURIComponent('https://evil.test/cb')}`);
  t.equal(unregistered.status, 400, 'only registered redirect URLs');
});
