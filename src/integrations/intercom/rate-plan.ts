// Intercom's rate limits as budgets planned before each call (DESIGN.md invariant 6), shared by
// every client in the process: one budget per app-in-workspace and one per workspace, keyed by id,
// so two connections (or jobs) on the same workspace draw from the same allowance.
//
// intercom-api.md §5.1 (D-rate): 10,000 calls/min per app and 25,000/min per workspace, "distributed
// into 10-second windows" (1000/min allows 166 per 10 s). Every response carries X-RateLimit-Limit
// (the app's per-window limit), -Remaining and -Reset (Unix seconds); a 429 carries Remaining 0 and
// no documented Retry-After, so we wait until Reset.
import type { UpstreamCall } from '../upstream-client.ts';
import { createCallTally, type CallTally } from '../call-tally.ts';
import { acquireFor, createWindowBudget, localBudgets, realClock, type BudgetClock, type BudgetSnapshot, type WindowBudget, type WindowBudgetFactory } from '../rate-budget.ts';
import { routeFamily } from '../route-family.ts';
import type { Headers } from '../retry-policy.ts';

const INTERCOM_WINDOW_MS = 10_000;

export interface IntercomRateLimits {
  appPerMinute: number;
  workspacePerMinute: number;
}

/** D-rate (intercom-api.md §5.1): the same for private and public apps. */
const INTERCOM_DEFAULT_LIMITS: IntercomRateLimits = { appPerMinute: 10_000, workspacePerMinute: 25_000 };

/** "1000 per minute … 166 per 10 s": Intercom rounds down, so do we. */
const perWindow = (perMinute: number): number => Math.max(1, Math.floor(perMinute / 6));

export interface BudgetKey {
  /** The workspace id (GET /me `app.id_code`). */
  workspaceId: string;
  /** Our app's id (client id of the public app, or the private app's name); one per deployment usually. */
  appId: string;
}

interface IntercomBudgetSnapshot extends BudgetSnapshot {
  key: string;
  /** Epoch ms until which the budget sends nothing (after a 429 or Remaining 0), or null. */
  pausedUntil: number | null;
}

interface IntercomCallPlan {
  plan(call: UpstreamCall, signal?: AbortSignal): Promise<void>;
  learn(call: UpstreamCall, status: number, headers: Headers): void;
}

/** The connection page's rate-budget meter (issue #16 item 9): one workspace as our app spends it. */
interface IntercomBudgetReading {
  workspace: IntercomBudgetSnapshot;
  app: IntercomBudgetSnapshot;
  /** Calls this process sent to the workspace in the last hour, by route family (starts empty at a restart). */
  callsLastHour: Map<string, number>;
}

export interface IntercomRateRegistry {
  /** The plan/learn hooks of createUpstreamClient for one connection. */
  planFor(key: BudgetKey): IntercomCallPlan;
  /** Every budget's state, for the UI and metrics. */
  snapshot(): IntercomBudgetSnapshot[];
  /** One workspace's budgets; an untouched workspace reads as full, and reading registers nothing. */
  read(key: BudgetKey): IntercomBudgetReading;
  clock: BudgetClock;
}

const first = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};
const intHeader = (headers: Headers, name: string): number | undefined => {
  const raw = first(headers, name)?.trim();
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
};

/**
 * `budgets`: where the windows live, this process's memory (default) or the database every replica
 * shares (createSharedBudgets, on PostgreSQL).
 */
