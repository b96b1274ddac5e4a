// Durable delivery: each (message, channel) is a job of the task `alert.deliver`, retried with the
// job table's backoff. Each attempt's result is written on the delivery row (the UI's status).
// Jobs carry no connection id, so a connection that needs re-authorising does not park the very
// alert that says so.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { outcome } from '../jobs/outcomes.ts';
import { defineTask, type TaskDefinition } from '../jobs/task.ts';
import type { Vault } from '../vault/vault.ts';
import { addDeliveries, getDelivery, getMessage, insertMessage, recordAttempt, type NewAlertMessage } from './alert-store.ts';
import { channelSecret, getChannel } from './channel-store.ts';
import type { AlertSender } from './send-alert.ts';

const DELIVER_TASK = 'alert.deliver';

/** Tries per delivery: with the default backoff (5 s doubling, capped at an hour) about 4 hours in all. */
const DELIVERY_ATTEMPTS = 10;

export interface DeliveryDeps {
  db: Kysely<Database>;
  vault: Vault;
  sender: AlertSender;
  clock: () => number;
}

export function deliveryTasks(deps: DeliveryDeps): TaskDefinition[] {
  return [
    defineTask({
      name: DELIVER_TASK,
      payload: z.object({ deliveryId: z.number().int() }),
      async run({ deliveryId }, ctx) {
        const delivery = await getDelivery(deps.db, deliveryId);
        // Gone with its channel, or already delivered by an earlier run that died before finishing.
        if (!delivery || delivery.status !== 'pending') return outcome.done();
        const [channel, message] = await Promise.all([getChannel(deps.db, delivery.channelId), getMessage(deps.db, delivery.messageId)]);
        if (!channel || !message) return outcome.done();
        const secret = await channelSecret(deps.db, deps.vault, channel.id);
        const result = await deps.sender.send(channel, secret, message, delivery.id);
        const now = deps.clock();
        if (result.ok) {
          await recordAttempt(deps.db, delivery.id, { status: 'delivered', error: null }, now);
          return outcome.done();
        }
        // The row counts every try, those a Retry-After asked for included (they use up no job
        // attempt): a receiver answering 429 forever is given up on too.
        const last = result.permanent || ctx.job.attempt >= ctx.job.maxAttempts || delivery.attempts + 1 >= DELIVERY_ATTEMPTS;
        await recordAttempt(deps.db, delivery.id, { status: last ? 'failed' : 'pending', error: result.error }, now);
        ctx.log.warn({ channel: channel.name, deliveryId: delivery.id, attempt: ctx.job.attempt, error: result.error }, last ? 'alert not delivered; giving up' : 'alert not delivered; will retry');
        if (result.permanent) return outcome.fail(result.error);
        if (result.retryAfterMs !== undefined && !last) return outcome.retryAfter(result.retryAfterMs, result.error);
        return outcome.retry(result.error);
      },
    }),
  ];
}

/**
 * Writes a message and its deliveries to the given channels, and queues their jobs, in one
 * transaction. `limit` null skips the hourly limit (the suppression summary itself). Returns the
 * ids of the deliveries queued.
 */
export async function raiseMessage(db: Kysely<Database>, jobs: JobQueue, message: NewAlertMessage, channelIds: readonly string[], options: { now: number; limit: number | null }): Promise<number[]> {
  if (channelIds.length === 0) return [];
  return withTransaction(db, async (trx) => {
    const messageId = await insertMessage(trx, message);
    const pending = await addDeliveries(trx, messageId, channelIds, options);
    for (const deliveryId of pending) {
      await jobs.enqueue({ task: DELIVER_TASK, payload: { deliveryId }, key: `alert-delivery:${deliveryId}`, maxAttempts: DELIVERY_ATTEMPTS }, trx);
    }
    return pending;
  });
}
