// A filter's value box, by operator and field type (#18 item 2): none for is empty / is not empty,
// "a, b, c" for is any of / is none of, else one value of the field's kind — a number, a date, yes or
// no, one of a list field's options, or text.
import { useEffect, useState } from 'preact/hooks';
import type { FilterValue } from './fields-api.ts';
import { parseList, type ValueInput, type ValueKind } from './filter-operators.ts';

interface FilterValueBoxProps {
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
export function FilterValueBox({ input, kind, name, value, options, invalid, disabled, onChange }: FilterValueBoxProps) {
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
  // The row above was removed and this box now shows another filter's value (rows are by position).
  useEffect(() => {
    const typed = text.trim() === '' ? undefined : Number(text);
    if (typed !== (typeof value === 'number' ? value : undefined) && !(value === undefined && Number.isNaN(typed))) setText(typeof value === 'number' ? String(value) : '');
  }, [value]);
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
