// Sign-in limits, in memory on purpose: a restart forgets, which costs an attacker a restart they
// cannot cause, and keeps failed attempts out of the database.
//
// Two layers:
// - per client address: an attempt is counted when it is admitted, before the password hash runs,
//   so a hundred parallel requests cannot all slip in while the first ones are still hashing; past
//   `max` attempts in the window the address is refused (429) until the window moves on.
// - per username: checks run one at a time, and once the username has `max` failures in the window
//   (from any addresses) each check first waits a back-off that doubles with every further failure.
//   That slows a guesser spread over many addresses without ever refusing the right password from
//   an address that is not blocked: the admin is delayed, never locked out by someone else.
//
// Per replica, on purpose too (issue #21): behind a load balancer each replica counts on its own, so
// N replicas give an attacker N times the budget — bounded, and the per-username back-off still
// doubles on every replica the guesses reach. A limiter in the database would write a row for every
// failed attempt, turning a password-guessing flood into a write flood on the shared store.
import { isIPv4, isIPv6 } from 'node:net';

export interface LoginLimiterOptions {
  max: number;
  windowMs: number;
  /** Addresses (and usernames) remembered at most; the oldest is forgotten first. */
  maxEntries?: number;
  backoff?: { baseMs: number; capMs: number };
  /** Checks queued for one username at most; past it the attempt is refused at once. */
  maxQueued?: number;
  /**
   * Password checks running at once across all usernames: scrypt at N=2^17 takes 128 MiB each, so
   * guesses with made-up usernames from many addresses must not run side by side without bound.
   */
  maxConcurrentChecks?: number;
}

export interface LoginLimiter {
  /** Counts an attempt by this client and returns 0, or — when over the limit — counts nothing and returns how many ms to wait. */
  admit(client: string, now: number): number;
  /**
   * Runs the password check for this username after its back-off, one check per username at a
   * time, and records the outcome. Resolves to undefined when too many checks for the username are
   * already waiting (the caller answers 429).
   */
  check(username: string, now: () => number, verify: () => Promise<boolean>): Promise<boolean | undefined>;
  /** A successful sign-in forgets the client's attempts. */
  forgive(client: string): void;
}

const DEFAULTS = { maxEntries: 10_000, backoff: { baseMs: 500, capMs: 10_000 }, maxQueued: 32, maxConcurrentChecks: 2 };

/** At most `size` callers inside at once; the others wait in arrival order. */
function createSemaphore(size: number) {
  let inside = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (inside >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else inside += 1;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else inside -= 1;
    }
  };
}

/** A bounded map of timestamps per key; inserting past the bound forgets the least recently inserted key. */
function createWindowed(windowMs: number, maxEntries: number) {
  const entries = new Map<string, number[]>();
  return {
    recent(key: string, now: number): number[] {
      const kept = (entries.get(key) ?? []).filter((at) => at > now - windowMs);
      if (kept.length === 0) entries.delete(key);
      else entries.set(key, kept);
      return kept;
    },
    add(key: string, now: number, keepAtMost: number): void {
      const kept = [...this.recent(key, now), now].slice(-keepAtMost);
      entries.delete(key);
      entries.set(key, kept);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    forget(key: string): void {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createLoginLimiter(options: LoginLimiterOptions): LoginLimiter & { readonly trackedClients: number } {
  const { max, windowMs } = options;
  const maxEntries = options.maxEntries ?? DEFAULTS.maxEntries;
  const backoff = options.backoff ?? DEFAULTS.backoff;
  const maxQueued = options.maxQueued ?? DEFAULTS.maxQueued;
  const attempts = createWindowed(windowMs, maxEntries);
  const userFailures = createWindowed(windowMs, maxEntries);
  const queues = new Map<string, { tail: Promise<unknown>; waiting: number }>();
  const hashing = createSemaphore(options.maxConcurrentChecks ?? DEFAULTS.maxConcurrentChecks);

  const backoffMs = (username: string, now: number) => {
    const failures = userFailures.recent(username, now).length;
    if (failures < max) return 0;
    return Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(failures - max, 30));
  };

  return {
    admit(client, now) {
      const kept = attempts.recent(client, now);
      if (kept.length >= max) return (kept[kept.length - max] ?? now) + windowMs - now;
      attempts.add(client, now, max);
      return 0;
    },
    async check(username, now, verify) {
      const key = username.toLowerCase();
      const queue = queues.get(key) ?? { tail: Promise.resolve(), waiting: 0 };
      if (queue.waiting >= maxQueued) return undefined;
      queue.waiting += 1;
      queues.set(key, queue);
      const run = queue.tail.then(async () => {
        const wait = backoffMs(key, now());
        if (wait > 0) await sleep(wait);
        const ok = await hashing(verify);
        if (ok) userFailures.forget(key);
        else userFailures.add(key, now(), 64);
        return ok;
      });
      queue.tail = run.catch(() => undefined);
      try {
        return await run;
      } finally {
        queue.waiting -= 1;
        if (queue.waiting === 0) queues.delete(key);
      }
    },
    forgive(client) {
      attempts.forget(client);
    },
    get trackedClients() {
      return attempts.size;
    },
  };
}

/**
 * The key a client is limited by: its address, with IPv6 clients grouped by their /64 (one
 * subscriber usually holds a whole /64, so per-address keys would be free to rotate).
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (a:b::1.2.3.4) takes two groups; only the first four groups matter here.
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  const prefix = groups.slice(0, 4).map((group) => (Number.parseInt(group, 16) || 0).toString(16));
  return `${prefix.join(':')}::/64`;
}
