// Record filters' settings (#18 item 2): per object type, which records sync each way, as a list of
// conditions combined with AND. This zod schema is the one source of truth for the YAML's
// `connections[n].recordSync.<object>.filters`, the stored settings and the API.
//
// Pure: zod only, so field-mapping.ts (configuration layer) can spread it into an object's sync
// settings. It holds the rules every filter obeys on its own (a known operator, a value of the right
// shape) and, given a field's kind, the rules that need the type (an operator that applies to it, a
// value it can be compared with). What a field's kind is comes from the caller: field-mapping.ts
// passes the standard Intercom attributes here; record-filters.ts the live accounts' fields.
import { z } from 'zod';
import { flag } from '../config/fields.ts';
import type { FieldType } from './field-types.ts';

const OPERATORS = [
  'equals',
  'not_equals',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'greater_than',
  'less_than',
  'is_empty',
  'is_not_empty',
  'is_any_of',
  'is_none_of',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** What a field's values are compared as: enumerations and phone numbers are text. */
export type FilterKind = 'text' | 'number' | 'date' | 'bool';

const NO_VALUE: readonly Operator[] = ['is_empty', 'is_not_empty'];
const LIST_VALUE: readonly Operator[] = ['is_any_of', 'is_none_of'];

/** The operators that make sense for each kind of field. */
const OPERATORS_BY_KIND: Record<FilterKind, readonly Operator[]> = {
  text: ['equals', 'not_equals', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_empty', 'is_not_empty', 'is_any_of', 'is_none_of'],
  number: ['equals', 'not_equals', 'greater_than', 'less_than', 'is_empty', 'is_not_empty', 'is_any_of', 'is_none_of'],
  date: ['equals', 'not_equals', 'greater_than', 'less_than', 'is_empty', 'is_not_empty'],
  bool: ['equals', 'not_equals', 'is_empty', 'is_not_empty'],
};

const list = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const Filter = z.strictObject({
  /** toHubSpot: an Intercom attribute as in mappings (`email`, `location.country`, `custom.plan`); toIntercom: a HubSpot property's internal name. */
  field: z
    .string({ error: 'is required: the field the condition is on' })
    .min(1, { error: 'must not be empty' })
    .refine((name) => !/\s/.test(name), { error: 'must be a field name (no spaces)' }),
  operator: z.enum(OPERATORS, { error: `must be one of ${list(OPERATORS)}` }),
  value: z.union([Scalar, z.array(z.union([z.string(), z.number()]))], { error: 'must be a text, a number, true/false, or a list of texts and numbers' }).optional(),
});
export type RecordFilter = z.infer<typeof Filter>;
export type FilterValue = NonNullable<RecordFilter['value']>;

/** A problem of one filter, by its key inside the filter. */
export interface FilterProblem {
  key: 'field' | 'operator' | 'value';
  message: string;
}

/** Problems the filter has whatever its field: the value's presence and shape for its operator. */
function shapeProblems(filter: RecordFilter): FilterProblem[] {
  const { operator, value } = filter;
  if (NO_VALUE.includes(operator)) return value === undefined ? [] : [{ key: 'value', message: `'${operator}' takes no value (remove it)` }];
  if (value === undefined) return [{ key: 'value', message: `is required for '${operator}'` }];
  if (LIST_VALUE.includes(operator)) {
    return Array.isArray(value) && value.length > 0 ? [] : [{ key: 'value', message: `'${operator}' needs a non-empty list of values` }];
  }
  if (Array.isArray(value)) return [{ key: 'value', message: `'${operator}' takes one value, not a list (is_any_of takes a list)` }];
  if (value === '') return [{ key: 'value', message: `must not be empty (is_empty tests for no value)` }];
  return [];
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * A date filter's value as the span it names, in epoch ms: a day (`2026-01-31`, UTC) is the whole
 * day, a date-time (`2026-01-31T09:00:00Z`) its one second (Intercom keeps dates in seconds).
 */
export function dateSpan(value: FilterValue): { from: number; to: number } | undefined {
  if (typeof value !== 'string') return undefined;
  if (ISO_DAY.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(from) ? undefined : { from, to: from + DAY_MS };
  }
  if (ISO_INSTANT.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return undefined;
    const from = Math.floor(ms / 1000) * 1000;
    return { from, to: from + 1000 };
  }
  return undefined;
}

/** A number filter's value as a number: a number, or text that is exactly one. */
export function numberOf(value: FilterValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A true/false filter's value: true or false, or their text. */
export function boolOf(value: FilterValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Why one value cannot be compared with a field of this kind, or undefined when it can. */
function valueProblem(kind: FilterKind, value: string | number | boolean, label: string): string | undefined {
  switch (kind) {
    case 'number':
      return numberOf(value) === undefined ? `${JSON.stringify(value)} is not a number, and ${label} is a number field` : undefined;
    case 'date':
      return dateSpan(value) === undefined ? `${JSON.stringify(value)} is not a date: ${label} is a date field; give an ISO date (2026-01-31) or date-time (2026-01-31T09:00:00Z)` : undefined;
    case 'bool':
      return boolOf(value) === undefined ? `${JSON.stringify(value)} is not true or false, and ${label} is a true/false field` : undefined;
    default:
      return typeof value === 'boolean' ? `${JSON.stringify(value)} is not a text, and ${label} is a text field` : undefined;
  }
}

/**
 * Problems of a filter (of a valid shape) on a field of this kind: an operator that does not apply
 * to it, a value it cannot be compared with. `label` names the field in the sentence.
 */
export function kindProblems(filter: RecordFilter, kind: FilterKind, label: string): FilterProblem[] {
  if (!OPERATORS_BY_KIND[kind].includes(filter.operator)) {
    const article = kind === 'text' ? 'a text' : kind === 'number' ? 'a number' : kind === 'date' ? 'a date' : 'a true/false';
    return [{ key: 'operator', message: `'${filter.operator}' does not apply to ${article} field (${label}); use one of ${list(OPERATORS_BY_KIND[kind])}` }];
  }
  if (filter.value === undefined) return [];
  const values = Array.isArray(filter.value) ? filter.value : [filter.value];
  for (const value of values) {
    const problem = valueProblem(kind, value, label);
    if (problem) return [{ key: 'value', message: problem }];
  }
  return [];
}

/**
 * What the schema can tell about a filter's field without the live accounts: its kind (a standard
 * attribute), 'later' (a custom attribute or a HubSpot property: checked against the accounts when
 * saved), or a sentence saying why the name cannot be a field at all.
 */
export type KnownField = { kind: FilterKind } | 'later' | { problem: string };

const FilterList = (direction: string, fieldOf: (name: string) => KnownField) =>
  z
    .array(Filter, { error: `must be a list of {field, operator, value} conditions (${direction})` })
    .superRefine((filters, ctx) => {
      filters.forEach((filter, index) => {
        const problems = shapeProblems(filter);
        if (problems.length === 0) {
          const known = fieldOf(filter.field);
          if (known !== 'later') problems.push(...('problem' in known ? [{ key: 'field' as const, message: known.problem }] : kindProblems(filter, known.kind, filter.field)));
        }
        for (const problem of problems) ctx.addIssue({ code: 'custom', path: [index, problem.key], message: problem.message });
      });
    })
    .default([]);

/**
 * `recordSync.<object>.filters`. `intercomField` says what is known of an Intercom attribute's name
 * (the toHubSpot filters' fields); HubSpot property names are only known with the account.
 */
export const filterSettings = (intercomField: (name: string) => KnownField) =>
  z
    .strictObject({
      /** Judged on the Intercom record: which Intercom records are created or updated in HubSpot. */
      toHubSpot: FilterList('toHubSpot', intercomField),
      /** Judged on the HubSpot record: which HubSpot records update Intercom. */
      toIntercom: FilterList('toIntercom', (name) => (name.startsWith('@') ? { problem: `'${name}' is a derived value; filters take the HubSpot record's own properties` } : 'later')),
      /** Contacts only: conversations of a contact that fails toHubSpot create nothing in HubSpot. */
      conversations: flag(false),
    }, { error: 'must be {toHubSpot: [...], toIntercom: [...], conversations: true|false}' })
    .prefault({});
export type FilterSettings = z.infer<ReturnType<typeof filterSettings>>;

/** The same list check for the preview API (no settings around it). */
export const filterList = (direction: string, fieldOf: (name: string) => KnownField) => FilterList(direction, fieldOf);

/** The kind a field's type is compared as (field-types.ts): enumerations and phone numbers as text, Intercom dates and HubSpot date/datetime as dates. */
export function filterKind(type: FieldType): FilterKind {
  if (type.vendor === 'intercom') return ({ string: 'text', integer: 'number', float: 'number', boolean: 'bool', date: 'date' } as const)[type.type];
  return ({ string: 'text', phone_number: 'text', enumeration: 'text', number: 'number', bool: 'bool', date: 'date', datetime: 'date' } as const)[type.type];
}
