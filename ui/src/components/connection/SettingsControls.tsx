// What the Conversations and Matching tabs share: loading the connection's settings, saving a
// section with the server's refusal shown on the fields it names, and the small controls (switch,
// number, comma-separated list, radio group) both forms are built from.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SettingsBody, SettingsView } from '../../../../src/http/api-types.ts';
import { api, type ApiError } from '../../api.ts';
import { useApiData } from '../../use-api-data.ts';
import { type FieldErrors, useSubmit } from '../../use-submit.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

export function useSettings(connectionId: string) {
  const settings = useApiData(() => api.getSettings(connectionId), [connectionId]);
  // Bumped when saved settings come back, so forms start again from what the server stored.
  const [version, setVersion] = useState(0);

  return {
    view: settings.data,
    loadError: settings.error,
    version,
    load: () => settings.reload(),
    saved(next: SettingsView) {
      settings.set(next);
      setVersion((current) => current + 1);
    },
  };
}

/** The loading line or the load error, when there is nothing to show yet. */
export function SettingsLoading({ error, what, onRetry }: { error: ApiError | null; what: string; onRetry: () => void }) {
  return error ? (
    <ErrorAlert error={error} title={`Couldn’t load the ${what} settings.`}>
      <button type="button" class="button button-secondary button-small" onClick={onRetry}>
        Try again
      </button>
    </ErrorAlert>
  ) : (
    <p class="muted" aria-busy="true">
      Loading the {what} settings…
    </p>
  );
}

export function ManagedNotice({ view }: { view: SettingsView }) {
  if (!view.managedByConfig) return null;
  return (
    <p class="notice">
      Managed by config (<code>{view.configKey}</code>): these settings come from the configuration file and are read-only here.
      Change them there and restart Interhubz.
    </p>
  );
}

export type { FieldErrors };

export interface SaveState {
  busy: boolean;
  status: string;
  error: ApiError | null;
  fieldErrors: FieldErrors;
  save: (body: SettingsBody) => Promise<void>;
}

export function useSave(connectionId: string, onSaved: (view: SettingsView) => void, success: string): SaveState {
  const submit = useSubmit();
  const { busy, status, error, fieldErrors } = submit;
  async function save(body: SettingsBody) {
    await submit.run(async () => onSaved(await api.saveSettings(connectionId, body)), { success });
  }
  return { busy, status, error, fieldErrors, save };
}

/**
 * The form's last row: the Save button, what happened, and a refusal listing each field by its
 * label (and its settings path, which is also its YAML key).
 */
export function SaveBar({ state, label, labels, readOnly }: { state: SaveState; label: string; labels: (path: string) => string | null; readOnly: boolean }) {
  const { busy, status, error } = state;
  const button = useRef<HTMLButtonElement>(null);
  // The form was remounted with the saved settings: the button that had focus is a new one.
  useEffect(() => {
    if (status && (!document.activeElement || document.activeElement === document.body)) button.current?.focus();
  }, [status]);
  if (readOnly) return null;
  return (
    <div class="settings-save">
      {error ? (
        error.details.length > 0 ? (
          <div class="alert alert-error" role="alert">
            <div class="alert-body">
              <p class="alert-title">The settings were not saved. Correct {error.details.length === 1 ? 'this field' : 'these fields'}:</p>
              <ul class="alert-details">
                {error.details.map((detail, index) => (
                  <li key={index}>
                    <strong>{labels(detail.path) ?? detail.path}</strong>
                    {labels(detail.path) ? (
                      <>
                        {' '}
                        (<code>{detail.path}</code>)
                      </>
                    ) : null}
                    : {detail.message}
                  </li>
                ))}
              </ul>
            </div>
          </div>
        ) : (
          <ErrorAlert error={error} title="The settings were not saved." />
        )
      ) : null}
      <div class="settings-save-row">
        <button ref={button} type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : label}
        </button>
        <p class={status ? 'status-message' : 'status-message is-empty'} role="status">
          {status}
        </p>
      </div>
    </div>
  );
}

/** A field's label and its hint; the hint's id is what aria-describedby points at. */
export function FieldLabel({ id, label, hint }: { id: string; label: ComponentChildren; hint?: ComponentChildren }) {
  return (
    <>
      <label for={id} class="label">
        {label}
      </label>
      {hint ? (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      ) : null}
    </>
  );
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={`${id}-error`} class="field-error">
      {message}
    </p>
  ) : null;
}

