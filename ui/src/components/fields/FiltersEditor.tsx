// One direction's filters (#18 item 2): rows of field, operator and value, all of which a record must
// pass. Only the operators that fit the field's type are offered, the value box follows the type
// (number, date, yes/no, a list's options, "a, b, c" for is any of), and before saving the server
// counts how many of a sample of recent records would still sync (POST …/filters/preview).
import type { FilterDirection, Operator, RecordFilter, RecordObject } from './fields-api.ts';
import { FieldPicker, type PickableField } from './FieldPicker.tsx';
import { FilterSampleCount } from './FilterSampleCount.tsx';
import { FilterValueBox } from './FilterValueBox.tsx';
import { carryValue, operatorLabel, operatorsFor, valueInput, valueKind, type ValueKind } from './filter-operators.ts';
import type { FilterList, RowProblems } from './settings-keys.ts';

export interface FilterField extends PickableField {
  options?: string[];
}

interface FiltersEditorProps {
  connectionId: string;
  object: RecordObject;
  list: FilterList;
  filters: readonly RecordFilter[];
  fields: readonly FilterField[];
  problems: ReadonlyMap<number, RowProblems>;
  readOnly: boolean;
  onChange: (filters: RecordFilter[]) => void;
}

const DIRECTION: Record<FilterList, { direction: FilterDirection; title: string; source: string; target: string }> = {
  toHubSpot: { direction: 'to_hubspot', title: 'Intercom → HubSpot', source: 'Intercom', target: 'HubSpot' },
  toIntercom: { direction: 'to_intercom', title: 'HubSpot → Intercom', source: 'HubSpot', target: 'Intercom' },
};

export function FiltersEditor({ connectionId, object, list, filters, fields, problems, readOnly, onChange }: FiltersEditorProps) {
  const { direction, title, source, target } = DIRECTION[list];
  const what = object === 'contacts' ? 'contacts' : 'companies';
  const id = `${object}-${list}`;
  const kindOf = (name: string): ValueKind => {
    const field = fields.find((entry) => entry.name === name);
    return valueKind(field?.type, field?.options);
  };
  const update = (index: number, next: RecordFilter) => onChange(filters.map((filter, at) => (at === index ? next : filter)));

  return (
    <fieldset class="filter-group" aria-describedby={`${id}-hint`}>
      <legend class="label">{title}</legend>
      <p id={`${id}-hint`} class="hint">
        Which {source} {what} are created or updated in {target}. A record must pass <strong>every</strong> filter (they are combined with AND); one that
        fails is left alone, and its activity entry names the filter.
      </p>
      {filters.length === 0 ? <p class="muted filter-none">No filters: every {source} record syncs.</p> : null}
      <ol class="filter-list">
        {filters.map((filter, index) => (
          <FilterRow
            key={index}
            id={`${id}-${index}`}
            number={index + 1}
            title={title}
            filter={filter}
            kind={kindOf(filter.field)}
            fields={fields}
            options={fields.find((entry) => entry.name === filter.field)?.options}
            problems={problems.get(index)}
            readOnly={readOnly}
            onChange={(next) => update(index, next)}
            onRemove={() => onChange(filters.filter((_, at) => at !== index))}
          />
        ))}
      </ol>
      {readOnly ? null : (
        <button type="button" class="button button-secondary button-small" onClick={() => onChange([...filters, { field: '', operator: 'equals', value: '' }])}>
          Add a filter<span class="visually-hidden"> ({title})</span>
        </button>
      )}
      <FilterSampleCount connectionId={connectionId} object={object} direction={direction} source={source} filters={filters} kindOf={kindOf} />
    </fieldset>
  );
}

interface FilterRowProps {
  id: string;
  number: number;
  title: string;
  filter: RecordFilter;
  kind: ValueKind;
  fields: readonly FilterField[];
  options: readonly string[] | undefined;
  problems: RowProblems | undefined;
  readOnly: boolean;
  onChange: (filter: RecordFilter) => void;
  onRemove: () => void;
}

function FilterRow({ id, number, title, filter, kind, fields, options, problems, readOnly, onChange, onRemove }: FilterRowProps) {
  const offered = operatorsFor(kind);
  // A stored operator the field's type no longer takes stays visible, so the server's refusal has something to point at.
  const operators = offered.includes(filter.operator) ? offered : [filter.operator, ...offered];
  const input = valueInput(filter.operator, kind);
  const name = `${title} filter ${number}`;
  const messages = [...(problems?.entries() ?? [])];
  const setOperator = (operator: Operator) => {
    const { value, ...rest } = filter;
    const kept = carryValue(value, valueInput(operator, kind));
    onChange(kept === undefined ? { ...rest, operator } : { ...rest, operator, value: kept });
  };
  const setField = (field: string) => {
    const picked = fields.find((entry) => entry.name === field);
    const nextKind = valueKind(picked?.type, picked?.options);
    const operator = operatorsFor(nextKind).includes(filter.operator) ? filter.operator : 'is_not_empty';
    const { value, ...rest } = filter;
    const kept = carryValue(value, valueInput(operator, nextKind));
    onChange(kept === undefined ? { ...rest, field, operator } : { ...rest, field, operator, value: kept });
  };

  return (
    <li class={messages.length > 0 ? 'filter-row has-problem' : 'filter-row'}>
      <span class="filter-and" aria-hidden="true">
        {number === 1 ? 'Where' : 'and'}
      </span>
      <div class="filter-field">
        <FieldPicker
          id={`${id}-field`}
          label={`Field, ${name}`}
          value={filter.field}
          fields={fields}
          disabled={readOnly}
          invalid={problems?.has('field')}
          placeholder="Pick a field"
          unlisted="A filter takes a field the account has."
          onChange={setField}
        />
      </div>
      <select
        class="input select filter-operator"
        aria-label={`Operator, ${name}`}
        value={filter.operator}
        disabled={readOnly}
        aria-invalid={problems?.has('operator') ? true : undefined}
        onChange={(event) => {
          const picked = operators.find((operator) => operator === event.currentTarget.value);
          if (picked) setOperator(picked);
        }}
      >
        {operators.map((operator) => (
          <option key={operator} value={operator}>
            {operatorLabel(operator, kind)}
          </option>
        ))}
      </select>
      <div class="filter-value">
        <FilterValueBox
          input={input}
          kind={kind}
          name={name}
          value={filter.value}
          options={options}
          invalid={problems?.has('value') ?? false}
          disabled={readOnly}
          onChange={(value) => {
            const { value: _old, ...rest } = filter;
            onChange(value === undefined ? rest : { ...rest, value });
          }}
        />
      </div>
      {readOnly ? null : (
        <button type="button" class="button button-danger-quiet button-small" onClick={onRemove}>
          Remove<span class="visually-hidden"> {name}</span>
        </button>
      )}
      {messages.length > 0 ? (
        <ul class="filter-errors">
          {messages.map(([part, message]) => (
            <li key={part} class="field-error">
              {message}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
