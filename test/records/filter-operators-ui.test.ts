// The Fields & filters tab offers only the operators a field's type takes (ui/src/components/fields/
// filter-operators.ts); the server refuses the others when saving (src/records/filter-schema.ts). The
// two tables are kept apart (the UI imports no server code), so this holds them together: everything
// the tab offers for a field type is accepted for it, and for text, numbers, dates and true/false the
// tab offers all the server takes.
import t from 'tap';
import { filterKind, kindProblems, type Operator } from '../../src/records/filter-schema.ts';
import type { FieldType } from '../../src/records/field-types.ts';
import { operatorsFor, valueInput, valueKind } from '../../ui/src/components/fields/filter-operators.ts';

const ALL: readonly Operator[] = ['equals', 'not_equals', 'contains', 'not_contains', 'starts_with', 'ends_with', 'greater_than', 'less_than', 'is_empty', 'is_not_empty', 'is_any_of', 'is_none_of'];

/** A value of the shape the tab's value box gives for this operator on this kind of field. */
function sampleValue(operator: Operator, kind: ReturnType<typeof valueKind>) {
  const input = valueInput(operator, kind);
  if (input === 'none') return undefined;
  const one = kind === 'number' ? 3 : kind === 'date' ? '2026-01-31' : kind === 'bool' ? true : 'pro';
  return input === 'list' ? [one as string | number] : one;
}

const TYPES: ReadonlyArray<FieldType> = [
  { vendor: 'intercom', type: 'string' },
  { vendor: 'intercom', type: 'string', options: ['free', 'pro'] },
  { vendor: 'intercom', type: 'integer' },
  { vendor: 'intercom', type: 'float' },
  { vendor: 'intercom', type: 'boolean' },
  { vendor: 'intercom', type: 'date' },
  { vendor: 'hubspot', type: 'string' },
  { vendor: 'hubspot', type: 'phone_number' },
  { vendor: 'hubspot', type: 'enumeration', options: ['lead', 'customer'] },
  { vendor: 'hubspot', type: 'number' },
  { vendor: 'hubspot', type: 'bool' },
  { vendor: 'hubspot', type: 'date' },
  { vendor: 'hubspot', type: 'datetime' },
];

for (const type of TYPES) {
  const label = `${type.vendor} ${type.type}${type.options ? ' with options' : ''}`;
  t.test(label, async (t) => {
    const kind = valueKind(type.type, type.options);
    const offered = operatorsFor(kind);
    for (const operator of offered) {
      const value = sampleValue(operator, kind);
      const filter = value === undefined ? { field: 'f', operator } : { field: 'f', operator, value };
      t.same(kindProblems(filter, filterKind(type), 'f'), [], `offers '${operator}', which the server accepts with such a value`);
    }
    // A list field offers only the comparisons that make sense for picking among options.
    if (kind === 'choice') return;
    const accepted = ALL.filter((operator) => kindProblems({ field: 'f', operator }, filterKind(type), 'f').every((problem) => problem.key !== 'operator'));
    t.same([...offered].sort(), [...accepted].sort(), 'offers every operator the server takes');
  });
}
