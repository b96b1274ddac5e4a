// HubSpot's rate limits as budgets planned per portal (DESIGN.md §2 invariant 6), shared by every
// client of the same portal in this process: the registry hands out one PortalBudget per portal id.
// Limits (hubspot-api.md §3):
//   - burst: N calls per rolling 10 s per app per account; N by tier (100 Free/Starter, 190 Pro/Ent,
//     250 with the increase, 110 for public apps) — configurable, default 100;
//   - CRM search: 5 per second per account, separate; search does not spend the 10-s bucket
//     (spec `x-hubspot-rate-limit-exemptions: ["ten-secondly"]`), and its answers carry no
//     X-HubSpot-RateLimit-* headers;
//   - v4 association batch/label endpoints are exempt from the 10-s bucket too (call.budget 'daily');
//   - daily per account, resets at midnight (account time zone; UTC here). OAuth answers carry no
//     -Daily headers, so our own count is all there is for them.
import { createDailyBudget, createWindowBudget, realClock, type BudgetClock, type BudgetSnapshot } from '../rate-budget.ts';
import type { Headers } from '../retry-policy.ts';
import { retryAfterMs } from '../retry-policy.ts';
import type { UpstreamCall } from '../upstream-client.ts';
import { UpstreamError } from '../upstream-error.ts';

/** What a call spends: UpstreamCall.budget; undefined means 'standard'. */
export type HubSpotBudgetKind = 'standard' | 'search' | 'daily' | 'none';

export interface HubSpotLimits {
  burstPer10s: number;
  searchPerSecond: number;
  daily: number;
}

export const DEFAULT_LIMITS: HubSpotLimits = { burstPer10s: 100, searchPerSecond: 5, daily: 250_000 };

export interface RatePlanSettings {
  defaults?: Partial<HubSpotLimits>;
  /** Per-portal tier overrides, keyed by portal (hub) id. */
  perPortal?: Record<string, Partial<HubSpotLimits>>;
  /**
   * Our windows run slightly longer than HubSpot's: we stamp a call when it leaves, HubSpot when it
   * arrives, so an exactly-sized window can free a slot before HubSpot does and earn a 429 whenever
   * a call takes longer than the margin to arrive (network jitter, an event-loop stall: the bench saw
   * a few 429s with 170 ms under CPU contention). Margin = window × ratio + fixedMs. Defaults 0.03
   * and 100 ms: 10.4 s per 10-s window (≈ 96 % of the burst budget usable) and 1.13 s per search
   * second (≈ 88 %). 20 ms was too thin for the 1-s search window: CI on a loaded 2-core machine
   * saw 5 of 20 searches refused with it.
   */
  margin?: { ratio: number; fixedMs: number };
  /** Daily pacing waits longer than this are not slept: the call fails rate_limited with the wait. */
  maxPlanWaitMs?: number;
  /** Below this share of the daily quota, calls are spread over the rest of the day. */
  dailyLowWatermark?: number;
  /** When the daily quota resets (default: next UTC midnight; HubSpot uses the account's time zone). */
  dailyResetAt?: (now: number) => number;
  clock?: BudgetClock;
}

export interface PortalBudgetSnapshot {
  portalId: string;
  burst: BudgetSnapshot;
  search: BudgetSnapshot;
  daily: { limit: number; remaining: number; resetsAt: number };
  /** Calls refused with 429 since start, by budget. */
  refused: { standard: number; search: number; daily: number };
}

export interface PortalBudget {
  plan(call: UpstreamCall, signal?: AbortSignal): Promise<void>;
  learn(call: UpstreamCall, status: number, headers: Headers): void;
  snapshot(): PortalBudgetSnapshot;
}

export interface HubSpotRateRegistry {
  portal(portalId: string): PortalBudget;
  snapshot(): PortalBudgetSnapshot[];
}

export function budgetKind(call: UpstreamCall): HubSpotBudgetKind {
  const kind = call.budget ?? 'standard';
  return kind === 'search' || kind === 'daily' || kind === 'none' ? kind : 'standard';
}

const numberHeader = (headers: Headers, name: string): number | undefined => {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
};

