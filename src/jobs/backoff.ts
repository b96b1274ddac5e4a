// Retry delays: exponential, capped, with "equal jitter" (half fixed, half random) so that jobs that
// failed together (an upstream outage) do not all come back in the same second, while none retries
// much sooner than planned. Pure: the random source is passed in.

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** Delay before the next try after `attempts` tries have failed (attempts ≥ 1). */
export function backoffDelay(attempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
