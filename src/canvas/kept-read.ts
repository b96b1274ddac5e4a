// A HubSpot read the Inbox app keeps in memory a short while (issue #20 item 4): a card waits for it
// only until its deadline (answer-deadline.ts), and a read that is late goes on and is kept, so that
// the next open, Refresh or search shows what it found instead of asking HubSpot again.

export interface KeptRead<T> {
  /** When the read was started. */
  at: number;
  value: Promise<T>;
  settled: boolean;
  /** A card has shown what it found. */
  shown: boolean;
}

/**
 * Whether the kept read answers a new request: it is younger than `ttl`, and — when the teammate
 * asks again (Refresh, Search) — it is still running or what it found has not been shown yet (it
 * is the read an earlier card said was coming). With HubSpot slower than the deadline, starting
 * over at every Refresh would never show anything.
 */
export function reusable<T>(kept: KeptRead<T> | undefined, options: { ttl: number; now: number; again: boolean }): kept is KeptRead<T> {
  if (!kept || options.now - kept.at >= options.ttl) return false;
  return !options.again || !kept.settled || !kept.shown;
}

/** The reusable read under `key`, else `read()` started now and kept; a failed read is dropped so the next request tries again. */
export function keptRead<T>(map: Map<string, KeptRead<T>>, key: string, options: { ttl: number; now: number; again: boolean }, read: () => Promise<T>): KeptRead<T> {
  const kept = map.get(key);
  if (reusable(kept, options)) return kept;
  const entry: KeptRead<T> = { at: options.now, value: read(), settled: false, shown: false };
  map.set(key, entry);
  entry.value.then(
    () => {
      entry.settled = true;
    },
    () => {
      if (map.get(key) === entry) map.delete(key);
    },
  );
  return entry;
}
