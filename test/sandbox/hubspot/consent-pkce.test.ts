// The authorize consent page (account chooser, approve/deny), autoConsent, and PKCE at the token exchange.
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import t from 'tap';
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { createHubSpotSimulator } from '../../../src/sandbox/hubspot/index.ts';
import { harness, T0 } from './helpers.ts';

const REDIRECT = 'https://sync.example/cb';
const CLIENT = { client_id: 'sim-client-id', client_secret: 'sim-client-secret' };

const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

/** What a browser would post for the page's form: its hidden fields, the checked portal and the button. */
function formOf(html: string, pageUrl: string, decision: 'approve' | 'deny', portalId?: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (action === undefined) throw new Error('no form on the page');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unescape(m[2]!);
  const checked = /<input type="radio" name="portal_id" value="(\d+)" checked>/.exec(html)?.[1];
  fields.portal_id = portalId ?? checked ?? '';
  fields.decision = decision;
  return { action: new URL(unescape(action), pageUrl).toString(), fields };
}

const post = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

const authorizeUrl = (base: string, params: Record<string, string>) => `${base}/oauth/authorize?${new URLSearchParams({ client_id: 'sim-client-id', redirect_uri: REDIRECT, ...params })}`;

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

t.test('consent page: renders, escapes, approve → a code that works at the dated token path', async (t) => {
  const h = await harness({ app: { redirectUris: [REDIRECT] } });
  t.teardown(() => h.server.close());
  const other = h.server.sim.control.createPortal({ domain: 'other.sim.test' });
  const hostile = `"><script>alert(1)</script>&'`;
  const url = authorizeUrl(h.server.url, { scope: 'crm.objects.contacts.read oauth', optional_scope: 'tickets', state: hostile });
  const page = await fetch(url, { redirect: 'manual' });
  t.equal(page.status, 200, 'no immediate redirect');
  t.match(page.headers.get('content-type'), /^text\/html/);
  const html = await page.text();
  t.notOk(html.includes('<script>'), 'the state value is escaped');
  t.ok(html.includes('&#34;&#62;&#60;script&#62;'), 'and present, escaped, in a hidden field');
  t.ok(html.includes('sim-client-id'), 'names the client');
  for (const scope of ['crm.objects.contacts.read', 'oauth', 'tickets']) t.ok(html.includes(`<code>${scope}</code>`), `lists ${scope}`);
  t.match(html, new RegExp(`value="${h.server.sim.control.defaultHubId()}" checked`), 'the default portal is checked');
  t.match(html, new RegExp(`value="${other.hubId}">`), 'the other portal is offered');
  t.match(html, /<button type="submit" name="decision" value="approve"/);
  t.match(html, /<button type="submit" name="decision" value="deny"/);
  t.match(html, /action="authorize\/decision"/, 'a relative action');

  const { action, fields } = formOf(html, url, 'approve', String(other.hubId));
  t.equal(action, `${h.server.url}/oauth/authorize/decision`);
  t.equal(fields.state, hostile, 'the hidden state round-trips');
  const decided = await post(action, fields);
  t.equal(decided.status, 302);
  const location = new URL(decided.headers.get('location') ?? '');
  t.equal(location.origin + location.pathname, REDIRECT);
  t.equal(location.searchParams.get('state'), hostile);
  const code = location.searchParams.get('code') ?? '';
  t.match(code, /^na1-/);

  const exchanged = await h.form('/oauth/2026-09/token', { grant_type: 'authorization_code', ...CLIENT, redirect_uri: REDIRECT, code });
  t.equal(exchanged.status, 200);
  t.equal(exchanged.body.hub_id, other.hubId, 'the chosen portal');
  t.same([...exchanged.body.scopes].sort(), ['crm.objects.contacts.read', 'oauth', 'tickets']);
});

