// The "Failed & waiting" tab (issue #16 item 5): this connection's jobs that failed, are parked
// until it is re-authorised, are late or are retrying — what each is for, why, its attempts and
// when it runs next — with Retry and Cancel per job and for all of a kind, each confirmed first.
// ?state= picks the kind (the needs-attention line links here). Viewers see the list, no buttons.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { WorkItem, WorkPage, WorkState } from '../../../../src/http/api-types.ts';
import { api, type ApiError, toApiError } from '../../api.ts';
import { navigate, useSearch } from '../../router.ts';
import { useApiData } from '../../use-api-data.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Link } from '../Link.tsx';

const PAGE = 50;
const STATES: readonly WorkState[] = ['failed', 'parked', 'late', 'retrying'];
const STATE_LABEL: Record<WorkState, string> = { failed: 'Failed', parked: 'Parked', late: 'Late', retrying: 'Retrying' };

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function stateFromLocation(search: string): WorkState | null {
  const state = new URLSearchParams(search).get('state');
  return STATES.find((known) => known === state) ?? null;
}

/** "in 4 min", "12 min ago": how far a time is from now, in the largest unit that fits. */
function relative(at: number, now: number): string {
  const minutes = Math.round((at - now) / 60_000);
  const size = Math.abs(minutes);
  if (size < 1) return 'just now';
  const words = size < 90 ? `${size} min` : size < 48 * 60 ? `${Math.round(size / 60)} h` : `${Math.round(size / 1440)} days`;
  return at >= now ? `in ${words}` : `${words} ago`;
}

/** What a confirmed action does; one job or all of a kind. */
type Action =
  | { kind: 'one'; verb: 'retry' | 'cancel'; job: WorkItem }
  | { kind: 'all'; verb: 'retry' | 'cancel'; state: WorkState; count: number; task: string };

const verbOf = (verb: 'retry' | 'cancel', state: WorkState) => (verb === 'retry' ? (state === 'failed' ? 'Retry' : 'Run now') : state === 'failed' ? 'Dismiss' : 'Cancel');

