// Failed logins per client address in a sliding window. In memory on purpose: a restart forgets,
// which costs an attacker a restart they cannot cause, and keeps failed attempts out of the database.

export interface LoginLimiter {
  /** Milliseconds to wait before another attempt is allowed, or 0. */
  blockedFor(client: string, now: number): number;
  recordFailure(client: string, now: number): void;
  recordSuccess(client: string): void;
}

export function createLoginLimiter(options: { max: number; windowMs: number }): LoginLimiter {
  const failures = new Map<string, number[]>();
  const recent = (client: string, now: number) => {
    const kept = (failures.get(client) ?? []).filter((at) => at > now - options.windowMs);
    if (kept.length === 0) failures.delete(client);
    else failures.set(client, kept);
    return kept;
  };
  return {
    blockedFor(client, now) {
      const kept = recent(client, now);
      if (kept.length < options.max) return 0;
      return (kept[kept.length - options.max] ?? now) + options.windowMs - now;
    },
    recordFailure(client, now) {
      failures.set(client, [...recent(client, now), now]);
    },
    recordSuccess(client) {
      failures.delete(client);
    },
  };
}
