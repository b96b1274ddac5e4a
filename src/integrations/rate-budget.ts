// Rate limits as budgets the daemon plans against (DESIGN.md §2, invariant 6), not errors it
// discovers. A window budget hands out at most `limit` calls per rolling `windowMs`; callers wait
// their turn (FIFO) instead of sending a request that would earn a 429. The vendor's own headers
// correct the estimate: another process or app sharing the portal shows up as a lower "remaining".

export interface BudgetSnapshot {
  limit: number;
  windowMs: number;
  /** Calls still available in the current window, by our count. */
  available: number;
  /** Callers waiting for a slot. */
  waiting: number;
  /** When the oldest call counted in the window leaves it and frees a slot; null when none is counted. */
  freesAt: number | null;
  /** Epoch ms until which nothing is sent on this budget (after a 429), or null. */
  pausedUntil: number | null;
}

export interface WindowBudget {
  /** Resolves when a call may be sent (and counts it). Rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** The vendor said `remaining` calls are left in a window of `limit` (from its response headers). */
  observe(remaining: number, limit?: number): void;
  /** The vendor refused a call (429): nothing more until `ms` from now. */
  pause(ms: number): void;
  snapshot(): BudgetSnapshot;
}

export interface BudgetClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: BudgetClock = {
  now: Date.now,
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      }, { once: true });
    }),
};

export function createWindowBudget(options: { limit: number; windowMs: number; clock?: BudgetClock }): WindowBudget {
  const clock = options.clock ?? realClock;
  let limit = options.limit;
  /** Send times of the calls in the current rolling window, oldest first. */
  const sent: number[] = [];
  let pausedUntil = 0;
  let waiting = 0;
  let queue: Promise<void> = Promise.resolve();

  const prune = (now: number) => {
    while (sent.length > 0 && (sent[0] ?? 0) <= now - options.windowMs) sent.shift();
  };

  async function takeSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = clock.now();
      prune(now);
      if (now < pausedUntil) {
        await clock.sleep(pausedUntil - now, signal);
        continue;
      }
      if (sent.length < limit) {
        sent.push(now);
        return;
      }
      await clock.sleep(Math.max(1, (sent[0] ?? now) + options.windowMs - now), signal);
    }
  }

  return {
    acquire(signal) {
      waiting += 1;
      // One caller at a time takes a slot, in arrival order.
      const turn = queue.then(() => takeSlot(signal));
      queue = turn.catch(() => undefined);
      return turn.finally(() => {
        waiting -= 1;
      });
    },
    observe(remaining, reportedLimit) {
      if (reportedLimit !== undefined && reportedLimit > 0) limit = reportedLimit;
      const now = clock.now();
      prune(now);
      // Someone else is spending this budget too: count their calls as ours, now.
      const othersUsed = limit - remaining - sent.length;
      for (let i = 0; i < othersUsed; i++) sent.push(now);
      sent.sort((a, b) => a - b);
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms);
    },
    snapshot() {
      const now = clock.now();
      prune(now);
      const oldest = sent[0];
      return {
        limit, windowMs: options.windowMs, available: Math.max(0, limit - sent.length), waiting,
        freesAt: oldest === undefined ? null : oldest + options.windowMs,
        pausedUntil: pausedUntil > now ? pausedUntil : null,
      };
    },
  };
}

export interface DailyBudget {
  /** How long to wait before the next call so the rest of the quota lasts the day (0 when plenty is left). */
  pacingDelayMs(): number;
  record(): void;
  observe(remaining: number, limit?: number): void;
  snapshot(): { limit: number; remaining: number; resetsAt: number };
}

/**
 * A daily quota. Below `lowWatermark` of it, calls are spread evenly over the time left until the
 * reset, so work slows down instead of failing with "You have reached your daily limit".
 */
export function createDailyBudget(options: { limit: number; clock?: BudgetClock; lowWatermark?: number; nextReset?: (now: number) => number }): DailyBudget {
  const clock = options.clock ?? realClock;
  const nextReset = options.nextReset ?? ((now: number) => {
    const day = new Date(now);
    return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1);
  });
  let limit = options.limit;
  let resetsAt = nextReset(clock.now());
  let remaining = limit;
  const watermark = options.lowWatermark ?? 0.1;

  const roll = () => {
    const now = clock.now();
    if (now >= resetsAt) {
      resetsAt = nextReset(now);
      remaining = limit;
    }
    return now;
  };

  return {
    pacingDelayMs() {
      const now = roll();
      if (remaining > limit * watermark) return 0;
      if (remaining <= 0) return resetsAt - now;
      return Math.ceil((resetsAt - now) / remaining);
    },
    record() {
      roll();
      remaining = Math.max(0, remaining - 1);
    },
    observe(reported, reportedLimit) {
      roll();
      if (reportedLimit !== undefined && reportedLimit > 0) limit = reportedLimit;
      remaining = Math.min(remaining, reported);
    },
    snapshot() {
      roll();
      return { limit, remaining, resetsAt };
    },
  };
}
