// The decision for one pair whose two records are in hand (#17 items 4 and 7): each mapped field's
// values and types gathered from both records, planned (plan-record-sync.ts), and turned into the
// one update body per side, the baselines to remember once the writes succeeded, and a report per
// field. Pure: the single-record sync (sync-record.ts) and the batched sweep (record-sweep.ts) read
// and write around it, so both decide alike.
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { ContactChanges } from '../integrations/intercom/people.ts';
import type { Vendor } from '../vendor.ts';
import { hubspotType, intercomType, type AccountFields } from './check-mapping-types.ts';
import type { FieldMapping, RecordObject } from './field-mapping.ts';
import type { FieldType, FieldValue } from './field-types.ts';
import { fieldKey } from './pair-store.ts';
import { planRecordSync, type Baseline, type FieldDecision } from './plan-record-sync.ts';
import { hubspotChangedAt, hubspotChanges, hubspotUpdatedAt, hubspotValue, intercomChanges, intercomUpdatedAt, intercomValue, type IntercomRecord } from './record-sides.ts';
import type { HashKey } from './value-hash.ts';

export interface FieldReport {
  intercom: string;
  hubspot: string;
  action: FieldDecision['action'];
  /** For a write: where it goes. */
  direction?: 'to_hubspot' | 'to_intercom';
  rule?: string;
  /** For a skip by type conversion: the two fields' types. */
  types?: string;
  /** For a skip: why (a dry run's answer only; the activity log keeps the rule and the types). */
  reason?: string;
  /** Dry run only: the values read live, old → new (an unchanged field: `to`, what it holds). Never stored. */
  from?: FieldValue;
  to?: FieldValue;
}


const optionalTime = (ms: number | undefined) => (ms === undefined ? {} : { changedAt: ms });

interface SideValues {
  intercom: { type: FieldType; value: FieldValue };
  hubspot: { type: FieldType; value: FieldValue };
}

const typeName = (type: FieldType) => `${type.vendor === 'intercom' ? 'Intercom' : 'HubSpot'} ${type.type}`;

function fieldReport(decision: FieldDecision, input: SideValues | undefined, dryRun: boolean, cleared: readonly string[]): FieldReport {
  const report: FieldReport = { intercom: decision.mapping.intercom, hubspot: decision.mapping.hubspot, action: decision.action };
  if (decision.action === 'write_hubspot' || decision.action === 'write_intercom') {
    report.direction = decision.action === 'write_hubspot' ? 'to_hubspot' : 'to_intercom';
    if (decision.conflict) report.rule = decision.conflict;
    if (decision.action === 'write_intercom' && cleared.includes(decision.mapping.intercom)) {
      return { ...report, action: 'skipped', rule: 'cannot_clear', reason: `Intercom cannot clear a company's ${decision.mapping.intercom}; it keeps its value` };
    }
    if (input && dryRun) {
      report.from = decision.action === 'write_hubspot' ? input.hubspot.value : input.intercom.value;
      report.to = decision.value;
    }
  }
  // The preview says "already the same" of it: with the value, on the side the mapping writes to.
  if (decision.action === 'unchanged' && input && dryRun) report.to = decision.mapping.direction === 'to_intercom' ? input.intercom.value : input.hubspot.value;
  if (decision.action === 'skipped') {
    report.rule = decision.rule;
    report.reason = decision.reason;
    if (input && decision.rule === 'type_conversion') report.types = `${typeName(input.intercom.type)} ↔ ${typeName(input.hubspot.type)}`;
  }
  return report;
}


export interface PairInput {
  object: RecordObject;
  mappings: readonly FieldMapping[];
  fields: AccountFields;
  intercom: IntercomRecord;
  hubspot: CrmObject;
  /** HubSpot's derived values (owner, record URL, deals) for the names mapped. */
  derived: Readonly<Record<string, FieldValue>>;
  baselines: ReadonlyMap<string, Baseline>;
  hashKey: HashKey;
  dryRun: boolean;
  trigger?: Vendor;
  /**
   * Another Intercom record was paired with this HubSpot record first (a HubSpot merge brought two
   * together, or a lead and a user share an email): see `adopted` in planPair.
   */
  sharedWith?: string;
  /**
   * Directions the record filters close for this pair (#18 item 2; record-filters.ts blockedDirections):
   * nothing is written that way, and those fields keep their baselines, so a change made while
   * the record was filtered out flows once it passes again.
   */
  blocked?: Blocked;
}

/** A closed direction: the failing filter's key and its sentence (field and operator, no value). */
type Blocked = Partial<Record<'to_hubspot' | 'to_intercom', { key: string; reason: string }>>;

export interface PlannedPair {
  reports: FieldReport[];
  /** The HubSpot update body (empty: no write). */
  hubspotProperties: Record<string, string>;
  /** The Intercom update body (empty: no write). */
  intercomBody: ContactChanges;
  /** What to remember once the writes succeeded. */
  settled: Map<string, Baseline>;
  outcome: 'updated' | 'unchanged' | 'skipped';
  /** The filter that stopped a write this pair would otherwise have made (the first direction, to_hubspot before to_intercom). */
  filtered?: { key: string; direction: 'to_hubspot' | 'to_intercom'; reason: string };
}

