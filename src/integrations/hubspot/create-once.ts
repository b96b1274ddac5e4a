// Creating a HubSpot record at most once (DESIGN.md §2, invariant 2). HubSpot has no idempotency key
// for creates, so the record carries a reference of its own (in a property its writer chooses: a
// note's body, a ticket's description), and the caller's store commits that reference as pending
// before the create is sent. If the process dies between HubSpot's answer and the local commit, or
// the answer is lost, the next run finds the pending reference, looks for a record carrying it among
// the records associated with its parents (the associations API reads what was written, unlike
// search, which lags: hubspot-api.md §10), and adopts it instead of creating a second one.
//
// The local store is the caller's (callbacks): this module knows HubSpot, not the database.
import type { HubSpotClient } from './client.ts';
import { confirmedGone } from './record-gone.ts';

export type ParentType = 'contacts' | 'companies' | 'tickets';

export interface ReferenceLookup {
  /** The records whose associations are looked through, in order. */
  parents: ReadonlyArray<{ type: ParentType; id: string }>;
  /** The kind of record that carries the reference. */
  objectType: 'notes' | 'tickets';
  /** The property the reference was written into. */
  property: string;
  reference: string;
}

/** Batch reads take at most 100 ids (hubspot-api.md §5). */
const BATCH = 100;

const REFERENCE_CHAR = /[A-Za-z0-9_-]/;

/**
 * Whether `text` holds `reference` as a whole token: references end in a conversation id, so a plain
 * substring test would take conversation 1234's record for conversation 123's.
 */
export function carriesReference(text: string | null | undefined, reference: string): boolean {
  if (!text) return false;
  for (let at = text.indexOf(reference); at !== -1; at = text.indexOf(reference, at + 1)) {
    const before = at === 0 ? '' : (text[at - 1] ?? '');
    const after = text[at + reference.length] ?? '';
    if (!REFERENCE_CHAR.test(before) && !REFERENCE_CHAR.test(after)) return true;
  }
  return false;
}

/** A record carrying `reference`, among the records of `objectType` associated with the parents. */
export async function findByReference(hubspot: HubSpotClient, lookup: ReferenceLookup): Promise<string | undefined> {
  for (const parent of lookup.parents) {
    const ids: string[] = [];
    try {
      for await (const item of hubspot.associations.list(parent.type, parent.id, lookup.objectType)) ids.push(String(item.toObjectId));
    } catch (error) {
      // Only a parent that is really gone has nothing to look through; any other 404 (a route the
      // API version lacks, say) must not pass for "not found", or a second record would follow.
      if (await confirmedGone(hubspot[parent.type], parent.id, error)) continue;
      throw error;
    }
    // Newest first: a record written moments ago is the one being looked for.
    ids.reverse();
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = await hubspot[lookup.objectType].batchRead(ids.slice(start, start + BATCH), { properties: [lookup.property] });
      const match = batch.results.find((record) => carriesReference(record.properties[lookup.property], lookup.reference));
      if (match) return match.id;
    }
  }
  return undefined;
}

export interface CreateOnceSteps {
  reference: string;
  /** The reference the store holds as pending (a create started and not committed), if any. */
  pendingRef: string | null | undefined;
  /** Looks for a record carrying the reference (usually findByReference). */
  find(): Promise<string | undefined>;
  /** Commits the reference as pending, before the create is sent. */
  markPending(): Promise<void>;
  create(): Promise<{ id: string }>;
  /** Brings an adopted record up to what this run would write (optional). */
  adopt?(id: string): Promise<void>;
  /** Commits the record's id (and clears the pending reference). */
  commit(id: string): Promise<void>;
}

export interface CreatedOnce {
  id: string;
  /** True when an interrupted run's record was found and adopted instead of created. */
  recovered: boolean;
}

export async function createOnce(steps: CreateOnceSteps): Promise<CreatedOnce> {
  if (steps.pendingRef === steps.reference) {
    const found = await steps.find();
    if (found) {
      await steps.adopt?.(found);
      await steps.commit(found);
      return { id: found, recovered: true };
    }
  }
  await steps.markPending();
  const created = await steps.create();
  await steps.commit(created.id);
  return { id: created.id, recovered: false };
}