t.test('consent page: portal_id pre-selects; bad requests are 400 pages', async (t) => {
  const h = await harness({ app: { redirectUris: [REDIRECT] } });
  t.teardown(() => h.server.close());
  const other = h.server.sim.control.createPortal();
  const html = await (await fetch(authorizeUrl(h.server.url, { portal_id: String(other.hubId) }))).text();
  t.match(html, new RegExp(`value="${other.hubId}" checked`));
  t.notMatch(html, new RegExp(`value="${h.server.sim.control.defaultHubId()}" checked`));
  t.notMatch(html, /name="state"/, 'no state field when none was given');

  const bad = async (params: Record<string, string>, why: string) => {
    const answer = await fetch(`${h.server.url}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
    t.equal(answer.status, 400, why);
    t.match(answer.headers.get('content-type'), /^text\/html/, why);
  };
  await bad({ client_id: 'nope', redirect_uri: REDIRECT }, 'unknown client');
  await bad({ client_id: 'sim-client-id', redirect_uri: 'https://evil.example/cb' }, 'unregistered redirect_uri');
  await bad({ client_id: 'sim-client-id' }, 'missing redirect_uri');
  await bad({ client_id: 'sim-client-id', redirect_uri: REDIRECT, portal_id: '1' }, 'unknown portal');
  await bad({ client_id: 'sim-client-id', redirect_uri: REDIRECT, code_challenge: s256('v'.repeat(43)), code_challenge_method: 'S512' }, 'unknown PKCE method');
  await bad({ client_id: 'sim-client-id', redirect_uri: REDIRECT, code_challenge_method: 'S256' }, 'method without a challenge');
  await bad({ client_id: 'sim-client-id', redirect_uri: REDIRECT, code_challenge: 'short' }, 'a malformed challenge');

  // The decision re-validates what the form carries.
  const tampered = await post(`${h.server.url}/oauth/authorize/decision`, { client_id: 'sim-client-id', redirect_uri: 'https://evil.example/cb', decision: 'approve' });
  t.equal(tampered.status, 400);
  t.equal(tampered.headers.get('location'), null);
  const noDecision = await post(`${h.server.url}/oauth/authorize/decision`, { client_id: 'sim-client-id', redirect_uri: REDIRECT });
  t.equal(noDecision.status, 400);
});

t.test('deny → redirect with error=access_denied and the state', async (t) => {
  const h = await harness({ app: { redirectUris: [REDIRECT] } });
  t.teardown(() => h.server.close());
  const url = authorizeUrl(h.server.url, { scope: 'oauth', state: 'st&te=1' });
  const { action, fields } = formOf(await (await fetch(url)).text(), url, 'deny');
  const denied = await post(action, fields);
  t.equal(denied.status, 302);
  const location = new URL(denied.headers.get('location') ?? '');
  t.equal(location.origin + location.pathname, REDIRECT);
  t.equal(location.searchParams.get('error'), 'access_denied');
  t.ok(location.searchParams.get('error_description'));
  t.equal(location.searchParams.get('state'), 'st&te=1');
  t.notOk(location.searchParams.has('code'));
  t.equal(h.server.sim.state.codes.size, 0, 'no code issued');
});

t.test('autoConsent: the immediate redirect, as an option and through the control API', async (t) => {
  const h = await harness({ autoConsent: true, app: { redirectUris: [REDIRECT] } });
  t.teardown(() => h.server.close());
  const answer = await fetch(authorizeUrl(h.server.url, { scope: 'tickets', state: 'xyz' }), { redirect: 'manual' });
  t.equal(answer.status, 302);
  const location = new URL(answer.headers.get('location') ?? '');
  t.equal(location.searchParams.get('state'), 'xyz');
  const exchanged = await h.form('/oauth/v3/token', { grant_type: 'authorization_code', ...CLIENT, redirect_uri: REDIRECT, code: location.searchParams.get('code') ?? '' });
  t.equal(exchanged.status, 200);

  const off = await fetch(`${h.server.url}/_sim/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ autoConsent: false }) });
  t.match(await off.json(), { autoConsent: false });
  t.equal((await fetch(authorizeUrl(h.server.url, {}), { redirect: 'manual' })).status, 200, 'the page again');
  h.server.sim.control.setSettings({ autoConsent: true });
  t.equal((await fetch(authorizeUrl(h.server.url, {}), { redirect: 'manual' })).status, 302);
});

