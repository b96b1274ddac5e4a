// The Tickets tab: whether and when conversations get a HubSpot ticket, the pipeline and the stage
// for each conversation state (pickers filled from the portal's live pipelines, so a value HubSpot
// does not have is visible before any ticket is refused), what the ticket says, what a ticket
// closed in HubSpot does in Intercom, and the conversation ↔ ticket links made so far.
import { useEffect, useState } from 'preact/hooks';
import type { SettingsView, TicketLinkList, TicketPipelines } from '../../../../src/http/api-types.ts';
import { api, type ApiError, toApiError } from '../../api.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Link } from '../Link.tsx';
import {
  type Choice,
  type FieldErrors,
  FieldLabel,
  ManagedNotice,
  RadioGroup,
  SaveBar,
  SettingsLoading,
  Switch,
  TextField,
  type SaveState,
  useSave,
  useSettings,
} from './SettingsControls.tsx';
import { connectionPath } from './tabs.ts';

type Tickets = SettingsView['settings']['tickets'];
type State = keyof Tickets['stages'];
type Pipeline = TicketPipelines['pipelines'][number];
type Stage = Pipeline['stages'][number];
type TicketLink = TicketLinkList['links'][number];

const policyChoices: ReadonlyArray<Choice<Tickets['policy']>> = [
  { value: 'none', label: 'No tickets', description: 'Conversations only become notes, even when routing sends them to Ticket.' },
  { value: 'per_conversation', label: 'One ticket per conversation', description: 'Each conversation gets its own ticket, made once and kept up to date.' },
  {
    value: 'reuse_open',
    label: 'Reuse the contact’s open ticket',
    description: 'A new conversation from a customer who already has an open ticket (made by this connection) joins that ticket; otherwise a new one is made.',
  },
];

const createWhenChoices: ReadonlyArray<Choice<Tickets['createWhen']>> = [
  { value: 'capture', label: 'When the conversation is captured', description: 'Together with the note, as the capture mode on the Conversations tab says.' },
  {
    value: 'first_customer_message',
    label: 'As soon as the customer writes',
    description: 'The ticket exists while the conversation is still open, and its stage follows it from the first message.',
  },
];

const whenClosedChoices: ReadonlyArray<Choice<Tickets['whenClosedInHubSpot']>> = [
  { value: 'nothing', label: 'Nothing', description: 'The conversation stays as it is in Intercom.' },
  { value: 'close', label: 'Close the conversation', description: 'Moving the ticket to a closed stage closes the Intercom conversation.' },
  { value: 'note', label: 'Add an internal note', description: 'The conversation stays open; teammates see a note that the ticket was closed.' },
];

const states: ReadonlyArray<{ state: State; label: string; hint: string }> = [
  { state: 'open', label: 'Open', hint: 'A conversation waiting on the team or the customer.' },
  { state: 'snoozed', label: 'Snoozed', hint: 'Put aside by a teammate until later.' },
  { state: 'closed', label: 'Closed', hint: 'Closed in Intercom.' },
  { state: 'reopened', label: 'Reopened', hint: 'Closed before, then reopened or written to again.' },
];

const placeholders: ReadonlyArray<{ name: string; text: string }> = [
  { name: '{subject}', text: 'the conversation’s title, or its email subject' },
  { name: '{id}', text: 'the Intercom conversation id' },
  { name: '{customer}', text: 'the customer’s name, or their email' },
  { name: '{company}', text: 'the customer’s company' },
  { name: '{link}', text: 'the conversation’s address in Intercom' },
];

const FIELD_LABELS: Record<string, string> = {
  'tickets.policy': 'Ticket policy',
  'tickets.createWhen': 'When the ticket is made',
  'tickets.pipeline': 'Pipeline',
  'tickets.stages.open': 'Stage for open conversations',
  'tickets.stages.snoozed': 'Stage for snoozed conversations',
  'tickets.stages.closed': 'Stage for closed conversations',
  'tickets.stages.reopened': 'Stage for reopened conversations',
  'tickets.subjectTemplate': 'Subject',
  'tickets.descriptionTemplate': 'Description',
  'tickets.priorities.priority': 'Priority for conversations marked priority',
  'tickets.priorities.notPriority': 'Priority for other conversations',
  'tickets.whenClosedInHubSpot': 'When a ticket is closed in HubSpot',
  'tickets.reopenInIntercom': 'Reopening the ticket reopens the conversation',
};

