// What the mapping being edited would do to one real record (#18 item 1): "Ana Ruiz: lifecycle stage
// lead → customer", field by field, from the server's dry run (POST …/mappings/preview — nothing is
// written, and the values live only in this answer). The most recently updated record by default;
// another one by its Intercom id.
import { useState } from 'preact/hooks';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { fieldsApi, type MappingInput, type MappingPreviewAnswer, type RecordFieldsView, type RecordObject } from './fields-api.ts';
import { useDebouncedAnswer } from './use-debounced-answer.ts';

type PreviewField = MappingPreviewAnswer['fields'][number];

const ACTIONS: Record<PreviewField['action'], string> = {
  write_hubspot: 'Written to HubSpot',
  write_intercom: 'Written to Intercom',
  unchanged: 'Already the same',
  skipped: 'Skipped',
};

interface MappingPreviewProps {
  connectionId: string;
  object: RecordObject;
  mappings: readonly MappingInput[];
  /** For the fields' labels ("Lifecycle Stage"); names alone without them. */
  fields: RecordFieldsView | null;
}

export function MappingPreview({ connectionId, object, mappings, fields }: MappingPreviewProps) {
  const what = object === 'contacts' ? 'contact' : 'company';
  const [typed, setTyped] = useState('');
  const [sampleId, setSampleId] = useState('');
  // Rows still being filled in say nothing yet.
  const complete = mappings.filter((mapping) => mapping.intercom.trim() !== '' && mapping.hubspot.trim() !== '');
  const key = JSON.stringify({ object, complete, sampleId });
  const preview = useDebouncedAnswer(key, () => fieldsApi.previewMappings(connectionId, object, complete, sampleId || undefined), 900);
  const answer = preview.answer;
  const use = () => setSampleId(typed.trim());

  return (
    <section class="mapping-preview" aria-labelledby={`${object}-preview-heading`} aria-busy={preview.pending ? 'true' : 'false'}>
      <div class="mapping-preview-head">
        <h3 id={`${object}-preview-heading`} class="subsection-title">
          Preview on a sample {what}
        </h3>
        <div class="mapping-preview-sample">
          <label for={`${object}-preview-id`} class="visually-hidden">
            Intercom {what} id to preview
          </label>
          <input
            id={`${object}-preview-id`}
            class="input input-mono"
            type="text"
            placeholder={`Intercom ${what} id`}
            spellcheck={false}
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
            onKeyDown={(event) => {
              // Enter picks the sample; it does not save the settings.
              if (event.key === 'Enter') {
                event.preventDefault();
                use();
              }
            }}
          />
          <button type="button" class="button button-secondary button-small" onClick={use}>
            Preview this {what}
          </button>
        </div>
      </div>
      <p class="hint">A dry run against the accounts as they are now: nothing is written, and the values shown are not stored.</p>
      {preview.error ? (
        <ErrorAlert error={preview.error} title="Couldn’t preview the mapping." />
      ) : answer === null ? (
        <p class="muted">Reading a sample {what}…</p>
      ) : answer.sample === null ? (
        <p class="empty-inline">{answer.unavailable ?? `No ${what} to preview: Intercom has none yet${sampleId ? ` with the id ${sampleId}` : ''}.`}</p>
      ) : (
        <>
          <p class="mapping-preview-record">
            <strong>{answer.sample.label}</strong>{' '}
            <span class="muted">
              Intercom <code>{answer.sample.intercomId}</code>
              {answer.sample.hubspotId ? (
                <>
                  {' '}
                  · HubSpot <code>{answer.sample.hubspotId}</code>
                </>
              ) : (
                ' · not in HubSpot yet'
              )}
            </span>
          </p>
          <ul class="mapping-preview-list">
            {answer.fields.map((field, index) => (
              <li key={index} class={`preview-field preview-${field.action}`}>
                <FieldName field={field} fields={fields} />
                <span class="preview-change">{change(field)}</span>
                <span class={`preview-badge preview-badge-${field.action}`}>{ACTIONS[field.action]}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The field written (or compared): its label, and its name when that says more. */
function FieldName({ field, fields }: { field: PreviewField; fields: RecordFieldsView | null }) {
  const intercomSide = field.action === 'write_intercom';
  const name = intercomSide ? field.intercom : field.hubspot;
  const list: ReadonlyArray<{ name: string; label: string }> = intercomSide ? (fields?.intercom ?? []) : [...(fields?.hubspot ?? []), ...(fields?.derived ?? [])];
  const label = list.find((entry) => entry.name === name)?.label;
  return (
    <span class="preview-field-name">
      <span class="preview-side">{intercomSide ? 'Intercom' : 'HubSpot'}</span> {label ?? name}
      {label && label.toLowerCase() !== name.toLowerCase() ? <code class="preview-name">{name}</code> : null}
    </span>
  );
}

/** "lead → customer"; an empty side says so. */
function change(field: PreviewField): string {
  const shown = (value: PreviewField['from']) => (value === null || value === undefined || value === '' ? '(empty)' : String(value));
  if (field.action === 'skipped') return field.reason ?? '';
  if (field.action === 'unchanged') return shown(field.to ?? field.from);
  return `${shown(field.from)} → ${shown(field.to)}`;
}