export function planPair(input: PairInput): PlannedPair {
  const missing: FieldReport[] = [];
  const inputs = input.mappings.flatMap((mapping) => {
    const intercomFieldType = intercomType(input.object, mapping, input.fields);
    const hubspotFieldType = hubspotType(mapping, input.fields);
    if (!intercomFieldType || !hubspotFieldType) {
      const side = !intercomFieldType ? `the Intercom data attribute ${mapping.intercom}` : `the HubSpot property ${mapping.hubspot}`;
      missing.push({ intercom: mapping.intercom, hubspot: mapping.hubspot, action: 'skipped', rule: 'missing_field', reason: `${side} does not exist${mapping.create ? ' yet (it is created when the mapping is saved)' : ''}` });
      return [];
    }
    return [{
      mapping,
      intercom: { type: intercomFieldType, value: intercomValue(input.intercom, mapping.intercom) },
      hubspot: { type: hubspotFieldType, value: hubspotValue(input.hubspot, mapping.hubspot, input.derived), ...optionalTime(hubspotChangedAt(input.hubspot, mapping.hubspot)) },
      baseline: input.baselines.get(fieldKey(mapping)) ?? {},
    }];
  });
  const decisions = planRecordSync({
    hashKey: input.hashKey,
    fields: inputs,
    intercomUpdatedAt: intercomUpdatedAt(input.intercom),
    hubspotUpdatedAt: hubspotUpdatedAt(input.hubspot),
    ...(input.trigger ? { trigger: input.trigger } : {}),
  });

  const writes = { hubspot: [] as Array<{ mapping: FieldMapping; value: FieldValue }>, intercom: [] as Array<{ mapping: FieldMapping; value: FieldValue }> };
  const closed = (decision: FieldDecision) =>
    decision.action === 'write_hubspot' ? input.blocked?.to_hubspot : decision.action === 'write_intercom' ? input.blocked?.to_intercom : undefined;
  for (const decision of decisions) {
    if (closed(decision)) continue;
    if (decision.action === 'write_hubspot') writes.hubspot.push({ mapping: decision.mapping, value: decision.value });
    if (decision.action === 'write_intercom') writes.intercom.push({ mapping: decision.mapping, value: decision.value });
  }
  const toIntercom = intercomChanges(input.object, writes.intercom);
  const reports = [...decisions.map((decision, index): FieldReport => {
    const filter = closed(decision);
    if (!filter) return fieldReport(decision, inputs[index], input.dryRun, toIntercom.cleared);
    return { intercom: decision.mapping.intercom, hubspot: decision.mapping.hubspot, action: 'skipped', rule: 'filtered', reason: filter.reason };
  }), ...missing];
  const stopped = (['to_hubspot', 'to_intercom'] as const).find((direction) =>
    decisions.some((decision) => decision.action === (direction === 'to_hubspot' ? 'write_hubspot' : 'write_intercom') && closed(decision)));
  const stoppedBy = stopped ? input.blocked?.[stopped] : undefined;
  // A pair that joined a HubSpot record another pair already holds (sharedWith) has no baselines of
  // its own yet: on that first settle it adopts what HubSpot holds instead of writing over it, so a
  // merge in HubSpot does not rewrite the survivor with the merged-away record's values. After that
  // its changes flow as any pair's do.
  const adopted = new Set<string>();
  if (input.sharedWith !== undefined) {
    for (const [index, decision] of decisions.entries()) {
      const baseline = input.baselines.get(fieldKey(decision.mapping));
      if (decision.action !== 'write_hubspot' || (baseline?.intercom ?? baseline?.hubspot) !== undefined) continue;
      adopted.add(fieldKey(decision.mapping));
      reports[index] = {
        intercom: decision.mapping.intercom, hubspot: decision.mapping.hubspot, action: 'skipped', rule: 'shared_record',
        reason: `the HubSpot record was paired with Intercom ${input.sharedWith} first; this pair keeps HubSpot's value on its first sync`,
      };
    }
    writes.hubspot = writes.hubspot.filter((write) => !adopted.has(fieldKey(write.mapping)));
  }
  const writing = writes.hubspot.length + writes.intercom.length - toIntercom.cleared.length > 0;
  const settled = new Map<string, Baseline>();
  for (const decision of decisions) {
    // A company value Intercom cannot clear stays unsettled: it is tried again, and said again.
    if (decision.action === 'write_intercom' && toIntercom.cleared.includes(decision.mapping.intercom)) continue;
    // A write a filter stopped keeps its baseline: the change is still to be made when the record passes.
    if (closed(decision)) continue;
    const key = fieldKey(decision.mapping);
    settled.set(key, adopted.has(key) && decision.action === 'write_hubspot' ? decision.current : decision.baseline);
  }
  const outcome = writing ? 'updated' : stoppedBy || (reports.length > 0 && reports.every((report) => report.action === 'skipped')) ? 'skipped' : 'unchanged';
  return {
    reports, hubspotProperties: hubspotChanges(writes.hubspot), intercomBody: toIntercom.body, settled, outcome,
    ...(stopped && stoppedBy ? { filtered: { key: stoppedBy.key, direction: stopped, reason: stoppedBy.reason } } : {}),
  };
}

