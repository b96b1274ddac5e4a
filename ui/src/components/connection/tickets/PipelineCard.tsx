// The Tickets tab's pipeline and stages: pickers filled from the portal's live pipelines, the
// problems HubSpot finds with the saved values, and plain text fields when HubSpot can't be read.
import { useState } from 'preact/hooks';
import { ErrorAlert } from '../../ErrorAlert.tsx';
import { type FieldErrors, TextField } from '../SettingsControls.tsx';
import type { LivePipelines } from './live-pipelines.ts';
import { StagePicker } from './StagePicker.tsx';
import { effectivePipeline, MISSING, type Pipeline, type SetTickets, states, type Tickets } from './tickets-model.ts';

interface PipelineCardProps {
  draft: Tickets;
  set: SetTickets;
  live: LivePipelines;
  readOnly: boolean;
  errors: FieldErrors;
  off: boolean;
}

export function PipelineCard({ draft, set, live, readOnly, errors, off }: PipelineCardProps) {
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

function PipelinePickers({ draft, set, pipelines, errors }: { draft: Tickets; set: SetTickets; pipelines: readonly Pipeline[]; errors: FieldErrors }) {
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

/** Without HubSpot's list, the values can still be read and edited as the YAML has them: ids or names. */
function PipelineTextFields({ draft, set, errors }: { draft: Tickets; set: SetTickets; errors: FieldErrors }) {
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
