// A searchable field picker: a text box whose list shows the account's live fields with their types,
// custom ones marked, narrowed as one types. The ARIA 1.2 combobox pattern: focus stays in the box and
// the highlighted option is announced through aria-activedescendant. It opens on a click, a keystroke
// or the down arrow, not on focus, so tabbing through a table of them opens nothing. A name that is
// not in the list can still be typed (a field that "create if missing" is to make).
import { useRef, useState } from 'preact/hooks';

export interface PickableField {
  name: string;
  label: string;
  type: string;
  custom: boolean;
  /** Why it is there but greyed (read-only in this direction, …); it can still be picked. */
  note?: string;
}

interface FieldPickerProps {
  id: string;
  /** The accessible name: "Intercom attribute, mapping 3". */
  label: string;
  value: string;
  fields: readonly PickableField[];
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string | undefined;
  placeholder?: string;
  /** What a name not in the list does, said when nothing matches. */
  unlisted: string;
  onChange: (name: string) => void;
}

/** The first ones shown; typing narrows the rest down. */
const SHOWN = 60;

function matches(field: PickableField, query: string): boolean {
  const needle = query.trim().toLowerCase();
  return needle === '' || field.name.toLowerCase().includes(needle) || field.label.toLowerCase().includes(needle);
}

export function FieldPicker({ id, label, value, fields, disabled, invalid, describedBy, placeholder, unlisted, onChange }: FieldPickerProps) {
  const [open, setOpen] = useState(false);
  // What the list is narrowed by: what was typed since it opened, not the value it opened with.
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const listId = `${id}-list`;
  const found = fields.filter((field) => matches(field, query));
  const shown = found.slice(0, SHOWN);
  const optionId = (index: number) => `${id}-option-${index}`;

  function show(nextQuery: string) {
    setQuery(nextQuery);
    setActive(-1);
    setOpen(true);
  }
  function pick(field: PickableField) {
    onChange(field.name);
    setOpen(false);
    setActive(-1);
  }

  return (
    <div class="field-picker">
      <input
        ref={input}
        id={id}
        class="input input-mono field-picker-input"
        type="text"
        role="combobox"
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={open ? 'true' : 'false'}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={describedBy}
        autoComplete="off"
        spellcheck={false}
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        onClick={() => {
          if (!open) show('');
        }}
        onBlur={() => setOpen(false)}
        onInput={(event) => {
          onChange(event.currentTarget.value);
          show(event.currentTarget.value);
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault();
            if (!open) return show('');
            const step = event.key === 'ArrowDown' ? 1 : -1;
            setActive((current) => (shown.length === 0 ? -1 : (current + step + shown.length) % shown.length));
          } else if (event.key === 'Enter' && open && active >= 0) {
            // Picking is not submitting the form.
            event.preventDefault();
            const field = shown[active];
            if (field) pick(field);
          } else if (event.key === 'Escape' && open) {
            event.preventDefault();
            setOpen(false);
          }
        }}
      />
      {open && !disabled ? (
        // Pressing an option must not blur the box before the click lands.
        <ul id={listId} class="field-picker-list" role="listbox" aria-label={label} onMouseDown={(event) => event.preventDefault()}>
          {shown.map((field, index) => (
            <li
              key={field.name}
              id={optionId(index)}
              role="option"
              aria-selected={index === active ? 'true' : 'false'}
              class={['field-option', index === active ? 'is-active' : '', field.note ? 'is-muted' : ''].filter(Boolean).join(' ')}
              onClick={() => pick(field)}
            >
              <span class="field-option-main">
                <span class="field-option-label">{field.label}</span>
                <code class="field-option-name">{field.name}</code>
              </span>
              <span class="field-option-meta">
                {field.custom ? <span class="field-tag field-tag-custom">custom</span> : null}
                <span class="field-type">{typeLabel(field.type)}</span>
              </span>
              {field.note ? <span class="field-option-note">{field.note}</span> : null}
            </li>
          ))}
          {found.length === 0 ? (
            <li class="field-picker-empty" role="presentation">
              No field matches “{query.trim()}”. {unlisted}
            </li>
          ) : found.length > SHOWN ? (
            <li class="field-picker-empty" role="presentation">
              {found.length - SHOWN} more: type to narrow the list.
            </li>
          ) : null}
        </ul>
      ) : null}
    </div>
  );
}

const TYPE_LABELS: Record<string, string> = {
  string: 'text',
  integer: 'whole number',
  float: 'number',
  number: 'number',
  boolean: 'yes/no',
  bool: 'yes/no',
  date: 'date',
  datetime: 'date and time',
  enumeration: 'list',
  phone_number: 'phone',
};

/** A vendor type as a person says it. */
export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}
