// Record filters judged (#18 item 2): whether a record passes an object type's filters for one
// direction, and whether saved filters fit the accounts' fields. Pure: the caller reads the record
// and the fields (src/records/field-catalogue.ts).
//
// Conditions are combined with AND; the first that fails names itself by its settings key and says
// field and operator — never the record's value, so the sentence can go to the activity log.
// Comparison is by the field's type (filter-schema.ts filterKind): numbers as numbers, dates as dates
// (Intercom dates are Unix seconds, HubSpot `date` a UTC day, `datetime` an instant: field-types.ts
// toCanonical, after hubspot-api.md "Timestamps"), text case-insensitively.
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { AccountFields } from './check-mapping-types.ts';
import { CUSTOM_PREFIX, HUBSPOT_FULL_NAME, standardAttributeType, type FieldMapping, type RecordObject } from './field-mapping.ts';
import { toCanonical, type FieldType } from './field-types.ts';
import { boolOf, dateSpan, filterKind, kindProblems, numberOf, type FilterKind, type FilterProblem, type FilterSettings, type FilterValue, type RecordFilter } from './filter-schema.ts';
import { hubspotValue, intercomValue, type IntercomRecord } from './record-sides.ts';

export type FilterDirection = 'to_hubspot' | 'to_intercom';

export type FilterVerdict = { pass: true } | { pass: false; index: number; key: string; reason: string };

const listName = (direction: FilterDirection) => (direction === 'to_hubspot' ? 'toHubSpot' : 'toIntercom');

/** A filter's settings key, e.g. `recordSync.contacts.filters.toHubSpot[2]`. */
const filterKey = (object: RecordObject, direction: FilterDirection, index: number) => `recordSync.${object}.filters.${listName(direction)}[${index}]`;

/** The type of the field a filter is on: toHubSpot an Intercom attribute (standard or the workspace's custom one), toIntercom a HubSpot property. */
function fieldType(object: RecordObject, direction: FilterDirection, field: string, fields: AccountFields): FieldType | undefined {
  if (direction === 'to_hubspot') {
    const standard = standardAttributeType(object, field);
    if (standard) return { vendor: 'intercom', type: standard };
    return field.startsWith(CUSTOM_PREFIX) ? fields.intercomCustom.get(field.slice(CUSTOM_PREFIX.length)) : undefined;
  }
  // firstname and lastname joined, as the contact's name mapping reads them.
  if (field === HUBSPOT_FULL_NAME && object === 'contacts') return { vendor: 'hubspot', type: 'string' };
  return field.startsWith('@') ? undefined : fields.hubspot.get(field);
}

/** The operators that hold for a record with no value in the field: "is not X" is true of nothing. */
const HOLD_WHEN_EMPTY = new Set(['is_empty', 'not_equals', 'not_contains', 'is_none_of']);

/** Whether one condition holds for a value read as its field's type. */
function holds(filter: RecordFilter, kind: FilterKind, value: ReturnType<typeof toCanonical>): boolean {
  // A value that does not fit its own field's type matches nothing, so it is kept out rather than guessed at.
  if (!value.ok) return false;
  const read = value.value;
  if (read.kind === 'empty') return HOLD_WHEN_EMPTY.has(filter.operator);
  if (filter.operator === 'is_empty') return false;
  if (filter.operator === 'is_not_empty') return true;
  const given = filter.value;
  if (given === undefined) return false;
  const values: readonly FilterValue[] = Array.isArray(given) ? given : [given];
  const one = values[0] as FilterValue;
  switch (kind) {
    case 'text': {
      if (read.kind !== 'text') return false;
      const text = read.text.toLowerCase();
      const wanted = values.map((entry) => String(entry).toLowerCase());
      const first = wanted[0] ?? '';
      switch (filter.operator) {
        case 'equals': return text === first;
        case 'not_equals': return text !== first;
        case 'contains': return text.includes(first);
        case 'not_contains': return !text.includes(first);
        case 'starts_with': return text.startsWith(first);
        case 'ends_with': return text.endsWith(first);
        case 'is_any_of': return wanted.includes(text);
        case 'is_none_of': return !wanted.includes(text);
        default: return false;
      }
    }
    case 'number': {
      if (read.kind !== 'number') return false;
      const wanted = values.map(numberOf);
      const first = wanted[0];
      switch (filter.operator) {
        case 'equals': return read.number === first;
        case 'not_equals': return read.number !== first;
        case 'greater_than': return first !== undefined && read.number > first;
        case 'less_than': return first !== undefined && read.number < first;
        case 'is_any_of': return wanted.includes(read.number);
        case 'is_none_of': return !wanted.includes(read.number);
        default: return false;
      }
    }
    case 'date': {
      if (read.kind !== 'instant' && read.kind !== 'day') return false;
      const span = dateSpan(one);
      if (!span) return false;
      const within = read.ms >= span.from && read.ms < span.to;
      switch (filter.operator) {
        case 'equals': return within;
        case 'not_equals': return !within;
        // After the day (or second) named, before it.
        case 'greater_than': return read.ms >= span.to;
        case 'less_than': return read.ms < span.from;
        default: return false;
      }
    }
    default: {
      if (read.kind !== 'bool') return false;
      const wanted = boolOf(one);
      if (filter.operator === 'equals') return read.bool === wanted;
      if (filter.operator === 'not_equals') return read.bool !== wanted;
      return false;
    }
  }
}

/**
 * Whether the source side's record passes the object type's filters for this direction (AND): the
 * first condition that fails is named by its key, with field and operator only.
 */
