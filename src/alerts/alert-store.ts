// Incidents, messages and deliveries in SQLite. A message is written once; each (message, channel)
// is a delivery row whose job (src/alerts/deliver-task.ts) sends it and records every attempt here,
// so the UI shows the last attempt, its status and its error per channel.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AlertEvent, AlertMessage } from './alert-message.ts';
import type { NewIncident, OpenIncident } from './incident-decisions.ts';
import { admitMessage, RATE_WINDOW_MS } from './rate-limit.ts';

export async function listOpenIncidents(db: Kysely<Database>): Promise<OpenIncident[]> {
  const rows = await db.selectFrom('alert_incidents').select(['id', 'connection_id', 'source', 'state', 'kind']).where('closed_at', 'is', null).execute();
  return rows.map((row) => ({ id: row.id, connectionId: row.connection_id, source: row.source, state: row.state, kind: row.kind }));
}

export async function openIncident(db: Kysely<Database>, incident: NewIncident, now: number): Promise<number> {
  const row = await db
    .insertInto('alert_incidents')
    .values({ connection_id: incident.connectionId, source: incident.source, state: incident.state, kind: incident.kind, reason: incident.reason, link: incident.link, opened_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Closes an open incident; returns it (for its reason) or undefined when it was already closed. */
export async function closeIncident(db: Kysely<Database>, id: number, as: 'resolved' | 'replaced' | 'gone', now: number): Promise<{ reason: string; state: string; link: string | null } | undefined> {
  const row = await db.selectFrom('alert_incidents').select(['reason', 'state', 'link']).where('id', '=', id).where('closed_at', 'is', null).executeTakeFirst();
  if (!row) return undefined;
  await db.updateTable('alert_incidents').set({ closed_at: now, closed_as: as }).where('id', '=', id).execute();
  return row;
}

export type NewAlertMessage = Omit<AlertMessage, 'id'>;

export async function insertMessage(db: Kysely<Database>, message: NewAlertMessage): Promise<number> {
  const row = await db
    .insertInto('alert_messages')
    .values({
      event: message.event,
      connection_id: message.connection?.id ?? null,
      connection_name: message.connection?.name ?? null,
      incident_id: message.incidentId,
      state: message.state,
      reason: message.reason,
      link: message.link,
      at: message.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function getMessage(db: Kysely<Database>, id: number): Promise<AlertMessage | undefined> {
  const row = await db.selectFrom('alert_messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    event: row.event as AlertEvent,
    connection: row.connection_id === null ? null : { id: row.connection_id, name: row.connection_name ?? row.connection_id },
    incidentId: row.incident_id,
    state: row.state,
    reason: row.reason,
    link: row.link,
    at: row.at,
  };
}

/** Messages a channel was sent (or is being sent) in the rolling hour before `now`: what its limit counts. */
export async function sentInWindow(db: Kysely<Database>, channelId: string, now: number): Promise<number> {
  const row = await db
    .selectFrom('alert_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('channel_id', '=', channelId)
    .where('status', '!=', 'suppressed')
    .where('created_at', '>', now - RATE_WINDOW_MS)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * A delivery row per channel: pending (its job sends it) or, over the channel's hourly limit,
 * suppressed. Returns the ids of the pending ones, to be queued as jobs in the same transaction.
 */
export async function addDeliveries(db: Kysely<Database>, messageId: number, channelIds: readonly string[], options: { now: number; limit: number | null }): Promise<number[]> {
  const pending: number[] = [];
  for (const channelId of channelIds) {
    const admitted = options.limit === null ? 'send' : admitMessage(await sentInWindow(db, channelId, options.now), options.limit);
    const row = await db
      .insertInto('alert_deliveries')
      .values({ message_id: messageId, channel_id: channelId, status: admitted === 'send' ? 'pending' : 'suppressed', created_at: options.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (admitted === 'send') pending.push(row.id);
  }
  return pending;
}

export interface DeliveryRecord {
  id: number;
  messageId: number;
  channelId: string;
  status: 'pending' | 'delivered' | 'failed' | 'suppressed';
  attempts: number;
}

export async function getDelivery(db: Kysely<Database>, id: number): Promise<DeliveryRecord | undefined> {
  const row = await db.selectFrom('alert_deliveries').select(['id', 'message_id', 'channel_id', 'status', 'attempts']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, messageId: row.message_id, channelId: row.channel_id, status: row.status, attempts: row.attempts };
}

export async function recordAttempt(db: Kysely<Database>, id: number, result: { status: 'pending' | 'delivered' | 'failed'; error: string | null }, now: number): Promise<void> {
  await db
    .updateTable('alert_deliveries')
    .set((eb) => ({ status: result.status, attempts: eb('attempts', '+', 1), last_attempt_at: now, last_error: result.error }))
    .where('id', '=', id)
    .execute();
}

/** Suppressed deliveries not yet counted in a summary, per channel. */
export async function unsummarisedSuppressed(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('alert_deliveries')
    .select(['channel_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'suppressed')
    .where('summarised', '=', 0)
    .groupBy('channel_id')
    .execute();
  return new Map(rows.map((row) => [row.channel_id, Number(row.n)]));
}

export async function markSummarised(db: Kysely<Database>, channelId: string): Promise<void> {
  await db.updateTable('alert_deliveries').set({ summarised: 1 }).where('channel_id', '=', channelId).where('status', '=', 'suppressed').where('summarised', '=', 0).execute();
}

export interface DeliveryView {
  id: number;
  channelId: string;
  channelName: string;
  status: DeliveryRecord['status'];
  attempts: number;
  lastAttemptAt: number | null;
  lastError: string | null;
  createdAt: number;
  message: { event: AlertEvent; connectionId: string | null; connectionName: string | null; state: string | null; reason: string; at: number };
}

/** The newest deliveries, optionally of one channel. */
export async function recentDeliveries(db: Kysely<Database>, options: { channelId?: string; limit: number }): Promise<DeliveryView[]> {
  let query = db
    .selectFrom('alert_deliveries as d')
    .innerJoin('alert_messages as m', 'm.id', 'd.message_id')
    .innerJoin('alert_channels as c', 'c.id', 'd.channel_id')
    .select(['d.id', 'd.channel_id', 'c.name as channel_name', 'd.status', 'd.attempts', 'd.last_attempt_at', 'd.last_error', 'd.created_at', 'm.event', 'm.connection_id', 'm.connection_name', 'm.state', 'm.reason', 'm.at'])
    .orderBy('d.id', 'desc')
    .limit(options.limit);
  if (options.channelId !== undefined) query = query.where('d.channel_id', '=', options.channelId);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    status: row.status,
    attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    message: { event: row.event as AlertEvent, connectionId: row.connection_id, connectionName: row.connection_name, state: row.state, reason: row.reason, at: row.at },
  }));
}

/** Each channel's latest delivery (what its status line shows). */
export async function lastDeliveryByChannel(db: Kysely<Database>, channelIds: readonly string[]): Promise<Map<string, DeliveryView>> {
  const result = new Map<string, DeliveryView>();
  for (const channelId of channelIds) {
    const [view] = await recentDeliveries(db, { channelId, limit: 1 });
    if (view) result.set(channelId, view);
  }
  return result;
}

/**
 * Forgets messages (and, by cascade, their deliveries) older than `before` whose sending is over,
 * and incidents closed before it. Open incidents stay, however old: they still dedupe.
 */
export async function purgeAlertHistory(db: Kysely<Database>, before: number): Promise<number> {
  const messages = await db
    .deleteFrom('alert_messages')
    .where('at', '<', before)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('alert_deliveries').select('alert_deliveries.id').whereRef('alert_deliveries.message_id', '=', 'alert_messages.id').where('alert_deliveries.status', '=', 'pending'))))
    .executeTakeFirst();
  const incidents = await db.deleteFrom('alert_incidents').where('closed_at', '<', before).executeTakeFirst();
  return Number(messages.numDeletedRows) + Number(incidents.numDeletedRows);
}
