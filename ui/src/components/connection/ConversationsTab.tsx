// The Capture tab: when conversations are captured, which ones are left out (noise guards),
// where they go (routing rules), what the note holds, and the push box to capture one by hand.
import { useState } from 'preact/hooks';
import type { SettingsView } from '../../../../src/http/api-types.ts';
import { isChanged, useUnsavedGuard } from '../../use-unsaved-guard.ts';
import { PushBox } from './PushBox.tsx';
import { RoutingEditor } from './RoutingEditor.tsx';
import {
  type Choice,
  ManagedNotice,
  NumberField,
  ListField,
  RadioGroup,
  SaveBar,
  SettingsLoading,
  Switch,
  TextField,
  type SaveState,
  useSave,
  useSettings,
} from './SettingsControls.tsx';

type Conversations = SettingsView['settings']['conversations'];
type CaptureMode = Conversations['capture']['mode'];

const captureModes: ReadonlyArray<Choice<CaptureMode>> = [
  {
    value: 'on_close',
    label: 'When a conversation closes',
    description: 'Captured after the grace window. A reopen or a new customer message inside the window cancels it; the next close schedules it again.',
  },
  {
    value: 'realtime',
    label: 'While the conversation runs',
    description: 'The HubSpot note is kept current: updated a few minutes after the last message.',
  },
  {
    value: 'manual',
    label: 'Manual push only',
    description: 'Nothing is captured on its own: only API Push and the push box below. Use it to pause capture without disconnecting.',
  },
];

const notePolicies: ReadonlyArray<Choice<Conversations['notePolicy']>> = [
  { value: 'update_existing', label: 'Update the note it already has', description: 'A conversation has one note in HubSpot, whatever happens to it later.' },
  { value: 'always_new', label: 'Add a new note each time', description: 'Every capture adds a note; earlier notes stay as they were.' },
];

const FIELD_LABELS: Record<string, string> = {
  timeZone: 'Time zone',
  'conversations.capture.mode': 'Capture',
  'conversations.capture.graceMinutes': 'Grace window',
  'conversations.capture.realtimeDebounceMinutes': 'Update delay',
  'conversations.capture.rollingHours': 'Long-running conversations',
  'conversations.guards.minCustomerMessages': 'Minimum customer messages',
  'conversations.guards.minDurationMinutes': 'Minimum duration',
  'conversations.guards.excludeTags': 'Excluded tags',
  'conversations.routing.defaultDestinations': 'Default destinations',
  'conversations.notePolicy': 'A conversation captured again',
};

/** A label for a server path, rules included ("Rule 2 · name"). */
function conversationsLabel(path: string): string | null {
  const known = FIELD_LABELS[path];
  if (known) return known;
  const rule = /^conversations\.routing\.rules\.(\d+)\.(.+)$/.exec(path);
  if (rule) {
    const field = (rule[2] ?? '').replace(/^when\./, '').replace(/\.\d+$/, '').replace('attribute.', 'attribute ');
    return `Rule ${Number(rule[1]) + 1} · ${field}`;
  }
  return null;
}

export function ConversationsTab({ connectionId }: { connectionId: string }) {
  const { view, loadError, version, load, saved } = useSettings(connectionId);
  const saving = useSave(connectionId, saved, 'Saved. New captures use these settings.');
  return (
    <>
      {view ? <ConversationsForm key={version} view={view} saving={saving} /> : <SettingsLoading error={loadError} what="conversation" onRetry={() => void load()} />}
      <PushBox connectionId={connectionId} />
    </>
  );
}

