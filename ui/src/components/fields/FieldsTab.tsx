// The Fields & filters tab (#18 items 1, 2): for contacts and for companies, whether they sync, the
// field mapping (checked against the live accounts as it changes, and previewed on a real record) and
// the filters of each direction. One Save sends the whole recordSync section, both object types, as
// PUT /api/connections/:id/settings replaces a section whole; a refusal is shown on the rows it names.
import { useRef, useState } from 'preact/hooks';
import type { SettingsView } from '../../../../src/http/api-types.ts';
import type { ApiError } from '../../api.ts';
import { useApiData } from '../../use-api-data.ts';
import { isChanged, useUnsavedGuard } from '../../use-unsaved-guard.ts';
import { ManagedNotice, SaveBar, SettingsLoading, type SaveState, useSave, useSettings } from '../connection/SettingsControls.tsx';
import { fieldsApi, type RecordFieldsView, type RecordObject } from './fields-api.ts';
import { ObjectSyncEditor } from './ObjectSyncEditor.tsx';
import { toDraft, type ObjectDraft, type RecordSyncDraft } from './record-sync-draft.ts';
import { typeLabel } from './FieldPicker.tsx';
import { recordSyncLabel } from './settings-keys.ts';

const OBJECTS: ReadonlyArray<{ object: RecordObject; label: string }> = [
  { object: 'contacts', label: 'Contacts' },
  { object: 'companies', label: 'Companies' },
];

export function FieldsTab({ connectionId }: { connectionId: string }) {
  const { view, loadError, version, load, saved } = useSettings(connectionId);
  // Kept across the remount after a save: the person stays on the object they were editing.
  const [object, setObject] = useState<RecordObject>('contacts');
  // What the save's check against the accounts did: fields it created, what it could not check.
  const [checked, setChecked] = useState<SettingsView['recordSyncCheck'] | null>(null);
  const fields = {
    contacts: useApiData(() => fieldsApi.getFields(connectionId, 'contacts'), [connectionId]),
    companies: useApiData(() => fieldsApi.getFields(connectionId, 'companies'), [connectionId]),
  };
  const saving = useSave(
    connectionId,
    (next) => {
      saved(next);
      setChecked(next.recordSyncCheck ?? null);
      // A save may have created fields ("create if missing"): the lists show them.
      void fields.contacts.reload({ quiet: true });
      void fields.companies.reload({ quiet: true });
    },
    'Saved. Contacts and companies sync with these fields and filters.',
  );
  if (!view) return <SettingsLoading error={loadError} what="field" onRetry={() => void load()} />;
  return (
    <FieldsForm
      key={version}
      connectionId={connectionId}
      view={view}
      saving={saving}
      object={object}
      onObject={setObject}
      fields={{ contacts: fields.contacts.data, companies: fields.companies.data }}
      fieldsError={fields[object].error}
      onReloadFields={() => void fields[object].reload()}
      checked={checked}
    />
  );
}

interface FieldsFormProps {
  connectionId: string;
  view: SettingsView;
  saving: SaveState;
  object: RecordObject;
  onObject: (object: RecordObject) => void;
  fields: Record<RecordObject, RecordFieldsView | null>;
  fieldsError: ApiError | null;
  onReloadFields: () => void;
  checked: SettingsView['recordSyncCheck'] | null;
}

// Remounted after a save (so it starts from what the server stored): the save's state lives in the tab.
function FieldsForm({ connectionId, view, saving, object, onObject, fields, fieldsError, onReloadFields, checked }: FieldsFormProps) {
  const stored = toDraft(view.settings);
  const [draft, setDraft] = useState<RecordSyncDraft>(stored);
  useUnsavedGuard(isChanged(draft, stored), 'field and filter settings');
  // What was sent with the last save: its problems show on a row until the row is changed.
  const submitted = useRef<RecordSyncDraft | null>(null);
  const readOnly = view.managedByConfig;
  const set = (change: Partial<ObjectDraft>) => setDraft((current) => ({ ...current, [object]: { ...current[object], ...change } }));
  // A refused save's problems with an object, while it is still as it was sent.
  const problemCount = (one: RecordObject) =>
    submitted.current && JSON.stringify(submitted.current[one]) === JSON.stringify(draft[one])
      ? [...saving.fieldErrors.keys()].filter((path) => path.includes(`recordSync.${one}.`)).length
      : 0;

  return (
    <form
      class="settings-form fields-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (readOnly) return;
        submitted.current = draft;
        void saving.save({ recordSync: draft });
      }}
    >
      <ManagedNotice view={view} />
      <div class="object-switch" role="group" aria-label="Object type">
        {OBJECTS.map((entry) => (
          <button key={entry.object} type="button" class="work-chip" aria-pressed={object === entry.object ? 'true' : 'false'} onClick={() => onObject(entry.object)}>
            {entry.label}
            <span class={draft[entry.object].enabled ? 'object-state is-on' : 'object-state'}>{draft[entry.object].enabled ? 'On' : 'Off'}</span>
            {problemCount(entry.object) > 0 ? <span class="object-problems">{problemCount(entry.object)} to fix</span> : null}
          </button>
        ))}
      </div>
      <ObjectSyncEditor
        key={object}
        connectionId={connectionId}
        object={object}
        draft={draft[object]}
        submitted={submitted.current?.[object] ?? null}
        fields={fields[object]}
        fieldsError={fieldsError}
        onReloadFields={onReloadFields}
        saveErrors={saving.fieldErrors}
        readOnly={readOnly}
        set={set}
      />
      <SaveBar state={saving} label="Save fields and filters" labels={recordSyncLabel} readOnly={readOnly} />
      {saving.status && checked ? <SaveCheckNote checked={checked} /> : null}
    </form>
  );
}

const VENDOR_NAMES = { intercom: 'Intercom', hubspot: 'HubSpot' } as const;

/** After a save: the fields "create if missing" made, and what could not be checked now (saved anyway). */
function SaveCheckNote({ checked }: { checked: NonNullable<SettingsView['recordSyncCheck']> }) {
  if (checked.created.length === 0 && checked.notices.length === 0) return null;
  return (
    <div class="notice save-check-note">
      <ul>
        {checked.created.map((field) => (
          <li key={`${field.vendor}:${field.name}`}>
            Created in {VENDOR_NAMES[field.vendor]}: <code>{field.name}</code> ({typeLabel(field.type)}), for {recordSyncLabel(field.mapping) ?? field.mapping}.
          </li>
        ))}
        {checked.notices.map((notice, index) => (
          <li key={index}>{notice}</li>
        ))}
      </ul>
    </div>
  );
}
