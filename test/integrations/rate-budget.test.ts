import t from 'tap';
import { createDailyBudget, createWindowBudget, type BudgetClock } from '../../src/integrations/rate-budget.ts';

/** A clock whose sleeps advance time instantly, so budgets are tested in milliseconds. */
function fakeClock(start = 0): BudgetClock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

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
