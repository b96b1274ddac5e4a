// OAuth and static tokens: refresh ahead of expiry and on a 401, one refresh for ten callers, the
// compare-and-swap between two writers, a revoked refresh token parking the connection's jobs,
// the cooldown after a failed refresh, introspection and missing scopes.
import t from 'tap';
import { connectionOwner, getCredential } from '../../../src/db/repos/credentials.ts';
import { markReauthorised } from '../../../src/connections/reauth.ts';
import { getConnection } from '../../../src/db/repos/connections.ts';
import { OAUTH_TOKENS_KIND, OAuthTokenSet } from '../../../src/integrations/hubspot/auth.ts';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';
import { enqueueJob, getJob } from '../../../src/jobs/queue.ts';
import { assertLogClean, setup, type Env } from './helpers.ts';

const stored = async (env: Env) => {
  const credential = await getCredential(env.db, env.vault, connectionOwner(env.connectionId), OAUTH_TOKENS_KIND);
  return { tokens: OAuthTokenSet.parse(JSON.parse(credential!.value)), version: credential!.version };
};

t.test('refresh storm: ten concurrent calls with an expired token cause one refresh', async (t) => {
  const env = await setup(t);
  const old = await env.storeOAuth({ expiresAt: Date.now() - 1_000 });
  env.sim.sim.control.expireToken(old.accessToken);
  const id = env.sim.sim.control.seedRecord({ objectType: 'contacts', properties: { email: 'a@storm.test' } });
  const hs = env.client();
  const results = await Promise.all(Array.from({ length: 10 }, () => hs.contacts.get(id)));
  t.equal(results.length, 10);
  t.equal(env.tokenRequests(), 1, 'exactly one refresh at the simulator');
  t.equal(hs.auth.refreshes(), 1);
  const after = await stored(env);
  t.equal(after.version, 2, 'stored once');
  t.not(after.tokens.accessToken, old.accessToken);
  t.equal(after.tokens.refreshToken, old.refreshToken, 'refresh token kept when HubSpot does not rotate');
  t.equal(env.sim.sim.control.requests().entries.filter((e) => e.status === 401).length, 0, 'refreshed before sending, not after a 401');
});

t.test('a 401 on a token we thought valid: ten callers, one refresh, every call retried once', async (t) => {
  const env = await setup(t);
  const old = await env.storeOAuth();
  env.sim.sim.control.expireToken(old.accessToken); // HubSpot disagrees with our expiry
  const hs = env.client();
  const pages = await Promise.all(Array.from({ length: 10 }, () => hs.pipelines.list()));
  t.equal(pages.length, 10);
  t.equal(env.tokenRequests(), 1);
  t.equal(env.sim.sim.control.requests().entries.filter((e) => e.status === 401).length, 10);
});

t.test('refreshed ahead of expiry (margin), rotated refresh tokens are stored', async (t) => {
  const env = await setup(t, { sim: { accessTokenTtlMs: 3_000, rotateRefreshTokens: true }, authSettings: { refreshAheadMs: 2_500 } });
  const first = await env.storeOAuth();
  const hs = env.client();
  await hs.pipelines.list();
  t.equal(env.tokenRequests(), 0, 'fresh token used as is');
  await new Promise((resolve) => setTimeout(resolve, 700));
  await hs.pipelines.list();
  t.equal(env.tokenRequests(), 1, 'refreshed 2.5 s before expiry');
  const now = await stored(env);
  t.not(now.tokens.refreshToken, first.refreshToken, 'the rotated refresh token was persisted');
  await hs.pipelines.list();
  t.equal(env.tokenRequests(), 1);
  t.equal(env.sim.sim.control.requests().entries.filter((e) => e.status === 401).length, 0);
});

t.test('two writers refresh at once: the CAS loser adopts the stored newer token', async (t) => {
  const env = await setup(t);
  await env.storeOAuth({ expiresAt: Date.now() - 1 });
  const a = env.client();
  const b = env.client(); // another process, say: its own single-flight, the same row
  await Promise.all([a.pipelines.list(), b.pipelines.list()]);
  t.equal(env.tokenRequests(), 2, 'both refreshed at HubSpot');
  t.equal(a.auth.refreshes() + b.auth.refreshes(), 1, 'only one stored its pair');
  const row = await stored(env);
  t.equal(row.version, 2, 'one swap won; the loser did not overwrite');
  t.equal(await a.auth.accessToken(), row.tokens.accessToken);
  t.equal(await b.auth.accessToken(), row.tokens.accessToken, 'the loser uses the winner\'s token');
});

