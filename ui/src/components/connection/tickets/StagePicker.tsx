// One conversation state's stage, picked from the pipeline's live stages; a saved value HubSpot
// does not have stays selected and is marked, so it is seen before any ticket is refused.
import { FieldLabel } from '../SettingsControls.tsx';
import { defaultStage, lookup, MISSING, type Pipeline, type State, stageText } from './tickets-model.ts';

interface StagePickerProps {
  state: State;
  label: string;
  hint: string;
  value: string;
  pipeline: Pipeline | null;
  error: string | undefined;
  onChange: (value: string) => void;
}

export function StagePicker({ state, label, hint, value, pipeline, error, onChange }: StagePickerProps) {
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
