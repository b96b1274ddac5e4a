// "Send a test": one message to one channel now, outside the rate limit, answered with the result
// at once (no retries: the admin is watching). Recorded as a delivery like any other, so the
// channel's status line shows it.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Vault } from '../vault/vault.ts';
import { addDeliveries, getMessage, insertMessage, recordAttempt } from './alert-store.ts';
import { channelSecret, type AlertChannel } from './channel-store.ts';
import type { AlertSender } from './send-alert.ts';

export interface TestResult {
  deliveryId: number;
  delivered: boolean;
  error: string | null;
}

export async function sendTestAlert(deps: { db: Kysely<Database>; vault: Vault; sender: AlertSender; clock: () => number }, channel: AlertChannel, requestedBy: string): Promise<TestResult> {
  const now = deps.clock();
  const messageId = await insertMessage(deps.db, {
    event: 'test',
    connection: null,
    incidentId: null,
    state: null,
    reason: `a test of the channel "${channel.name}", sent by ${requestedBy}. Nothing is wrong.`,
    link: '/settings/alerts',
    at: now,
  });
  const [deliveryId] = await addDeliveries(deps.db, messageId, [channel.id], { now, limit: null });
  const message = await getMessage(deps.db, messageId);
  if (deliveryId === undefined || !message) throw new Error('the test message was not stored');
  const result = await deps.sender.send(channel, await channelSecret(deps.db, deps.vault, channel.id), message, deliveryId);
  const error = result.ok ? null : result.error;
  await recordAttempt(deps.db, deliveryId, { status: result.ok ? 'delivered' : 'failed', error }, deps.clock());
  return { deliveryId, delivered: result.ok, error };
}
