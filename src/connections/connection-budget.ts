// The connection page's rate-budget meter (issue #16 item 9): the HubSpot portal's and the Intercom
// workspace's budgets in use now (per window and daily), calls by kind in the last hour, and whether
// work waits on a budget — in a call (a slot, a pause after a 429, daily pacing) or as jobs put off
// until the vendor's wait is over. Budgets belong to the portal or workspace, not the connection
// (src/integrations/*/rate-plan.ts): connections on the same account share them, and the view says so.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { listConnections, type Connection } from '../db/repos/connections.ts';
import type { BudgetSnapshot } from '../integrations/rate-budget.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import { jobsWaitingOnBudget } from '../jobs/budget-waits.ts';
import type { Vendor } from '../vendor.ts';
import { intercomBudgetKey } from './clients.ts';

export interface BudgetWindowView {
  /** burst, search (HubSpot); app, workspace (Intercom). */
  name: string;
  /** What the window counts, in plain words. */
  label: string;
  used: number;
  limit: number;
  windowSeconds: number;
  /** When the oldest call counted leaves the window and frees a slot (ISO); null when none is counted. */
  freesAt: string | null;
  /** Nothing is sent on this budget until then (the vendor refused a call with 429), or null. */
  pausedUntil: string | null;
  /** Calls waiting for a slot right now. */
  waiting: number;
}

export interface BudgetSideView {
  vendor: Vendor;
  /** The HubSpot portal (hub) id or the Intercom workspace id. */
  account: string;
  windows: BudgetWindowView[];
  /** The daily quota; null when the vendor sets none for this kind of access (see dailyNote). */
  daily: { used: number; limit: number; resetsAt: string; /** Calls are spaced this far apart to last the day; 0 when they are not. */ pacingMs: number } | null;
  dailyNote: string | null;
  /** Calls this process sent to the account in the last hour, by kind, most first. */
  callsLastHour: Array<{ kind: string; calls: number }>;
  /** Calls the vendor refused with 429 since this process started (HubSpot only; null for Intercom). */
  refusedSinceStart: number | null;
  /** Other connections on the same portal or workspace: they spend this budget too. */
  sharedWith: Array<{ id: string; name: string }>;
  waiting: boolean;
  /** Why work waits on this budget, one line a person reads; null when it does not. */
  waitReason: string | null;
}

/** GET /api/connections/:id/budget. */
export interface ConnectionBudgetView {
  /** null when that side is not connected (no portal or workspace known yet). */
  hubspot: BudgetSideView | null;
  intercom: BudgetSideView | null;
  /** Jobs put off until the vendor's wait is over (a 429, or a daily quota too low to wait in the call). */
  jobsWaiting: { count: number; nextRunAt: string | null };
  /** Some work of this connection waits on a budget now. */
  waiting: boolean;
  /** The last-hour counts are kept in memory: since this time (the process start, or an hour ago). */
  countedSince: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const HOUR_MS = 3_600_000;

function windowView(name: string, label: string, snapshot: BudgetSnapshot): BudgetWindowView {
  return {
    name, label,
    used: snapshot.limit - snapshot.available, limit: snapshot.limit, windowSeconds: Math.round(snapshot.windowMs / 1000),
    freesAt: iso(snapshot.freesAt), pausedUntil: iso(snapshot.pausedUntil), waiting: snapshot.waiting,
  };
}

function byKind(calls: Map<string, number>): BudgetSideView['callsLastHour'] {
  return [...calls].map(([kind, n]) => ({ kind, calls: n })).sort((a, b) => b.calls - a.calls || a.kind.localeCompare(b.kind));
}

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))} s`;

/** The first reason a side's work waits, in the order a person would want to know it. */
function waitReason(vendor: Vendor, windows: BudgetWindowView[], daily: { remaining: number; pacingMs: number } | null, now: number): string | null {
  const paused = windows.find((w) => w.pausedUntil !== null);
  if (paused?.pausedUntil) {
    const wait = seconds(Date.parse(paused.pausedUntil) - now);
    // HubSpot pauses a budget only after a 429; Intercom also when a response says Remaining 0 (rate-plan.ts).
    if (vendor === 'intercom') return `Intercom's limit for this 10-second window is used up: the next call waits ${wait}`;
    return `HubSpot answered 429 (too many requests): the next ${paused.name === 'search' ? 'search' : 'call'} waits ${wait}`;
  }
  const full = windows.find((w) => w.waiting > 0);
  if (full) return `${full.waiting} call${full.waiting === 1 ? '' : 's'} waiting for a free slot (${full.label.toLowerCase()}: ${full.used} of ${full.limit} used)`;
  if (daily && daily.remaining <= 0) return "Today's quota is used up: calls wait until it resets";
  if (daily && daily.pacingMs > 0) return `Today's quota is running low: calls are spaced ${seconds(daily.pacingMs)} apart until it resets`;
  return null;
}

