// OAuth flows, token expiry and revocation, static tokens, scopes and introspection.
import t from 'tap';
import { harness } from './helpers.ts';

t.test('authorization code → tokens → API call → expiry → refresh', async (t) => {
  // autoConsent: the old immediate redirect (the consent page is covered in consent-pkce.test.ts).
  const h = await harness({ accessTokenTtlMs: 60_000, autoConsent: true, app: { redirectUris: ['https://sync.example/cb'] } });
  t.teardown(() => h.server.close());
  const redirect = 'https://sync.example/cb';
  const authorize = await fetch(`${h.server.url}/oauth/authorize?client_id=sim-client-id&redirect_uri=${encodeURIComponent(redirect)}&scope=crm.objects.contacts.read%20oauth&state=xyz`, { redirect: 'manual' });
  t.equal(authorize.status, 302);
  const location = new URL(authorize.headers.get('location') ?? '');
  t.equal(location.origin + location.pathname, redirect);
  t.equal(location.searchParams.get('state'), 'xyz');
  const code = location.searchParams.get('code') ?? '';

  const wrongRedirect = await h.form('/oauth/2026-09/token', { grant_type: 'authorization_code', client_id: 'sim-client-id', client_secret: 'sim-client-secret', redirect_uri: 'https://evil.example/cb', code });
  t.equal(wrongRedirect.status, 400);
  t.equal(wrongRedirect.body.status, 'BAD_REDIRECT_URI');

  const exchanged = await h.form('/oauth/2026-09/token', { grant_type: 'authorization_code', client_id: 'sim-client-id', client_secret: 'sim-client-secret', redirect_uri: redirect, code });
  t.equal(exchanged.status, 200);
  t.match(exchanged.body, { token_type: 'bearer', expires_in: 60, hub_id: h.server.sim.control.defaultHubId(), token_use: 'access_token' });
  t.ok(exchanged.body.scopes.includes('oauth'));

  const reused = await h.form('/oauth/v3/token', { grant_type: 'authorization_code', client_id: 'sim-client-id', client_secret: 'sim-client-secret', redirect_uri: redirect, code });
  t.equal(reused.body.error, 'invalid_grant', 'a code works once');

  const access = exchanged.body.access_token as string;
  const ok = await h.call('GET', '/crm/objects/2026-09/contacts', undefined, access);
  t.equal(ok.status, 200);
  t.notOk(ok.headers.has('x-hubspot-ratelimit-daily'), 'no daily headers for OAuth calls');
  t.equal(ok.headers.get('x-hubspot-ratelimit-max'), '110');

  const denied = await h.call('POST', '/crm/v3/objects/contacts', { properties: {} }, access);
  t.equal(denied.status, 403);
  t.equal(denied.body.category, 'MISSING_SCOPES');
  t.same(denied.body.errors[0].context.requiredGranularScopes, ['crm.objects.contacts.write']);

  h.server.sim.control.clock.advance(67_000);
  const expired = await h.call('GET', '/crm/v3/objects/contacts', undefined, access);
  t.equal(expired.status, 401);
  t.equal(expired.body.category, 'EXPIRED_AUTHENTICATION');
  t.equal(expired.body.message, 'The OAuth token used to make this call expired 7 second(s) ago.');

  const refreshed = await h.form('/oauth/v1/token', { grant_type: 'refresh_token', client_id: 'sim-client-id', client_secret: 'sim-client-secret', refresh_token: exchanged.body.refresh_token });
  t.equal(refreshed.status, 200);
  t.not(refreshed.body.access_token, access);
  t.notOk('token_use' in refreshed.body, 'v1 answers carry no token_use');
  t.equal((await h.call('GET', '/crm/v3/objects/contacts', undefined, refreshed.body.access_token)).status, 200);

  const badSecret = await h.form('/oauth/v3/token', { grant_type: 'refresh_token', client_id: 'sim-client-id', client_secret: 'nope', refresh_token: exchanged.body.refresh_token });
  t.match(badSecret, { status: 400, body: { error: 'invalid_client', status: 'BAD_CLIENT_SECRET' } });

  t.ok(h.server.sim.control.revokeRefreshToken(exchanged.body.refresh_token));
  const revoked = await h.form('/oauth/v3/token', { grant_type: 'refresh_token', client_id: 'sim-client-id', client_secret: 'sim-client-secret', refresh_token: exchanged.body.refresh_token });
  t.match(revoked, { status: 400, body: { error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid, expired or revoked' } });
});

t.test('introspection, revocation and rotation', async (t) => {
  const h = await harness({ rotateRefreshTokens: true });
  t.teardown(() => h.server.close());
  const { accessToken, refreshToken } = h.server.sim.control.issueOAuthTokens({ scopes: ['tickets'] });
  const info = await h.form('/oauth/2026-09/token/introspect', { token: accessToken, token_type_hint: 'access_token', client_id: 'sim-client-id', client_secret: 'sim-client-secret' });
  t.match(info.body, { active: true, hub_id: h.server.sim.control.defaultHubId(), token_use: 'access_token', expires_in: 1800, client_id: 'sim-client-id' });
  t.ok(info.body.scopes.includes('tickets'));
  const docsForm = await h.form('/oauth/v3/token/introspect', { token_type_hint: 'refresh_token', refresh_token: refreshToken });
  t.match(docsForm.body, { active: true, token_use: 'refresh_token' });
  t.notOk('expires_in' in docsForm.body);

  const rotated = await h.form('/oauth/v3/token', { grant_type: 'refresh_token', client_id: 'sim-client-id', client_secret: 'sim-client-secret', refresh_token: refreshToken });
  t.not(rotated.body.refresh_token, refreshToken, 'rotation knob hands out a new refresh token');
  const old = await h.form('/oauth/v3/token', { grant_type: 'refresh_token', client_id: 'sim-client-id', client_secret: 'sim-client-secret', refresh_token: refreshToken });
  t.equal(old.body.error, 'invalid_grant', 'and the old one dies');

  await h.form('/oauth/v3/token/revoke', { token: rotated.body.refresh_token, client_id: 'sim-client-id', client_secret: 'sim-client-secret' });
  t.same((await h.form('/oauth/v3/token/introspect', { token: rotated.body.refresh_token })).body, { active: false });

  h.server.sim.control.revokeToken(accessToken);
  const call = await h.call('GET', '/crm/v3/objects/tickets', undefined, accessToken);
  t.match(call, { status: 401, body: { category: 'INVALID_AUTHENTICATION' } });
});

t.test('static tokens and bad credentials', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const none = await h.call('GET', '/crm/v3/objects/contacts', undefined, null);
  t.equal(none.status, 401);
  t.equal(none.body.category, 'INVALID_AUTHENTICATION');
  t.match(none.body.message, /^Authentication credentials not found/);
  t.equal(none.headers.get('x-hubspot-correlation-id'), none.body.correlationId);
  t.equal((await h.call('GET', '/crm/v3/objects/contacts', undefined, 'pat-na1-unknown')).status, 401);
  const limited = h.server.sim.control.createStaticToken({ scopes: ['crm.objects.owners.read'] });
  t.equal((await h.call('GET', '/crm/v3/owners', undefined, limited)).status, 200);
  const denied = await h.call('GET', '/crm/v3/objects/tickets', undefined, limited);
  t.match(denied, { status: 403, body: { category: 'MISSING_SCOPES', errors: [{ context: { requiredGranularScopes: ['tickets'] } }] } });
  const ok = await h.call('GET', '/crm/v3/objects/contacts');
  t.equal(ok.headers.get('x-hubspot-ratelimit-daily'), '250000', 'static tokens see the daily headers');
  t.equal(ok.headers.get('x-hubspot-ratelimit-daily-remaining'), '249998');
});
