// The heart of "no lost events": a delivery's record and its job commit in one transaction, and
// only then is the webhook answered 200. A repeat of a delivery hits the unique index and adds
// nothing. Only ids, the topic and times are written — never the payload.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Provider } from './signing-secrets.ts';

export interface DeliveryRecord {
  provider: Provider;
  deliveryId: string;
  /** null: no connection knows the workspace or portal (recorded as unrouted). */
  connectionId: string | null;
  accountId: string;
  topic: string;
  objectId: string | null;
  occurredAt: number | null;
  /** What recognises our own write coming back, without its value (src/records/echo-hints.ts). */
  hint?: { propertyName?: string; valueDigest?: string; itemUpdatedAt?: number; itemDigest?: string; mergedFrom?: string };
}

export interface RecordResult {
  accepted: number;
  duplicates: number;
  unrouted: number;
}

/** The job task that reacts to a provider's events (src/webhooks/event-tasks.ts). */
export const eventTask = (provider: Provider) => `${provider}.event`;

const DAY_MS = 86_400_000;

/** YYYY-MM-DD (UTC): the unit unrouted deliveries are counted in. */
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function writeDeliveries(trx: Kysely<Database>, jobs: JobQueue, records: readonly DeliveryRecord[], now: number): Promise<RecordResult> {
  const result: RecordResult = { accepted: 0, duplicates: 0, unrouted: 0 };
  for (const record of records) {
    if (record.connectionId === null) {
      // No connection knows the account: nothing will act on it, so only a count per provider and
      // day is kept (a row each would let any signed sender grow the table without bound).
      await trx
        .insertInto('webhook_unrouted_counts')
        .values({ provider: record.provider, day: utcDay(now), count: 1 })
        .onConflict((oc) => oc.columns(['provider', 'day']).doUpdateSet((eb) => ({ count: eb('webhook_unrouted_counts.count', '+', 1) })))
        .execute();
      result.unrouted += 1;
      continue;
    }
    const inserted = await trx
      .insertInto('webhook_deliveries')
      .values({
        provider: record.provider,
        delivery_id: record.deliveryId,
        connection_id: record.connectionId,
        account_id: record.accountId,
        topic: record.topic,
        object_id: record.objectId,
        occurred_at: record.occurredAt,
        received_at: now,
        status: 'accepted',
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) result.duplicates += 1;
    else {
      await jobs.enqueue(
        {
          task: eventTask(record.provider),
          payload: { deliveryId: inserted.id, topic: record.topic, objectId: record.objectId, occurredAt: record.occurredAt, ...(record.hint ? { hint: record.hint } : {}) },
          connectionId: record.connectionId,
        },
        trx,
      );
      result.accepted += 1;
    }
  }
  return result;
}

export interface DeliveryRecorder {
  /** Resolves once the records and their jobs are committed (answer 200 only then). */
  record(records: readonly DeliveryRecord[]): Promise<RecordResult>;
}

/**
 * Group commit: deliveries that arrive together (the same event-loop turn) are written in one
 * transaction, and each request is answered when that transaction has committed. Durability per
 * delivery is unchanged; a burst costs one commit instead of one each (`npm run bench -- ingest`).
 */
export function createDeliveryRecorder(options: { db: Kysely<Database>; jobs: JobQueue; clock: () => number }): DeliveryRecorder {
  let batch: Array<{ records: readonly DeliveryRecord[]; resolve: (result: RecordResult) => void; reject: (error: unknown) => void }> = [];
  const flush = async () => {
    const pending = batch;
    batch = [];
    try {
      const results = await withTransaction(options.db, async (trx) => {
        const now = options.clock();
        const out: RecordResult[] = [];
        for (const entry of pending) out.push(await writeDeliveries(trx, options.jobs, entry.records, now));
        return out;
      });
      pending.forEach((entry, index) => entry.resolve(results[index] as RecordResult));
    } catch (error) {
      // Nothing of the batch was committed: every request in it is answered with an error, and the
      // vendors deliver again.
      for (const entry of pending) entry.reject(error);
    }
  };
  return {
    record(records) {
      return new Promise<RecordResult>((resolve, reject) => {
        if (batch.length === 0) setImmediate(() => void flush());
        batch.push({ records, resolve, reject });
      });
    },
  };
}

/**
 * Deletes delivery records received before the retention (jobs.keepWebhookDeliveriesDays), and
 * unrouted counts of days before it. A record only deduplicates vendor retries (minutes to hours)
 * and answers "last received", so weeks of them are plenty. Returns how many rows went.
 */
export async function purgeOldDeliveries(db: Kysely<Database>, options: { now: number; keepDays: number }): Promise<number> {
  const cutoff = options.now - options.keepDays * DAY_MS;
  const deliveries = await db.deleteFrom('webhook_deliveries').where('received_at', '<', cutoff).executeTakeFirst();
  const counts = await db.deleteFrom('webhook_unrouted_counts').where('day', '<', utcDay(cutoff)).executeTakeFirst();
  return Number(deliveries.numDeletedRows) + Number(counts.numDeletedRows);
}
