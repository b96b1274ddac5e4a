// Record ids: numeric strings, as HubSpot's are (hubspot-api.md §5.3), but from a range of their own
// per object type and per portal, so an id of one type never names a record of another. With one
// shared counter the first contact, company, note and ticket were all 1001, and a request that put
// a contact's id where a company's belongs was accepted instead of refused.
//
// Shape: <type digit><portal slot, 3 digits><sequence, 7 digits>; the first contact of the first
// portal is 10010000001, its first company 20010000001. Ids still grow with creation inside a type,
// which list paging relies on (`after` is the next record's id).
import type { Portal } from '../state.ts';
import type { ObjectTypeName } from './types.ts';

const TYPE_DIGIT: Record<ObjectTypeName, number> = { contacts: 1, companies: 2, tickets: 3, notes: 4, deals: 5 };
const SEQUENCE_SPAN = 10_000_000;
const SLOT_SPAN = 1_000;

export interface RecordIdRange {
  /** The portal's place among the simulator's portals (1, 2, …): its digits in every id it issues. */
  slot: number;
  issued: Record<ObjectTypeName, number>;
}

export function newRecordIdRange(slot: number): RecordIdRange {
  if (!Number.isInteger(slot) || slot < 1 || slot >= SLOT_SPAN) throw new Error(`the simulator has room for ${SLOT_SPAN - 1} portals`);
  return { slot, issued: { contacts: 0, companies: 0, tickets: 0, notes: 0, deals: 0 } };
}

export function nextRecordId(portal: Portal, type: ObjectTypeName): string {
  const range = portal.recordIds;
  const sequence = range.issued[type] + 1;
  // The per-portal record cap keeps far below this; past it ids would spill into the next portal's range.
  if (sequence >= SEQUENCE_SPAN) throw new Error(`portal ${portal.hubId} has issued every ${type} id it has`);
  range.issued[type] = sequence;
  return String((TYPE_DIGIT[type] * SLOT_SPAN + range.slot) * SEQUENCE_SPAN + sequence);
}

