// One object type's sync at a glance (contacts or companies): how many records each side holds,
// how many are paired and in step, what was skipped or failed in the last day, when a change last
// went across; and "Sync now" in each direction. When sync is off for the object, it says so and
// where to turn it on.
import type { ComponentChildren } from 'preact';
import type { ObjectStatus } from '../../../../src/http/api/sync-status.ts';
import type { ApiError } from '../../api.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Link } from '../Link.tsx';
import { type BackfillDirection, DIRECTION_LABEL, ago, formatCount } from './sync-format.ts';

export type RecordKind = 'contacts' | 'companies';

/** `one` is also the activity log's kind for the object's entries. */
const NAMES: Record<RecordKind, { title: string; one: 'contact' | 'company' }> = {
  contacts: { title: 'Contacts', one: 'contact' },
  companies: { title: 'Companies', one: 'company' },
};

const DIRECTIONS: readonly BackfillDirection[] = ['to_hubspot', 'to_intercom'];

interface SyncCountsProps {
  connectionId: string;
  kind: RecordKind;
  status: ObjectStatus;
  now: number;
  /** Admins may start a backfill; viewers see the counts only. */
  canChange: boolean;
  /** The direction being started, if any. */
  startingDirection: BackfillDirection | null;
  /** Why the last start of this object was refused. */
  startError: ApiError | null;
  onSyncNow: (direction: BackfillDirection) => void;
}

/** A total from a side that could not be asked: a dash, with why in a tooltip and for screen readers. */
function Total({ value, side }: { value: number | null; side: string }) {
  if (value !== null) return <>{formatCount(value)}</>;
  const why = `Not known: ${side} could not be asked just now. It is asked again within a minute.`;
  return (
    <span class="sync-unknown" title={why} tabIndex={0}>
      <span aria-hidden="true">—</span>
      <span class="visually-hidden">{why}</span>
    </span>
  );
}

export function SyncCounts({ connectionId, kind, status, now, canChange, startingDirection, startError, onSyncNow }: SyncCountsProps) {
  const names = NAMES[kind];
  const headingId = `sync-${kind}-heading`;
  const base = `/connections/${encodeURIComponent(connectionId)}`;
  // The last day's skips and failures are activity entries: the Activity page lists them.
  const entries = (outcome: string, value: number) =>
    value > 0 ? <Link href={`/activity?${new URLSearchParams({ connection: connectionId, kind: names.one, outcome })}`}>{formatCount(value)}</Link> : formatCount(value);
  const rows: Array<[string, ComponentChildren]> = [
    [`In Intercom`, <Total value={status.intercom.total} side="Intercom" />],
    [`In HubSpot`, <Total value={status.hubspot.total} side="HubSpot" />],
    ['Paired', formatCount(status.paired)],
    ['In step', formatCount(status.inStep)],
    ['Skipped by filter (24 h)', entries('skipped', status.skippedByFilter24h)],
    ['Failed (24 h)', entries('failed', status.failed24h)],
    ['Last change synced', status.lastSyncedAt === null ? 'None yet' : <time dateTime={new Date(status.lastSyncedAt).toISOString()} title={new Date(status.lastSyncedAt).toLocaleString()}>{ago(status.lastSyncedAt, now)}</time>],
  ];

  return (
    <section class="sync-object" aria-labelledby={headingId} data-enabled={status.enabled ? 'true' : 'false'}>
      <h3 id={headingId} class="sync-object-title">
        {names.title}
      </h3>
      {status.enabled ? null : (
        <p class="sync-off">
          {names.title} sync is off for this connection. <Link href={`${base}/fields`}>Turn it on in Fields &amp; filters</Link>
        </p>
      )}
      <dl class="sync-counts">
        {rows.map(([label, value]) => (
          <div key={label} class="sync-count">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {status.enabled && canChange ? (
        <div class="sync-now" role="group" aria-label={`Sync ${kind} now`}>
          <span class="sync-now-label" aria-hidden="true">
            Sync now
          </span>
          {/* Not held back while one runs: the server is the one that knows, and its refusal says what to do. */}
          {DIRECTIONS.map((direction) => (
            <button
              key={direction}
              type="button"
              class="button button-secondary button-small"
              aria-label={`Sync ${kind} now: ${DIRECTION_LABEL[direction]}`}
              aria-disabled={startingDirection !== null}
              onClick={() => startingDirection === null && onSyncNow(direction)}
            >
              {startingDirection === direction ? 'Starting…' : DIRECTION_LABEL[direction]}
            </button>
          ))}
        </div>
      ) : null}
      {startError ? <ErrorAlert error={startError} title={`Could not start the ${names.one} backfill.`} /> : null}
    </section>
  );
}
