// One object type's part of the tab: its on/off switch, its mapping (checked by the server as it
// changes: POST …/mappings/check, debounced) with a preview on a sample record, and its filters.
import type { ApiError } from '../../api.ts';
import type { FieldErrors } from '../../use-submit.ts';
import { Switch } from '../connection/SettingsControls.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { fieldsApi, type MappingCheckAnswer, type RecordFieldsView, type RecordFilter, type RecordObject } from './fields-api.ts';
import { type FilterField, FiltersEditor } from './FiltersEditor.tsx';
import { MappingPreview } from './MappingPreview.tsx';
import { MappingTable } from './MappingTable.tsx';
import type { ObjectDraft } from './record-sync-draft.ts';
import { filterErrors, type FilterList, mappingErrors, type RowProblems } from './settings-keys.ts';
import { useDebouncedAnswer } from './use-debounced-answer.ts';

interface ObjectSyncEditorProps {
  connectionId: string;
  object: RecordObject;
  draft: ObjectDraft;
  /** This object as the last save sent it, or null. */
  submitted: ObjectDraft | null;
  fields: RecordFieldsView | null;
  fieldsError: ApiError | null;
  onReloadFields: () => void;
  saveErrors: FieldErrors;
  readOnly: boolean;
  set: (change: Partial<ObjectDraft>) => void;
}

export function ObjectSyncEditor({ connectionId, object, draft, submitted, fields, fieldsError, onReloadFields, saveErrors, readOnly, set }: ObjectSyncEditorProps) {
  const title = object === 'contacts' ? 'Contacts' : 'Companies';
  const what = object === 'contacts' ? 'contact' : 'company';
  const check = useDebouncedAnswer(JSON.stringify(draft.mappings), () => fieldsApi.checkMappings(connectionId, object, draft.mappings), 400);
  const mappingProblems = merge(checkProblems(check.answer, draft), stillShown(mappingErrors(saveErrors, object), draft.mappings, submitted?.mappings));
  const filterProblems = (list: FilterList) => stillShown(filterErrors(saveErrors, object, list), draft.filters[list], submitted?.filters[list]);
  const setFilters = (list: FilterList, filters: RecordFilter[]) => set({ filters: { ...draft.filters, [list]: filters } });

  return (
    <>
      <section class="card settings-card" aria-labelledby={`${object}-fields-heading`}>
        <div class="card-header fields-card-header">
          <div>
            <h2 id={`${object}-fields-heading`}>{title}: fields</h2>
            <p class="card-description">
              Which Intercom attribute goes to which HubSpot property, and which way. The pickers list the fields both accounts have now; custom ones are
              marked.
            </p>
          </div>
          <Switch
            id={`${object}-enabled`}
            label={`Sync ${object}`}
            hint={draft.enabled ? `${title} are kept in step both ways as mapped.` : `Off: no ${what} is written by the sync.`}
            checked={draft.enabled}
            disabled={readOnly}
            onChange={(enabled) => set({ enabled })}
          />
        </div>
        {fieldsError ? (
          <ErrorAlert error={fieldsError} title="Couldn’t read the fields of the accounts.">
            <button type="button" class="button button-secondary button-small" onClick={onReloadFields}>
              Try again
            </button>
          </ErrorAlert>
        ) : fields?.unavailable ? (
          <p class="notice">The live field lists could not be read ({fields.unavailable}). Names can still be typed; they are checked when the sync starts.</p>
        ) : null}
        {check.error ? (
          <p class="hint">The mapping could not be checked just now ({check.error.message}); it is checked again when saved.</p>
        ) : check.answer?.unavailable && !fields?.unavailable ? (
          <p class="hint">{check.answer.unavailable}</p>
        ) : null}
        {fields === null && !fieldsError ? (
          // Which rows are always mapped (shown locked, with no Remove) comes with the field lists:
          // a table drawn before them would offer to edit or remove the matching keys meanwhile.
          <p class="muted" aria-busy="true">
            Loading the fields of the accounts…
          </p>
        ) : (
          <MappingTable object={object} rows={draft.mappings} fields={fields} problems={mappingProblems} readOnly={readOnly} onChange={(mappings) => set({ mappings })} />
        )}
        <MappingPreview connectionId={connectionId} object={object} mappings={draft.mappings} fields={fields} />
      </section>

      <section class="card settings-card" aria-labelledby={`${object}-filters-heading`}>
        <div class="card-header">
          <h2 id={`${object}-filters-heading`}>{title}: filters</h2>
          <p class="card-description">Keep test and internal records out. Each direction has its own filters, judged on the record where the change comes from.</p>
        </div>
        <div class="stack">
          <FiltersEditor
            connectionId={connectionId}
            object={object}
            list="toHubSpot"
            filters={draft.filters.toHubSpot}
            fields={(fields?.intercom ?? []).map(toFilterField)}
            problems={filterProblems('toHubSpot')}
            readOnly={readOnly}
            onChange={(filters) => setFilters('toHubSpot', filters)}
          />
          <FiltersEditor
            connectionId={connectionId}
            object={object}
            list="toIntercom"
            filters={draft.filters.toIntercom}
            fields={(fields?.hubspot ?? []).map(toFilterField)}
            problems={filterProblems('toIntercom')}
            readOnly={readOnly}
            onChange={(filters) => setFilters('toIntercom', filters)}
          />
          {object === 'contacts' ? (
            <Switch
              id="contacts-filter-conversations"
              label="Keep the conversations of filtered-out contacts out of HubSpot too"
              hint="On: a conversation whose contact fails the Intercom → HubSpot filters creates no HubSpot contact, company, note or ticket. Off: conversations are captured as usual."
              checked={draft.filters.conversations}
              disabled={readOnly}
              onChange={(conversations) => set({ filters: { ...draft.filters, conversations } })}
            />
          ) : null}
        </div>
      </section>
    </>
  );
}

