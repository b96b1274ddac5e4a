// HubSpot's rate limits as budgets planned per portal (DESIGN.md §2 invariant 6), shared by every
// client of the same portal in this process: the registry hands out one PortalBudget per portal id.
// Limits (hubspot-api.md §3):
//   - burst: N calls per rolling 10 s per app per account; N by tier (100 Free/Starter, 190 Pro/Ent,
//     250 with the increase, 110 for public apps) — configurable, default 100;
//   - CRM search: 5 per second per account, separate; search does not spend the 10-s bucket
//     (spec `x-hubspot-rate-limit-exemptions: ["ten-secondly"]`), and its answers carry no
//     X-HubSpot-RateLimit-* headers;
//   - v4 association batch/label endpoints are exempt from the 10-s bucket too (call.budget 'daily');
//   - daily per account, resets at midnight (account time zone; UTC here) — for private-app (static)
//     tokens only. HubSpot documents no daily limit for OAuth-authorised calls and sends them no
//     -Daily headers (hubspot-api.md §3 "Limits": "Historically OAuth calls had no daily limit";
//     "Response headers": X-HubSpot-RateLimit-Daily "Not sent for OAuth-authorised calls"), so an
//     OAuth client is not paced against a daily budget: pacing it against a figure HubSpot does not
//     enforce would only slow its work down at the end of a busy day.
import { createCallTally } from '../call-tally.ts';
import { acquireFor, createDailyBudget, localBudgets, realClock, type BudgetClock, type BudgetSnapshot, type WindowBudgetFactory } from '../rate-budget.ts';
import { routeFamily } from '../route-family.ts';
import type { Headers } from '../retry-policy.ts';
import { retryAfterMs } from '../retry-policy.ts';
import type { UpstreamCall } from '../upstream-client.ts';
import { UpstreamError } from '../upstream-error.ts';

/** What a call spends: UpstreamCall.budget; undefined means 'standard'. */
type HubSpotBudgetKind = 'standard' | 'search' | 'daily' | 'none';

interface HubSpotLimits {
  burstPer10s: number;
  searchPerSecond: number;
  daily: number;
}

const DEFAULT_LIMITS: HubSpotLimits = { burstPer10s: 100, searchPerSecond: 5, daily: 250_000 };

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
  /**
   * Where the burst and search windows live: this process's memory (default), or the database every
   * replica shares (createSharedBudgets, on PostgreSQL). The daily quota stays per process either
   * way: every static-token answer carries the portal's -Daily-Remaining, which corrects it.
   */
  budgets?: WindowBudgetFactory;
}

/** How a client authenticates: it decides whether the daily quota applies to its calls. */
type HubSpotAuthMethod = 'oauth' | 'static';

export interface PortalBudgetSnapshot {
  portalId: string;
  /** Whose view this is: the portal's budgets as spent by clients that authenticate this way. */
  auth: HubSpotAuthMethod;
  burst: BudgetSnapshot;
  search: BudgetSnapshot;
  /** The portal's daily quota; null for OAuth clients, which HubSpot does not limit per day. */
  daily: { limit: number; remaining: number; resetsAt: number } | null;
  /** Calls refused with 429 since start, by budget. */
  refused: { standard: number; search: number; daily: number };
}

/** The connection page's rate-budget meter (issue #16 item 9): the snapshot and what it does not say. */
interface PortalBudgetReading extends PortalBudgetSnapshot {
  /** Calls this process sent to the portal in the last hour, by route family (starts empty at a restart). */
  callsLastHour: Map<string, number>;
  /** The daily quota runs low and calls are spaced this far apart (ms); 0 when they are not. */
  dailyPacingMs: number;
}

interface PortalBudget {
  plan(call: UpstreamCall, signal?: AbortSignal): Promise<void>;
  learn(call: UpstreamCall, status: number, headers: Headers): void;
  snapshot(): PortalBudgetSnapshot;
  read(): PortalBudgetReading;
}

export interface HubSpotRateRegistry {
  /** The portal's shared budgets as a client with this auth method spends them (default 'static'). */
  portal(portalId: string, auth?: HubSpotAuthMethod): PortalBudget;
  snapshot(): PortalBudgetSnapshot[];
  /** One portal's budgets as a client with this auth method sees them; an untouched portal reads as full. */
  read(portalId: string, auth: HubSpotAuthMethod): PortalBudgetReading;
}

/** A plan of calls per auth method: only private-app tokens are paced against the daily quota. */
function dailyQuotaApplies(auth: HubSpotAuthMethod): boolean {
  return auth === 'static';
}

function budgetKind(call: UpstreamCall): HubSpotBudgetKind {
  const kind = call.budget ?? 'standard';
  return kind === 'search' || kind === 'daily' || kind === 'none' ? kind : 'standard';
}

const numberHeader = (headers: Headers, name: string): number | undefined => {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
};