export function WorkTab({ connectionId }: { connectionId: string }) {
  // The address holds the kind shown, so a link to ?state=parked picks it even when this tab is open.
  const state = stateFromLocation(useSearch());
  const [task, setTask] = useState('');
  const [status, setStatus] = useState('');
  const [action, setAction] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const me = useApiData(() => api.getMe(), []);
  const canChange = me.data?.role === 'admin';
  const work = useApiData<WorkPage>(() => api.listWork(connectionId, { state: state ?? undefined, task: task || undefined, limit: PAGE }), [connectionId, state, task]);
  const page = work.data;

  // Older pages the user asked for would be dropped by a refresh of the first page.
  const olderLoaded = useRef(false);

  // Retries run in the background: the list catches up quietly while the tab is open.
  useEffect(() => {
    olderLoaded.current = false;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible' && !olderLoaded.current) void work.reload({ quiet: true });
    }, 10_000);
    return () => window.clearInterval(timer);
  }, [connectionId, state, task]);

  function choose(next: WorkState | null) {
    setStatus('');
    const search = next ? `?state=${next}` : '';
    navigate(`${window.location.pathname}${search}`, { replace: true });
  }

  function loadOlder() {
    const before = page?.next;
    if (before == null) return;
    olderLoaded.current = true;
    void work.extend(
      () => api.listWork(connectionId, { state: state ?? undefined, task: task || undefined, limit: PAGE, before }),
      (current, older) => (current ? { ...older, jobs: [...current.jobs, ...older.jobs] } : older),
    );
  }

  async function confirm() {
    if (!action) return;
    setBusy(true);
    setActionError(null);
    try {
      const result =
        action.kind === 'one'
          ? await (action.verb === 'retry' ? api.retryJob : api.cancelJob)(connectionId, action.job.id)
          : await (action.verb === 'retry' ? api.retryAllJobs : api.cancelAllJobs)(connectionId, { state: action.state, ...(action.task ? { task: action.task } : {}) });
      setAction(null);
      setStatus(result.message);
      olderLoaded.current = false;
      await work.reload({ quiet: true });
    } catch (caught) {
      setActionError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const counts = page?.counts ?? null;
  const total = counts ? STATES.reduce((sum, one) => sum + counts[one], 0) : 0;
  const shownCount = counts ? (state ? counts[state] : total) : 0;
  const now = Date.now();

  return (
    <section class="card work-tab" aria-labelledby="work-heading">
      <div class="card-header">
        <h2 id="work-heading">Failed &amp; waiting</h2>
        <p class="card-description">
          Work of this connection that did not go through: jobs that failed for good, are parked until the connection is re-authorised, are late (due more than{' '}
          {page?.lateAfterMinutes ?? 5} minutes ago and not started) or are retrying after an error.
        </p>
      </div>

      <div class="toolbar work-toolbar">
        <div class="work-chips" role="group" aria-label="Show">
          <button type="button" class="work-chip" aria-pressed={state === null ? 'true' : 'false'} onClick={() => choose(null)}>
            All <span class="work-chip-count">{counts ? total : '…'}</span>
          </button>
          {STATES.map((one) => (
            <button key={one} type="button" class={counts && counts[one] > 0 ? `work-chip work-chip-${one}` : 'work-chip'} aria-pressed={state === one ? 'true' : 'false'} onClick={() => choose(one)}>
              {STATE_LABEL[one]} <span class="work-chip-count">{counts ? counts[one] : '…'}</span>
            </button>
          ))}
        </div>
        {page && page.tasks.length > 1 ? (
          <div class="toolbar-filter">
            <label for="work-task" class="label">
              Task
            </label>
            <select id="work-task" class="input select" value={task} onChange={(event) => setTask(event.currentTarget.value)}>
              <option value="">All tasks</option>
              {page.tasks.map((entry) => (
                <option key={entry.task} value={entry.task}>
                  {entry.task} ({entry.count})
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <button
          type="button"
          class="button button-secondary button-small"
          disabled={work.loading}
          onClick={() => {
            olderLoaded.current = false;
            void work.reload();
          }}
        >
          Refresh
        </button>
      </div>

      <p class={status ? 'status-message' : 'status-message is-empty'} role="status">
        {status}
      </p>

      {state === 'parked' || (state === null && counts && counts.parked > 0) ? (
        <p class="notice work-parked-note">Parked jobs wait for the connection to be re-authorised and then resume by themselves; they are not retried from here.</p>
      ) : null}

      {canChange && state !== null && counts && counts[state] > 0 ? (
        <div class="work-bulk">
          {state !== 'parked' ? (
            <button type="button" class="button button-primary button-small" onClick={() => setAction({ kind: 'all', verb: 'retry', state, count: counts[state], task })}>
              {state === 'failed' ? 'Retry all failed' : `Run all ${STATE_LABEL[state].toLowerCase()} now`}
            </button>
          ) : null}
          <button type="button" class="button button-danger-quiet button-small" onClick={() => setAction({ kind: 'all', verb: 'cancel', state, count: counts[state], task })}>
            {state === 'failed' ? 'Dismiss all failed' : `Cancel all ${STATE_LABEL[state].toLowerCase()}`}
          </button>
        </div>
      ) : canChange && state === null && counts && counts.failed > 0 ? (
        <div class="work-bulk">
          <button type="button" class="button button-primary button-small" onClick={() => setAction({ kind: 'all', verb: 'retry', state: 'failed', count: counts.failed, task })}>
            Retry all failed ({counts.failed})
          </button>
        </div>
      ) : null}

      {work.error ? <ErrorAlert error={work.error} title="Couldn’t load the work." /> : null}
      {page === null ? (
        work.error ? null : (
          <p class="muted" aria-busy="true">
            Loading…
          </p>
        )
      ) : page.jobs.length === 0 ? (
        <div class="work-empty">
          <p class="work-empty-title">{total === 0 ? 'Nothing failed or waiting' : 'Nothing of this kind'}</p>
          <p class="muted">{total === 0 ? 'Every job of this connection has gone through or is waiting for its due time.' : 'Pick another kind above to see the rest.'}</p>
        </div>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data-table work-table">
              <caption class="visually-hidden">Failed and waiting jobs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">What</th>
                  <th scope="col">State</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="cell-number">
                    Attempts
                  </th>
                  <th scope="col">Next run / ended</th>
                  {canChange ? (
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {page.jobs.map((job) => (
                  <WorkRow key={job.id} job={job} connectionId={connectionId} now={now} canChange={canChange} onAction={(verb) => setAction({ kind: 'one', verb, job })} />
                ))}
              </tbody>
            </table>
          </div>
          <div class="table-footer">
            {page.next !== null ? (
              <button type="button" class="button button-secondary button-small" disabled={work.loading} onClick={loadOlder}>
                {work.loading ? 'Loading…' : 'Load older'}
              </button>
            ) : (
              <p class="table-footnote">{shownCount === 1 ? 'One job.' : `${shownCount} jobs.`}</p>
            )}
          </div>
        </>
      )}

      {action ? (
        <ConfirmDialog
          title={confirmTitle(action)}
          confirmLabel={action.kind === 'one' ? verbOf(action.verb, action.job.state) : `${verbOf(action.verb, action.state)} ${action.count === 1 ? 'it' : 'them'}`}
          busyLabel="Working…"
          tone={action.verb === 'retry' ? 'primary' : 'danger'}
          busy={busy}
          error={actionError}
          onConfirm={() => void confirm()}
          onCancel={() => {
            setAction(null);
            setActionError(null);
          }}
        >
          <p>{confirmText(action)}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function confirmTitle(action: Action): string {
  if (action.kind === 'one') return `${verbOf(action.verb, action.job.state)} job ${action.job.id}?`;
  const jobs = `${action.count} ${STATE_LABEL[action.state].toLowerCase()} ${action.count === 1 ? 'job' : 'jobs'}`;
  if (action.verb === 'retry') return action.state === 'failed' ? `Retry ${jobs}?` : `Run ${jobs} now?`;
  return `${verbOf('cancel', action.state)} ${jobs}?`;
}

function confirmText(action: Action): string {
  const scope = action.kind === 'all' && action.task ? ` of task ${action.task}` : '';
  if (action.kind === 'one') {
    const { job } = action;
    if (action.verb === 'retry') {
      return job.state === 'failed'
        ? `“${job.what}” is queued again now with its full ${job.maxAttempts} attempts. If it fails again it shows up here again.`
        : `“${job.what}” runs as soon as the scheduler can take it, instead of waiting for its next attempt.`;
    }
    return job.state === 'failed'
      ? `“${job.what}” leaves this list without running again. What it would have done will not happen unless something queues it again.`
      : `“${job.what}” will not run. What it would have done will not happen unless something queues it again.`;
  }
  if (action.verb === 'retry') {
    return action.state === 'failed'
      ? `Every failed job${scope} is queued again with its full attempts. A job whose work another job already does is left as it is.`
      : `Every ${STATE_LABEL[action.state].toLowerCase()} job${scope} runs as soon as the scheduler can take it.`;
  }
  return action.state === 'failed'
    ? `Every failed job${scope} leaves this list without running again.`
    : `Every ${STATE_LABEL[action.state].toLowerCase()} job${scope} is cancelled and will not run.`;
}

function WorkRow({ job, connectionId, now, canChange, onAction }: { job: WorkItem; connectionId: string; now: number; canChange: boolean; onAction: (verb: 'retry' | 'cancel') => void }) {
  const when = job.nextRunAt ?? job.finishedAt;
  return (
    <tr>
      <td class="cell-what">
        <span class="work-what">{job.what}</span>
        <span class="cell-sub">
          <span class="mono">{job.task}</span> · job {job.id}
          {job.conversationId ? (
            <>
              {' · '}
              <Link href={`/connections/${encodeURIComponent(connectionId)}/conversations/${encodeURIComponent(job.conversationId)}/explain`}>What happened</Link>
            </>
          ) : null}
        </span>
      </td>
      <td>
        <span class={`work-state work-state-${job.state}`}>{STATE_LABEL[job.state]}</span>
      </td>
      <td class="cell-reason">{job.reason ? <span class={job.state === 'failed' ? 'reason-failed' : ''}>{job.reason}</span> : <span class="muted">—</span>}</td>
      <td class="cell-number">
        {job.attempts} of {job.maxAttempts}
      </td>
      <td class="cell-when">
        {when === null ? (
          <span class="muted">{job.state === 'parked' ? 'After re-authorisation' : '—'}</span>
        ) : (
          <time dateTime={new Date(when).toISOString()} title={dateTime.format(when)}>
            {job.nextRunAt !== null ? (job.state === 'late' ? `Due ${relative(when, now)}` : `Next ${relative(when, now)}`) : `Failed ${relative(when, now)}`}
          </time>
        )}
      </td>
      {canChange ? (
        <td class="cell-actions">
          <div class="work-actions">
            {job.state !== 'parked' ? (
              <button type="button" class="button button-secondary button-small" onClick={() => onAction('retry')}>
                {verbOf('retry', job.state)}
                <span class="visually-hidden"> job {job.id}</span>
              </button>
            ) : null}
            <button type="button" class="button button-danger-quiet button-small" onClick={() => onAction('cancel')}>
              {verbOf('cancel', job.state)}
              <span class="visually-hidden"> job {job.id}</span>
            </button>
          </div>
        </td>
      ) : null}
    </tr>
  );
}