const ticketsLabel = (path: string): string | null => FIELD_LABELS[path] ?? null;

const fold = (value: string) => value.trim().toLowerCase();

/** As the server resolves a setting: an id first, then a label (letter case aside). */
function lookup<T extends { id: string; label: string }>(items: readonly T[], wanted: string): T | undefined {
  return items.find((item) => item.id === wanted.trim()) ?? items.find((item) => fold(item.label) === fold(wanted));
}

/** The pipeline the setting names, HubSpot's first for an empty one, or null when HubSpot has no such pipeline. */
function effectivePipeline(pipelines: readonly Pipeline[], wanted: string): Pipeline | null {
  return (wanted.trim() === '' ? pipelines[0] : lookup(pipelines, wanted)) ?? null;
}

const defaultStage = (pipeline: Pipeline, state: State): Stage | undefined => pipeline.stages.find((stage) => stage.closed === (state === 'closed'));

const stageText = (stage: Stage) => `${stage.label}${stage.closed ? ' (closed)' : ''}`;

// A value not on the list still has to be the select's value, or the browser shows the first option.
const MISSING = '\u0000missing';

interface LivePipelines {
  data: TicketPipelines | null;
  error: ApiError | null;
  loading: boolean;
  readAt: Date | null;
  reload: () => Promise<void>;
}

function usePipelines(connectionId: string, onChecked: (() => void) | undefined): LivePipelines {
  const [data, setData] = useState<TicketPipelines | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [readAt, setReadAt] = useState<Date | null>(null);

  async function reload() {
    setLoading(true);
    try {
      setData(await api.getTicketPipelines(connectionId));
      setError(null);
      setReadAt(new Date());
      // Reading the pipelines re-checks the settings: the connection's warnings may have changed.
      onChecked?.();
    } catch (caught) {
      setData(null);
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    void reload();
  }, [connectionId]);

  return { data, error, loading, readAt, reload };
}

export function TicketsTab({ connectionId, onChecked }: { connectionId: string; onChecked?: () => void }) {
  const { view, loadError, version, load, saved } = useSettings(connectionId);
  const live = usePipelines(connectionId, onChecked);
  const saving = useSave(
    connectionId,
    (next) => {
      saved(next);
      // The server's problems are about the stored settings: check the new ones.
      void live.reload();
    },
    'Saved. New tickets and stage changes use these settings.',
  );
  return (
    <>
      {view ? (
        <TicketsForm key={version} connectionId={connectionId} view={view} saving={saving} live={live} />
      ) : (
        <SettingsLoading error={loadError} what="ticket" onRetry={() => void load()} />
      )}
      <TicketLinks connectionId={connectionId} pipelines={live.data?.pipelines ?? null} />
    </>
  );
}

