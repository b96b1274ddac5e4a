// Whether the Inbox app can ask HubSpot now without waiting for the portal's rate budget
// (src/integrations/hubspot/rate-plan.ts): a teammate waiting in the Inbox is better told "try
// again in N s" than left with a spinner that Intercom turns into an error (issue #20 item 4).
// Pure: reads a budget snapshot.
import type { PortalBudgetSnapshot } from '../integrations/hubspot/rate-plan.ts';

/**
 * The standard calls an open costs at most, caches cold: the contact, the owners (active and
 * archived), the portal's UI domain, the company, the deals' batch read, the deal and the ticket
 * pipelines. (The association reads spend only the daily quota.)
 */
export const CALLS_PER_OPEN = 8;

/**
 * How long (ms) until `calls` standard calls (and `searches` searches) could all leave without
 * waiting; null when they can now. A budget paused after a 429, a window without room for the
 * callers already queueing and these calls, or a spent daily quota each mean waiting.
 *
 * Queueing callers are counted against the room, not taken for a full window: on PostgreSQL every
 * slot is taken in a database transaction (src/integrations/shared-budget.ts), so while any call of
 * this replica takes its slot one caller is "waiting" with the window nearly empty, and the card
 * would say "HubSpot is busy, try again in 10 s" for nothing. In memory (SQLite) a caller waits
 * only when the window is full, where both readings agree.
 */
export function hubspotWaitMs(snapshot: PortalBudgetSnapshot, now: number, need: { calls: number; searches?: number }): number | null {
  const waits: number[] = [];
  const windowWait = (budget: PortalBudgetSnapshot['burst'], count: number) => {
    if (count <= 0) return;
    if (budget.pausedUntil !== null && budget.pausedUntil > now) waits.push(budget.pausedUntil - now);
    else if (budget.available < count + budget.waiting) waits.push(Math.max(0, (budget.freesAt ?? now + budget.windowMs) - now) || budget.windowMs);
  };
  windowWait(snapshot.burst, need.calls);
  windowWait(snapshot.search, need.searches ?? 0);
  if (snapshot.daily && snapshot.daily.remaining < need.calls + (need.searches ?? 0)) waits.push(Math.max(0, snapshot.daily.resetsAt - now));
  return waits.length === 0 ? null : Math.max(...waits);
}