function createPortalBudget(portalId: string, limits: HubSpotLimits, settings: RatePlanSettings): (auth: HubSpotAuthMethod) => PortalBudget {
  const clock = settings.clock ?? realClock;
  const margin = settings.margin ?? { ratio: 0.03, fixedMs: 100 };
  const windowOf = (ms: number) => Math.round(ms * (1 + margin.ratio) + margin.fixedMs);
  const budgets = settings.budgets ?? localBudgets;
  const burst = budgets(`hubspot:${portalId}:burst`, { limit: limits.burstPer10s, windowMs: windowOf(10_000), clock });
  const search = budgets(`hubspot:${portalId}:search`, { limit: limits.searchPerSecond, windowMs: windowOf(1_000), clock });
  const daily = createDailyBudget({
    limit: limits.daily, clock, lowWatermark: settings.dailyLowWatermark ?? 0.1, ...(settings.dailyResetAt ? { nextReset: settings.dailyResetAt } : {}),
  });
  const refused = { standard: 0, search: 0, daily: 0 };
  const tally = createCallTally(() => clock.now());
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

  // One set of budgets per portal; each auth method gets its own view of it (the burst and search
  // windows are shared, the daily quota is spent and planned by static-token clients only).
  return (auth) => {
    const paced = dailyQuotaApplies(auth);
    const snapshot = (): PortalBudgetSnapshot => ({ portalId, auth, burst: burst.snapshot(), search: search.snapshot(), daily: paced ? daily.snapshot() : null, refused: { ...refused } });
    return {
    async plan(call, signal) {
      const kind = budgetKind(call);
      if (kind === 'none') {
        tally.record(routeFamily(call.method, call.path));
        return;
      }
      // Daily first: when the quota runs low, slow down instead of spending it and failing later.
      const pacing = paced ? dailyWait() : 0;
      if (pacing > maxPlanWaitMs) {
        throw new UpstreamError({
          service: 'hubspot', kind: 'rate_limited', status: null, method: call.method, path: call.path, retryAfterMs: pacing,
          code: 'DAILY', vendorMessage: `the portal's daily API quota is nearly used up; next call in ${Math.ceil(pacing / 1000)} s`,
        });
      }
      if (pacing > 0) await clock.sleep(pacing, signal);
      if (kind === 'standard') {
        await acquireFor(burst, 'hubspot', call, signal);
        heldAtSend.set(call, burstHeld());
      }
      else if (kind === 'search') await acquireFor(search, 'hubspot', call, signal);
      if (paced) daily.record();
      tally.record(routeFamily(call.method, call.path));
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
      if (paced && dailyRemaining !== undefined) daily.observe(dailyRemaining, numberHeader(headers, 'x-hubspot-ratelimit-daily'));
      if (status !== 429) return;
      // A 429 means our estimate was wrong (another app, another process): stop sending on that
      // budget for Retry-After, else 1 s (the SDK's search delay; the burst window also refills
      // by itself once -Remaining: 0 was observed above).
      const wait = retryAfterMs(headers, clock.now()) ?? 1_000;
      if (paced && dailyRemaining === 0) refused.daily += 1;
      else if (kind === 'search') {
        refused.search += 1;
        search.pause(wait);
      } else {
        refused.standard += 1;
        burst.pause(wait);
      }
    },
    snapshot,
    read: () => ({ ...snapshot(), callsLastHour: tally.lastHour(), dailyPacingMs: paced ? daily.pacingDelayMs() : 0 }),
    };
  };
}

/** One registry per process (the daemon creates it once and gives it to every HubSpot client). */
export function createHubSpotRateRegistry(settings: RatePlanSettings = {}): HubSpotRateRegistry {
  const portals = new Map<string, (auth: HubSpotAuthMethod) => PortalBudget>();
  const views = new Map<string, PortalBudget>();
  const limitsOf = (portalId: string) => ({ ...DEFAULT_LIMITS, ...settings.defaults, ...settings.perPortal?.[portalId] });
  return {
    portal(portalId, auth = 'static') {
      const key = `${auth}:${portalId}`;
      let view = views.get(key);
      if (!view) {
        let budgets = portals.get(portalId);
        if (!budgets) {
          budgets = createPortalBudget(portalId, limitsOf(portalId), settings);
          portals.set(portalId, budgets);
        }
        view = budgets(auth);
        views.set(key, view);
      }
      return view;
    },
    snapshot: () => [...views.values()].map((budget) => budget.snapshot()),
    // Reading must not register a portal no client has used (metrics list the registered ones):
    // an unused portal reads as fresh budgets of its configured size.
    read: (portalId, auth) => (views.get(`${auth}:${portalId}`) ?? (portals.get(portalId) ?? createPortalBudget(portalId, limitsOf(portalId), settings))(auth)).read(),
  };
}
