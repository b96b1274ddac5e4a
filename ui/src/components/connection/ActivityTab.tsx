// The Activity tab: what this connection did, newest first — captured, updated, skipped with the
// guard or rule that stopped it, failed with the vendor's words — with the HubSpot ids it touched,
// older pages on demand, and "Push again" to capture a conversation once more.
import { useState } from 'preact/hooks';
import type { ActivityEntryView, ActivityList, PushResult } from '../../../../src/http/api-types.ts';
import { api, type ApiError, toApiError } from '../../api.ts';
import { useApiData } from '../../use-api-data.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { OutcomeBadge } from './PushBox.tsx';
import { ExplainLookup, explainPath } from '../explain/ExplainLookup.tsx';
import { Link } from '../Link.tsx';
import { isRecordKind, recordSyncSummary } from '../activity/record-sync-summary.ts';

const PAGE = 50;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
// Seconds matter here: several entries often share a minute.
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

const outcomes = [
  { value: '', label: 'All outcomes' },
  { value: 'captured', label: 'Captured' },
  { value: 'updated', label: 'Updated' },
  { value: 'unchanged', label: 'Unchanged' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'failed', label: 'Failed' },
] as const;

const pushedText: Record<PushResult['outcome'], string> = {
  captured: 'Captured: a new note',
  updated: 'Updated the note',
  unchanged: 'Unchanged: the note is up to date',
  skipped: 'Skipped',
  planned: 'Planned',
};

type PushState = { busy: true } | { busy: false; result: PushResult } | { busy: false; error: ApiError };

export function ActivityTab({ connectionId }: { connectionId: string }) {
  const [outcome, setOutcome] = useState('');
  const [kind, setKind] = useState('');
  const [pushes, setPushes] = useState<Record<number, PushState>>({});
  const activity = useApiData<ActivityList>(() => api.listActivity(connectionId, { outcome, kind, limit: PAGE }), [connectionId, outcome, kind]);
  const entries = activity.data?.entries ?? null;
  const next = activity.data?.next ?? null;
  const { loading, error } = activity;

  function loadOlder() {
    if (next === null) return;
    void activity.extend(
      () => api.listActivity(connectionId, { outcome, kind, limit: PAGE, before: next }),
      (current, page) => ({ entries: [...(current?.entries ?? []), ...page.entries], next: page.next }),
    );
  }

  /** Newer entries (the push's own among them) go on top; the pages already loaded stay. */
  function addNewer() {
    // Quiet: the push's own answer is shown already; the list catches up on the next refresh.
    return activity.extend(
      () => api.listActivity(connectionId, { outcome, kind, limit: PAGE }),
      (current, page) => {
        const top = current?.entries[0]?.id ?? 0;
        return { entries: [...page.entries.filter((entry) => entry.id > top), ...(current?.entries ?? [])], next: current ? current.next : page.next };
      },
      { quiet: true },
    );
  }

  async function pushAgain(entry: ActivityEntryView) {
    if (!entry.subjectId) return;
    setPushes((current) => ({ ...current, [entry.id]: { busy: true } }));
    try {
      const result = await api.pushConversation(connectionId, entry.subjectId, {});
      setPushes((current) => ({ ...current, [entry.id]: { busy: false, result } }));
      await addNewer();
    } catch (caught) {
      setPushes((current) => ({ ...current, [entry.id]: { busy: false, error: toApiError(caught) } }));
    }
  }

  return (
    <section class="card" aria-labelledby="activity-heading">
      <div class="card-header">
        <h2 id="activity-heading">Activity</h2>
        <p class="card-description">Every capture decision and ticket change for this connection, newest first. Skipped entries name the guard or rule that stopped them.</p>
      </div>
      <ExplainLookup connectionId={connectionId} />
      <div class="toolbar">
        <div class="toolbar-filter">
          <label for="activity-outcome" class="label">
            Outcome
          </label>
          <select id="activity-outcome" class="input select" value={outcome} onChange={(event) => setOutcome(event.currentTarget.value)}>
            {outcomes.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <div class="toolbar-filter">
          <label for="activity-kind" class="label">
            Kind
          </label>
          <select id="activity-kind" class="input select" value={kind} onChange={(event) => setKind(event.currentTarget.value)}>
            <option value="">Everything</option>
            <option value="capture">Captures</option>
            <option value="ticket">Tickets</option>
            <option value="contact">Contacts</option>
            <option value="company">Companies</option>
          </select>
        </div>
        <button type="button" class="button button-secondary button-small" disabled={loading} onClick={() => void activity.reload()}>
          Refresh
        </button>
      </div>
      {error ? <ErrorAlert error={error} title="Couldn’t load the activity." /> : null}
      {entries === null ? (
        error ? null : (
          <p class="muted" aria-busy="true">
            Loading the activity…
          </p>
        )
      ) : entries.length === 0 ? (
        <p class="empty-inline">
          {outcome || kind ? 'No entries match these filters.' : 'Nothing yet. Captures, skips and failures show up here as conversations close or are pushed.'}
        </p>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data-table activity-table">
              <caption class="visually-hidden">Activity, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Conversation</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Reason</th>
                  <th scope="col">HubSpot</th>
                  <th scope="col" class="cell-number">
                    API calls
                  </th>
                  <th scope="col" class="cell-number">
                    Duration
                  </th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <ActivityRow key={entry.id} connectionId={connectionId} entry={entry} push={pushes[entry.id]} onPush={() => void pushAgain(entry)} />
                ))}
              </tbody>
            </table>
          </div>
          <div class="table-footer">
            {next !== null ? (
              <button type="button" class="button button-secondary button-small" disabled={loading} onClick={loadOlder}>
                {loading ? 'Loading…' : 'Load older'}
              </button>
            ) : (
              <p class="table-footnote">{entries.length === 1 ? 'One entry.' : `${entries.length} entries.`} That is all.</p>
            )}
          </div>
        </>
      )}
    </section>
  );
}

