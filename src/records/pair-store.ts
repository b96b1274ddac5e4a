// Pairs of records and their field baselines (migrations/0029). One pairing mechanism for capture
// and record sync (#17 item 1): matching (src/conversations/match-records.ts) pairs what it finds or
// creates, record sync pairs what it matches, and both look here first. Ids, field names and value
// hashes only (#17 item 10).
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { RecordObject } from './field-mapping.ts';
import type { Baseline } from './plan-record-sync.ts';

export type PairType = 'contact' | 'company';

export const pairTypeOf = (object: RecordObject): PairType => (object === 'contacts' ? 'contact' : 'company');

export interface Pair {
  connectionId: string;
  type: PairType;
  intercomId: string;
  hubspotId: string;
  pairedAt: number;
  pairedHow: string;
  lastSyncedAt: number | null;
  /** Intercom's updated_at (seconds) right after Interhubz last wrote the Intercom record. */
  intercomWrittenUpdatedAt: number | null;
}

const toPair = (row: Selectable<Database['record_pairs']>): Pair => ({
  connectionId: row.connection_id,
  type: row.object_type,
  intercomId: row.intercom_id,
  hubspotId: row.hubspot_id,
  pairedAt: row.paired_at,
  pairedHow: row.paired_how,
  lastSyncedAt: row.last_synced_at,
  intercomWrittenUpdatedAt: row.intercom_written_updated_at,
});

export async function pairOfIntercom(db: Kysely<Database>, connectionId: string, type: PairType, intercomId: string): Promise<Pair | undefined> {
  const row = await db
    .selectFrom('record_pairs')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', type)
    .where('intercom_id', '=', intercomId)
    .executeTakeFirst();
  return row && toPair(row);
}

