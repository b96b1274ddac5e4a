// The heart of "no lost events": a delivery's record and its job commit in one transaction, and
// only then is the webhook answered 200. A repeat of a delivery hits the unique index and adds
// nothing. Only ids, the topic and times are written — never the payload.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
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
}

export interface RecordResult {
  accepted: number;
  duplicates: number;
  unrouted: number;
}

/** The job task that reacts to a provider's events (src/webhooks/event-tasks.ts). */
export const eventTask = (provider: Provider) => `${provider}.event`;

export async function recordDeliveries(db: Kysely<Database>, jobs: JobQueue, records: readonly DeliveryRecord[], now: number): Promise<RecordResult> {
  return db.transaction().execute(async (trx) => {
    const result: RecordResult = { accepted: 0, duplicates: 0, unrouted: 0 };
    for (const record of records) {
      const status = record.connectionId === null ? 'unrouted' : 'accepted';
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
          status,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        result.duplicates += 1;
        continue;
      }
      if (record.connectionId === null) {
        result.unrouted += 1;
        continue;
      }
      await jobs.enqueue(
        {
          task: eventTask(record.provider),
          payload: { deliveryId: inserted.id, topic: record.topic, objectId: record.objectId, occurredAt: record.occurredAt },
          connectionId: record.connectionId,
        },
        trx,
      );
      await trx.updateTable('connections').set({ last_webhook_at: now }).where('id', '=', record.connectionId).execute();
      result.accepted += 1;
    }
    return result;
  });
}
