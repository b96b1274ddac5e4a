// The handle features use to add work: enqueue (optionally inside their own transaction) and wake
// the scheduler when the job is due sooner than it planned to look.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { cancelJobByKey, enqueueJob, type EnqueueResult, type EnqueueSpec } from './queue.ts';

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
      // Inside a caller's transaction the scheduler's next read waits for its commit on the shared
      // connection, so waking it now cannot make it miss the job.
      if (result.status === 'queued') options.notify(result.runAt);
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