t.test('a revoked refresh token marks the connection needs_reauth and parks its jobs; re-auth resumes', async (t) => {
  const env = await setup(t);
  const old = await env.storeOAuth({ expiresAt: Date.now() - 1 });
  env.sim.sim.control.revokeRefreshToken(old.refreshToken);
  const job = await enqueueJob(env.db, { task: 'hubspot.sync', payload: { id: 1 }, connectionId: env.connectionId }, { now: Date.now(), maxAttempts: 5 });
  const hs = env.client();
  const error = await hs.contacts.get('1').catch((e: unknown) => e);
  t.ok(error instanceof UpstreamError);
  t.match((error as UpstreamError).details, { kind: 'unauthorized', status: 400, code: 'BAD_REFRESH_TOKEN' });
  t.equal((await getConnection(env.db, env.connectionId))?.status, 'needs_reauth');
  t.equal((await getJob(env.db, job.id))?.status, 'parked');
  const again = await hs.contacts.get('1').catch((e: unknown) => e);
  t.match((again as UpstreamError).details, { kind: 'unauthorized' });
  t.equal(env.tokenRequests(), 1, 'a refused refresh token is not sent again');

  await env.storeOAuth(); // the admin re-authorised: a new pair is stored
  await markReauthorised(env.db, env.connectionId, Date.now());
  t.equal((await getJob(env.db, job.id))?.status, 'queued', 'parked jobs resume');
  t.equal((await hs.pipelines.list()).length > 0, true, 'the client works again with the new pair');
});

t.test('a failed (transient) refresh cools down; a still-valid token keeps working', async (t) => {
  const env = await setup(t, { authSettings: { cooldownMs: 400 } });
  await env.storeOAuth({ expiresAt: Date.now() - 1 });
  const control = env.sim.sim.control;
  control.addFault({ kind: '503', count: 100, pathPrefix: '/oauth/2026-09/token', method: 'POST' });
  const hs = env.client();
  const first = await hs.pipelines.list().catch((e: unknown) => e);
  t.match((first as UpstreamError).details, { kind: 'server_error' });
  const sent = env.tokenRequests();
  const second = await hs.pipelines.list().catch((e: unknown) => e);
  t.match((second as UpstreamError).details, { kind: 'server_error' });
  t.equal(env.tokenRequests(), sent, 'no refresh during the cooldown');
  control.clearFaults();
  await new Promise((resolve) => setTimeout(resolve, 450));
  t.ok((await hs.pipelines.list()).length > 0, 'works after the cooldown');

  // Ahead-of-expiry refresh failing: the old token is still valid, so calls go on with it.
  const env2 = await setup(t, { authSettings: { refreshAheadMs: 31 * 60_000 } });
  await env2.storeOAuth();
  env2.sim.sim.control.addFault({ kind: '503', count: 100, pathPrefix: '/oauth/2026-09/token' });
  t.ok((await env2.client().pipelines.list()).length > 0, 'the call went on with the old, still valid token');
  t.ok(env2.tokenRequests() > 0, 'a refresh was tried');
});

t.test('static tokens: used as they are, never refreshed; a revoked one is unauthorized', async (t) => {
  const env = await setup(t, { auth: 'static' });
  const token = await env.storeStatic();
  const hs = env.client();
  t.equal(hs.auth.mode, 'static');
  t.ok((await hs.pipelines.list()).length > 0);
  env.sim.sim.control.revokeToken(token);
  const error = await hs.pipelines.list().catch((e: unknown) => e);
  t.match((error as UpstreamError).details, { kind: 'unauthorized', status: 401, code: 'INVALID_AUTHENTICATION' });
  t.equal(env.tokenRequests(), 0);
});

t.test('introspection gives the portal and scopes; missing scopes are named', async (t) => {
  const env = await setup(t);
  await env.storeOAuth({ scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
  const hs = env.client();
  const info = await hs.introspect();
  t.equal(info.portalId, env.hubId);
  t.ok(info.scopes.includes('crm.objects.contacts.read'));
  t.same(await hs.missingScopes(['crm.objects.contacts.read', 'tickets', 'crm.objects.owners.read']), ['tickets', 'crm.objects.owners.read']);
  const refused = await hs.tickets.create({ properties: { subject: 'x', hs_pipeline: '0', hs_pipeline_stage: '1' } }).catch((e: unknown) => e);
  t.match((refused as UpstreamError).details, { kind: 'forbidden', status: 403, code: 'MISSING_SCOPES', missingScopes: ['tickets'] });
});

t.test('the captured log of this file holds no token, secret or body text', async (t) => {
  assertLogClean(t);
});
