// One object type's field mapping as a table (#18 item 1): per row the Intercom attribute and the
// HubSpot property (pickers over the accounts' live fields), the direction, the conflict rule when
// both sides write, and "create if missing". The always-mapped fields are shown locked: only their
// direction and conflict rule may change (src/records/field-mapping.ts ALWAYS_MAPPED). Problems — the
// live check's as the rows change, or a refused save's — show on the row and part they name.
import type { ConflictRule, Direction, MappingCheckAnswer, MappingInput, RecordFieldsView, RecordObject } from './fields-api.ts';
import { FieldPicker, type PickableField, typeLabel } from './FieldPicker.tsx';
import type { RowProblems } from './settings-keys.ts';

const DIRECTIONS: ReadonlyArray<{ value: Direction; label: string }> = [
  { value: 'to_hubspot', label: 'To HubSpot →' },
  { value: 'to_intercom', label: '← To Intercom' },
  { value: 'both', label: '↔ Both ways' },
];

const CONFLICT_RULES: ReadonlyArray<{ value: ConflictRule; label: string }> = [
  { value: 'newest_wins', label: 'Newest wins' },
  { value: 'intercom_wins', label: 'Intercom wins' },
  { value: 'hubspot_wins', label: 'HubSpot wins' },
];

interface MappingTableProps {
  object: RecordObject;
  rows: readonly MappingInput[];
  fields: RecordFieldsView | null;
  problems: ReadonlyMap<number, RowProblems>;
  readOnly: boolean;
  onChange: (rows: MappingInput[]) => void;
}

const isAlwaysMapped = (fields: RecordFieldsView | null, row: MappingInput) =>
  fields?.alwaysMapped.some((entry) => entry.intercom === row.intercom && entry.hubspot === row.hubspot) ?? false;

/** A new direction; the conflict rule exists exactly when both sides write (as the server stores it). */
function withDirection(row: MappingInput, direction: Direction): MappingInput {
  const { onConflict, ...rest } = row;
  return direction === 'both' ? { ...rest, direction, onConflict: onConflict ?? 'newest_wins' } : { ...rest, direction };
}

export function MappingTable({ object, rows, fields, problems, readOnly, onChange }: MappingTableProps) {
  const what = object === 'contacts' ? 'contact' : 'company';
  const update = (index: number, next: MappingInput) => onChange(rows.map((row, at) => (at === index ? next : row)));
  return (
    <div class="mapping-table-wrap">
      <table class="data-table mapping-table" aria-label={`${object === 'contacts' ? 'Contact' : 'Company'} field mapping`}>
        <thead>
          <tr>
            <th scope="col">Intercom attribute</th>
            <th scope="col">Direction</th>
            <th scope="col">HubSpot property</th>
            <th scope="col">Conflict rule</th>
            <th scope="col">Create if missing</th>
            <th scope="col" class="cell-actions">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <MappingRow
              key={index}
              id={`${object}-mapping-${index}`}
              number={index + 1}
              row={row}
              fields={fields}
              locked={isAlwaysMapped(fields, row)}
              problems={problems.get(index)}
              readOnly={readOnly}
              onChange={(next) => update(index, next)}
              onRemove={() => onChange(rows.filter((_, at) => at !== index))}
            />
          ))}
        </tbody>
      </table>
      {readOnly ? null : (
        <button
          type="button"
          class="button button-secondary button-small mapping-add"
          onClick={() => onChange([...rows, { intercom: '', hubspot: '', direction: 'to_hubspot', create: false }])}
        >
          Add a {what} field
        </button>
      )}
    </div>
  );
}

interface MappingRowProps {
  id: string;
  number: number;
  row: MappingInput;
  fields: RecordFieldsView | null;
  locked: boolean;
  problems: RowProblems | undefined;
  readOnly: boolean;
  onChange: (row: MappingInput) => void;
  onRemove: () => void;
}