// Remounted after a save (so it starts from what the server stored): the save's state lives in the tab.
function TicketsForm({ connectionId, view, saving, live }: { connectionId: string; view: SettingsView; saving: SaveState; live: LivePipelines }) {
  const [draft, setDraft] = useState<Tickets>(view.settings.tickets);
  const errors = saving.fieldErrors;
  const readOnly = view.managedByConfig;
  const set = (change: Partial<Tickets>) => setDraft((current) => ({ ...current, ...change }));
  const off = draft.policy === 'none';
  const routing = view.settings.conversations.routing;
  const routed = routing.defaultDestinations.includes('ticket') || routing.rules.some((rule) => rule.destinations.includes('ticket'));

  return (
    <form
      class="settings-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!readOnly) void saving.save({ tickets: draft });
      }}
    >
      <ManagedNotice view={view} />
      <section class="card settings-card" aria-labelledby="ticket-policy-heading">
        <div class="card-header">
          <h2 id="ticket-policy-heading">Ticket policy</h2>
          <p class="card-description">
            Which conversations get a ticket is decided by routing on the <Link href={connectionPath(connectionId, 'conversations')}>Conversations tab</Link>:
            those whose rule (or the default destinations) includes <strong>Ticket</strong>. A rule can also use its own policy.
          </p>
        </div>
        {routed || off ? null : (
          <p class="notice">
            Routing sends no conversation to Ticket yet, so no ticket is made. Tick <strong>Ticket</strong> under Default destinations, or in a rule, on the{' '}
            <Link href={connectionPath(connectionId, 'conversations')}>Conversations tab</Link>.
          </p>
        )}
        <fieldset class="settings-fieldset stack" disabled={readOnly}>
          <RadioGroup name="ticket-policy" legend="Tickets for routed conversations" choices={policyChoices} value={draft.policy} onChange={(policy) => set({ policy })} />
          <RadioGroup name="ticket-create-when" legend="When the ticket is made" choices={createWhenChoices} value={draft.createWhen} onChange={(createWhen) => set({ createWhen })} />
        </fieldset>
      </section>

      <PipelineCard draft={draft} set={set} live={live} readOnly={readOnly} errors={errors} off={off} />

      <section class="card settings-card" aria-labelledby="ticket-content-heading">
        <div class="card-header">
          <h2 id="ticket-content-heading">What the ticket says</h2>
          <p class="card-description">
            The subject and description are filled in from the conversation. The ticket’s owner is the teammate’s HubSpot owner from the{' '}
            <Link href={connectionPath(connectionId, 'users')}>Users tab</Link>; it is associated with the contact and company, and the transcript note is
            on it too.
          </p>
        </div>
        <fieldset class="settings-fieldset stack" disabled={readOnly}>
          <div class="placeholder-help">
            <p class="label">Placeholders</p>
            <ul class="placeholder-list">
              {placeholders.map((placeholder) => (
                <li key={placeholder.name}>
                  <code>{placeholder.name}</code> {placeholder.text}
                </li>
              ))}
            </ul>
          </div>
          <TextField
            id="ticket-subject"
            label="Subject"
            hint="When it comes out empty, the subject is “Intercom conversation” and the id. Cut at 255 characters."
            value={draft.subjectTemplate}
            error={errors.get('tickets.subjectTemplate')}
            onChange={(subjectTemplate) => set({ subjectTemplate })}
          />
          <div class="field">
            <label for="ticket-description" class="label">
              Description
            </label>
            <p id="ticket-description-hint" class="hint">
              Plain text, shown as the ticket’s description in HubSpot. A reference line is added under it, so a ticket is never made twice.
            </p>
            <textarea
              id="ticket-description"
              class="input textarea"
              rows={3}
              value={draft.descriptionTemplate}
              aria-describedby="ticket-description-hint"
              aria-invalid={errors.has('tickets.descriptionTemplate') ? true : undefined}
              onInput={(event) => set({ descriptionTemplate: event.currentTarget.value })}
            />
          </div>
          <fieldset class="choice-group">
            <legend class="label">Priority</legend>
            <p class="hint">
              HubSpot’s ticket priority for Intercom’s priority flag: a value such as <code>LOW</code>, <code>MEDIUM</code>, <code>HIGH</code> or <code>URGENT</code>{' '}
              (HubSpot’s internal values, not the labels). Empty: no priority is set.
            </p>
            <div class="field-grid">
              <TextField
                id="ticket-priority-flagged"
                label="Conversations marked priority"
                value={draft.priorities.priority}
                mono
                error={errors.get('tickets.priorities.priority')}
                onChange={(priority) => set({ priorities: { ...draft.priorities, priority } })}
              />
              <TextField
                id="ticket-priority-other"
                label="Other conversations"
                value={draft.priorities.notPriority}
                mono
                placeholder="Not set"
                error={errors.get('tickets.priorities.notPriority')}
                onChange={(notPriority) => set({ priorities: { ...draft.priorities, notPriority } })}
              />
            </div>
          </fieldset>
        </fieldset>
      </section>

      <section class="card settings-card" aria-labelledby="ticket-back-heading">
        <div class="card-header">
          <h2 id="ticket-back-heading">From HubSpot back to Intercom</h2>
          <p class="card-description">
            What happens in Intercom when someone moves the ticket in HubSpot. Changes Interhubz makes itself are recognised, so the two never bounce a
            change back and forth.
          </p>
        </div>
        <fieldset class="settings-fieldset stack" disabled={readOnly}>
          <RadioGroup
            name="ticket-when-closed"
            legend="When a ticket is closed in HubSpot"
            choices={whenClosedChoices}
            value={draft.whenClosedInHubSpot}
            onChange={(whenClosedInHubSpot) => set({ whenClosedInHubSpot })}
          />
          <Switch
            id="ticket-reopen"
            label="Reopening the ticket reopens the conversation"
            hint={
              draft.whenClosedInHubSpot === 'nothing'
                ? 'Only with “Close the conversation” or “Add an internal note” above.'
                : 'When the ticket moves from a closed stage back to an open one.'
            }
            checked={draft.reopenInIntercom}
            disabled={draft.whenClosedInHubSpot === 'nothing'}
            onChange={(reopenInIntercom) => set({ reopenInIntercom })}
          />
        </fieldset>
      </section>

      <SaveBar state={saving} label="Save ticket settings" labels={ticketsLabel} readOnly={readOnly} />
    </form>
  );
}

