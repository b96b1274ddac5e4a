// One direction's filters (#18 item 2): rows of field, operator and value, all of which a record must
// pass. Only the operators that fit the field's type are offered, the value box follows the type
// (number, date, yes/no, a list's options, "a, b, c" for is any of), and before saving the server
// counts how many of a sample of recent records would still sync (POST …/filters/preview).
import { useState } from 'preact/hooks';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { fieldsApi, type FilterDirection, type FilterValue, type Operator, type RecordFilter, type RecordObject } from './fields-api.ts';
import { FieldPicker, type PickableField } from './FieldPicker.tsx';
import { carryValue, isComplete, operatorLabel, operatorsFor, parseList, valueInput, valueKind, type ValueInput, type ValueKind } from './filter-operators.ts';
import type { FilterList, RowProblems } from './settings-keys.ts';
import { useDebouncedAnswer } from './use-debounced-answer.ts';

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
      <SampleCount connectionId={connectionId} object={object} direction={direction} source={source} filters={filters} kindOf={kindOf} />
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
        <ValueBox
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

interface ValueBoxProps {
  input: ValueInput;
  kind: ValueKind;
  name: string;
  value: FilterValue | undefined;
  options: readonly string[] | undefined;
  invalid: boolean;
  disabled: boolean;
  /** undefined: the box was emptied. */
  onChange: (value: FilterValue | undefined) => void;
}

/** The value's box for the operator and the field's type; nothing for is empty / is not empty. */
function ValueBox({ input, kind, name, value, options, invalid, disabled, onChange }: ValueBoxProps) {
  const common = { 'aria-label': `Value, ${name}`, 'aria-invalid': invalid ? true : undefined, disabled } as const;
  switch (input) {
    case 'none':
      return <span class="muted filter-no-value">No value needed</span>;
    case 'list':
      return (
        <input
          {...common}
          class="input"
          type="text"
          placeholder={options && options.length > 0 ? options.slice(0, 3).join(', ') : 'a, b, c'}
          value={Array.isArray(value) ? value.join(', ') : ''}
          onChange={(event) => onChange(parseList(event.currentTarget.value, kind))}
        />
      );
    case 'number':
      return <NumberBox label={common['aria-label']} invalid={invalid} disabled={disabled} value={value} onChange={onChange} />;
    case 'date':
      return <input {...common} class="input" type="date" value={typeof value === 'string' ? value : ''} onInput={(event) => onChange(event.currentTarget.value)} />;
    case 'bool':
      return (
        <select {...common} class="input select" value={value === true ? 'true' : value === false ? 'false' : ''} onChange={(event) => onChange(event.currentTarget.value === 'true')}>
          <option value="" disabled>
            Choose…
          </option>
          <option value="true">Yes (true)</option>
          <option value="false">No (false)</option>
        </select>
      );
    case 'choice':
      return (
        <select {...common} class="input select" value={typeof value === 'string' ? value : ''} onChange={(event) => onChange(event.currentTarget.value)}>
          <option value="" disabled>
            Choose…
          </option>
          {(options ?? []).map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
    default:
      return <input {...common} class="input" type="text" value={typeof value === 'string' ? value : ''} onInput={(event) => onChange(event.currentTarget.value)} />;
  }
}

/** The number as typed, so a half-typed one ("1.") is not replaced under the cursor. */
function NumberBox({ label, invalid, disabled, value, onChange }: { label: string; invalid: boolean; disabled: boolean; value: FilterValue | undefined; onChange: (value: number | undefined) => void }) {
  const [text, setText] = useState(() => (typeof value === 'number' ? String(value) : ''));
  return (
    <input
      aria-label={label}
      aria-invalid={invalid ? true : undefined}
      disabled={disabled}
      class="input"
      type="number"
      step="any"
      value={text}
      onInput={(event) => {
        const next = event.currentTarget.value;
        setText(next);
        onChange(next.trim() !== '' && Number.isFinite(Number(next)) ? Number(next) : undefined);
      }}
    />
  );
}

interface SampleCountProps {
  connectionId: string;
  object: RecordObject;
  direction: FilterDirection;
  source: string;
  filters: readonly RecordFilter[];
  kindOf: (field: string) => ValueKind;
}

/** "N of M records would sync": the filters as they stand, judged by the server on recent records. */
function SampleCount({ connectionId, object, direction, source, filters, kindOf }: SampleCountProps) {
  const what = object === 'contacts' ? 'contacts' : 'companies';
  const complete = filters.filter((filter) => isComplete(filter, valueInput(filter.operator, kindOf(filter.field))));
  const left = filters.length - complete.length;
  const key = complete.length > 0 ? JSON.stringify({ object, direction, complete }) : null;
  const count = useDebouncedAnswer(key, () => fieldsApi.previewFilters(connectionId, object, direction, complete), 700);
  if (key === null) return null;
  const answer = count.answer;
  return (
    <div class="filter-count" role="status" aria-busy={count.pending ? 'true' : 'false'}>
      {count.error ? (
        <ErrorAlert error={count.error} title="Couldn’t count the records on a sample." />
      ) : answer ? (
        <p>
          <strong>
            {answer.passing} of {answer.sampled}
          </strong>{' '}
          {answer.sampled === 1 ? 'record' : 'records'} would sync
          <span class="muted">
            {' '}
            — judged on the {answer.sampled} most recently updated {source} {what}
            {answer.total !== null ? ` (${answer.total.toLocaleString('en')} in all)` : ''}
            {left > 0 ? `; ${left} unfinished ${left === 1 ? 'filter is' : 'filters are'} not counted` : ''}.
          </span>
          {answer.byFilter.some((entry) => entry.excluded > 0) ? (
            <span class="filter-excluded">
              {' '}
              {answer.byFilter
                .filter((entry) => entry.excluded > 0)
                .map((entry) => `Filter ${filters.indexOf(complete[entry.index] as RecordFilter) + 1} leaves out ${entry.excluded}`)
                .join('; ')}
              .
            </span>
          ) : null}
        </p>
      ) : (
        <p class="muted">Counting on a sample…</p>
      )}
    </div>
  );
}