// Remounted after a save (so it starts from what the server stored): the save's state lives in the tab.
function ConversationsForm({ view, saving }: { view: SettingsView; saving: SaveState }) {
  const [draft, setDraft] = useState<Conversations>(view.settings.conversations);
  const [timeZone, setTimeZone] = useState(view.settings.timeZone);
  useUnsavedGuard(isChanged(draft, view.settings.conversations) || timeZone !== view.settings.timeZone, 'capture settings');
  const errors = saving.fieldErrors;
  const readOnly = view.managedByConfig;
  const { capture, guards, content } = draft;

  const set = <K extends keyof Conversations>(key: K, change: Partial<Conversations[K]>) =>
    setDraft((current) => ({ ...current, [key]: { ...(current[key] as object), ...change } }));

  return (
    <form
      class="settings-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!readOnly) void saving.save({ timeZone, conversations: draft });
      }}
    >
      <ManagedNotice view={view} />
      <fieldset class="settings-fieldset" disabled={readOnly}>
        <section class="card settings-card" aria-labelledby="capture-heading">
          <div class="card-header">
            <h2 id="capture-heading">Capture</h2>
            <p class="card-description">When a conversation is written to HubSpot as a note.</p>
          </div>
          <div class="stack">
            <RadioGroup name="capture-mode" legend="Capture conversations" choices={captureModes} value={capture.mode} onChange={(mode) => set('capture', { mode })} />
            <div class="field-grid">
              <NumberField
                id="grace-minutes"
                label="Grace window"
                hint="After a close, wait this long before capturing."
                unit="minutes"
                value={capture.graceMinutes}
                error={errors.get('conversations.capture.graceMinutes')}
                onChange={(graceMinutes) => set('capture', { graceMinutes })}
              />
              <NumberField
                id="debounce-minutes"
                label="Update delay"
                hint="In real time: update this long after the last message."
                unit="minutes"
                value={capture.realtimeDebounceMinutes}
                error={errors.get('conversations.capture.realtimeDebounceMinutes')}
                onChange={(realtimeDebounceMinutes) => set('capture', { realtimeDebounceMinutes })}
              />
              <NumberField
                id="rolling-hours"
                label="Long-running conversations"
                hint="Also capture ones still open after this long, and again as often. 0: never."
                unit="hours"
                value={capture.rollingHours}
                error={errors.get('conversations.capture.rollingHours')}
                onChange={(rollingHours) => set('capture', { rollingHours })}
              />
            </div>
          </div>
        </section>

        <section class="card settings-card" aria-labelledby="guards-heading">
          <div class="card-header">
            <h2 id="guards-heading">Noise guards</h2>
            <p class="card-description">
              Conversations a guard stops are not written to HubSpot; the Activity tab lists them as skipped, with the guard’s name. A
              push with “force” ignores the guards.
            </p>
          </div>
          <div class="stack">
            <div class="field-grid">
              <NumberField
                id="min-customer-messages"
                label="Minimum customer messages"
                hint="Fewer messages from the customer: skipped. 0: no minimum."
                value={guards.minCustomerMessages}
                error={errors.get('conversations.guards.minCustomerMessages')}
                onChange={(minCustomerMessages) => set('guards', { minCustomerMessages })}
              />
              <NumberField
                id="min-duration"
                label="Minimum duration"
                hint="From the first message to the close. 0: no minimum."
                unit="minutes"
                value={guards.minDurationMinutes}
                error={errors.get('conversations.guards.minDurationMinutes')}
                onChange={(minDurationMinutes) => set('guards', { minDurationMinutes })}
              />
            </div>
            <Switch
              id="require-human"
              label="A teammate must have taken part"
              hint="Skip conversations no human teammate replied to."
              checked={guards.requireHumanTeammate}
              onChange={(requireHumanTeammate) => set('guards', { requireHumanTeammate })}
            />
            <Switch
              id="skip-bot-only"
              label="Skip bot-only conversations"
              hint="Conversations answered only by Fin or other bots."
              checked={guards.skipBotOnly}
              onChange={(skipBotOnly) => set('guards', { skipBotOnly })}
            />
            <ListField
              id="exclude-tags"
              label="Excluded tags"
              hint="Conversations with any of these Intercom tags are skipped. Separate tags with commas."
              placeholder="spam, internal"
              value={guards.excludeTags}
              error={errors.get('conversations.guards.excludeTags')}
              onChange={(excludeTags) => set('guards', { excludeTags })}
            />
          </div>
        </section>

        <RoutingEditor routing={draft.routing} errors={errors} onChange={(routing) => setDraft((current) => ({ ...current, routing }))} />

        <section class="card settings-card" aria-labelledby="content-heading">
          <div class="card-header">
            <h2 id="content-heading">Note content</h2>
            <p class="card-description">The note is a readable transcript with a header (subject, people, tags, rating) and a link to the conversation in Intercom.</p>
          </div>
          <div class="stack">
            <Switch
              id="include-internal-notes"
              label="Include internal notes"
              hint="Teammates’ notes to each other, marked as internal."
              checked={content.includeInternalNotes}
              onChange={(includeInternalNotes) => set('content', { includeInternalNotes })}
            />
            <Switch
              id="include-bot-messages"
              label="Include bot messages"
              checked={content.includeBotMessages}
              onChange={(includeBotMessages) => set('content', { includeBotMessages })}
            />
            <Switch
              id="reference-notes"
              label="Short reference notes for other participants"
              hint="Other customers in the conversation get a short note pointing at the transcript."
              checked={content.referenceNotesForParticipants}
              onChange={(referenceNotesForParticipants) => set('content', { referenceNotesForParticipants })}
            />
            <RadioGroup
              name="note-policy"
              legend="A conversation captured again"
              hint="After a reopen and close, a real-time update or a second push."
              choices={notePolicies}
              value={draft.notePolicy}
              onChange={(notePolicy) => setDraft((current) => ({ ...current, notePolicy }))}
            />
            <TextField
              id="time-zone"
              label="Time zone"
              hint="The transcript’s times are written in this zone: an IANA name such as Europe/Berlin or America/New_York."
              value={timeZone}
              mono
              short
              error={errors.get('timeZone')}
              onChange={setTimeZone}
            />
          </div>
        </section>
      </fieldset>
      <SaveBar state={saving} label="Save conversation settings" labels={conversationsLabel} readOnly={readOnly} />
    </form>
  );
}