t.test('PKCE: S256 and plain; a wrong or missing verifier is invalid_grant; no challenge ignores a verifier', async (t) => {
  const h = await harness({ autoConsent: true, app: { redirectUris: [REDIRECT] } });
  t.teardown(() => h.server.close());
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const codeFor = async (params: Record<string, string>) => {
    const answer = await fetch(authorizeUrl(h.server.url, params), { redirect: 'manual' });
    t.equal(answer.status, 302);
    return new URL(answer.headers.get('location') ?? '').searchParams.get('code') ?? '';
  };
  const exchange = (path: string, code: string, extra: Record<string, string> = {}) =>
    h.form(path, { grant_type: 'authorization_code', ...CLIENT, redirect_uri: REDIRECT, code, ...extra });

  // RFC 7636 appendix B's example pair.
  t.equal(s256(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  const s256Code = await codeFor({ code_challenge: s256(verifier) });
  const missing = await exchange('/oauth/2026-09/token', s256Code);
  t.match(missing, { status: 400, body: { error: 'invalid_grant', error_description: String, status: 'BAD_CODE_VERIFIER', message: String } });
  const wrong = await exchange('/oauth/2026-09/token', s256Code, { code_verifier: `${verifier}x` });
  t.match(wrong, { status: 400, body: { error: 'invalid_grant', status: 'BAD_CODE_VERIFIER' } });
  const plainAsS256 = await exchange('/oauth/v3/token', s256Code, { code_verifier: s256(verifier) });
  t.equal(plainAsS256.status, 400, 'the challenge itself is no verifier');
  const ok = await exchange('/oauth/2026-09/token', s256Code, { code_verifier: verifier });
  t.equal(ok.status, 200);
  t.ok(ok.body.access_token);

  const explicit = await codeFor({ code_challenge: s256(verifier), code_challenge_method: 'S256' });
  t.equal((await exchange('/oauth/v1/token', explicit, { code_verifier: verifier })).status, 200, 'v1 checks it too');

  const plainCode = await codeFor({ code_challenge: verifier, code_challenge_method: 'plain' });
  t.equal((await exchange('/oauth/v3/token', plainCode, { code_verifier: 'x'.repeat(43) })).status, 400);
  t.equal((await exchange('/oauth/v3/token', plainCode, { code_verifier: verifier })).status, 200);

  const v1Missing = await exchange('/oauth/v1/token', await codeFor({ code_challenge: s256(verifier) }));
  t.match(v1Missing, { status: 400, body: { error: 'invalid_grant' } });

  const noChallenge = await codeFor({});
  t.equal((await exchange('/oauth/v3/token', noChallenge, { code_verifier: 'anything-at-all' })).status, 200, 'a verifier without a challenge is ignored');
});

t.test('PKCE through the consent page, mounted under a prefix', async (t) => {
  const sim = createHubSpotSimulator({ clock: createSimClock(T0), app: { redirectUris: [REDIRECT] } });
  const app = Fastify();
  await app.register(sim.plugin, { prefix: '/sandbox/hubspot' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/sandbox/hubspot`;
  const verifier = 'v'.repeat(64);
  const url = authorizeUrl(base, { scope: 'oauth', state: 's', code_challenge: s256(verifier) });
  const page = await fetch(url);
  t.equal(page.status, 200);
  const html = await page.text();
  const { action, fields } = formOf(html, url, 'approve');
  t.equal(action, `${base}/oauth/authorize/decision`, 'the relative action resolves under the prefix');
  t.same({ code_challenge: fields.code_challenge, code_challenge_method: fields.code_challenge_method }, { code_challenge: s256(verifier), code_challenge_method: 'S256' });
  const decided = await post(action, fields);
  t.equal(decided.status, 302);
  const code = new URL(decided.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const token = (extra: Record<string, string>) =>
    post(`${base}/oauth/2026-09/token`, { grant_type: 'authorization_code', ...CLIENT, redirect_uri: REDIRECT, code, ...extra });
  t.equal((await token({})).status, 400);
  const ok = await token({ code_verifier: verifier });
  t.equal(ok.status, 200);
  t.equal(((await ok.json()) as { hub_id: number }).hub_id, sim.control.defaultHubId());
  t.same(sim.control.requests().counts['POST /oauth/authorize/decision'], 1, 'the request log knows the decision route');
});
