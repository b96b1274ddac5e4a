// The rows capture keeps (migrations/0008_capture.sql): per conversation, its note and the hash of
// what was written; per Intercom record or match key, the HubSpot record it maps to.
import type { Kysely } from 'kysely';
import type { ConversationCaptureRow, Database } from '../db/schema.ts';

export type ObjectType = 'contact' | 'company';

export async function getCapture(db: Kysely<Database>, connectionId: string, conversationId: string): Promise<ConversationCaptureRow | undefined> {
  return db.selectFrom('conversation_captures').selectAll().where('connection_id', '=', connectionId).where('conversation_id', '=', conversationId).executeTakeFirst();
}

export type CapturePatch = Partial<Omit<ConversationCaptureRow, 'connection_id' | 'conversation_id'>>;

export async function saveCapture(db: Kysely<Database>, connectionId: string, conversationId: string, patch: CapturePatch): Promise<void> {
  await db
    .insertInto('conversation_captures')
    .values({ connection_id: connectionId, conversation_id: conversationId, ...patch })
    .onConflict((oc) => oc.columns(['connection_id', 'conversation_id']).doUpdateSet(patch))
    .execute();
}

export interface Link {
  hubspotId: string | null;
  pendingRef: string | null;
}

export async function getLink(db: Kysely<Database>, connectionId: string, type: ObjectType, matchKey: string): Promise<Link | undefined> {
  const row = await db
    .selectFrom('record_links')
    .select(['hubspot_id', 'pending_ref'])
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', type)
    .where('match_key', '=', matchKey)
    .executeTakeFirst();
  return row && { hubspotId: row.hubspot_id, pendingRef: row.pending_ref };
}

export async function saveLinks(db: Kysely<Database>, connectionId: string, type: ObjectType, matchKeys: readonly string[], link: Link, now: number): Promise<void> {
  if (matchKeys.length === 0) return;
  await db
    .insertInto('record_links')
    .values(matchKeys.map((matchKey) => ({ connection_id: connectionId, object_type: type, match_key: matchKey, hubspot_id: link.hubspotId, pending_ref: link.pendingRef, updated_at: now })))
    .onConflict((oc) => oc.columns(['connection_id', 'object_type', 'match_key']).doUpdateSet((eb) => ({ hubspot_id: eb.ref('excluded.hubspot_id'), pending_ref: eb.ref('excluded.pending_ref'), updated_at: now })))
    .execute();
}

/** A HubSpot record is gone or was merged away: every key that led to it must match afresh. */
export async function forgetHubSpotRecord(db: Kysely<Database>, connectionId: string, type: ObjectType, hubspotId: string): Promise<number> {
  const result = await db.deleteFrom('record_links').where('connection_id', '=', connectionId).where('object_type', '=', type).where('hubspot_id', '=', hubspotId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
