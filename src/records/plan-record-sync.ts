// The pure decision for one pair of records (#17 items 4 and 7): given both sides' current values
// (in memory only), their change times and the hashes remembered from the last sync, what to do with
// each mapped field — write it to HubSpot, write it to Intercom, leave it (unchanged, or the echo of
// our own write), or skip it with a reason. The caller reads, writes and stores; this decides.
//
// The baseline of a field is, per side, the hash of the value that side held when the field was last
// settled: the value Interhubz gave it, or the value found already in agreement. A side whose value
// still hashes to its baseline has not changed since; so our own write coming back (in any order,
// however late) is recognised as unchanged, and only a side that really changed is a source.
// - One side changed: its value goes to the other side if the direction allows.
// - Both changed (direction both): the conflict rule decides. newest_wins compares each side's own
//   change time for the field where the API gives one, else the record's update time; on a tie
//   Intercom wins, so a decision never depends on the order events arrive in.
// - A value that cannot be converted skips that field only; its baseline stays, so a later sync
//   tries again (e.g. once the HubSpot enumeration has the option).
import { companyDomain } from '../matching/domain.ts';
import type { Vendor } from '../vendor.ts';
import type { ConflictRule, FieldMapping } from './field-mapping.ts';
import { convert, type Converted, type FieldType, type FieldValue, type HubSpotFieldType, type IntercomFieldType } from './field-types.ts';
import { valueHash, type HashKey } from './value-hash.ts';

interface SideField<T extends FieldType> {
  type: T;
  value: FieldValue;
  /** When this side's value of this field last changed (epoch ms), where the API says (HubSpot propertiesWithHistory). */
  changedAt?: number;
}

/** Hashes of each side's value when the field was last settled; absent: never synced. */
export interface Baseline {
  intercom?: string;
  hubspot?: string;
}

interface FieldInput {
  mapping: FieldMapping;
  intercom: SideField<IntercomFieldType>;
  hubspot: SideField<HubSpotFieldType>;
  baseline: Baseline;
}

export interface PlanInput {
  hashKey: HashKey;
  fields: readonly FieldInput[];
  /** Each record's update time (epoch ms), for newest_wins when a field has no change time of its own. */
  intercomUpdatedAt: number;
  hubspotUpdatedAt: number;
  /** The side whose change event started this sync; absent for a sweep or a sync asked for by hand. */
  trigger?: Vendor;
}

type SkipRule = 'type_conversion' | 'direction';

export type FieldDecision = {
  mapping: FieldMapping;
  /** What to remember once the write (if any) has succeeded. */
  baseline: Baseline;
} & (
  | {
      action: 'write_hubspot' | 'write_intercom';
      value: FieldValue;
      /** Set when both sides had changed. */
      conflict?: ConflictRule;
      /** Both sides' values as they are now, for a caller that decides not to write (plan-pair.ts). */
      current: Baseline;
    }
  | { action: 'unchanged' }
  /** The triggering side holds what it was last given: our own write coming back. */
  | { action: 'echo' }
  | { action: 'skipped'; rule: SkipRule; reason: string }
);

/** Emails and domains are compared without case: HubSpot lower-cases them. */
const caseless = (mapping: FieldMapping) => mapping.intercom === 'email' || mapping.hubspot === 'email' || mapping.hubspot === 'domain';

