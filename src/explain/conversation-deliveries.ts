// The webhook deliveries and sweeps of one conversation, for the explainer, found without an index
// on the intake's path. Every Intercom conversation event's capture reaction records a `trigger`
// step naming its delivery row (src/capture/capture-task.ts), so the deliveries worked already are
// primary-key reads; those still waiting (or whose event failed) are in their connection's event
// jobs, which carry the delivery row's id too (src/webhooks/record-deliveries.ts). An index on
// (connection, object, received_at) did this before (migration 0036 drops it): one more random
// page written per delivery, a tenth to a fifth of the intake's rate (test/bench/RESULTS.md, #19).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { payloadsContainingQueries } from '../jobs/unfinished-job.ts';
import { eventTask } from '../webhooks/record-deliveries.ts';
import { parseDetail, type DeliveryRow, type TraceRow } from './timeline.ts';

/** The delivery rows the trace's trigger steps name, newest first, at most `limit`. */
function triggerDeliveryIds(trace: ReadonlyArray<Pick<TraceRow, 'kind' | 'detail'>>, limit: number): number[] {
  const ids: number[] = [];
  for (let i = trace.length - 1; i >= 0 && ids.length < limit; i--) {
    const row = trace[i] as Pick<TraceRow, 'kind' | 'detail'>;
    if (row.kind !== 'trigger') continue;
    const id = parseDetail(row.detail)['deliveryId'];
    if (typeof id === 'number' && Number.isSafeInteger(id) && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The delivery rows of one conversation's events in event job payloads (one event, or `{ events }`). */
function pendingDeliveryIds(payloads: readonly string[], conversationId: string): number[] {
  const ids: number[] = [];
  for (const payload of payloads) {
    const parsed = parseDetail(payload);
    const events = Array.isArray(parsed['events']) ? (parsed['events'] as unknown[]) : [parsed];
    for (const event of events) {
      if (event === null || typeof event !== 'object') continue;
      const { objectId, deliveryId } = event as Record<string, unknown>;
      if (objectId === conversationId && typeof deliveryId === 'number' && Number.isSafeInteger(deliveryId)) ids.push(deliveryId);
    }
  }
  return ids;
}

/** The connection's Intercom event jobs, waiting, running or failed, that name the conversation (for the query-plan test). */
export const unfinishedEventQueries = (db: Kysely<Database>, connectionId: string, conversationId: string) =>
  payloadsContainingQueries(db, { connectionId, task: eventTask('intercom'), text: `"objectId":${JSON.stringify(conversationId)}` });

/** Delivery rows by id (the primary key). Exported for the query-plan test. */
export const deliveryRowsQuery = (db: Kysely<Database>, connectionId: string, ids: readonly number[]) =>
  db.selectFrom('webhook_deliveries').select(['id', 'topic', 'received_at', 'occurred_at', 'status', 'provider', 'object_id'])
    .where('id', 'in', ids).where('connection_id', '=', connectionId);

/** The conversation's deliveries, oldest first: those its trace names and those still waiting to be worked. */
export async function conversationDeliveries(
  db: Kysely<Database>,
  connectionId: string,
  conversationId: string,
  trace: ReadonlyArray<Pick<TraceRow, 'kind' | 'detail'>>,
  limit: number,
): Promise<DeliveryRow[]> {
  const unfinished = await Promise.all(unfinishedEventQueries(db, connectionId, conversationId).map((query) => query.execute()));
  const pending = pendingDeliveryIds(unfinished.flat().map((row) => row.payload), conversationId);
  const ids = [...new Set([...pending, ...triggerDeliveryIds(trace, limit)])];
  if (ids.length === 0) return [];
  const rows = await deliveryRowsQuery(db, connectionId, ids).execute();
  return rows
    .filter((row) => row.object_id === conversationId)
    .sort((a, b) => a.received_at - b.received_at || a.id - b.id)
    .slice(-limit)
    .map(({ topic, received_at, occurred_at, status, provider }) => ({ topic, received_at, occurred_at, status, provider }));
}
