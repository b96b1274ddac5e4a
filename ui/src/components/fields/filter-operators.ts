// Which filter operators fit a field, and what value each one takes (#18 item 2). The server judges
// the same rules when the filters are saved (src/records/record-filters.ts) and refuses a misfit by
// key; here they only decide what the editor offers, so a person is never shown a choice that
// cannot be saved.
import type { FilterValue, Operator } from './fields-api.ts';

/** How a field's values compare: the vendor types reduced to what the operators care about. */
export type ValueKind = 'text' | 'choice' | 'number' | 'date' | 'bool';

/** Intercom (string, integer, float, boolean, date) and HubSpot (string, number, bool, enumeration, date, datetime, phone_number) types. */
export function valueKind(type: string | undefined, options: readonly string[] | undefined): ValueKind {
  if (options && options.length > 0) return 'choice';
  switch (type) {
    case 'integer':
    case 'float':
    case 'number':
      return 'number';
    case 'date':
    case 'datetime':
      return 'date';
    case 'boolean':
    case 'bool':
      return 'bool';
    case 'enumeration':
      return 'choice';
    default:
      return 'text';
  }
}

const EMPTINESS: readonly Operator[] = ['is_empty', 'is_not_empty'];
const OPERATORS_BY_KIND: Record<ValueKind, readonly Operator[]> = {
  text: ['equals', 'not_equals', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_any_of', 'is_none_of', ...EMPTINESS],
  choice: ['equals', 'not_equals', 'is_any_of', 'is_none_of', ...EMPTINESS],
  number: ['equals', 'not_equals', 'greater_than', 'less_than', 'is_any_of', 'is_none_of', ...EMPTINESS],
  date: ['equals', 'not_equals', 'greater_than', 'less_than', ...EMPTINESS],
  bool: ['equals', 'not_equals', ...EMPTINESS],
};

export function operatorsFor(kind: ValueKind): readonly Operator[] {
  return OPERATORS_BY_KIND[kind];
}

const LABELS: Record<Operator, string> = {
  equals: 'equals',
  not_equals: 'does not equal',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  ends_with: 'ends with',
  greater_than: 'is greater than',
  less_than: 'is less than',
  is_empty: 'is empty',
  is_not_empty: 'is not empty',
  is_any_of: 'is any of',
  is_none_of: 'is none of',
};

/** The operator as a person reads it; dates compare by time, so "after" and "before". */
export function operatorLabel(operator: Operator, kind: ValueKind): string {
  if (kind === 'date' && operator === 'greater_than') return 'is after';
  if (kind === 'date' && operator === 'less_than') return 'is before';
  if (kind === 'date' && operator === 'equals') return 'is on';
  if (kind === 'date' && operator === 'not_equals') return 'is not on';
  if (kind === 'bool' && operator === 'equals') return 'is';
  if (kind === 'bool' && operator === 'not_equals') return 'is not';
  return LABELS[operator];
}

/** What the value box is for this operator: none, a list, or one value of the field's kind. */
export type ValueInput = 'none' | 'list' | ValueKind;

export function valueInput(operator: Operator, kind: ValueKind): ValueInput {
  if (operator === 'is_empty' || operator === 'is_not_empty') return 'none';
  if (operator === 'is_any_of' || operator === 'is_none_of') return 'list';
  // Text operators on a list field compare its text.
  if (kind === 'choice' && operator !== 'equals' && operator !== 'not_equals') return 'text';
  return kind;
}

/** A list typed as "a, b, c": numbers stay numbers for a number field. */
export function parseList(text: string, kind: ValueKind): Array<string | number> {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return kind === 'number' ? items.map((item) => (/^-?\d+(\.\d+)?$/.test(item) ? Number(item) : item)) : items;
}

/** The value a new operator keeps from the old one, when it still fits; else none. */
export function carryValue(value: FilterValue | undefined, input: ValueInput): FilterValue | undefined {
  if (value === undefined || input === 'none') return undefined;
  if (input === 'list') return Array.isArray(value) ? value : [String(value)].filter((item) => item !== '');
  if (Array.isArray(value)) return undefined;
  if (input === 'number') return typeof value === 'number' ? value : undefined;
  if (input === 'bool') return typeof value === 'boolean' ? value : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Whether the filter is complete enough to count on a sample. */
export function isComplete(filter: { field: string; operator: Operator; value?: FilterValue }, input: ValueInput): boolean {
  if (filter.field.trim() === '') return false;
  if (input === 'none') return true;
  if (input === 'list') return Array.isArray(filter.value) && filter.value.length > 0;
  if (input === 'number') return typeof filter.value === 'number' && Number.isFinite(filter.value);
  if (input === 'bool') return typeof filter.value === 'boolean';
  return typeof filter.value === 'string' && filter.value !== '';
}
