// Calls by kind (route family, src/integrations/route-family.ts) over the last hour, per HubSpot
// portal or Intercom workspace, for the connection page's rate-budget meter (issue #16 item 9).
// Kept in memory as 60 one-minute buckets: bounded by the minutes times the route families (a
// closed vocabulary), and it starts empty when the process restarts — it says what this process
// sent, not what the account spent (other apps' calls show only in the budgets' "remaining").
const MINUTE_MS = 60_000;
const BUCKETS = 60;

export interface CallTally {
  record(kind: string): void;
  /** Calls per kind in the last hour (the current minute and the 59 before it). */
  lastHour(): Map<string, number>;
}

export function createCallTally(now: () => number): CallTally {
  const buckets: Array<{ minute: number; counts: Map<string, number> }> = [];
  const slot = (minute: number) => {
    const index = minute % BUCKETS;
    let bucket = buckets[index];
    if (!bucket || bucket.minute !== minute) {
      bucket = { minute, counts: new Map() };
      buckets[index] = bucket;
    }
    return bucket;
  };
  return {
    record(kind) {
      const counts = slot(Math.floor(now() / MINUTE_MS)).counts;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    },
    lastHour() {
      const current = Math.floor(now() / MINUTE_MS);
      const total = new Map<string, number>();
      for (const bucket of buckets) {
        if (!bucket || bucket.minute <= current - BUCKETS) continue;
        for (const [kind, n] of bucket.counts) total.set(kind, (total.get(kind) ?? 0) + n);
      }
      return total;
    },
  };
}
