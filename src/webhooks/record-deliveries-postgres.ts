// The webhook intake's group commit on PostgreSQL: what record-deliveries.ts does on SQLite with
// prepared statements in one synchronous transaction — route, record the deliveries (a repeat adds
// nothing), enqueue each connection's events, count the unrouted — as one Kysely transaction, so
// every accepted delivery is in the job table before its 200. The rows written are the same.
//
// Several replicas take deliveries at once (READ COMMITTED): the unique index decides which
// replica's insert of a delivery wins (ON CONFLICT DO NOTHING waits for the other's commit and then
// adds nothing), the unrouted counts add up in one upsert, and the connections routed to are
// locked FOR KEY SHARE, so a connection deleted meanwhile waits for this commit (and then takes its
// rows with it) instead of failing the whole batch on the jobs' foreign key. A status change is
// not held up: a job queued just as its connection became needs_reauth is parked when it runs.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { enqueuePlainJobs } from '../jobs/enqueue-plain-jobs.ts';
import type { PlainJobSpec } from '../jobs/queue.ts';
import { deliveryKey } from './deferred-dedupe.ts';
import type { EventPayload } from './event-tasks.ts';
import { BATCH_PAYLOAD_BYTES, eventJobPayloads, eventTask, utcDay, type CommitDeliveries, type CommittedDeliveries, type DeliveryRecord, type RecordResult, type RoutedDelivery } from './record-deliveries.ts';
import type { Provider } from './signing-secrets.ts';

type Routed = { id: string; status: string };
type WithStatus = DeliveryRecord & { connectionStatus: string | null };

/** Rows per INSERT: well within PostgreSQL's 65,535 bound parameters (8 a delivery). */
const ROWS_PER_INSERT = 1000;

async function connectionsOf(trx: Transaction<Database>, provider: Provider, route: RoutedDelivery['route']): Promise<Routed[]> {
  const portal = Number(route.account);
  // A portal id that is no integer names no connection (SQLite binds NaN as NULL and finds none;
  // PostgreSQL would refuse the statement, and with it the whole batch).
  if (provider === 'hubspot' && !Number.isSafeInteger(portal)) return [];
  let query = trx.selectFrom('connections').select(['id', 'status']);
  query = provider === 'intercom' ? query.where('intercom_workspace_id', '=', String(route.account)) : query.where('hubspot_portal_id', '=', portal);
  if (route.onlyConnection !== null) query = query.where('id', '=', route.onlyConnection);
  return query.forKeyShare().execute();
}

async function routed(trx: Transaction<Database>, requests: ReadonlyArray<ReadonlyArray<DeliveryRecord | RoutedDelivery>>): Promise<WithStatus[][]> {
  // Within one commit, each route (and each connection's status) is asked once: a burst names the same account.
  const routes = new Map<string, Routed[]>();
  const statuses = new Map<string, string | null>();
  const out: WithStatus[][] = [];
  for (const records of requests) {
    const request: WithStatus[] = [];
    out.push(request);
    for (const record of records) {
      if (!('route' in record)) {
        let connectionStatus: string | null = null;
        if (record.connectionId !== null) {
          if (!statuses.has(record.connectionId)) {
            const row = await trx.selectFrom('connections').select('status').where('id', '=', record.connectionId).forKeyShare().executeTakeFirst();
            statuses.set(record.connectionId, row?.status ?? null);
          }
          connectionStatus = statuses.get(record.connectionId) ?? null;
        }
        request.push({ ...record, connectionStatus });
        continue;
      }
      const { route, ...base } = record;
      const key = `${record.provider}\u0000${route.account}\u0000${route.onlyConnection ?? ''}`;
      let connections = routes.get(key);
      if (!connections) routes.set(key, (connections = await connectionsOf(trx, record.provider, route)));
      if (connections.length === 0) request.push({ ...base, connectionId: null, connectionStatus: null });
      else for (const connection of connections) request.push({ ...base, connectionId: connection.id, connectionStatus: connection.status });
    }
  }
  return out;
}

