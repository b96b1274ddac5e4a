// A rate budget's clock whose sleeps advance time instantly, so budgets are tested in milliseconds;
// `slept` lists the waits the budget asked for.
import type { BudgetClock } from '../../src/integrations/rate-budget.ts';

export function fakeBudgetClock(start = 0): BudgetClock & { slept: number[] } {
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
