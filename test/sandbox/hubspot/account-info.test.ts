// Identity endpoints: account details (v3, dated, legacy integrations/v1/me) and private-app access-token-info.
import t from 'tap';
import { harness } from './helpers.ts';

t.test('account details for static and OAuth tokens; 401 without one', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  const hubId = control.defaultHubId();
  for (const path of ['/account-info/v3/details', '/account-info/2026-03/details', '/account-info/2026-09/details']) {
    const answer = await h.call('GET', path);
    t.equal(answer.status, 200, path);
    // The frozen clock is on 1 May: US/Eastern is on daylight saving time.
    t.same(answer.body, {
      portalId: hubId, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [],
      utcOffset: '-04:00', utcOffsetMilliseconds: -14_400_000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1',
    }, path);
  }
  const ok = await h.call('GET', '/account-info/v3/details');
  t.ok(ok.headers.has('x-hubspot-ratelimit-remaining'), 'counted like other API calls');

  const other = control.createPortal({ timeZone: 'Europe/Paris' });
  const { accessToken } = control.issueOAuthTokens({ hubId: other.hubId, scopes: ['tickets'] });
  const viaOAuth = await h.call('GET', '/account-info/2026-09/details', undefined, accessToken);
  t.match(viaOAuth, { status: 200, body: { portalId: other.hubId, timeZone: 'Europe/Paris', utcOffset: '+02:00', utcOffsetMilliseconds: 7_200_000 } });

  control.clock.set(Date.UTC(2026, 0, 15));
  t.match((await h.call('GET', '/account-info/v3/details')).body, { utcOffset: '-05:00', utcOffsetMilliseconds: -18_000_000 }, 'standard time in winter');

  const me = await h.call('GET', '/integrations/v1/me');
  t.same(me.body, { portalId: hubId, timeZone: 'US/Eastern', currency: 'USD', utcOffsetMilliseconds: -18_000_000, utcOffset: '-05:00' });

  const none = await h.call('GET', '/account-info/v3/details', undefined, null);
  t.match(none, { status: 401, body: { status: 'error', category: 'INVALID_AUTHENTICATION' } });
  t.equal((await h.call('GET', '/integrations/v1/me', undefined, null)).status, 401);
  control.expireToken(accessToken);
  t.match(await h.call('GET', '/account-info/v3/details', undefined, accessToken), { status: 401, body: { category: 'EXPIRED_AUTHENTICATION' } });
  t.equal((await h.call('POST', '/account-info/v3/details', {})).status, 405, 'a known path with the wrong method');

  t.throws(() => control.createPortal({ timeZone: 'Mars/Olympus' }), /unknown time zone/);
  const overHttp = await fetch(`${h.server.url}/_sim/portals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeZone: 'UTC' }) });
  t.match(await overHttp.json(), { timeZone: 'UTC' });
});

t.test('private-app access-token-info', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  const path = '/oauth/v2/private-apps/get/access-token-info';
  const limited = control.createStaticToken({ scopes: ['tickets', 'crm.objects.contacts.read'], appId: 777 });

  const info = await h.call('POST', path, { tokenKey: limited }, null);
  t.equal(info.status, 200, 'no Authorization header needed');
  t.same(info.body, { userId: info.body.userId, hubId: control.defaultHubId(), appId: 777, scopes: ['tickets', 'crm.objects.contacts.read'] });
  t.type(info.body.userId, 'number');

  const def = await h.call('POST', path, { tokenKey: h.token }, null);
  t.match(def, { status: 200, body: { hubId: control.defaultHubId(), appId: Number, scopes: Array } });
  t.ok(def.body.scopes.includes('tickets'), 'all scopes for a default static token');

  const unknown = await h.call('POST', path, { tokenKey: 'pat-na1-unknown' }, null);
  t.match(unknown, { status: 404, body: { status: 'error', message: String, correlationId: String, category: 'OBJECT_NOT_FOUND' } });
  const { accessToken } = control.issueOAuthTokens();
  t.equal((await h.call('POST', path, { tokenKey: accessToken }, null)).status, 404, 'an OAuth token is no private-app token');
  control.revokeToken(limited);
  t.equal((await h.call('POST', path, { tokenKey: limited }, null)).status, 404, 'a revoked token');

  t.match(await h.call('POST', path, {}, null), { status: 400, body: { category: 'VALIDATION_ERROR' } });
  t.match(await h.call('POST', path, { tokenKey: 42 }, null), { status: 400, body: { category: 'VALIDATION_ERROR' } });
  t.match(await h.call('POST', path, undefined, null), { status: 400 });
  t.equal((await h.call('GET', path, undefined, null)).status, 405);
  t.same(control.requests().counts[`POST ${path}`], 8);
});
