// "Replay with current settings": the capture's dry run (it writes nothing) next to what was done,
// field by field, with the fields that differ marked.
import { useState } from 'preact/hooks';
import type { CaptureDecisionView, ReplayResult } from '../../../../src/http/api-types.ts';
import { api, type ApiError, toApiError } from '../../api.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Timeline } from './Timeline.tsx';

type State = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; result: ReplayResult } | { kind: 'failed'; error: ApiError };

const record = (value: CaptureDecisionView['contact']) => (value === null ? '—' : (value.id ?? (value.created ? 'a new record' : '—')) + (value.how && value.how !== 'created' ? ` (${value.how === 'linked' ? 'remembered link' : `by ${value.how}`})` : ''));

const ROWS: Array<{ field: string; label: string; show: (view: CaptureDecisionView) => string }> = [
  { field: 'outcome', label: 'Outcome', show: (view) => view.outcome },
  { field: 'guard', label: 'Guard that skipped it', show: (view) => view.guard ?? '—' },
  { field: 'rule', label: 'Routing rule', show: (view) => view.rule ?? 'defaults' },
  { field: 'destinations', label: 'Destinations', show: (view) => (view.destinations.length === 0 ? 'nowhere' : view.destinations.join(', ')) },
  { field: 'contact', label: 'HubSpot contact', show: (view) => record(view.contact) },
  { field: 'company', label: 'HubSpot company', show: (view) => record(view.company) },
  { field: 'ticket', label: 'HubSpot ticket', show: (view) => (view.ticket === null ? '—' : (view.ticket.id ?? 'a new ticket')) },
  { field: 'owner', label: 'Owner', show: (view) => view.ownerId ?? '—' },
  { field: 'note', label: 'Note', show: (view) => view.noteId ?? (view.outcome === 'captured' ? 'a new note' : '—') },
  { field: 'reason', label: 'Why', show: (view) => view.reason ?? '—' },
];

/** A field the decision never reached (a guard stopped it first) is "—", whatever its empty value says. */
function Cell({ view, row }: { view: CaptureDecisionView; row: (typeof ROWS)[number] }) {
  const reached = view.decided.includes(row.field) || row.field === 'note' || row.field === 'reason';
  return reached ? <>{row.show(view)}</> : <span class="muted" title="Not reached: the decision stopped before this step">—</span>;
}

export function ReplayPanel({ connectionId, conversationId }: { connectionId: string; conversationId: string }) {
  const [state, setState] = useState<State>({ kind: 'idle' });

  async function replay() {
    setState({ kind: 'busy' });
    try {
      setState({ kind: 'done', result: await api.replayConversation(connectionId, conversationId) });
    } catch (error) {
      setState({ kind: 'failed', error: toApiError(error) });
    }
  }

  const result = state.kind === 'done' ? state.result : null;
  const differing = new Set(result?.differences.map((difference) => difference.field) ?? []);
  return (
    <section class="card" aria-labelledby="replay-heading">
      <div class="card-header">
        <h2 id="replay-heading">Replay with current settings</h2>
        <p class="card-description">
          Decides this conversation again as a capture would now — fetched fresh, with today’s guards, routing and matching — and
          writes nothing, neither to HubSpot nor here.
        </p>
      </div>
      <div class="toolbar">
        <button type="button" class="button" disabled={state.kind === 'busy'} onClick={() => void replay()}>
          {state.kind === 'busy' ? 'Replaying…' : result ? 'Replay again' : 'Replay with current settings'}
        </button>
      </div>
      {state.kind === 'failed' ? <ErrorAlert error={state.error} title="The replay could not run." /> : null}
      {result ? (
        <div class="replay-result" role="status">
          <p class="replay-verdict">
            {result.differences.length === 0
              ? 'Same as what was done: the current settings would change nothing.'
              : `${result.differences.length === 1 ? 'One difference' : `${result.differences.length} differences`} from what was done: ${result.differences.map((difference) => difference.label.toLowerCase()).join(', ')}.`}
          </p>
          <div class="table-wrap">
            <table class="data-table replay-table">
              <caption class="visually-hidden">What was done and what would be done now</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">Field</span>
                  </th>
                  <th scope="col">Done{result.done?.at ? <span class="cell-sub">{new Date(result.done.at).toLocaleString()}</span> : null}</th>
                  <th scope="col">Now, with current settings</th>
                </tr>
              </thead>
              <tbody>
                {ROWS.map((row) => {
                  const changed = differing.has(row.field);
                  return (
                    <tr key={row.field} class={changed ? 'replay-changed' : undefined}>
                      <th scope="row">
                        {row.label}
                        {changed ? <span class="replay-changed-mark"> · differs</span> : null}
                      </th>
                      <td>{result.done ? <Cell view={result.done} row={row} /> : <span class="muted">nothing yet</span>}</td>
                      <td>
                        <Cell view={result.now} row={row} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {result.steps.length > 0 ? (
            <details class="replay-steps">
              <summary>The replay’s steps</summary>
              <Timeline entries={result.steps} />
            </details>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
