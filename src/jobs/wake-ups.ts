// How the job queue wakes the scheduler without either being built around the other: the queue
// raises, the scheduler listens from its constructor. The queue exists first (feature tasks need
// it), the scheduler second (it needs those tasks); a wake-up raised before the scheduler listens
// has nothing to wake and is dropped, as a wake-up is before the scheduler starts.
//
// With several replicas on PostgreSQL a job enqueued on one should wake the others' schedulers as
// well: the enqueue also sends NOTIFY on JOBS_CHANNEL (notifySchedulers, in the enqueue's own
// transaction, so it is delivered at commit, when the job can be claimed), and every replica holds
// one connection LISTENing that raises its local wake-up (src/jobs/listen-wake-ups.ts).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { onPostgres } from './sql.ts';

export interface WakeUps {
  /** A job became due at `runAt`. */
  raise(runAt: number): void;
  listen(listener: (runAt: number) => void): void;
}

export function createWakeUps(): WakeUps {
  const listeners: Array<(runAt: number) => void> = [];
  return {
    raise(runAt) {
      for (const listener of listeners) listener(runAt);
    },
    listen(listener) {
      listeners.push(listener);
    },
  };
}

/** The PostgreSQL channel of job wake-ups; the payload is the job's connection id, or empty. */
export const JOBS_CHANNEL = 'interhubz_jobs';

/**
 * Wakes every replica's scheduler (PostgreSQL; nothing on SQLite, where one process has the table).
 * Given the enqueue's transaction, PostgreSQL delivers it when that commits, never before the job is
 * visible, and not at all if it rolls back; identical notifications of one transaction are sent once.
 */
export async function notifySchedulers(db: Kysely<Database>, connectionId: string | null): Promise<void> {
  if (!onPostgres(db)) return;
  await sql`SELECT pg_notify(${JOBS_CHANNEL}, ${connectionId ?? ''})`.execute(db);
}