function createPortalBudget(portalId: string, limits: HubSpotLimits, settings: RatePlanSettings): PortalBudget {
  const clock = settings.clock ?? realClock;
  const margin = settings.margin ?? { ratio: 0.03, fixedMs: 100 };
  const windowOf = (ms: number) => Math.round(ms * (1 + margin.ratio) + margin.fixedMs);
  const burst = createWindowBudget({ limit: limits.burstPer10s, windowMs: windowOf(10_000), clock });
  const search = createWindowBudget({ limit: limits.searchPerSecond, windowMs: windowOf(1_000), clock });
  const daily = createDailyBudget({
    limit: limits.daily, clock, lowWatermark: settings.dailyLowWatermark ?? 0.1, ...(settings.dailyResetAt ? { nextReset: settings.dailyResetAt } : {}),
  });
  const refused = { standard: 0, search: 0, daily: 0 };
  const maxPlanWaitMs = settings.maxPlanWaitMs ?? 30_000;
  /**
   * How many calls the burst window held (ours, plus others already learnt) when each call left.
   * HubSpot's -Remaining counts what it had seen when it answered *that* call, not the calls we sent
   * since; createWindowBudget.observe compares it with everything in our window now, which under
   * concurrency undercounts the others (and earned 429s). We rebase the figure to the send time.
   */
  const heldAtSend = new WeakMap<UpstreamCall, number>();
  const burstHeld = () => {
    const snap = burst.snapshot();
    return snap.limit - snap.available;
  };
  /** When the next daily-paced call may go: pacing is spaced across all callers, not per caller. */
  let nextPacedAt = 0;

  /** The wait the daily quota asks for now, reserving this caller's turn. */
  function dailyWait(): number {
    const pacing = daily.pacingDelayMs();
    if (pacing <= 0) return 0;
    const now = clock.now();
    const { remaining, resetsAt } = daily.snapshot();
    if (remaining <= 0) return resetsAt - now;
    const at = Math.max(now, nextPacedAt);
    // A wait too long to sleep is not reserved: that call goes back to its job with the wait.
    if (at - now <= maxPlanWaitMs) nextPacedAt = at + pacing;
    return at - now;
  }

  return {
    async plan(call, signal) {
      const kind = budgetKind(call);
      if (kind === 'none') return;
      // Daily first: when the quota runs low, slow down instead of spending it and failing later.
      const pacing = dailyWait();
      if (pacing > maxPlanWaitMs) {
        throw new UpstreamError({
          service: 'hubspot', kind: 'rate_limited', status: null, method: call.method, path: call.path, retryAfterMs: pacing,
          code: 'DAILY', vendorMessage: `the portal's daily API quota is nearly used up; next call in ${Math.ceil(pacing / 1000)} s`,
        });
      }
      if (pacing > 0) await clock.sleep(pacing, signal);
      if (kind === 'standard') {
        await burst.acquire(signal);
        heldAtSend.set(call, burstHeld());
      }
      else if (kind === 'search') await search.acquire(signal);
      daily.record();
    },
    learn(call, status, headers) {
      const kind = budgetKind(call);
      if (kind === 'none') return;
      // §3 response headers: -Max/-Remaining for the 10-s window, -Daily/-Daily-Remaining (static tokens only).
      const max = numberHeader(headers, 'x-hubspot-ratelimit-max');
      const remaining = numberHeader(headers, 'x-hubspot-ratelimit-remaining');
      if (kind === 'standard' && remaining !== undefined) {
        const atSend = heldAtSend.get(call);
        const sentSince = atSend === undefined ? 0 : Math.max(0, burstHeld() - atSend);
        burst.observe(Math.max(0, remaining - sentSince), max);
      }
      const dailyRemaining = numberHeader(headers, 'x-hubspot-ratelimit-daily-remaining');
      if (dailyRemaining !== undefined) daily.observe(dailyRemaining, numberHeader(headers, 'x-hubspot-ratelimit-daily'));
      if (status !== 429) return;
      // A 429 means our estimate was wrong (another app, another process): stop sending on that
      // budget for Retry-After, else 1 s (the SDK's search delay; the burst window also refills
      // by itself once -Remaining: 0 was observed above).
      const wait = retryAfterMs(headers, clock.now()) ?? 1_000;
      if (dailyRemaining === 0) refused.daily += 1;
      else if (kind === 'search') {
        refused.search += 1;
        search.pause(wait);
      } else {
        refused.standard += 1;
        burst.pause(wait);
      }
    },
    snapshot: () => ({ portalId, burst: burst.snapshot(), search: search.snapshot(), daily: daily.snapshot(), refused: { ...refused } }),
  };
}

/** One registry per process (the daemon creates it once and gives it to every HubSpot client). */
export function createHubSpotRateRegistry(settings: RatePlanSettings = {}): HubSpotRateRegistry {
  const portals = new Map<string, PortalBudget>();
  return {
    portal(portalId) {
      let budget = portals.get(portalId);
      if (!budget) {
        const limits = { ...DEFAULT_LIMITS, ...settings.defaults, ...settings.perPortal?.[portalId] };
        budget = createPortalBudget(portalId, limits, settings);
        portals.set(portalId, budget);
      }
      return budget;
    },
    snapshot: () => [...portals.values()].map((budget) => budget.snapshot()),
  };
}
