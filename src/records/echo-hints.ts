// Our own writes coming back as webhooks (#17 item 7, and the calls per live change in its
// benchmark): a write made by Interhubz fires the other side's webhook like any change would. The
// sync job that follows would read both records only to find nothing changed; these hints let the
// reaction drop such an event before any read.
// - HubSpot: a propertyChange event carries the new value. The intake keeps only a keyed digest of
//   it; if it equals the digest of what Interhubz last wrote to that property, the record holds our
//   value (our echo, or a person setting the same value): nothing to sync.
// - Intercom: an update webhook carries the contact or company with its updated_at; if that is the
//   updated_at Interhubz's own write produced and the record's attributes are as that write left
//   them (a keyed digest: updated_at counts whole seconds, so a person's change in the same second
//   has the same updated_at but other content), nothing changed since.
// A wrongly dropped event costs at most a delay: the record sweeps read changes regardless.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Vendor } from '../vendor.ts';
import type { PairType } from './pair-store.ts';
import { keyedDigest, writtenValueDigest } from './value-hash.ts';

/** What the intake keeps of an event to recognise an echo (no value: digests and times). */
export interface EchoHint {
  /** HubSpot propertyChange: the property and the digest of its new value. */
  propertyName?: string;
  valueDigest?: string;
  /** Intercom: the item's updated_at (seconds), and a keyed digest of its attributes (intercomContentDigest). */
  itemUpdatedAt?: number;
  itemDigest?: string;
  /** Intercom contact.merged: the contact absorbed into the item. */
  mergedFrom?: string;
}

export async function rememberHubSpotWrites(db: Kysely<Database>, installKey: Uint8Array, target: { connectionId: string; type: PairType; hubspotId: string }, properties: Readonly<Record<string, string>>, now: number): Promise<void> {
  const rows = Object.entries(properties).map(([property, text]) => ({
    connection_id: target.connectionId, object_type: target.type, hubspot_id: target.hubspotId, property, value_digest: writtenValueDigest(installKey, property, text), written_at: now,
  }));
  if (rows.length === 0) return;
  await db
    .insertInto('record_hubspot_writes')
    .values(rows)
    .onConflict((oc) => oc.columns(['connection_id', 'object_type', 'hubspot_id', 'property']).doUpdateSet((eb) => ({ value_digest: eb.ref('excluded.value_digest'), written_at: now })))
    .execute();
}

/**
 * The attributes of an Intercom contact or company that a person or Interhubz changes, as one keyed
 * digest. Times are left out: webhook items give them as ISO strings where the API gives Unix
 * seconds (intercom-api.md §2.5), so they would differ for one state; a company's plan too (webhook
 * items carry `plan: null`). A value rendered differently in the two only costs a read.
 */
export function intercomContentDigest(installKey: Uint8Array, item: unknown): string | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const record = item as Record<string, unknown>;
  const fields = record['type'] === 'company'
    ? ['name', 'website', 'size', 'industry', 'monthly_spend', 'company_id']
    : ['role', 'name', 'email', 'phone', 'external_id', 'owner_id', 'unsubscribed_from_emails'];
  const custom = record['custom_attributes'] && typeof record['custom_attributes'] === 'object' ? (record['custom_attributes'] as Record<string, unknown>) : {};
  const canonical = JSON.stringify([
    fields.map((field) => record[field] ?? null),
    Object.keys(custom).sort().map((name) => [name, custom[name] ?? null]),
  ]);
  return keyedDigest(installKey, `intercom-content\0${canonical}`);
}

export async function rememberIntercomWrite(db: Kysely<Database>, installKey: Uint8Array, target: { connectionId: string; type: PairType; intercomId: string }, written: { updated_at?: number | null | undefined }): Promise<void> {
  const updatedAt = written.updated_at;
  if (updatedAt === null || updatedAt === undefined) return;
  await db
    .updateTable('record_pairs')
    .set({ intercom_written_updated_at: updatedAt, intercom_written_digest: intercomContentDigest(installKey, written) ?? null })
    .where('connection_id', '=', target.connectionId)
    .where('object_type', '=', target.type)
    .where('intercom_id', '=', target.intercomId)
    .execute();
}

/** Per property of a HubSpot record, the digest of the text Interhubz last wrote there. */
async function digestsWritten(db: Kysely<Database>, target: { connectionId: string; type: PairType; hubspotId: string }): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('record_hubspot_writes')
    .select(['property', 'value_digest'])
    .where('connection_id', '=', target.connectionId)
    .where('object_type', '=', target.type)
    .where('hubspot_id', '=', target.hubspotId)
    .execute();
  return new Map(rows.map((row) => [row.property, row.value_digest]));
}

/** The properties of a HubSpot record (as read) that hold exactly the text Interhubz last wrote there. */
export async function writtenByUs(deps: { db: Kysely<Database>; hashKey: Uint8Array }, target: { connectionId: string; type: PairType; hubspotId: string }, record: { properties: Record<string, string | null> }): Promise<Set<string>> {
  const written = await digestsWritten(deps.db, target);
  return new Set([...written].filter(([property, digest]) => writtenValueDigest(deps.hashKey, property, record.properties[property] ?? '') === digest).map(([property]) => property));
}

/** True when the event is our own write coming back (see the top of this file). */
export async function isEcho(db: Kysely<Database>, event: { connectionId: string; type: PairType; side: Vendor; objectId: string; hint: EchoHint | undefined }): Promise<boolean> {
  const hint = event.hint;
  if (!hint) return false;
  if (event.side === 'hubspot') {
    if (!hint.propertyName || !hint.valueDigest) return false;
    const written = await digestsWritten(db, { connectionId: event.connectionId, type: event.type, hubspotId: event.objectId });
    return written.get(hint.propertyName) === hint.valueDigest;
  }
  if (hint.itemUpdatedAt === undefined || hint.itemDigest === undefined) return false;
  const pair = await db
    .selectFrom('record_pairs')
    .select(['intercom_written_updated_at', 'intercom_written_digest'])
    .where('connection_id', '=', event.connectionId)
    .where('object_type', '=', event.type)
    .where('intercom_id', '=', event.objectId)
    .executeTakeFirst();
  return pair?.intercom_written_updated_at === hint.itemUpdatedAt && pair.intercom_written_digest === hint.itemDigest;
}
