// The simulators' notion of time. Real time by default; a test can freeze it and move it by hand,
// so token expiry, rate-limit windows and "searchable after N seconds" run in milliseconds.

export interface SimClock {
  now(): number;
  /** Freezes the clock at `ms` (epoch milliseconds). */
  set(ms: number): void;
  /** Moves a frozen clock forward; on a running clock, shifts it. */
  advance(ms: number): void;
  /** Back to real time. */
  release(): void;
}

export function createSimClock(start?: number): SimClock {
  let frozenAt: number | undefined = start;
  let offset = 0;
  return {
    now: () => (frozenAt ?? Date.now() + offset),
    set(ms) {
      frozenAt = ms;
    },
    advance(ms) {
      if (frozenAt !== undefined) frozenAt += ms;
      else offset += ms;
    },
    release() {
      frozenAt = undefined;
      offset = 0;
    },
  };
}