const describedBy = (id: string, hint: ComponentChildren | undefined, error: string | undefined) =>
  [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;

interface SwitchProps {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  checked: boolean;
  disabled?: boolean;
  onChange: (checked: boolean) => void;
}

/** An on/off setting: a checkbox that looks and announces itself as a switch. */
export function Switch({ id, label, hint, checked, disabled, onChange }: SwitchProps) {
  return (
    <div class="switch-field">
      <input
        id={id}
        type="checkbox"
        role="switch"
        class="switch"
        checked={checked}
        disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
      <div>
        <label for={id} class="switch-label">
          {label}
        </label>
        {hint ? (
          <p id={`${id}-hint`} class="hint switch-hint">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

interface NumberFieldProps {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  value: number;
  unit?: string;
  error?: string | undefined;
  disabled?: boolean;
  /** NaN when the box holds no number: the server then names the field. */
  onChange: (value: number) => void;
}

export function NumberField({ id, label, hint, value, unit, error, disabled, onChange }: NumberFieldProps) {
  // The text as typed, so a half-typed or empty value is not replaced under the cursor.
  const [text, setText] = useState(() => (Number.isFinite(value) ? String(value) : ''));
  return (
    <div class="field">
      <FieldLabel id={id} label={label} hint={hint} />
      <div class="number-row">
        <input
          id={id}
          class="input input-number"
          type="number"
          inputMode="numeric"
          min={0}
          step="any"
          value={text}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, hint, error)}
          onInput={(event) => {
            const next = event.currentTarget.value;
            setText(next);
            onChange(next.trim() === '' ? Number.NaN : Number(next));
          }}
        />
        {unit ? <span class="number-unit">{unit}</span> : null}
      </div>
      <FieldError id={id} message={error} />
    </div>
  );
}

interface TextFieldProps {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  value: string;
  error?: string | undefined;
  placeholder?: string;
  mono?: boolean;
  /** A short value (a name, a zone): a narrower box. */
  short?: boolean;
  onChange: (value: string) => void;
}

export function TextField({ id, label, hint, value, error, placeholder, mono, short, onChange }: TextFieldProps) {
  return (
    <div class="field">
      <FieldLabel id={id} label={label} hint={hint} />
      <input
        id={id}
        class={['input', mono ? 'input-mono' : '', short ? 'input-short' : ''].filter(Boolean).join(' ')}
        type="text"
        value={value}
        placeholder={placeholder}
        spellcheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onInput={(event) => onChange(event.currentTarget.value)}
      />
      <FieldError id={id} message={error} />
    </div>
  );
}

const splitList = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** A list of names or ids typed as "a, b, c". */
export function ListField({ value, onChange, ...rest }: Omit<TextFieldProps, 'value' | 'onChange'> & { value: string[]; onChange: (value: string[]) => void }) {
  const [text, setText] = useState(() => value.join(', '));
  return (
    <TextField
      {...rest}
      value={text}
      onChange={(next) => {
        setText(next);
        onChange(splitList(next));
      }}
    />
  );
}

export interface Choice<T extends string> {
  value: T;
  label: string;
  description?: string;
}

interface RadioGroupProps<T extends string> {
  name: string;
  legend: string;
  hint?: ComponentChildren;
  choices: ReadonlyArray<Choice<T>>;
  value: T;
  onChange: (value: T) => void;
}

export function RadioGroup<T extends string>({ name, legend, hint, choices, value, onChange }: RadioGroupProps<T>) {
  return (
    <fieldset class="choice-group" aria-describedby={hint ? `${name}-hint` : undefined}>
      <legend class="label">{legend}</legend>
      {hint ? (
        <p id={`${name}-hint`} class="hint">
          {hint}
        </p>
      ) : null}
      {choices.map((choice) => {
        const id = `${name}-${choice.value}`;
        return (
          <div key={choice.value} class="choice">
            <input
              id={id}
              type="radio"
              name={name}
              value={choice.value}
              checked={value === choice.value}
              aria-describedby={choice.description ? `${id}-description` : undefined}
              onChange={() => onChange(choice.value)}
            />
            <div>
              <label for={id} class="choice-label">
                {choice.label}
              </label>
              {choice.description ? (
                <p id={`${id}-description`} class="choice-description">
                  {choice.description}
                </p>
              ) : null}
            </div>
          </div>
        );
      })}
    </fieldset>
  );
}

interface SelectFieldProps<T extends string> {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  choices: ReadonlyArray<Choice<T>>;
  value: T;
  onChange: (value: T) => void;
}

export function SelectField<T extends string>({ id, label, hint, choices, value, onChange }: SelectFieldProps<T>) {
  return (
    <div class="field">
      <FieldLabel id={id} label={label} hint={hint} />
      <select
        id={id}
        class="input select select-narrow"
        value={value}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(event) => {
          const picked = choices.find((choice) => choice.value === event.currentTarget.value);
          if (picked) onChange(picked.value);
        }}
      >
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Moves the item at `index` one place up (-1) or down (+1). */
export function move<T>(items: readonly T[], index: number, by: -1 | 1): T[] {
  const target = index + by;
  if (target < 0 || target >= items.length) return [...items];
  const next = [...items];
  const [item] = next.splice(index, 1);
  if (item !== undefined) next.splice(target, 0, item);
  return next;
}

/** Up and down buttons for an ordered list's item, named for screen readers by what they move. */
export function MoveButtons({ index, count, what, onMove }: { index: number; count: number; what: string; onMove: (by: -1 | 1) => void }) {
  return (
    <div class="move-buttons">
      <button type="button" class="button button-secondary button-small button-icon" disabled={index === 0} aria-label={`Move ${what} up`} title="Move up" onClick={() => onMove(-1)}>
        ↑
      </button>
      <button
        type="button"
        class="button button-secondary button-small button-icon"
        disabled={index === count - 1}
        aria-label={`Move ${what} down`}
        title="Move down"
        onClick={() => onMove(1)}
      >
        ↓
      </button>
    </div>
  );
}