function planField(field: FieldInput, input: PlanInput): FieldDecision {
  const { mapping, intercom, hubspot, baseline } = field;
  const options = { caseInsensitive: caseless(mapping) };
  const hash = (value: FieldValue, type: FieldType) => valueHash(input.hashKey, value, type, options);
  const now = { intercom: hash(intercom.value, intercom.type), hubspot: hash(hubspot.value, hubspot.type) };
  const writesHubSpot = mapping.direction !== 'to_intercom';
  const writesIntercom = mapping.direction !== 'to_hubspot';
  const toHubSpot = intoHubSpot(mapping, intercom, hubspot.type);
  const toIntercom = convert(hubspot.value, hubspot.type, intercom.type);

  const agree =
    (writesHubSpot && toHubSpot.ok && hash(toHubSpot.value, hubspot.type) === now.hubspot) ||
    (writesIntercom && toIntercom.ok && hash(toIntercom.value, intercom.type) === now.intercom);
  const changed = { intercom: baseline.intercom !== now.intercom, hubspot: baseline.hubspot !== now.hubspot };
  // A field never settled has no baseline, so both sides count as changed. Where one of them is
  // simply empty (a record just created by matching holds only what it was created with), the value
  // fills the empty side instead of an empty value winning on record times.
  if (baseline.intercom === undefined && baseline.hubspot === undefined) {
    const empty = { intercom: isEmpty(intercom.value), hubspot: isEmpty(hubspot.value) };
    if (empty.hubspot && !empty.intercom) changed.hubspot = false;
    if (empty.intercom && !empty.hubspot) changed.intercom = false;
  }
  if (agree) {
    const echo = input.trigger !== undefined && !changed[input.trigger];
    return { mapping, baseline: now, action: echo ? 'echo' : 'unchanged' };
  }

  const fromIntercom = writesHubSpot && changed.intercom;
  const fromHubSpot = writesIntercom && changed.hubspot;
  let winner: Vendor;
  let conflict: ConflictRule | undefined;
  if (fromIntercom && fromHubSpot) {
    conflict = mapping.onConflict ?? 'newest_wins';
    winner = conflict === 'intercom_wins' ? 'intercom' : conflict === 'hubspot_wins' ? 'hubspot' : newer(field, input);
  } else if (fromIntercom) winner = 'intercom';
  else if (fromHubSpot) winner = 'hubspot';
  else if ((changed.hubspot && !writesIntercom) || (changed.intercom && !writesHubSpot)) {
    const side = changed.hubspot && !writesIntercom ? 'HubSpot' : 'Intercom';
    return {
      mapping,
      baseline: now,
      action: 'skipped',
      rule: 'direction',
      reason: `changed in ${side}, but ${mapping.intercom} ↔ ${mapping.hubspot} goes ${mapping.direction === 'to_hubspot' ? 'to HubSpot' : 'to Intercom'} only`,
    };
  } else return { mapping, baseline: now, action: 'unchanged' };

  const converted = winner === 'intercom' ? toHubSpot : toIntercom;
  if (!converted.ok) {
    return {
      mapping,
      baseline,
      action: 'skipped',
      rule: 'type_conversion',
      reason: `${winner === 'intercom' ? `Intercom ${mapping.intercom} → HubSpot ${mapping.hubspot}` : `HubSpot ${mapping.hubspot} → Intercom ${mapping.intercom}`}: ${converted.reason}`,
    };
  }
  const written =
    winner === 'intercom'
      ? { action: 'write_hubspot' as const, baseline: { intercom: now.intercom, hubspot: hash(converted.value, hubspot.type) } }
      : { action: 'write_intercom' as const, baseline: { intercom: hash(converted.value, intercom.type), hubspot: now.hubspot } };
  return { mapping, ...written, value: converted.value, current: now, ...(conflict ? { conflict } : {}) };
}

/**
 * Intercom's value converted for HubSpot. A company's website goes into HubSpot's `domain` as the
 * bare host capture matches and creates with (src/matching/domain.ts; hubspot-api.md §7): a website
 * that names no company domain is not written there.
 */
function intoHubSpot(mapping: FieldMapping, intercom: SideField<IntercomFieldType>, type: HubSpotFieldType): Converted {
  if (mapping.intercom === 'website' && mapping.hubspot === 'domain' && typeof intercom.value === 'string' && intercom.value.trim() !== '') {
    const domain = companyDomain(intercom.value);
    if (domain === null) return { ok: false, reason: `${JSON.stringify(intercom.value)} names no company domain` };
    return convert(domain, intercom.type, type);
  }
  return convert(intercom.value, intercom.type, type);
}

const isEmpty = (value: FieldValue) => value === null || (typeof value === 'string' && value.trim() === '');

/** newest_wins: each side's change time for the field, else its record's; a tie goes to Intercom. */
function newer(field: FieldInput, input: PlanInput): Vendor {
  const intercomTime = field.intercom.changedAt ?? input.intercomUpdatedAt;
  const hubspotTime = field.hubspot.changedAt ?? input.hubspotUpdatedAt;
  return hubspotTime > intercomTime ? 'hubspot' : 'intercom';
}

/** One decision per mapped field, in the order given. */
export function planRecordSync(input: PlanInput): FieldDecision[] {
  return input.fields.map((field) => planField(field, input));
}
