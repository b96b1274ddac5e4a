// The per-portal budget: planned, so no 429 in steady state against the simulator's limit; shared
// by every client of the portal; corrected by X-HubSpot-RateLimit-* headers; search on its own
// 5/s budget; a 429 pauses the budget; the daily quota slows calls down instead of failing them.
import t from 'tap';
import { connectionCredentials } from '../../../src/connections/connection-credentials.ts';
import { storeOAuthTokens } from '../../../src/integrations/hubspot/auth.ts';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';
import { assertLogClean, secrets, setup } from './helpers.ts';

async function workers(count: number, jobs: number, run: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: count }, async () => {
    while (next < jobs) await run(next++);
  }));
}

const tooMany = (env: { sim: { sim: { control: { requests(): { entries: Array<{ status: number }> } } } } }) =>
  env.sim.sim.control.requests().entries.filter((e) => e.status === 429).length;

t.test('steady state against 20 per 10 s: two connections share the portal budget, another app spends some, no 429', async (t) => {
  const env = await setup(t, { sim: { burstLimitPer10s: 20 }, rates: { defaults: { burstPer10s: 20 } } });
  const control = env.sim.sim.control;
  await env.storeOAuth();
  // A second connection to the same portal (same app): its own row and tokens, the same budget.
  await env.db.insertInto('connections').values({ id: 'second', name: 'Second', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1 }).execute();
  const issued = control.issueOAuthTokens();
  secrets.add(issued.accessToken).add(issued.refreshToken);
  await storeOAuthTokens(connectionCredentials(env, 'second'), { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: Date.now() + 1_800_000 }, Date.now());
  const a = env.client();
  const b = env.client({ connectionId: 'second' });
  // Something outside this process spends 6 of the window first; the headers will tell us.
  const other = control.issueOAuthTokens();
  secrets.add(other.accessToken).add(other.refreshToken);
  for (let i = 0; i < 6; i++) await fetch(`${env.sim.url}/crm/pipelines/2026-09/tickets`, { headers: { authorization: `Bearer ${other.accessToken}` } });

  const started = Date.now();
  await workers(8, 30, (n) => (n % 2 === 0 ? a : b).pipelines.list());
  const elapsed = Date.now() - started;
  t.equal(tooMany(env), 0, 'no 429 at all');
  t.ok(elapsed >= 10_000, `waited for the window instead of failing (${elapsed} ms)`);
  const snapshot = a.budget();
  t.same(snapshot, b.budget(), 'one budget for the portal');
  t.match(snapshot, { portalId: env.hubId, burst: { limit: 20, windowMs: Number }, refused: { standard: 0 } });
  t.ok(snapshot.burst.available < 20, 'the snapshot shows what is left');
  t.same(env.rates.snapshot().map((s) => s.portalId), [env.hubId]);
});

t.test('search has its own 5/s budget and does not spend the 10-s bucket', async (t) => {
  // A private-app token: the daily quota applies to it (an OAuth client has none, see below).
  const env = await setup(t, { auth: 'static', sim: { searchLimitPerSecond: 5 } });
  await env.storeStatic();
  const hs = env.client();
  const started = Date.now();
  await workers(8, 20, () => hs.contacts.searchPage({ limit: 1 }));
  const elapsed = Date.now() - started;
  t.equal(tooMany(env), 0, 'no 429 from the search limit');
  t.ok(elapsed >= 3_000, `20 searches at 5/s took ${elapsed} ms`);
  const snapshot = hs.budget();
  t.equal(snapshot.burst.available, snapshot.burst.limit, 'the 10-s bucket is untouched');
  t.equal(snapshot.daily?.remaining, (snapshot.daily?.limit ?? 0) - 20, 'searches count against the daily quota');
});