function toFilterField(field: { name: string; label: string; type: string; custom: boolean; options?: string[] }): FilterField {
  return { name: field.name, label: field.label, type: field.type, custom: field.custom, ...(field.options ? { options: field.options } : {}) };
}

/** The live check's problems, except on a box still empty: that row is being filled in. */
function checkProblems(answer: MappingCheckAnswer | null, draft: ObjectDraft): Map<number, RowProblems> {
  const rows = new Map<number, Map<string, string>>();
  for (const problem of answer?.problems ?? []) {
    const row = draft.mappings[problem.index];
    if (!row || ((problem.key === 'intercom' || problem.key === 'hubspot') && row[problem.key].trim() === '')) continue;
    const parts = rows.get(problem.index) ?? new Map<string, string>();
    parts.set(problem.key, parts.has(problem.key) ? `${parts.get(problem.key)} ${problem.message}` : problem.message);
    rows.set(problem.index, parts);
  }
  return rows;
}

/** A refused save's problems on the rows still as they were sent; a row changed since waits for the next check. */
function stillShown<T>(problems: Map<number, RowProblems>, rows: readonly T[], sent: readonly T[] | undefined): Map<number, RowProblems> {
  if (!sent) return new Map();
  return new Map([...problems].filter(([index]) => index < rows.length && JSON.stringify(rows[index]) === JSON.stringify(sent[index])));
}

function merge(first: Map<number, RowProblems>, second: Map<number, RowProblems>): Map<number, RowProblems> {
  const merged = new Map<number, Map<string, string>>();
  for (const source of [first, second]) {
    for (const [index, parts] of source) {
      const row = merged.get(index) ?? new Map<string, string>();
      // The same problem from the check and the save is shown once.
      for (const [part, message] of parts) if (row.get(part) !== message) row.set(part, row.has(part) ? `${row.get(part)} ${message}` : message);
      merged.set(index, row);
    }
  }
  return merged;
}