function sharing(connection: Connection, all: Connection[], same: (other: Connection) => boolean): BudgetSideView['sharedWith'] {
  return all.filter((other) => other.id !== connection.id && same(other)).map((other) => ({ id: other.id, name: other.name }));
}

export async function connectionBudget(
  deps: { db: Kysely<Database>; upstream: Pick<UpstreamContext, 'hubspotRates' | 'intercomRates'> },
  connection: Connection,
  now: number,
): Promise<ConnectionBudgetView> {
  const all = await listConnections(deps.db);
  let hubspot: BudgetSideView | null = null;
  if (connection.hubspotPortalId !== null) {
    const portalId = connection.hubspotPortalId;
    const reading = deps.upstream.hubspotRates.read(String(portalId), connection.hubspotAuth === 'oauth' ? 'oauth' : 'static');
    const windows = [windowView('burst', 'Calls per 10 seconds', reading.burst), windowView('search', 'CRM searches per second', reading.search)];
    const pacingMs = reading.dailyPacingMs;
    const reason = waitReason('hubspot', windows, reading.daily && { remaining: reading.daily.remaining, pacingMs }, now);
    hubspot = {
      vendor: 'hubspot',
      account: String(portalId),
      windows,
      daily: reading.daily && { used: reading.daily.limit - reading.daily.remaining, limit: reading.daily.limit, resetsAt: new Date(reading.daily.resetsAt).toISOString(), pacingMs },
      // hubspot-api.md §3: the daily limit and its headers apply to private-app tokens only.
      dailyNote: reading.daily ? null : 'HubSpot sets no daily limit on calls made with OAuth.',
      callsLastHour: byKind(reading.callsLastHour),
      refusedSinceStart: reading.refused.standard + reading.refused.search + reading.refused.daily,
      sharedWith: sharing(connection, all, (other) => other.hubspotPortalId === portalId),
      waiting: reason !== null,
      waitReason: reason,
    };
  }
  let intercom: BudgetSideView | null = null;
  if (connection.intercomWorkspaceId !== null) {
    const workspaceId = connection.intercomWorkspaceId;
    const reading = deps.upstream.intercomRates.read(intercomBudgetKey(connection));
    const windows = [windowView('app', 'Our app, per 10 seconds', reading.app), windowView('workspace', 'The whole workspace, per 10 seconds', reading.workspace)];
    const reason = waitReason('intercom', windows, null, now);
    intercom = {
      vendor: 'intercom',
      account: workspaceId,
      windows,
      daily: null,
      // intercom-api.md §5.1: per-minute limits in 10-second windows, no daily quota.
      dailyNote: 'Intercom has no daily limit, only per-minute ones.',
      callsLastHour: byKind(reading.callsLastHour),
      refusedSinceStart: null,
      sharedWith: sharing(connection, all, (other) => other.intercomWorkspaceId === workspaceId),
      waiting: reason !== null,
      waitReason: reason,
    };
  }
  const jobs = await jobsWaitingOnBudget(deps.db, connection.id, now);
  return {
    hubspot,
    intercom,
    jobsWaiting: { count: jobs.count, nextRunAt: iso(jobs.nextRunAt) },
    waiting: jobs.count > 0 || hubspot?.waiting === true || intercom?.waiting === true,
    countedSince: new Date(Math.max(Math.round(performance.timeOrigin), now - HOUR_MS)).toISOString(),
  };
}
