import t from 'tap';
import { createHubSpotRateRegistry } from '../../src/integrations/hubspot/rate-plan.ts';
import { createDailyBudget, createWindowBudget, inBackground, type BudgetClock } from '../../src/integrations/rate-budget.ts';
import { fakeBudgetClock } from '../helpers/budget-clock.ts';

const fakeClock = fakeBudgetClock;

t.test('a window budget hands out `limit` calls per window, then makes callers wait their turn', async (t) => {
  const clock = fakeClock();
  const budget = createWindowBudget({ limit: 3, windowMs: 10_000, clock });
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    await budget.acquire();
    times.push(clock.now());
  }
  t.same(times, [0, 0, 0, 10_000, 10_000, 10_000, 20_000]);
});

t.test('concurrent callers are served in arrival order', async (t) => {
  const clock = fakeClock();
  const budget = createWindowBudget({ limit: 1, windowMs: 1000, clock });
  const order: number[] = [];
  await Promise.all([1, 2, 3].map(async (n) => {
    await budget.acquire();
    order.push(n);
  }));
  t.same(order, [1, 2, 3]);
  t.equal(clock.now(), 2000);
});

t.test("the vendor's headers correct the estimate: others spending the same budget", async (t) => {
  const clock = fakeClock();
  const budget = createWindowBudget({ limit: 10, windowMs: 10_000, clock });
  await budget.acquire();
  budget.observe(2, 10); // the vendor says only 2 are left: another app used 7
  t.equal(budget.snapshot().available, 2);
  await budget.acquire();
  await budget.acquire();
  t.equal(clock.now(), 0);
  await budget.acquire();
  t.equal(clock.now(), 10_000, 'the fourth call waits for the window');
});

t.test('a 429 pauses the budget', async (t) => {
  const clock = fakeClock();
  const budget = createWindowBudget({ limit: 100, windowMs: 10_000, clock });
  budget.pause(4000);
  await budget.acquire();
  t.equal(clock.now(), 4000);
});

t.test('an aborted wait rejects and does not block the next caller', async (t) => {
  const budget = createWindowBudget({ limit: 1, windowMs: 60_000 });
  await budget.acquire();
  const controller = new AbortController();
  const waiting = budget.acquire(controller.signal);
  controller.abort(new Error('job cancelled'));
  await t.rejects(waiting, { message: 'job cancelled' });
  t.equal(budget.snapshot().waiting, 0);
});

t.test('the daily quota paces calls when it runs low instead of failing', async (t) => {
  const clock = fakeClock(Date.UTC(2026, 10, 23, 12));
  const daily = createDailyBudget({ limit: 1000, clock, lowWatermark: 0.1 });
  t.equal(daily.pacingDelayMs(), 0, 'plenty left');
  daily.observe(50, 1000);
  t.equal(daily.pacingDelayMs(), Math.ceil((12 * 3_600_000) / 50), 'the last 5% spread over the 12 h left');
  daily.observe(0);
  t.equal(daily.pacingDelayMs(), 12 * 3_600_000, 'none left: wait for the reset');
  clock.sleep(12 * 3_600_000);
  t.equal(daily.pacingDelayMs(), 0, 'a new day');
  t.equal(daily.snapshot().remaining, 1000);
});

t.test("HubSpot's daily quota paces private-app tokens only; OAuth clients of the same portal share its burst window but not the quota", async (t) => {
  const clock = fakeClock(Date.UTC(2026, 10, 23, 12));
  const rates = createHubSpotRateRegistry({ clock, defaults: { burstPer10s: 1000, daily: 10 }, dailyLowWatermark: 1, maxPlanWaitMs: Number.POSITIVE_INFINITY });
  const call = { method: 'GET' as const, path: '/crm/pipelines/2026-09/tickets' };
  const staticBudget = rates.portal('42', 'static');
  const oauthBudget = rates.portal('42', 'oauth');
  t.equal(rates.portal('42'), staticBudget, 'static is the default, one view per portal and method');

  for (let i = 0; i < 5; i++) await oauthBudget.plan(call);
  t.same(clock.slept, [], 'OAuth calls never wait for a daily quota');
  t.equal(oauthBudget.snapshot().daily, null, 'and none is shown for them');
  t.equal(staticBudget.snapshot().daily?.remaining, 10, 'nor do they spend the private-app quota');
  t.equal(staticBudget.snapshot().burst.available, 1000 - 5, 'the burst window is the portal’s, shared');

  await staticBudget.plan(call);
  await staticBudget.plan(call);
  t.equal(clock.slept.length, 1, 'the second of two static-token calls at the low watermark waits its turn');
  t.ok((clock.slept[0] ?? 0) > 0);
  t.equal(staticBudget.snapshot().daily?.remaining, 8, 'and both spend the quota');
});

t.test('background lane (#18 item 3): a live caller goes before background callers that waited longer', async (t) => {
  const clock = fakeClock();
  const budget = createWindowBudget({ limit: 1, windowMs: 1000, clock });
  await budget.acquire();
  const order: string[] = [];
  const background = inBackground(() => Promise.all(['bg1', 'bg2'].map(async (name) => {
    await budget.acquire();
    order.push(name);
  })));
  const live = (async () => {
    await budget.acquire();
    order.push('live');
  })();
  await Promise.all([background, live]);
  t.same(order, ['live', 'bg1', 'bg2'], 'the backfill waits while live work waits for the budget');
});

t.test('background lane: with no live work waiting, background calls use the whole budget', async (t) => {
  const clock = fakeClock();
  const budget = createWindowBudget({ limit: 5, windowMs: 10_000, clock });
  const times: number[] = [];
  await inBackground(async () => {
    for (let i = 0; i < 10; i++) {
      await budget.acquire();
      times.push(clock.now());
    }
  });
  t.same(times, [0, 0, 0, 0, 0, 10_000, 10_000, 10_000, 10_000, 10_000], 'as fast as a live caller would be');
});

t.test('background lane: live work arriving while a backfill sleeps for a slot takes that slot', async (t) => {
  let now = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  // A clock whose sleeps end only when the test advances time, so both callers are asleep at once.
  const clock: BudgetClock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
  };
  const budget = createWindowBudget({ limit: 1, windowMs: 1000, clock });
  await budget.acquire();
  const order: string[] = [];
  const background = inBackground(async () => {
    await budget.acquire();
    order.push('bg');
  });
  await new Promise((resolve) => setImmediate(resolve));
  const live = (async () => {
    await budget.acquire();
    order.push('live');
  })();
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(budget.snapshot().waiting, 2);
  const tick = async () => {
    now = Math.min(...timers.map((timer) => timer.at));
    for (const timer of timers.splice(0).filter((timer) => timer.at <= now)) timer.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  };
  // The slot frees at 1000: the background caller wakes first (it slept first) and yields it.
  await tick();
  t.same(order, ['live']);
  await tick();
  await Promise.all([background, live]);
  t.same(order, ['live', 'bg']);
});

t.test('background lane: a background caller parked behind live work can be aborted', async (t) => {
  const clock = fakeClock();
  const budget = createWindowBudget({ limit: 1, windowMs: 1000, clock });
  await budget.acquire();
  const controller = new AbortController();
  const live = budget.acquire();
  const background = inBackground(() => budget.acquire(controller.signal));
  controller.abort(new Error('backfill paused'));
  await live;
  await t.rejects(background, /backfill paused/);
  t.equal(budget.snapshot().waiting, 0, 'nothing is left waiting');
});
