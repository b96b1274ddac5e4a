// The rows tickets keep (migrations/0010_tickets.sql): conversation ↔ ticket links, and the
// warnings a person must see on the connection.
import type { Kysely } from 'kysely';
import type { Database, TicketLinkRow } from '../db/schema.ts';

export async function getTicketLink(db: Kysely<Database>, connectionId: string, conversationId: string): Promise<TicketLinkRow | undefined> {
  return db.selectFrom('ticket_links').selectAll().where('connection_id', '=', connectionId).where('conversation_id', '=', conversationId).executeTakeFirst();
}

export async function linksOfTicket(db: Kysely<Database>, connectionId: string, ticketId: string): Promise<TicketLinkRow[]> {
  return db.selectFrom('ticket_links').selectAll().where('connection_id', '=', connectionId).where('ticket_id', '=', ticketId).execute();
}

/** The contact's open ticket made by this connection (policy reuse_open), newest first. */
export async function openTicketOfContact(db: Kysely<Database>, connectionId: string, contactId: string): Promise<TicketLinkRow | undefined> {
  return db
    .selectFrom('ticket_links')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('contact_id', '=', contactId)
    .where('status', '=', 'active')
    .where('stage_closed', '=', 0)
    .where('ticket_id', 'is not', null)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
}

export type TicketLinkPatch = Partial<Omit<TicketLinkRow, 'connection_id' | 'conversation_id' | 'created_at'>>;

export async function saveTicketLink(db: Kysely<Database>, connectionId: string, conversationId: string, patch: TicketLinkPatch, now: number): Promise<void> {
  await db
    .insertInto('ticket_links')
    .values({ connection_id: connectionId, conversation_id: conversationId, created_at: now, updated_at: now, ...patch })
    .onConflict((oc) => oc.columns(['connection_id', 'conversation_id']).doUpdateSet({ ...patch, updated_at: now }))
    .execute();
}

/** Every conversation of a ticket at once (a reused ticket has several). */
export async function updateLinksOfTicket(db: Kysely<Database>, connectionId: string, ticketId: string, patch: TicketLinkPatch, now: number): Promise<void> {
  await db.updateTable('ticket_links').set({ ...patch, updated_at: now }).where('connection_id', '=', connectionId).where('ticket_id', '=', ticketId).execute();
}

/**
 * A ticket merged away in HubSpot: its conversations follow the ticket that survived (deleted-by-
 * merge links become active again). Returns the conversations that moved.
 */
export async function relinkMergedTickets(db: Kysely<Database>, connectionId: string, mergedIds: readonly string[], survivorId: string, patch: TicketLinkPatch, now: number): Promise<string[]> {
  if (mergedIds.length === 0) return [];
  const moved = await db
    .updateTable('ticket_links')
    .set({ ...patch, ticket_id: survivorId, status: 'active', problem: null, updated_at: now })
    .where('connection_id', '=', connectionId)
    .where('ticket_id', 'in', [...mergedIds])
    .where('status', '!=', 'failed')
    .returning('conversation_id')
    .execute();
  return moved.map((row) => row.conversation_id);
}

export async function countLinksWithStatus(db: Kysely<Database>, connectionId: string, status: 'active' | 'deleted' | 'failed'): Promise<number> {
  const row = await db.selectFrom('ticket_links').select((eb) => eb.fn.countAll<number>().as('n')).where('connection_id', '=', connectionId).where('status', '=', status).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface TicketLinkQuery {
  connectionId: string;
  limit?: number;
  before?: number;
}

export async function listTicketLinks(db: Kysely<Database>, query: TicketLinkQuery): Promise<TicketLinkRow[]> {
  let select = db.selectFrom('ticket_links').selectAll().where('connection_id', '=', query.connectionId);
  if (query.before !== undefined) select = select.where('updated_at', '<', query.before);
  return select.orderBy('updated_at', 'desc').limit(Math.min(Math.max(query.limit ?? 50, 1), 500)).execute();
}

export async function raiseWarning(db: Kysely<Database>, connectionId: string, code: string, message: string, now: number): Promise<void> {
  await db
    .insertInto('connection_warnings')
    .values({ connection_id: connectionId, code, message, raised_at: now })
    .onConflict((oc) => oc.columns(['connection_id', 'code']).doUpdateSet({ message, raised_at: now }))
    .execute();
}

/**
 * Clears a warning. `raisedBefore`: only one raised before that time — a read that began earlier
 * (a cached one, or a slower job's) cannot vouch for a problem found after it.
 */
export async function clearWarning(db: Kysely<Database>, connectionId: string, code: string, options: { raisedBefore?: number } = {}): Promise<void> {
  let query = db.deleteFrom('connection_warnings').where('connection_id', '=', connectionId).where('code', '=', code);
  if (options.raisedBefore !== undefined) query = query.where('raised_at', '<', options.raisedBefore);
  await query.execute();
}

export async function listWarnings(db: Kysely<Database>, connectionId: string): Promise<Array<{ code: string; message: string; raisedAt: number }>> {
  const rows = await db.selectFrom('connection_warnings').selectAll().where('connection_id', '=', connectionId).orderBy('raised_at', 'desc').execute();
  return rows.map((row) => ({ code: row.code, message: row.message, raisedAt: row.raised_at }));
}