interface PipelineCardProps {
  draft: Tickets;
  set: (change: Partial<Tickets>) => void;
  live: LivePipelines;
  readOnly: boolean;
  errors: FieldErrors;
  off: boolean;
}

function PipelineCard({ draft, set, live, readOnly, errors, off }: PipelineCardProps) {
  const pipelines = live.data?.pipelines ?? null;
  const problems = live.data?.problems ?? [];
  return (
    <section class="card settings-card" aria-labelledby="ticket-pipeline-heading">
      <div class="card-header">
        <h2 id="ticket-pipeline-heading">Pipeline and stages</h2>
        <p class="card-description">
          The HubSpot pipeline tickets go to, and the stage a ticket moves to whenever its conversation changes state — within seconds, whatever the
          capture mode. A ticket someone moved by hand stays where they put it until the conversation changes again.
        </p>
      </div>
      <div class="toolbar">
        <p class="toolbar-note" role="status">
          {live.loading
            ? 'Reading the ticket pipelines from HubSpot…'
            : live.readAt
              ? `Pipelines read from HubSpot at ${live.readAt.toLocaleTimeString()}.`
              : ''}
        </p>
        <button type="button" class="button button-secondary button-small" disabled={live.loading} onClick={() => void live.reload()}>
          Reload from HubSpot
        </button>
      </div>
      {off ? <p class="notice">Tickets are off (policy “No tickets”): these settings are kept for when you turn them on.</p> : null}
      {live.error ? (
        <ErrorAlert error={live.error} title="Couldn’t read the ticket pipelines from HubSpot.">
          <p>The saved values are shown below as typed (an id or a name); they are checked against HubSpot before any ticket is written.</p>
        </ErrorAlert>
      ) : null}
      {problems.length > 0 ? (
        <div class="alert alert-error" role="alert">
          <div class="alert-body">
            <p class="alert-title">The saved ticket settings don’t match HubSpot, so no ticket is written until they are corrected:</p>
            <ul class="alert-details">
              {problems.map((problem) => (
                <li key={problem.key}>
                  <code>{problem.key}</code>: {problem.message}
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
      <fieldset class="settings-fieldset stack" disabled={readOnly}>
        {pipelines ? (
          <PipelinePickers draft={draft} set={set} pipelines={pipelines} errors={errors} />
        ) : live.loading ? null : (
          <PipelineTextFields draft={draft} set={set} errors={errors} />
        )}
      </fieldset>
    </section>
  );
}

function PipelinePickers({ draft, set, pipelines, errors }: { draft: Tickets; set: (change: Partial<Tickets>) => void; pipelines: readonly Pipeline[]; errors: FieldErrors }) {
  const pipeline = effectivePipeline(pipelines, draft.pipeline);
  const pipelineMissing = draft.pipeline.trim() !== '' && pipeline === null;
  const first = pipelines[0];
  const [stagesReset, setStagesReset] = useState(false);
  const pipelineError = errors.get('tickets.pipeline') ?? (pipelineMissing ? `HubSpot has no pipeline “${draft.pipeline}”: pick one from the list.` : undefined);

  return (
    <>
      <div class="field">
        <label for="ticket-pipeline" class="label">
          Pipeline
        </label>
        <p id="ticket-pipeline-hint" class="hint">
          {pipelines.length === 0 ? 'HubSpot has no ticket pipeline: create one in HubSpot, then reload.' : 'Changing the pipeline sets the stages below back to their defaults.'}
        </p>
        <select
          id="ticket-pipeline"
          class="input select select-pipeline"
          value={pipelineMissing ? MISSING : draft.pipeline.trim() === '' ? '' : (pipeline?.id ?? '')}
          aria-invalid={pipelineError ? true : undefined}
          aria-describedby={pipelineError ? 'ticket-pipeline-hint ticket-pipeline-error' : 'ticket-pipeline-hint'}
          onChange={(event) => {
            const value = event.currentTarget.value;
            if (value === MISSING) return;
            const next = effectivePipeline(pipelines, value);
            // Stages belong to one pipeline: ones picked for another would not exist in this one.
            const reset = next?.id !== pipeline?.id && Object.values(draft.stages).some((stage) => stage.trim() !== '');
            set({ pipeline: value, ...(reset ? { stages: { open: '', snoozed: '', closed: '', reopened: '' } } : {}) });
            setStagesReset(reset);
          }}
        >
          <option value="">{first ? `Default (first pipeline: ${first.label})` : 'Default (first pipeline: HubSpot has none)'}</option>
          {pipelines.map((option) => (
            <option key={option.id} value={option.id}>
              {option.label}
            </option>
          ))}
          {pipelineMissing ? <option value={MISSING}>{draft.pipeline} — not in HubSpot</option> : null}
        </select>
        {pipelineError ? (
          <p id="ticket-pipeline-error" class="field-error">
            {pipelineError}
          </p>
        ) : null}
      </div>
      <fieldset class="choice-group">
        <legend class="label">Stage for each conversation state</legend>
        <p class="hint">
          “Default” is the pipeline’s first open stage, or its first closed stage for closed conversations. Stages HubSpot counts as closed are marked
          (closed).
        </p>
        {stagesReset ? (
          <p class="notice" role="status">
            The stages went back to their defaults for the new pipeline.
          </p>
        ) : null}
        <div class="field-grid stage-grid">
          {states.map(({ state, label, hint }) => (
            <StagePicker
              key={state}
              state={state}
              label={label}
              hint={hint}
              value={draft.stages[state]}
              pipeline={pipeline}
              error={errors.get(`tickets.stages.${state}`)}
              onChange={(value) => set({ stages: { ...draft.stages, [state]: value } })}
            />
          ))}
        </div>
      </fieldset>
    </>
  );
}

interface StagePickerProps {
  state: State;
  label: string;
  hint: string;
  value: string;
  pipeline: Pipeline | null;
  error: string | undefined;
  onChange: (value: string) => void;
}

function StagePicker({ state, label, hint, value, pipeline, error, onChange }: StagePickerProps) {
  const id = `ticket-stage-${state}`;
  const stages = pipeline?.stages ?? [];
  const stage = value.trim() === '' ? undefined : lookup(stages, value);
  const missing = value.trim() !== '' && stage === undefined;
  const fallback = pipeline ? defaultStage(pipeline, state) : undefined;
  const kind = state === 'closed' ? 'first closed stage' : 'first open stage';
  const shownError = error ?? (missing && pipeline ? `Not a stage of “${pipeline.label}”: pick one from the list.` : undefined);
  return (
    <div class="field">
      <FieldLabel id={id} label={label} hint={hint} />
      <select
        id={id}
        class="input select"
        value={missing ? MISSING : (stage?.id ?? '')}
        aria-invalid={shownError ? true : undefined}
        aria-describedby={shownError ? `${id}-hint ${id}-error` : `${id}-hint`}
        onChange={(event) => {
          if (event.currentTarget.value !== MISSING) onChange(event.currentTarget.value);
        }}
      >
        <option value="">{fallback ? `Default (${kind}: ${fallback.label})` : pipeline ? `Default (${kind}: this pipeline has none)` : `Default (${kind})`}</option>
        {stages.map((option) => (
          <option key={option.id} value={option.id}>
            {stageText(option)}
          </option>
        ))}
        {missing ? <option value={MISSING}>{pipeline ? `${value} — not in this pipeline` : value}</option> : null}
      </select>
      {shownError ? (
        <p id={`${id}-error`} class="field-error">
          {shownError}
        </p>
      ) : null}
    </div>
  );
}

/** Without HubSpot's list, the values can still be read and edited as the YAML has them: ids or names. */
function PipelineTextFields({ draft, set, errors }: { draft: Tickets; set: (change: Partial<Tickets>) => void; errors: FieldErrors }) {
  return (
    <>
      <TextField
        id="ticket-pipeline"
        label="Pipeline"
        hint="A pipeline id or name. Empty: HubSpot’s first ticket pipeline."
        value={draft.pipeline}
        mono
        short
        error={errors.get('tickets.pipeline')}
        onChange={(pipeline) => set({ pipeline })}
      />
      <fieldset class="choice-group">
        <legend class="label">Stage for each conversation state</legend>
        <p class="hint">A stage id or name. Empty: the pipeline’s first open stage, or its first closed stage for closed conversations.</p>
        <div class="field-grid stage-grid">
          {states.map(({ state, label }) => (
            <TextField
              key={state}
              id={`ticket-stage-${state}`}
              label={label}
              value={draft.stages[state]}
              mono
              placeholder="Default"
              error={errors.get(`tickets.stages.${state}`)}
              onChange={(value) => set({ stages: { ...draft.stages, [state]: value } })}
            />
          ))}
        </div>
      </fieldset>
    </>
  );
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

const statusText: Record<TicketLink['status'], string> = { active: 'Active', deleted: 'Deleted', failed: 'Failed' };
const stateText: Record<string, string> = { open: 'Open', snoozed: 'Snoozed', closed: 'Closed', reopened: 'Reopened' };

function TicketLinks({ connectionId, pipelines }: { connectionId: string; pipelines: readonly Pipeline[] | null }) {
  const [links, setLinks] = useState<TicketLink[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);

  async function load() {
    setLoading(true);
    setError(null);
    try {
      setLinks((await api.listTicketLinks(connectionId)).links);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    void load();
  }, [connectionId]);

  // Stage ids are unique within a portal, so the label can be looked up without knowing the pipeline.
  const stages = new Map((pipelines ?? []).flatMap((pipeline) => pipeline.stages.map((stage) => [stage.id, { stage, pipeline }] as const)));

  return (
    <section class="card section-card" aria-labelledby="ticket-links-heading">
      <div class="card-header">
        <h2 id="ticket-links-heading">Linked tickets</h2>
        <p class="card-description">
          Each conversation and the HubSpot ticket made for it, newest first (the latest 200). A conversation never gets a second ticket: not through
          retries, repeated webhooks or a restart.
        </p>
      </div>
      <div class="toolbar">
        <p class="toolbar-note">{links && links.length > 0 ? (links.length === 1 ? 'One linked ticket.' : `${links.length} linked tickets.`) : ''}</p>
        <button type="button" class="button button-secondary button-small" disabled={loading} onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error ? <ErrorAlert error={error} title="Couldn’t load the linked tickets." /> : null}
      {links === null ? (
        error ? null : (
          <p class="muted" aria-busy="true">
            Loading the linked tickets…
          </p>
        )
      ) : links.length === 0 ? (
        <p class="empty-inline">No tickets yet. A conversation gets one when routing sends it to Ticket and the ticket policy is on.</p>
      ) : (
        <div class="table-wrap">
          <table class="data-table ticket-links-table">
            <caption class="visually-hidden">Linked tickets, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Conversation</th>
                <th scope="col">HubSpot ticket</th>
                <th scope="col">Stage</th>
                <th scope="col">Conversation state</th>
                <th scope="col">Status</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {links.map((link) => {
                const known = link.stageId ? stages.get(link.stageId) : undefined;
                const at = new Date(link.updatedAt);
                return (
                  <tr key={link.conversationId}>
                    <td class="mono">{link.conversationId}</td>
                    <td class="mono">{link.ticketId ?? <span class="muted">—</span>}</td>
                    <td>
                      {known ? (
                        <>
                          {known.stage.label}
                          <span class="cell-sub">
                            {known.pipeline.label}
                            {known.stage.closed ? ' · closed' : ''}
                          </span>
                        </>
                      ) : link.stageId ? (
                        <>
                          <span class="mono">{link.stageId}</span>
                          <span class="cell-sub">{pipelines ? 'no longer in HubSpot' : link.stageClosed ? 'closed' : ''}</span>
                        </>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td>{link.state ? (stateText[link.state] ?? link.state) : <span class="muted">—</span>}</td>
                    <td class="cell-reason">
                      <span class={`outcome-badge ticket-status-${link.status}`}>{statusText[link.status]}</span>
                      {link.problem ? <span class="cell-sub reason-failed">{link.problem}</span> : null}
                    </td>
                    <td>
                      <time dateTime={at.toISOString()} title={at.toISOString()}>
                        {dateFormat.format(at)}
                        <span class="time-clock">{timeFormat.format(at)}</span>
                      </time>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