export function judgeRecord(input: {
  object: RecordObject;
  direction: FilterDirection;
  filters: readonly RecordFilter[];
  /** The source side's record: the Intercom one for to_hubspot, the HubSpot one for to_intercom. */
  record: IntercomRecord | CrmObject;
  fields: AccountFields;
}): FilterVerdict {
  const { object, direction, record, fields } = input;
  for (const [index, filter] of input.filters.entries()) {
    const key = filterKey(object, direction, index);
    const type = fieldType(object, direction, filter.field, fields);
    if (!type) {
      // Checked when saved; a field deleted since keeps the records out until the filter is changed.
      return { pass: false, index, key, reason: `filtered out by ${key} (${filter.field} ${filter.operator}): the field no longer exists` };
    }
    const raw = direction === 'to_hubspot' ? intercomValue(record as IntercomRecord, filter.field) : hubspotValue(record as CrmObject, filter.field, {});
    if (!holds(filter, filterKind(type), toCanonical(raw, type))) {
      return { pass: false, index, key, reason: `filtered out by ${key} (${filter.field} ${filter.operator})` };
    }
  }
  return { pass: true };
}

/** A problem of saved filters, by its key relative to `recordSync.<object>.filters`, e.g. `toHubSpot[1].operator`. */
export interface FilterSettingsProblem {
  path: string;
  message: string;
}

const fieldList = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : 'none');

/**
 * Problems of filters (of a valid shape) against the accounts' fields: a field that does not exist,
 * an operator that does not apply to its type, a value that cannot be compared with it. The
 * mappings name the fields a person most likely meant, in the sentence for an unknown one.
 */
export function filterProblems(
  object: RecordObject,
  filters: Pick<FilterSettings, 'toHubSpot' | 'toIntercom'>,
  fields: AccountFields,
  mappings: readonly FieldMapping[] = [],
): FilterSettingsProblem[] {
  const problems: FilterSettingsProblem[] = [];
  for (const direction of ['to_hubspot', 'to_intercom'] as const) {
    filters[listName(direction)].forEach((filter, index) => {
      const at = (problem: FilterProblem) => problems.push({ path: `${listName(direction)}[${index}].${problem.key}`, message: problem.message });
      const type = fieldType(object, direction, filter.field, fields);
      if (type) {
        kindProblems(filter, filterKind(type), filter.field).forEach(at);
        return;
      }
      if (direction === 'to_hubspot') {
        const custom = [...fields.intercomCustom.keys()].map((name) => `${CUSTOM_PREFIX}${name}`);
        const message = filter.field.startsWith(CUSTOM_PREFIX)
          ? `the Intercom workspace has no data attribute '${filter.field.slice(CUSTOM_PREFIX.length)}' (its custom attributes: ${fieldList(custom)}; mapped: ${fieldList(mappings.map((mapping) => mapping.intercom))})`
          : `'${filter.field}' is not an Intercom attribute (mapped: ${fieldList(mappings.map((mapping) => mapping.intercom))}; or a standard attribute, or custom.<name>)`;
        at({ key: 'field', message });
        return;
      }
      const mapped = mappings.map((mapping) => mapping.hubspot).filter((name) => !name.startsWith('@'));
      at({ key: 'field', message: `the HubSpot account has no ${object === 'contacts' ? 'contact' : 'company'} property '${filter.field}' (mapped: ${fieldList(mapped)}; or any property of the account, by internal name)` });
    });
  }
  return problems;
}

/** The HubSpot properties the toIntercom filters read, for the read plan (record-sides.ts hubspotReadPlan). */
export function filterProperties(object: RecordObject, filters: readonly RecordFilter[]): string[] {
  return filters.flatMap((filter) => (filter.field === HUBSPOT_FULL_NAME && object === 'contacts' ? ['firstname', 'lastname'] : filter.field.startsWith('@') ? [] : [filter.field]));
}

/**
 * The directions an object type's filters close for one pair (plan-pair.ts `blocked`): to_hubspot
 * when the Intercom record fails toHubSpot, to_intercom when the HubSpot record fails toIntercom.
 */
export function blockedDirections(input: {
  object: RecordObject;
  filters: Pick<FilterSettings, 'toHubSpot' | 'toIntercom'>;
  intercom: IntercomRecord;
  hubspot: CrmObject;
  fields: AccountFields;
}): Partial<Record<FilterDirection, { key: string; reason: string }>> {
  const { object, fields } = input;
  const toHubSpot = judgeRecord({ object, direction: 'to_hubspot', filters: input.filters.toHubSpot, record: input.intercom, fields });
  const toIntercom = judgeRecord({ object, direction: 'to_intercom', filters: input.filters.toIntercom, record: input.hubspot, fields });
  return {
    ...(toHubSpot.pass ? {} : { to_hubspot: { key: toHubSpot.key, reason: toHubSpot.reason } }),
    ...(toIntercom.pass ? {} : { to_intercom: { key: toIntercom.key, reason: toIntercom.reason } }),
  };
}

/** Whether an object type has any filter (the sync reads the accounts' fields for them only then). */
export const hasFilters = (filters: Pick<FilterSettings, 'toHubSpot' | 'toIntercom'>) => filters.toHubSpot.length + filters.toIntercom.length > 0;

/** A HubSpot read plan (record-sides.ts hubspotReadPlan) that also asks for what the toIntercom filters read. */
export function withFilterProperties<Plan extends { properties: string[] }>(plan: Plan, object: RecordObject, filters: Pick<FilterSettings, 'toIntercom'>): Plan {
  const extra = filterProperties(object, filters.toIntercom);
  return extra.length === 0 ? plan : { ...plan, properties: [...new Set([...plan.properties, ...extra])] };
}