const text = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);
const recordId = (value: unknown): string | null => (value && typeof value === 'object' && 'id' in value ? text(value.id) : null);
const created = (value: unknown): boolean => Boolean(value && typeof value === 'object' && 'created' in value && value.created === true);

function ActivityRow({ connectionId, entry, push, onPush }: { connectionId: string; entry: ActivityEntryView; push: PushState | undefined; onPush: () => void }) {
  const at = new Date(entry.at).toISOString();
  const detail = entry.detail;
  const why = text(detail['why']);
  const rule = text(detail['rule']);
  const recordKind = isRecordKind(entry.kind) ? entry.kind : null;
  const fieldsSynced = recordKind ? recordSyncSummary(detail) : null;
  const ids = (recordKind
    ? [{ label: recordKind === 'contact' ? 'Contact' : 'Company', id: text(detail['hubspotId']), created: false }]
    : [
        { label: 'Note', id: text(detail['noteId']), created: false },
        { label: 'Contact', id: recordId(detail['contact']), created: created(detail['contact']) },
        { label: 'Company', id: recordId(detail['company']), created: created(detail['company']) },
      ]
  ).filter((item) => item.id !== null);
  return (
    <tr>
      <td class="cell-time">
        <time dateTime={at} title={at}>
          <span class="time-date">{dateFormat.format(entry.at)}</span>
          <span class="time-clock">{timeFormat.format(entry.at)}</span>
        </time>
      </td>
      <td class="mono">
        {recordKind && entry.subjectId ? `Intercom ${recordKind} ${entry.subjectId}` : (entry.subjectId ?? <span class="muted">{entry.kind}</span>)}
        {entry.subjectId && !recordKind ? (
          <Link class="cell-sub explain-link" href={explainPath(connectionId, entry.subjectId)}>
            Explain<span class="visually-hidden"> conversation {entry.subjectId}</span>
          </Link>
        ) : null}
      </td>
      <td>
        <OutcomeBadge outcome={entry.outcome} />
        {entry.kind !== 'capture' ? <span class="cell-sub">{entry.kind}</span> : null}
      </td>
      <td class="cell-reason">
        {entry.reason ? <span class={entry.outcome === 'failed' ? 'reason-failed' : 'reason-name'}>{entry.reason}</span> : null}
        {why ? <span class="cell-sub">{why}</span> : null}
        {fieldsSynced ? <span class="cell-sub">{fieldsSynced}</span> : null}
        {!entry.reason && !why && !fieldsSynced && rule ? <span class="cell-sub">Rule “{rule}”</span> : null}
        {!entry.reason && !why && !fieldsSynced && !rule ? <span class="muted">—</span> : null}
      </td>
      <td class="cell-ids">
        {ids.length > 0 ? (
          ids.map((item) => (
            <span key={item.label} class="id-line">
              {item.label} <span class="mono">{item.id}</span>
              {item.created ? <span class="id-created"> new</span> : null}
            </span>
          ))
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td class="cell-number">{entry.apiCalls}</td>
      <td class="cell-number">{formatDuration(entry.durationMs)}</td>
      <td class="cell-actions">
        {entry.subjectId && entry.kind === 'capture' ? (
          <div class="push-again">
            <button type="button" class="button button-secondary button-small" disabled={push?.busy === true} onClick={onPush}>
              {push?.busy ? 'Pushing…' : 'Push again'}
              <span class="visually-hidden"> conversation {entry.subjectId}</span>
            </button>
            <p class="push-again-result" role="status">
              {push && !push.busy ? (
                'result' in push ? (
                  <span class={`pushed pushed-${push.result.outcome}`}>
                    {pushedText[push.result.outcome]}
                    {push.result.outcome === 'skipped' && push.result.reason ? `: ${push.result.reason}` : ''}
                  </span>
                ) : (
                  <span class="reason-failed">{push.error.message}</span>
                )
              ) : null}
            </p>
          </div>
        ) : null}
      </td>
    </tr>
  );
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
