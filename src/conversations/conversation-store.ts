// The rows capture keeps (migrations/0008_capture.sql, 0013): per conversation, its note and the
// hash of what was written; per Intercom record or match key (stored as a keyed hash), the HubSpot
// record it maps to; and the contact–company associations HubSpot has confirmed.
import type { Kysely } from 'kysely';
import type { ConversationCaptureRow, Database } from '../db/schema.ts';
import type { StoredMatchKey } from '../matching/match-key.ts';
import { unpair } from '../records/pair-store.ts';

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

export interface StoredLink extends Link {
  /** When the link was last written: for a pending create, when it was sent. */
  updatedAt: number;
}

export async function getLink(db: Kysely<Database>, connectionId: string, type: ObjectType, matchKey: StoredMatchKey): Promise<StoredLink | undefined> {
  const row = await db
    .selectFrom('record_links')
    .select(['hubspot_id', 'pending_ref', 'updated_at'])
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', type)
    .where('match_key', '=', matchKey)
    .executeTakeFirst();
  return row && { hubspotId: row.hubspot_id, pendingRef: row.pending_ref, updatedAt: row.updated_at };
}

/** Several match keys' links at once (a backfill's chunk). */
export async function getLinks(db: Kysely<Database>, connectionId: string, type: ObjectType, matchKeys: readonly StoredMatchKey[]): Promise<Map<StoredMatchKey, StoredLink>> {
  if (matchKeys.length === 0) return new Map();
  const rows = await db
    .selectFrom('record_links')
    .select(['match_key', 'hubspot_id', 'pending_ref', 'updated_at'])
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', type)
    .where('match_key', 'in', [...matchKeys])
    .execute();
  return new Map(rows.map((row) => [row.match_key as StoredMatchKey, { hubspotId: row.hubspot_id, pendingRef: row.pending_ref, updatedAt: row.updated_at }]));
}

export async function saveLinks(db: Kysely<Database>, connectionId: string, type: ObjectType, matchKeys: readonly StoredMatchKey[], link: Link, now: number): Promise<void> {
  if (matchKeys.length === 0) return;
  await db
    .insertInto('record_links')
    .values(matchKeys.map((matchKey) => ({ connection_id: connectionId, object_type: type, match_key: matchKey, hubspot_id: link.hubspotId, pending_ref: link.pendingRef, updated_at: now })))
    .onConflict((oc) => oc.columns(['connection_id', 'object_type', 'match_key']).doUpdateSet((eb) => ({ hubspot_id: eb.ref('excluded.hubspot_id'), pending_ref: eb.ref('excluded.pending_ref'), updated_at: now })))
    .execute();
}

/** A HubSpot record is gone or was merged away: every key and pair that led to it must match afresh. */
export async function forgetHubSpotRecord(db: Kysely<Database>, connectionId: string, type: ObjectType, hubspotId: string): Promise<number> {
  await unpair(db, connectionId, type, { hubspotId });
  const result = await db.deleteFrom('record_links').where('connection_id', '=', connectionId).where('object_type', '=', type).where('hubspot_id', '=', hubspotId).executeTakeFirst();
  await db.deleteFrom('record_associations').where('connection_id', '=', connectionId).where(type === 'contact' ? 'contact_id' : 'company_id', '=', hubspotId).execute();
  return Number(result.numDeletedRows);
}

export async function isAssociationConfirmed(db: Kysely<Database>, connectionId: string, contactId: string, companyId: string): Promise<boolean> {
  const row = await db
    .selectFrom('record_associations')
    .select('confirmed_at')
    .where('connection_id', '=', connectionId)
    .where('contact_id', '=', contactId)
    .where('company_id', '=', companyId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Only after HubSpot answered the call that made the association (or it was read back). */
export async function confirmAssociation(db: Kysely<Database>, connectionId: string, contactId: string, companyId: string, now: number): Promise<void> {
  await db
    .insertInto('record_associations')
    .values({ connection_id: connectionId, contact_id: contactId, company_id: companyId, confirmed_at: now })
    .onConflict((oc) => oc.columns(['connection_id', 'contact_id', 'company_id']).doUpdateSet({ confirmed_at: now }))
    .execute();
}
