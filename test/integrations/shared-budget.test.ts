// Rate budgets shared by the replicas on one PostgreSQL database (src/integrations/shared-budget.ts,
// #21 item 2): each "replica" is its own pool on the same database, all on one fake clock whose
// sleeps advance time at once, so what a replica waits for is read off the clock, not measured.
import t from 'tap';
import type { PostgresDb } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { createHubSpotRateRegistry } from '../../src/integrations/hubspot/rate-plan.ts';
import { createIntercomRateRegistry } from '../../src/integrations/intercom/rate-plan.ts';
import { BudgetUnavailableError, inBackground, type BudgetClock } from '../../src/integrations/rate-budget.ts';
import { createSharedBudgetStore } from '../../src/db/repos/rate-budgets.ts';
import { createSharedBudgets } from '../../src/integrations/shared-budget.ts';
import { UpstreamError } from '../../src/integrations/upstream-error.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import type { Teardownable } from '../helpers/server.ts';
import { fakeBudgetClock } from '../helpers/budget-clock.ts';

const fakeClock = fakeBudgetClock;

/** `count` replicas' budget factories, each on a pool of its own to one fresh database. */
async function replicas(t: Teardownable, count: number): Promise<{ db: PostgresDb; budgets: Array<ReturnType<typeof createSharedBudgets>> }> {
  const db = await makeTestPgDb(t);
  const handles = [db];
  for (let i = 1; i < count; i++) {
    const other = openPostgres(db.url);
    t.teardown(() => other.close());
    handles.push(other);
  }
  return { db, budgets: handles.map((handle) => createSharedBudgets(createSharedBudgetStore(handle))) };
}

const KEY = 'hubspot:42:burst';

t.test('three replicas take slots from one window: together never more than the limit', async (t) => {
  const { budgets } = await replicas(t, 3);
  const clock = fakeClock();
  const [a, b, c] = budgets.map((make) => make(KEY, { limit: 3, windowMs: 10_000, clock }));
  const times: number[] = [];
  // Round robin: each replica alone would send its three at once.
  for (let i = 0; i < 9; i++) {
    await [a, b, c][i % 3]?.acquire();
    times.push(clock.now());
  }
  t.same(times, [0, 0, 0, 10_000, 10_000, 10_000, 20_000, 20_000, 20_000]);
});