t.test('a 429 pauses the budget for Retry-After and is counted', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hs = env.client();
  env.sim.sim.control.addFault({ kind: '429', count: 1, retryAfterSeconds: 1, pathPrefix: '/crm/pipelines' });
  const started = Date.now();
  const first = hs.pipelines.list();
  while (hs.budget().refused.standard === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  // Another caller of the same portal, after the 429: it waits too instead of earning its own.
  const otherStarted = Date.now();
  await hs.owners.list().next();
  t.ok(Date.now() - otherStarted >= 900, `another caller waited for the pause (${Date.now() - otherStarted} ms)`);
  await first;
  t.ok(Date.now() - started >= 1_000, 'waited out Retry-After');
  t.equal(hs.budget().refused.standard, 1);
  t.equal(tooMany(env), 1);
});

t.test('headers correct the tier: a portal that allows more is used fully', async (t) => {
  const env = await setup(t, { sim: { burstLimitPer10s: 190 }, rates: { defaults: { burstPer10s: 100 } } });
  await env.storeOAuth();
  const hs = env.client();
  await hs.pipelines.list();
  t.equal(hs.budget().burst.limit, 190, 'X-HubSpot-RateLimit-Max replaced the configured 100');
});

t.test('the daily quota: calls are spaced when it runs low, and refused with a wait when nearly gone', async (t) => {
  const resetIn = 20_000;
  const start = Date.now();
  const env = await setup(t, {
    auth: 'static', sim: { dailyLimit: 1_000 },
    rates: { defaults: { daily: 100 }, dailyLowWatermark: 1, dailyResetAt: (now) => Math.max(start + resetIn, now + 1) },
  });
  await env.storeStatic();
  const hs = env.client();
  const started = Date.now();
  await Promise.all(Array.from({ length: 5 }, () => hs.pipelines.list()));
  const elapsed = Date.now() - started;
  // ≈ 20 s / 100 calls = 200 ms apart, across all callers.
  t.ok(elapsed >= 600, `5 concurrent calls were spaced out (${elapsed} ms)`);

  // The client's quota resets an hour away: with the default (the next midnight UTC), a run in the
  // last 30 s before midnight is told to come back sooner than asserted. (The simulator still renews
  // its own quota at midnight: three calls that straddle it leave quota over — a CI run at 00:00 UTC
  // failed so — and nothing here can move that.)
  const low = await setup(t, { auth: 'static', sim: { dailyLimit: 3 }, rates: { dailyResetAt: (now) => now + 3_600_000 } });
  await low.storeStatic();
  const lowClient = low.client();
  for (let i = 0; i < 3; i++) await lowClient.pipelines.list();
  t.equal(lowClient.budget().daily?.limit, 3, 'X-HubSpot-RateLimit-Daily corrected the quota');
  const sent = low.sim.sim.control.requests().total;
  const refused = await lowClient.pipelines.list().catch((e: unknown) => e);
  t.ok(refused instanceof UpstreamError);
  t.match((refused as UpstreamError).details, { kind: 'rate_limited', code: 'DAILY', status: null });
  t.ok(((refused as UpstreamError).details.retryAfterMs ?? 0) > 30_000, 'the job is told to come back later');
  t.equal(low.sim.sim.control.requests().total, sent, 'nothing sent to earn the 429');
});

t.test('an OAuth portal is not paced against a daily budget: a quota the private-app plan would stop at is no limit for it', async (t) => {
  // The same tiny quota that refuses the static token above (hubspot-api.md §3: no daily limit is
  // documented for OAuth calls, and they carry no -Daily headers).
  const env = await setup(t, { auth: 'oauth', sim: { dailyLimit: 3 }, rates: { defaults: { daily: 3 }, dailyLowWatermark: 1 } });
  await env.storeOAuth();
  const hs = env.client();
  for (let i = 0; i < 8; i++) await hs.pipelines.list();
  t.equal(tooMany(env), 0, 'HubSpot (the simulator) refused nothing');
  const snapshot = hs.budget();
  t.equal(snapshot.auth, 'oauth');
  t.equal(snapshot.daily, null, 'no daily quota is planned for it');
  t.equal(snapshot.refused.daily, 0);
});

t.test('the captured log of this file holds no token, secret or body text', async (t) => {
  assertLogClean(t);
});
