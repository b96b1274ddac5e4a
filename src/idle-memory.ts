// Gives memory back once the daemon is idle. V8 collects garbage only when the program allocates, and
// an idle daemon allocates next to nothing: whatever young generation the start-up or a burst of
// webhooks grew stays resident for good. Capping the young generation small instead
// (--max-semi-space-size=2, the image's option until the sixteenth session) kept idle memory under
// 100 MB but made every webhook delivery in a burst cost ~50 µs more in scavenges: 0.39–0.47 of the
// bare route against 0.48–0.60 with 8 MB or more (test/bench/RESULTS.md, "the image's young
// generation").
//
// So the image lets the young generation grow (its CMD: a 16 MB cap and --expose-gc) and this module
// shrinks it again once the event loop has been nearly idle for a while and the young generation is
// large: after the start-up, its first quiet second; after that, ten quiet seconds in a row, so that
// a lull between bursts is left alone. The collection is V8's "last resort" one (what it runs before
// giving up on memory): it shrinks the young generation to its initial size and compacts the old
// one. It holds the thread for ~50 ms, so it runs only when nothing else is going on; without
// --expose-gc (`npm start`) nothing is done.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Logger } from 'pino';

/** How often the loop's idleness is looked at. */
const CHECK_MS = 1000;
/** Busier than this over a check's second (its share of time running JavaScript or native work) is not quiet. */
export const QUIET_UTILIZATION = 0.05;
/** Quiet seconds in a row before memory is given back; after the start-up, one (its garbage is known). */
export const QUIET_CHECKS = 10;
/** A young generation at most this large is left alone: V8 starts it at 1 MB (two semi-spaces of 512 kB). */
export const SMALL_YOUNG_GENERATION_BYTES = 4 * 1024 * 1024;

interface IdleReading {
  /** The young generation's resident size (V8's new_space, physical). */
  youngBytes: number;
  /** The event loop's utilization since the last reading, 0..1. */
  utilization: number;
}

export interface IdleMemoryDeps {
  /** V8's gc(), exposed by --expose-gc. */
  gc: NonNullable<typeof globalThis.gc>;
  log: Pick<Logger, 'debug'>;
  /** The young generation's resident bytes (defaults to V8's heap statistics). */
  youngBytes?: () => number;
  /** The loop's utilization since the last call (defaults to performance.eventLoopUtilization). */
  utilization?: () => number;
}

export interface IdleMemory {
  /** One check: counts a quiet reading, and collects once enough came in a row. Returns whether it collected. */
  check(): boolean;
}

const youngGenerationBytes = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;

function loopUtilizationSinceLastCall(): () => number {
  let since: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const over = performance.eventLoopUtilization(now, since);
    since = now;
    return over.utilization;
  };
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

export function createIdleMemory(deps: IdleMemoryDeps): IdleMemory {
  const youngBytes = deps.youngBytes ?? youngGenerationBytes;
  const utilization = deps.utilization ?? loopUtilizationSinceLastCall();
  let quiet = 0;
  /** The start-up ends with its first quiet reading. */
  let startingUp = true;
  return {
    check() {
      const reading: IdleReading = { utilization: utilization(), youngBytes: youngBytes() };
      quiet = reading.utilization <= QUIET_UTILIZATION ? quiet + 1 : 0;
      if (quiet < (startingUp ? 1 : QUIET_CHECKS)) return false;
      const after = startingUp ? 'start-up' : 'quiet';
      startingUp = false;
      if (reading.youngBytes <= SMALL_YOUNG_GENERATION_BYTES) return false;
      const at = performance.now();
      deps.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      const ms = Math.round(performance.now() - at);
      deps.log.debug({ after, youngMbBefore: mb(reading.youngBytes), youngMbAfter: mb(youngBytes()), ms }, 'gave idle memory back');
      quiet = 0;
      // The collection is not the program's work: the next reading starts after it.
      utilization();
      return true;
    },
  };
}

/**
 * Started by the process entry point once the daemon is up, for the process's life: the timer never
 * keeps the process alive. Without --expose-gc it does nothing.
 */
export function startIdleMemory(log: Pick<Logger, 'debug'>): void {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') return;
  const idle = createIdleMemory({ gc, log });
  setInterval(() => idle.check(), CHECK_MS).unref();
}
