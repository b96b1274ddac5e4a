// The handle features use to add work: enqueue (optionally inside their own transaction) and wake
// the scheduler when the job is due sooner than it planned to look.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { cancelJobByKey, enqueueJob, type EnqueueResult, type EnqueueSpec } from './queue.ts';
import { notifySchedulers } from './wake-ups.ts';

export interface JobQueue {
  enqueue(spec: EnqueueSpec, trx?: Kysely<Database>): Promise<EnqueueResult>;
  cancelByKey(key: string, trx?: Kysely<Database>): Promise<number>;
  /** Tells the scheduler a job became due at `runAt` by other means than enqueue (a person's retry). */
  wake(runAt: number): void;
}

export function createJobQueue(options: {
  db: Kysely<Database>;
  clock: () => number;
  maxAttempts: number;
  notify(runAt: number): void;
}): JobQueue {
  return {
    async enqueue(spec, trx) {
      const result = await enqueueJob(trx ?? options.db, spec, { now: options.clock(), maxAttempts: options.maxAttempts });
      if (result.status === 'queued') {
        // Other replicas (PostgreSQL): told at the commit of the caller's transaction, if any.
        await notifySchedulers(trx ?? options.db, spec.connectionId ?? null);
        // Inside a caller's transaction the scheduler's next read waits for its commit on the shared
        // connection (SQLite), so waking it now cannot make it miss the job. On PostgreSQL it may
        // look before that commit and miss it; the notification above wakes it again at the commit.
        options.notify(result.runAt);
      }
      return result;
    },
    cancelByKey(key, trx) {
      return cancelJobByKey(trx ?? options.db, key, options.clock());
    },
    wake(runAt) {
      options.notify(runAt);
    },
  };
}
