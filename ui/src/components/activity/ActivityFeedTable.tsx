// The activity across connections, one row per entry: when, which connection, the conversation
// (opened in Intercom, or followed through its own entries here), the outcome and why, and the
// HubSpot records it touched, each opened in HubSpot where there is a page to open.
import type { ActivityFeedEntry } from '../../../../src/http/api-types.ts';
import { Link } from '../Link.tsx';
import { OutcomeBadge } from '../connection/PushBox.tsx';
import { connectionPath } from '../connection/tabs.ts';
import { isRecordKind, recordSyncSummary } from './record-sync-summary.ts';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
// Seconds matter: several entries often share a minute.
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

const RECORD_LABEL = { contact: 'Contact', company: 'Company', ticket: 'Ticket', note: 'Note' } as const;

interface Props {
  entries: ActivityFeedEntry[];
  /** The list shows one conversation already: its rows need no link to it. */
  oneConversation: boolean;
  /** Shows only this conversation's entries (a row's "All entries" link). */
  onFollow: (entry: ActivityFeedEntry) => void;
}

export function ActivityFeedTable({ entries, oneConversation, onFollow }: Props) {
  return (
    <div class="table-wrap">
      <table class="data-table activity-table activity-feed">
        <caption class="visually-hidden">Activity across connections, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Connection</th>
            <th scope="col">Conversation</th>
            <th scope="col">Outcome</th>
            <th scope="col">Reason</th>
            <th scope="col">HubSpot</th>
            <th scope="col" class="cell-number">
              Calls
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <FeedRow key={entry.id} entry={entry} onFollow={oneConversation ? null : () => onFollow(entry)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const text = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);

function FeedRow({ entry, onFollow }: { entry: ActivityFeedEntry; onFollow: (() => void) | null }) {
  const at = new Date(entry.at).toISOString();
  const why = text(entry.detail['why']);
  const rule = text(entry.detail['rule']);
  const fieldsSynced = isRecordKind(entry.kind) ? recordSyncSummary(entry.detail) : null;
  return (
    <tr>
      <td class="cell-time">
        <time dateTime={at} title={at}>
          <span class="time-date">{dateFormat.format(entry.at)}</span>
          <span class="time-clock">{timeFormat.format(entry.at)}</span>
        </time>
      </td>
      <td>{entry.connectionId && entry.connectionName ? <Link href={connectionPath(entry.connectionId, 'activity')}>{entry.connectionName}</Link> : <span class="muted">Deleted connection</span>}</td>
      <td class="cell-conversation">
        {entry.conversationId ? (
          <>
            {entry.conversationUrl ? (
              <a href={entry.conversationUrl} target="_blank" rel="noopener noreferrer">
                <span class="mono conversation-id">{entry.conversationId}</span>
                <span class="visually-hidden"> (opens in Intercom)</span>
              </a>
            ) : (
              <span class="mono conversation-id">{entry.conversationId}</span>
            )}
            {entry.storyPath && onFollow ? (
              <a
                class="cell-sub story-link"
                href={entry.storyPath}
                onClick={(event) => {
                  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                  event.preventDefault();
                  onFollow();
                }}
              >
                All entries<span class="visually-hidden"> for conversation {entry.conversationId}</span>
              </a>
            ) : null}
            {entry.explainPath ? (
              <Link class="cell-sub explain-link" href={entry.explainPath}>
                Explain<span class="visually-hidden"> conversation {entry.conversationId}</span>
              </Link>
            ) : null}
          </>
        ) : entry.intercomRecord ? (
          <span class="mono">
            Intercom {entry.intercomRecord.type} {entry.intercomRecord.id}
          </span>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td>
        <OutcomeBadge outcome={entry.outcome} />
        <span class="cell-sub">{entry.kind}</span>
      </td>
      <td class="cell-reason">
        {entry.reason ? <span class={entry.outcome === 'failed' ? 'reason-failed' : 'reason-name'}>{entry.reason}</span> : null}
        {why ? <span class="cell-sub">{why}</span> : null}
        {fieldsSynced ? <span class="cell-sub">{fieldsSynced}</span> : null}
        {!entry.reason && !why && !fieldsSynced && rule ? <span class="cell-sub">Rule “{rule}”</span> : null}
        {!entry.reason && !why && !fieldsSynced && !rule ? <span class="muted">—</span> : null}
      </td>
      <td class="cell-ids">
        {entry.hubspotRecords.length > 0 ? (
          entry.hubspotRecords.map((record) => (
            <span key={`${record.type}:${record.id}`} class="id-line">
              {RECORD_LABEL[record.type]}{' '}
              {record.url ? (
                <a class="mono" href={record.url} target="_blank" rel="noopener noreferrer">
                  {record.id}
                  <span class="visually-hidden"> (opens in HubSpot)</span>
                </a>
              ) : (
                <span class="mono">{record.id}</span>
              )}
              {record.created ? <span class="id-created"> new</span> : null}
            </span>
          ))
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td class="cell-number">
        {entry.apiCalls}
        <span class="cell-sub">{entry.durationMs < 1000 ? `${entry.durationMs} ms` : `${(entry.durationMs / 1000).toFixed(1)} s`}</span>
      </td>
    </tr>
  );
}