function MappingRow({ id, number, row, fields, locked, problems, readOnly, onChange, onRemove }: MappingRowProps) {
  // '' is the row as a whole.
  const problem = (part: MappingCheckAnswer['problems'][number]['key'] | '') => problems?.get(part);
  const writesIntercom = row.direction !== 'to_hubspot';
  const writesHubSpot = row.direction !== 'to_intercom';
  const intercomFields: PickableField[] = (fields?.intercom ?? []).map((field) => ({
    ...field,
    ...(!field.writable && writesIntercom ? { note: 'Read-only in Intercom: only “To HubSpot” works' } : {}),
  }));
  const hubspotFields: PickableField[] = [
    ...(fields?.hubspot ?? []).map((field) => ({ ...field, ...(field.readOnly && writesHubSpot ? { note: 'Read-only in HubSpot: only “To Intercom” works' } : {}) })),
    ...(fields?.derived ?? []).map((field) => ({ ...field, custom: false, ...(writesHubSpot ? { note: 'Worked out by HubSpot: only “To Intercom” works' } : {}) })),
  ];
  const rowError = problem('');
  const rowClass = ['mapping-row', locked ? 'is-locked' : '', problems && problems.size > 0 ? 'has-problem' : ''].filter(Boolean).join(' ');
  return (
    <tr class={rowClass}>
      <td data-label="Intercom attribute">
        {locked ? (
          <LockedField name={row.intercom} tag />
        ) : (
          <FieldPicker
            id={`${id}-intercom`}
            label={`Intercom attribute, mapping ${number}`}
            value={row.intercom}
            fields={intercomFields}
            disabled={readOnly}
            invalid={Boolean(problem('intercom'))}
            describedBy={problem('intercom') ? `${id}-intercom-error` : undefined}
            placeholder="email, custom.plan"
            unlisted="Keep the name to have “Create if missing” make the attribute."
            onChange={(intercom) => onChange({ ...row, intercom })}
          />
        )}
        <FieldFacts id={`${id}-intercom`} name={row.intercom} list={intercomFields} fields={fields} side="Intercom" creates={Boolean(row.create) && writesIntercom} />
        <CellError id={`${id}-intercom-error`} message={problem('intercom')} />
        <CellError id={`${id}-error`} message={rowError} />
      </td>
      <td data-label="Direction">
        <select
          class="input select mapping-direction"
          aria-label={`Direction, mapping ${number}`}
          value={row.direction}
          disabled={readOnly}
          aria-invalid={problem('direction') ? true : undefined}
          aria-describedby={problem('direction') ? `${id}-direction-error` : undefined}
          onChange={(event) => {
            const picked = DIRECTIONS.find((choice) => choice.value === event.currentTarget.value);
            if (picked) onChange(withDirection(row, picked.value));
          }}
        >
          {DIRECTIONS.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
        <CellError id={`${id}-direction-error`} message={problem('direction')} />
      </td>
      <td data-label="HubSpot property">
        {locked ? (
          <LockedField name={row.hubspot} />
        ) : (
          <FieldPicker
            id={`${id}-hubspot`}
            label={`HubSpot property, mapping ${number}`}
            value={row.hubspot}
            fields={hubspotFields}
            disabled={readOnly}
            invalid={Boolean(problem('hubspot'))}
            describedBy={problem('hubspot') ? `${id}-hubspot-error` : undefined}
            placeholder="lifecyclestage"
            unlisted="Keep the name to have “Create if missing” make the property."
            onChange={(hubspot) => onChange({ ...row, hubspot })}
          />
        )}
        <FieldFacts id={`${id}-hubspot`} name={row.hubspot} list={hubspotFields} fields={fields} side="HubSpot" creates={Boolean(row.create) && writesHubSpot} />
        <CellError id={`${id}-hubspot-error`} message={problem('hubspot')} />
      </td>
      <td data-label="Conflict rule">
        {row.direction === 'both' ? (
          <select
            class="input select mapping-conflict"
            aria-label={`Conflict rule, mapping ${number}`}
            value={row.onConflict ?? 'newest_wins'}
            disabled={readOnly}
            onChange={(event) => {
              const picked = CONFLICT_RULES.find((choice) => choice.value === event.currentTarget.value);
              if (picked) onChange({ ...row, onConflict: picked.value });
            }}
          >
            {CONFLICT_RULES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        ) : (
          <span class="muted mapping-na" title="Only one side writes this field: nothing to decide.">
            —<span class="visually-hidden"> only one side writes it</span>
          </span>
        )}
        <CellError id={`${id}-onConflict-error`} message={problem('onConflict')} />
      </td>
      <td data-label="Create if missing" class="mapping-create">
        {locked ? (
          <span class="muted mapping-na" title="A standard field: both accounts have it.">
            —<span class="visually-hidden"> a standard field</span>
          </span>
        ) : (
          <label class="checkbox-label">
            <input type="checkbox" checked={Boolean(row.create)} disabled={readOnly} onChange={(event) => onChange({ ...row, create: event.currentTarget.checked })} />
            <span>
              Create<span class="visually-hidden"> the field of mapping {number} if it is missing</span>
            </span>
          </label>
        )}
      </td>
      <td class="cell-actions">
        {locked || readOnly ? null : (
          <button type="button" class="button button-danger-quiet button-small" onClick={onRemove}>
            Remove<span class="visually-hidden"> mapping {number}</span>
          </button>
        )}
      </td>
    </tr>
  );
}

/** An always-mapped field: its name, not a picker; the first cell says why. */
function LockedField({ name, tag }: { name: string; tag?: boolean }) {
  return (
    <span class="mapping-locked">
      <code class="mapping-locked-name">{name}</code>
      {tag ? (
        <span class="field-tag field-tag-locked" title="The matching keys and names are always mapped. Their direction and conflict rule may change.">
          Always mapped
        </span>
      ) : null}
    </span>
  );
}

/** Under a picker: what the chosen field is (its label and type), or that the account lacks it. */
function FieldFacts({ id, name, list, fields, side, creates }: { id: string; name: string; list: readonly PickableField[]; fields: RecordFieldsView | null; side: string; creates: boolean }) {
  if (name === '' || !fields || fields.unavailable) return null;
  const field = list.find((entry) => entry.name === name);
  if (field) {
    return (
      <p id={`${id}-facts`} class="mapping-facts">
        {field.label !== field.name ? `${field.label} · ` : ''}
        {typeLabel(field.type)}
        {field.custom ? ' · custom' : ''}
      </p>
    );
  }
  return (
    <p id={`${id}-facts`} class="mapping-facts mapping-facts-missing">
      {creates ? `Not in ${side} yet: created when saved` : `Not in ${side}`}
    </p>
  );
}

function CellError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} class="field-error mapping-error">
      {message}
    </p>
  ) : null;
}