export function createIntercomRateRegistry(options: { limits?: Partial<IntercomRateLimits>; clock?: BudgetClock; budgets?: WindowBudgetFactory } = {}): IntercomRateRegistry {
  const clock = options.clock ?? realClock;
  const windowBudget = options.budgets ?? localBudgets;
  const limits = { ...INTERCOM_DEFAULT_LIMITS, ...options.limits };
  const budgets = new Map<string, { budget: WindowBudget; pausedUntil: number }>();
  const tallies = new Map<string, CallTally>();
  const tallyOf = (workspaceId: string) => {
    let tally = tallies.get(workspaceId);
    if (!tally) {
      tally = createCallTally(() => clock.now());
      tallies.set(workspaceId, tally);
    }
    return tally;
  };
  const keysOf = ({ workspaceId, appId }: BudgetKey) => ({ workspace: `workspace:${workspaceId}`, app: `app:${appId}:workspace:${workspaceId}` });

  const budgetOf = (key: string, perMinute: number) => {
    let entry = budgets.get(key);
    if (!entry) {
      entry = { budget: windowBudget(`intercom:${key}`, { limit: perWindow(perMinute), windowMs: INTERCOM_WINDOW_MS, clock }), pausedUntil: 0 };
      budgets.set(key, entry);
    }
    return entry;
  };

  const pause = (entry: { budget: WindowBudget; pausedUntil: number }, ms: number) => {
    entry.budget.pause(ms);
    entry.pausedUntil = Math.max(entry.pausedUntil, clock.now() + ms);
  };

  /** How long until X-RateLimit-Reset, bounded: a skewed host clock must not stall us for hours. */
  const untilReset = (headers: Headers): number => {
    const reset = intHeader(headers, 'x-ratelimit-reset');
    const ms = reset === undefined ? INTERCOM_WINDOW_MS : reset * 1000 - clock.now();
    return Math.min(Math.max(ms, 0), INTERCOM_WINDOW_MS + 1000);
  };

  const snapshotOf = (key: string, entry: { budget: WindowBudget; pausedUntil: number }, now: number): IntercomBudgetSnapshot => {
    const snapshot = entry.budget.snapshot();
    // The budget's own pause counts too: on PostgreSQL another replica may have set it.
    const pausedUntil = Math.max(entry.pausedUntil, snapshot.pausedUntil ?? 0);
    return { key, ...snapshot, pausedUntil: pausedUntil > now ? pausedUntil : null };
  };

  return {
    clock,
    planFor(key) {
      const keys = keysOf(key);
      const workspace = budgetOf(keys.workspace, limits.workspacePerMinute);
      const app = budgetOf(keys.app, limits.appPerMinute);
      const tally = tallyOf(key.workspaceId);
      return {
        async plan(call, signal) {
          // Workspace first: it is the wider budget, so a slot taken there is rarely held long.
          await acquireFor(workspace.budget, 'intercom', call, signal ?? call.signal);
          await acquireFor(app.budget, 'intercom', call, signal ?? call.signal);
          tally.record(routeFamily(call.method, call.path));
        },
        learn(_call, status, headers) {
          const limit = intHeader(headers, 'x-ratelimit-limit');
          const remaining = intHeader(headers, 'x-ratelimit-remaining');
          // Limit is the app's per-window limit; Remaining is the smaller of the app's and the
          // workspace's (simulator: rate-limit.ts). Both describe the app budget, so only it is corrected:
          // applying them to the workspace budget would count the app's allowance as others' calls.
          if (remaining !== undefined) app.budget.observe(remaining, limit);
          if (status === 429 || remaining === 0) pause(app, untilReset(headers));
        },
      };
    },
    snapshot() {
      const now = clock.now();
      return [...budgets.entries()].map(([key, entry]) => snapshotOf(key, entry, now));
    },
    read(key) {
      const keys = keysOf(key);
      const now = clock.now();
      // Not the shared factory: reading must not ask the database for a budget nobody here spends.
      const fresh = (perMinute: number) => ({ budget: createWindowBudget({ limit: perWindow(perMinute), windowMs: INTERCOM_WINDOW_MS, clock }), pausedUntil: 0 });
      return {
        workspace: snapshotOf(keys.workspace, budgets.get(keys.workspace) ?? fresh(limits.workspacePerMinute), now),
        app: snapshotOf(keys.app, budgets.get(keys.app) ?? fresh(limits.appPerMinute), now),
        callsLastHour: tallies.get(key.workspaceId)?.lastHour() ?? new Map(),
      };
    },
  };
}
