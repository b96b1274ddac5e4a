// Rate limits as budgets the daemon plans against (DESIGN.md §2, invariant 6), not errors it
// discovers. A window budget hands out at most `limit` calls per rolling `windowMs`; callers wait
// their turn (FIFO) instead of sending a request that would earn a 429. The vendor's own headers
// correct the estimate: another process or app sharing the portal shows up as a lower "remaining".
//
// Two lanes share each window budget: live work (the default) and background work (a backfill,
// #18 item 3, run inside `inBackground`). A background caller takes a slot only while no live
// caller is waiting, so live work keeps priority, and a backfill may still use the whole budget
// when nothing else runs. The lane follows the async context (as call-count.ts does): the clients
// are shared by every job of a connection, so it cannot be a property of the client.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UpstreamCall } from './upstream-client.ts';
import { UpstreamError, type UpstreamService } from './upstream-error.ts';

const lane = new AsyncLocalStorage<'background'>();

/** Runs `work` in the background lane: its calls wait while live callers wait for the same budget. */
export function inBackground<T>(work: () => Promise<T>): Promise<T> {
  return lane.run('background', work);
}

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

/** A waiting caller's lane, as the slot-taking loop of a window budget sees it. */
export interface LaneTurn {
  background: boolean;
  /** Whether live callers wait for this budget now (a background caller then yields). */
  liveWaiting(): boolean;
  /** Resolves when no live caller waits any more; rejects if `signal` aborts first. */
  liveIdle(signal?: AbortSignal): Promise<void>;
}

export interface BudgetLanes {
  /** Queues the caller in its lane (from the async context) and runs `takeSlot` on its turn. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Callers waiting in either lane. */
  waiting(): number;
}

/**
 * The two lanes callers of one budget wait in, FIFO within each: one caller at a time per lane
 * runs `takeSlot`, which returns once it has taken a slot (from memory, or from the database on
 * PostgreSQL: shared-budget.ts).
 */
export function createBudgetLanes(takeSlot: (turn: LaneTurn, signal?: AbortSignal) => Promise<void>): BudgetLanes {
  /** Live callers waiting (queued or sleeping for a slot); background callers wait for this to be 0. */
  let foregroundWaiting = 0;
  let backgroundWaiting = 0;
  let queue: Promise<void> = Promise.resolve();
  let backgroundQueue: Promise<void> = Promise.resolve();
  /** Background callers parked until no live caller waits. */
  const onForegroundIdle = new Set<() => void>();

  const foregroundIdle = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        onForegroundIdle.delete(wake);
        reject(signal?.reason as Error);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      onForegroundIdle.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  const turnOf = (background: boolean): LaneTurn => ({ background, liveWaiting: () => foregroundWaiting > 0, liveIdle: foregroundIdle });

  return {
    acquire(signal) {
      if (lane.getStore() === 'background') {
        backgroundWaiting += 1;
        const turn = backgroundQueue.then(() => takeSlot(turnOf(true), signal));
        backgroundQueue = turn.catch(() => undefined);
        return turn.finally(() => {
          backgroundWaiting -= 1;
        });
      }
      foregroundWaiting += 1;
      // One caller at a time takes a slot, in arrival order.
      const turn = queue.then(() => takeSlot(turnOf(false), signal));
      queue = turn.catch(() => undefined);
      return turn.finally(() => {
        foregroundWaiting -= 1;
        if (foregroundWaiting === 0) {
          const parked = [...onForegroundIdle];
          onForegroundIdle.clear();
          for (const wake of parked) wake();
        }
      });
    },
    waiting: () => foregroundWaiting + backgroundWaiting,
  };
}

export interface WindowBudgetOptions {
  limit: number;
  windowMs: number;
  clock?: BudgetClock;
}

/**
 * Makes the window budget a rate plan spends, by a key naming the vendor's budget
 * (`hubspot:<portal>:burst`, `intercom:workspace:<id>`…): in memory for one process (SQLite), or
 * shared by every replica through the database (PostgreSQL: createSharedBudgets).
 */
export type WindowBudgetFactory = (key: string, options: WindowBudgetOptions) => WindowBudget;

/** One process's budgets, in memory: the key names nothing outside it. */
export const localBudgets: WindowBudgetFactory = (_key, options) => createWindowBudget(options);

export function createWindowBudget(options: WindowBudgetOptions): WindowBudget {
  const clock = options.clock ?? realClock;
  let limit = options.limit;
  /** Send times of the calls in the current rolling window, oldest first. */
  const sent: number[] = [];
  let pausedUntil = 0;

  const prune = (now: number) => {
    while (sent.length > 0 && (sent[0] ?? 0) <= now - options.windowMs) sent.shift();
  };

  const lanes = createBudgetLanes(async (turn, signal) => {
    for (;;) {
      const now = clock.now();
      prune(now);
      if (now < pausedUntil) {
        await clock.sleep(pausedUntil - now, signal);
        continue;
      }
      // Checked at the moment a slot is free, so a live caller that arrived while this one slept goes first.
      if (turn.background && turn.liveWaiting()) {
        await turn.liveIdle(signal);
        continue;
      }
      if (sent.length < limit) {
        sent.push(now);
        return;
      }
      await clock.sleep(Math.max(1, (sent[0] ?? now) + options.windowMs - now), signal);
    }
  });

  return {
    acquire: lanes.acquire,
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
        limit, windowMs: options.windowMs, available: Math.max(0, limit - sent.length), waiting: lanes.waiting(),
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

/**
 * A budget whose slots are kept outside this process (the database, for budgets every replica
 * shares: shared-budget.ts) could not be asked for one. Nothing was sent: a call is never sent
 * unplanned.
 */
export class BudgetUnavailableError extends Error {
  override name = 'BudgetUnavailableError';
  readonly key: string;
  constructor(key: string, options: { cause: unknown }) {
    super(`the rate budget ${key} could not be read from the database`, options);
    this.key = key;
  }
}

/** How long a call refused for want of its budget's store asks to wait before the job tries again. */
const BUDGET_UNAVAILABLE_RETRY_MS = 5_000;

/**
 * Takes a slot of `budget` for `call`. A budget store that cannot be reached fails the call as a
 * retryable rate_limited error with no status (as the daily quota's refusal does, rate-plan.ts):
 * the plan refused it before anything was sent, and the job waits instead of spending an attempt.
 */
export async function acquireFor(budget: WindowBudget, service: UpstreamService, call: Pick<UpstreamCall, 'method' | 'path'>, signal?: AbortSignal): Promise<void> {
  try {
    await budget.acquire(signal);
  } catch (error) {
    if (!(error instanceof BudgetUnavailableError)) throw error;
    throw new UpstreamError({
      service, kind: 'rate_limited', status: null, method: call.method, path: call.path, code: 'BUDGET_UNAVAILABLE',
      vendorMessage: error.message, retryAfterMs: BUDGET_UNAVAILABLE_RETRY_MS, cause: error,
    });
  }
}