t.test('replicas asking at the same time: each slot is taken once', async (t) => {
  const { db, budgets } = await replicas(t, 5);
  // A clock that never moves: whatever is not granted waits (and the test stops it).
  const clock: BudgetClock = {
    now: () => 1_000,
    sleep: (_ms, signal) => new Promise((_resolve, reject) => {
      if (signal?.aborted) reject(signal.reason as Error);
      signal?.addEventListener('abort', () => reject(signal.reason as Error));
    }),
  };
  const counted = async (key: string) =>
    (await db.kysely.selectFrom('rate_budget_sends').select((eb) => eb.fn.countAll<number>().as('n')).where('budget_key', '=', key).executeTakeFirstOrThrow()).n;
  // Every replica's pool connected first, so that their takes overlap from the first.
  await Promise.all(budgets.map((make, i) => make(`warm-up:${i}`, { limit: 1, windowMs: 1, clock }).acquire()));
  // Two replicas can only both take the last slot when they ask for it at once: several rounds.
  for (let round = 0; round < 6; round++) {
    const key = `${KEY}:${round}`;
    const stop = new AbortController();
    // 20 callers on five replicas want 8 slots: once the 8 are taken (and a moment more, for a slot
    // taken twice to show), the rest are stopped.
    const all = budgets.flatMap((make) => {
      const budget = make(key, { limit: 8, windowMs: 10_000, clock });
      return Array.from({ length: 4 }, () => budget.acquire(stop.signal).then(() => 'granted', () => 'stopped'));
    });
    for (let i = 0; i < 500 && (await counted(key)) < 8; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort(new Error('enough'));
    const outcomes = await Promise.all(all);
    t.equal(outcomes.filter((o) => o === 'granted').length, 8, `round ${round}: eight granted`);
    t.equal(await counted(key), 8, `round ${round}: and eight counted`);
  }
});

t.test("a pause after one replica's 429 holds every replica", async (t) => {
  const { budgets } = await replicas(t, 2);
  const clock = fakeClock();
  const [a, b] = budgets.map((make) => make(KEY, { limit: 100, windowMs: 10_000, clock }));
  a?.pause(4_000);
  await a?.settled();
  await b?.acquire();
  t.equal(clock.now(), 4_000, 'the other replica waited for the pause');
  t.same(clock.slept, [4_000]);
});

t.test("the vendor's headers seen by one replica correct the count of all", async (t) => {
  const { budgets } = await replicas(t, 2);
  const clock = fakeClock();
  const [a, b] = budgets.map((make) => make(KEY, { limit: 10, windowMs: 10_000, clock }));
  await a?.acquire();
  a?.observe(2, 10); // HubSpot says 2 are left: someone else spent 7
  await a?.settled();
  await b?.acquire();
  await b?.acquire();
  t.equal(clock.now(), 0, 'the two that are left go at once');
  await b?.acquire();
  t.equal(clock.now(), 10_000, 'the next waits for the window');

  a?.observe(30, 40); // a higher tier: X-HubSpot-RateLimit-Max 40
  await a?.settled();
  const started = clock.now();
  for (let i = 0; i < 20; i++) await b?.acquire();
  t.equal(clock.now(), started, 'the other replica uses the limit the headers gave');
  t.equal(b?.snapshot().limit, 40);
});

t.test('lanes hold on a shared budget: live work before background work, FIFO within the replica', async (t) => {
  const { budgets } = await replicas(t, 1);
  const clock = fakeClock();
  const budget = budgets[0]?.(KEY, { limit: 1, windowMs: 1_000, clock });
  if (!budget) throw new Error('no budget');
  await budget.acquire();
  const order: string[] = [];
  const background = inBackground(() => Promise.all(['bg1', 'bg2'].map(async (name) => {
    await budget.acquire();
    order.push(name);
  })));
  const live = Promise.all(['live1', 'live2'].map(async (name) => {
    await budget.acquire();
    order.push(name);
  }));
  await Promise.all([background, live]);
  t.same(order, ['live1', 'live2', 'bg1', 'bg2']);
  t.equal(clock.now(), 4_000, 'one a second');
});

t.test('sends that left the window are deleted', async (t) => {
  const { db, budgets } = await replicas(t, 1);
  const clock = fakeClock();
  const budget = budgets[0]?.(KEY, { limit: 5, windowMs: 1_000, clock });
  for (let i = 0; i < 5; i++) await budget?.acquire();
  await clock.sleep(5_000);
  await budget?.acquire();
  const rows = await db.kysely.selectFrom('rate_budget_sends').select(['budget_key', 'sent_at']).execute();
  t.same(rows, [{ budget_key: KEY, sent_at: 5_000 }]);
});

t.test("a take held up by another replica's lock is counted from when its call leaves, not from when it asked", async (t) => {
  const { db, budgets } = await replicas(t, 2);
  const clock = fakeClock();
  const [a, b] = budgets.map((make) => make(KEY, { limit: 5, windowMs: 10_000, clock }));
  if (!a || !b) throw new Error('two replicas');
  await a.acquire(); // the budget's row exists, one send at 0
  // Another replica holds the budget's lock (it is in the middle of its own take).
  const holder = await db.pool.connect();
  t.teardown(() => holder.release());
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM rate_budgets WHERE budget_key = $1 FOR UPDATE', [KEY]);
  const taking = b.acquire(); // stamped at 0, then waits for the lock
  await new Promise((resolve) => setTimeout(resolve, 100));
  await clock.sleep(600); // the wait lasts 600 ms of the budget's time
  await holder.query('COMMIT');
  await taking;
  await b.settled();
  const rows = await db.kysely.selectFrom('rate_budget_sends').select('sent_at').orderBy('sent_at').execute();
  t.same(rows.map((row) => row.sent_at), [0, 600], 'the held-up send is counted from 600, when it could leave');
});

t.test('a replica that cannot reach the database sends nothing: the call fails, retryable', async (t) => {
  // A port nothing listens on (the test server's, once it is stopped, would do too).
  const unreachable = openPostgres('postgres://postgres@127.0.0.1:1/interhubz');
  t.teardown(() => unreachable.close());
  const budgets = createSharedBudgets(createSharedBudgetStore(unreachable));
  await t.rejects(budgets(KEY, { limit: 10, windowMs: 10_000 }).acquire(), BudgetUnavailableError);

  const rates = createHubSpotRateRegistry({ budgets });
  const planned = await rates.portal('42').plan({ method: 'POST', path: '/crm/objects/2026-09/notes' }).catch((error: unknown) => error);
  t.ok(planned instanceof UpstreamError, 'the plan refuses the call');
  t.match((planned as UpstreamError).details, { kind: 'rate_limited', status: null, code: 'BUDGET_UNAVAILABLE' });
  t.ok((planned as UpstreamError).retryable, 'a job tries it again later');
});

t.test("Intercom's workspace and app budgets are shared by every replica of the workspace", async (t) => {
  const { budgets } = await replicas(t, 2);
  const clock = fakeClock();
  // 12 per minute: 2 per 10-s window (intercom-api.md §5.1, "distributed into 10-second windows").
  const [a, b] = budgets.map((make) => createIntercomRateRegistry({ budgets: make, clock, limits: { appPerMinute: 12, workspacePerMinute: 60 } }));
  const key = { workspaceId: 'ws1', appId: 'app1' };
  const call = { method: 'GET' as const, path: '/contacts' };
  await a?.planFor(key).plan(call);
  await b?.planFor(key).plan(call);
  t.equal(clock.now(), 0);
  await b?.planFor(key).plan(call);
  t.equal(clock.now(), 10_000, "the third call waits for the app's window, whichever replica sends it");
});

t.test('a budget key is a value, never SQL: quotes and backslashes in it are kept as they are', async (t) => {
  const { db, budgets } = await replicas(t, 1);
  const clock = fakeClock();
  // Keys carry vendor ids (a workspace id); the store writes them as literals into its one-round-trip query.
  const key = "intercom:workspace:o'brien\\'); DROP TABLE rate_budgets; --";
  const budget = budgets[0]?.(key, { limit: 2, windowMs: 10_000, clock });
  await budget?.acquire();
  await budget?.acquire();
  const rows = await db.kysely.selectFrom('rate_budget_sends').select('budget_key').execute();
  t.same(rows.map((row) => row.budget_key), [key, key], 'both sends counted under the key as given');
  t.equal((await db.kysely.selectFrom('rate_budgets').select('budget_key').execute())[0]?.budget_key, key);
});
