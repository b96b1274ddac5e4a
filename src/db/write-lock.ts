// Waiting for the write lock without stopping the thread. SQLite's own wait (busy_timeout) sleeps
// the calling thread in steps of 1, 2, 5, 10, 15, 20, 25 ms…, and the main connection's calls are
// synchronous: while the checkpoint worker's RESTART held the lock for 40 ms, the daemon's thread
// slept 53 ms (the next step) and read no request meanwhile (test/bench/RESULTS.md, thirteenth
// session). Here the attempt runs with the busy timeout off and, refused, is tried again a
// millisecond later from a timer, so the lock is taken within ~1 ms of its release and the thread
// serves requests in between.
import { setTimeout as sleep } from 'node:timers/promises';
import type SQLite from 'better-sqlite3';

/** How long the main connection waits for the write lock (the checkpoint worker's RESTART, another process). */
export const BUSY_TIMEOUT_MS = 5000;
/** How often a refused attempt is tried again. */
const RETRY_MS = 1;

// exec, not a prepared statement: SQLite applies this pragma when it compiles it, not when it runs.
const setBusyTimeout = (sqlite: SQLite.Database, ms: number) => sqlite.exec(`PRAGMA busy_timeout = ${ms}`);

/**
 * Runs `attempt`, which takes the write lock (BEGIN IMMEDIATE, or a write run outside a transaction)
 * and must do so synchronously, before any await of its own; a refusal has changed nothing. Refused
 * with SQLITE_BUSY, runs it again every RETRY_MS until BUSY_TIMEOUT_MS
 * have passed, then lets the last refusal through. The connection's busy timeout is back between
 * attempts, for its other users.
 */
export async function whenWriteLockFree<T>(sqlite: SQLite.Database, attempt: () => T | Promise<T>): Promise<T> {
  const deadline = performance.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    let outcome: T | Promise<T>;
    setBusyTimeout(sqlite, 0);
    try {
      outcome = attempt();
    } catch (error) {
      outcome = Promise.reject(error);
    } finally {
      setBusyTimeout(sqlite, BUSY_TIMEOUT_MS);
    }
    try {
      return await outcome;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || performance.now() >= deadline) throw error;
    }
    await sleep(RETRY_MS);
  }
}
