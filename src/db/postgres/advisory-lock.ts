// Work that must run on one replica at a time across the cluster (a chore, a sweep): a session-level
// PostgreSQL advisory lock, taken with pg_try_advisory_lock on a connection of its own and held for
// the work's duration. Another replica that tries meanwhile does not wait: it skips its run. If the
// lock's connection dies, PostgreSQL releases the lock with the session; the work itself uses the
// pool, so it is not cut short, and at worst another replica starts the same chore early — which a
// chore must bear anyway (each is idempotent: it enqueues keyed jobs or deletes what is past due).
import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * A stable 64-bit lock key for a name (the first 8 bytes of its SHA-256, signed as PostgreSQL's
 * bigint is): the same on every replica and every version, with no registry of numbers to keep.
 * Returned as text, which pg sends as a bigint parameter without going through a JS number.
 */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(`interhubz:${name}`).digest().readBigInt64BE(0).toString();
}

export type LockedRun<T> = { ran: true; value: T } | { ran: false };

/** Runs `work` holding the advisory lock `key`, or not at all when another session holds it. */
export async function withAdvisoryLock<T>(pool: pg.Pool, key: string, work: () => Promise<T>): Promise<LockedRun<T>> {
  const client = await pool.connect();
  // A checked-out client that loses its connection emits 'error'; unheard, it would end the process.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  let locked = false;
  try {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    locked = result.rows[0]?.locked === true;
    if (!locked) return { ran: false };
    return { ran: true, value: await work() };
  } finally {
    if (locked && lost === undefined) {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch((error: unknown) => {
        lost = error instanceof Error ? error : new Error(String(error));
      });
    }
    client.off('error', onError);
    // A connection that failed is closed, not pooled: its session (and any lock) ends with it.
    client.release(lost ?? false);
  }
}