/** Inserts the routed deliveries; the ids of those that were new, by delivery key. */
async function insertDeliveries(trx: Transaction<Database>, records: readonly WithStatus[], now: number): Promise<Map<string, number>> {
  const inserted = new Map<string, number>();
  const rows = records.flatMap((record) =>
    record.connectionId === null
      ? []
      : [{ provider: record.provider, delivery_id: record.deliveryId, connection_id: record.connectionId, account_id: record.accountId, topic: record.topic, object_id: record.objectId, occurred_at: record.occurredAt, received_at: now, status: 'accepted' as const }],
  );
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const returned = await trx
      .insertInto('webhook_deliveries')
      .values(rows.slice(start, start + ROWS_PER_INSERT))
      // The same delivery twice in one statement is one row too: DO NOTHING skips the second.
      .onConflict((conflict) => conflict.doNothing())
      .returning(['id', 'provider', 'delivery_id', 'connection_id'])
      .execute();
    for (const row of returned) inserted.set(deliveryKey(row.provider, row.delivery_id, row.connection_id ?? ''), row.id);
  }
  return inserted;
}

async function commitInTransaction(trx: Transaction<Database>, requests: ReadonlyArray<ReadonlyArray<DeliveryRecord | RoutedDelivery>>, now: number, maxAttempts: number): Promise<Omit<CommittedDeliveries, 'now'>> {
  const routedRequests = await routed(trx, requests);
  const inserted = await insertDeliveries(trx, routedRequests.flat(), now);
  const results: RecordResult[] = [];
  const unrouted = new Map<Provider, number>();
  const byConnection = new Map<string, { provider: Provider; connectionId: string; connectionStatus: string | null; events: EventPayload[] }>();
  for (const records of routedRequests) {
    const result = { accepted: 0, duplicates: 0, unrouted: 0 };
    results.push(result);
    for (const record of records) {
      if (record.connectionId === null) {
        unrouted.set(record.provider, (unrouted.get(record.provider) ?? 0) + 1);
        result.unrouted += 1;
        continue;
      }
      // The first of a delivery's copies in arrival order takes the new row; the rest are duplicates.
      const key = deliveryKey(record.provider, record.deliveryId, record.connectionId);
      const id = inserted.get(key);
      if (id === undefined) {
        result.duplicates += 1;
        continue;
      }
      inserted.delete(key);
      const group = `${record.provider}\u0000${record.connectionId}`;
      let events = byConnection.get(group);
      if (!events) byConnection.set(group, (events = { provider: record.provider, connectionId: record.connectionId, connectionStatus: record.connectionStatus, events: [] }));
      events.events.push({ deliveryId: id, topic: record.topic, objectId: record.objectId, occurredAt: record.occurredAt, ...(record.hint ? { hint: record.hint } : {}) });
      result.accepted += 1;
    }
  }
  for (const [provider, count] of unrouted) {
    await trx
      .insertInto('webhook_unrouted_counts')
      .values({ provider, day: utcDay(now), count })
      .onConflict((conflict) => conflict.columns(['provider', 'day']).doUpdateSet((eb) => ({ count: eb('webhook_unrouted_counts.count', '+', eb.ref('excluded.count')) })))
      .execute();
  }
  const specs: PlainJobSpec[] = [];
  for (const { provider, connectionId, connectionStatus, events } of byConnection.values()) {
    for (const payload of eventJobPayloads(events, BATCH_PAYLOAD_BYTES)) specs.push({ task: eventTask(provider), payload, connectionId, connectionStatus });
  }
  const jobs = await enqueuePlainJobs(trx, specs, { now, maxAttempts });
  return { results, queued: jobs.some((job) => job.status === 'queued') };
}

/** One group commit as a Kysely transaction (createDeliveryRecorder's `commit` on PostgreSQL). */
export const commitDeliveriesWithKysely: CommitDeliveries = (db, requests, options) =>
  withTransaction(db, async (trx) => {
    const now = options.clock();
    return { now, ...(await commitInTransaction(trx, requests, now, options.maxAttempts)) };
  });