/** The pairs of several Intercom records at once, by Intercom id (a backfill's chunk). */
export async function pairsOfIntercomRecords(db: Kysely<Database>, connectionId: string, type: PairType, intercomIds: readonly string[]): Promise<Map<string, Pair>> {
  if (intercomIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('record_pairs')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', type)
    .where('intercom_id', 'in', [...intercomIds])
    .execute();
  return new Map(rows.map((row) => [row.intercom_id, toPair(row)]));
}

/** Most recently paired first; several Intercom records may share one HubSpot record. */
export async function pairsOfHubSpot(db: Kysely<Database>, connectionId: string, type: PairType, hubspotId: string): Promise<Pair[]> {
  const rows = await db
    .selectFrom('record_pairs')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', type)
    .where('hubspot_id', '=', hubspotId)
    .orderBy('paired_at', 'desc')
    .execute();
  return rows.map(toPair);
}

/**
 * Pairs an Intercom record with a HubSpot record. Pairing it with another HubSpot record than before
 * drops the old baselines: they describe another record's values.
 */
export async function savePair(db: Kysely<Database>, pair: { connectionId: string; type: PairType; intercomId: string; hubspotId: string; how: string }, now: number): Promise<void> {
  const existing = await pairOfIntercom(db, pair.connectionId, pair.type, pair.intercomId);
  if (existing?.hubspotId === pair.hubspotId) return;
  await db
    .insertInto('record_pairs')
    .values({ connection_id: pair.connectionId, object_type: pair.type, intercom_id: pair.intercomId, hubspot_id: pair.hubspotId, paired_at: now, paired_how: pair.how, last_synced_at: null })
    .onConflict((oc) => oc.columns(['connection_id', 'object_type', 'intercom_id']).doUpdateSet({ hubspot_id: pair.hubspotId, paired_at: now, paired_how: pair.how, last_synced_at: null }))
    .execute();
  if (existing) await dropBaselines(db, existing);
}

async function dropBaselines(db: Kysely<Database>, pair: Pick<Pair, 'connectionId' | 'type' | 'intercomId' | 'hubspotId'>): Promise<void> {
  await db
    .deleteFrom('record_field_baselines')
    .where('connection_id', '=', pair.connectionId)
    .where('object_type', '=', pair.type)
    .where('intercom_id', '=', pair.intercomId)
    .where('hubspot_id', '=', pair.hubspotId)
    .execute();
}

/** A record deleted on one side: its pairs end (the other side's record stays where it is, #17 item 8). */
export async function unpair(db: Kysely<Database>, connectionId: string, type: PairType, side: { intercomId: string } | { hubspotId: string }): Promise<Pair[]> {
  const pairs = 'intercomId' in side
    ? [await pairOfIntercom(db, connectionId, type, side.intercomId)].filter((pair): pair is Pair => pair !== undefined)
    : await pairsOfHubSpot(db, connectionId, type, side.hubspotId);
  for (const pair of pairs) {
    await db.deleteFrom('record_pairs').where('connection_id', '=', connectionId).where('object_type', '=', type).where('intercom_id', '=', pair.intercomId).execute();
    await dropBaselines(db, pair);
    await db.deleteFrom('record_hubspot_writes').where('connection_id', '=', connectionId).where('object_type', '=', type).where('hubspot_id', '=', pair.hubspotId).execute();
  }
  return pairs;
}

/**
 * Of the Intercom records paired with one HubSpot record, the one paired first, when it is not this
 * pair's: a later pair adopts HubSpot's values on its first sync (plan-pair.ts sharedWith).
 * undefined when this pair is the first, or the only one.
 */
export async function sharedWith(db: Kysely<Database>, pair: Pick<Pair, 'connectionId' | 'type' | 'intercomId' | 'hubspotId'>): Promise<string | undefined> {
  const pairs = await pairsOfHubSpot(db, pair.connectionId, pair.type, pair.hubspotId);
  const first = pairs.reduce<Pair | undefined>((best, candidate) => (!best || candidate.pairedAt < best.pairedAt || (candidate.pairedAt === best.pairedAt && candidate.intercomId < best.intercomId) ? candidate : best), undefined);
  return first && first.intercomId !== pair.intercomId ? first.intercomId : undefined;
}

/** HubSpot merged records into `survivorId`: their pairs follow it. */
export async function followHubSpotMerge(db: Kysely<Database>, connectionId: string, type: PairType, mergedIds: readonly string[], survivorId: string, now: number): Promise<Pair[]> {
  const moved: Pair[] = [];
  for (const mergedId of mergedIds) {
    if (mergedId === survivorId) continue;
    for (const pair of await pairsOfHubSpot(db, connectionId, type, mergedId)) {
      await savePair(db, { connectionId, type, intercomId: pair.intercomId, hubspotId: survivorId, how: 'merge' }, now);
      moved.push(pair);
    }
  }
  return moved;
}

/** Intercom merged a lead into a user: the user takes the lead's pair unless it has one of its own. */
export async function followIntercomMerge(db: Kysely<Database>, connectionId: string, mergedId: string, survivorId: string, now: number): Promise<Pair | undefined> {
  const merged = await pairOfIntercom(db, connectionId, 'contact', mergedId);
  if (!merged) return undefined;
  await unpair(db, connectionId, 'contact', { intercomId: mergedId });
  if (!(await pairOfIntercom(db, connectionId, 'contact', survivorId))) {
    await savePair(db, { connectionId, type: 'contact', intercomId: survivorId, hubspotId: merged.hubspotId, how: 'merge' }, now);
  }
  return merged;
}

export const fieldKey = (mapping: { intercom: string; hubspot: string }) => `${mapping.intercom}|${mapping.hubspot}`;

export async function baselinesOf(db: Kysely<Database>, pair: Pick<Pair, 'connectionId' | 'type' | 'intercomId' | 'hubspotId'>): Promise<Map<string, Baseline>> {
  const rows = await db
    .selectFrom('record_field_baselines')
    .select(['field', 'intercom_hash', 'hubspot_hash'])
    .where('connection_id', '=', pair.connectionId)
    .where('object_type', '=', pair.type)
    .where('intercom_id', '=', pair.intercomId)
    .where('hubspot_id', '=', pair.hubspotId)
    .execute();
  return new Map(rows.map((row) => [row.field, { ...(row.intercom_hash ? { intercom: row.intercom_hash } : {}), ...(row.hubspot_hash ? { hubspot: row.hubspot_hash } : {}) }]));
}

/** Remembers the settled baselines of a sync and when it ran; call in one transaction after the writes succeeded. */
export async function settle(db: Kysely<Database>, pair: Pick<Pair, 'connectionId' | 'type' | 'intercomId' | 'hubspotId'>, baselines: ReadonlyMap<string, Baseline>, now: number): Promise<void> {
  const rows = [...baselines].map(([field, baseline]) => ({
    connection_id: pair.connectionId,
    object_type: pair.type,
    intercom_id: pair.intercomId,
    hubspot_id: pair.hubspotId,
    field,
    intercom_hash: baseline.intercom ?? null,
    hubspot_hash: baseline.hubspot ?? null,
    settled_at: now,
  }));
  if (rows.length > 0) {
    await db
      .insertInto('record_field_baselines')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['connection_id', 'object_type', 'intercom_id', 'hubspot_id', 'field']).doUpdateSet((eb) => ({
          intercom_hash: eb.ref('excluded.intercom_hash'),
          hubspot_hash: eb.ref('excluded.hubspot_hash'),
          settled_at: now,
        })),
      )
      .execute();
  }
  await db
    .updateTable('record_pairs')
    .set({ last_synced_at: now })
    .where('connection_id', '=', pair.connectionId)
    .where('object_type', '=', pair.type)
    .where('intercom_id', '=', pair.intercomId)
    .execute();
}

/** A paired contact and the Intercom company capture last saw on it (migrations/0031, #19 item 2). */
export interface PairedContactCompany {
  hubspotId: string;
  /** The Intercom id of the contact's first company when last read; null: it had none. */
  intercomCompanyId: string | null;
  /** When the contact was last read for it; null: not since the pair was made. */
  seenAt: number | null;
}

export async function pairedContactCompany(db: Kysely<Database>, connectionId: string, intercomContactId: string): Promise<PairedContactCompany | undefined> {
  const row = await db
    .selectFrom('record_pairs')
    .select(['hubspot_id', 'intercom_company_id', 'companies_seen_at'])
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', 'contact')
    .where('intercom_id', '=', intercomContactId)
    .executeTakeFirst();
  return row && { hubspotId: row.hubspot_id, intercomCompanyId: row.intercom_company_id, seenAt: row.companies_seen_at };
}

/** What a read of the contact said about its company; a contact that is not paired keeps nothing. */
export async function rememberContactCompany(db: Kysely<Database>, connectionId: string, intercomContactId: string, intercomCompanyId: string | null, now: number): Promise<void> {
  await db
    .updateTable('record_pairs')
    .set({ intercom_company_id: intercomCompanyId, companies_seen_at: now })
    .where('connection_id', '=', connectionId)
    .where('object_type', '=', 'contact')
    .where('intercom_id', '=', intercomContactId)
    .execute();
}
