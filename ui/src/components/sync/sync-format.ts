// Words and numbers for the record-sync panel: counts, relative times, rates, what a job was for.
// Pure functions of their arguments (the time "now" comes in), so every view says it the same way.
import type { Backfill } from '../../../../src/http/api/backfills.ts';

const count = new Intl.NumberFormat();

export const formatCount = (value: number): string => count.format(value);

/** "just now", "4 min ago", "3 h ago", "2 days ago". */
export function ago(at: number, now: number): string {
  const minutes = Math.round((now - at) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 90) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} days ago`;
}

/** "about 3 min left" from seconds; the rate it is measured from wobbles, so no seconds past a minute. */
export function etaText(seconds: number): string {
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min left`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `about ${hours} h left` : `about ${Math.round(hours / 24)} days left`;
}

export const rateText = (perMinute: number): string => `${formatCount(Math.round(perMinute))} a minute`;

export type BackfillDirection = NonNullable<Backfill['direction']>;

export const DIRECTION_LABEL: Record<BackfillDirection, string> = { to_hubspot: 'Intercom → HubSpot', to_intercom: 'HubSpot → Intercom' };

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const day = (iso: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateOnly.format(date);
};

/** "Contacts, Intercom → HubSpot" or "Conversations closed 1 Mar 2026 – 31 Mar 2026". */
export function backfillTitle(backfill: Pick<Backfill, 'kind' | 'direction' | 'closedFrom' | 'closedTo'>): string {
  if (backfill.kind === 'conversations') {
    return backfill.closedFrom && backfill.closedTo ? `Conversations closed ${day(backfill.closedFrom)} – ${day(backfill.closedTo)}` : 'Past conversations';
  }
  const object = backfill.kind === 'contacts' ? 'Contacts' : 'Companies';
  return backfill.direction ? `${object}, ${DIRECTION_LABEL[backfill.direction]}` : object;
}

export const BACKFILL_STATE_LABEL: Record<Backfill['state'], string> = {
  running: 'Running',
  paused: 'Paused',
  cancelled: 'Cancelled',
  done: 'Done',
  failed: 'Failed',
};

/** A backfill that still holds its place: one of the same kind cannot start beside it. */
export const isActive = (backfill: Pick<Backfill, 'state'>): boolean => backfill.state === 'running' || backfill.state === 'paused';

/**
 * How far a backfill is, for the bar and for its text label: a share when the total is known
 * (an estimate is said to be one), none when it is not (the bar is then indeterminate).
 */
export function progressOf(backfill: Pick<Backfill, 'done' | 'total' | 'totalIsEstimate' | 'state'>): { share: number | null; text: string } {
  const { done, total, totalIsEstimate } = backfill;
  if (total === null) return { share: null, text: `${formatCount(done)} done; total not known yet` };
  // An estimate can fall short of what is really there; the bar then stays full rather than overflow.
  const share = backfill.state === 'done' ? 1 : total > 0 ? Math.min(1, done / total) : 0;
  const of = totalIsEstimate ? `about ${formatCount(total)}` : formatCount(total);
  return { share, text: `${formatCount(done)} of ${of} (${totalIsEstimate ? 'about ' : ''}${Math.round(share * 100)} %)` };
}

/** What `count` jobs of record sync or a backfill in a row were for, by their task name; an unknown task shows its name. */
const TASK_LABEL: Readonly<Record<string, (count: number) => string>> = {
  'records.sync': (count) => (count === 1 ? 'Sync one record' : `Sync ${count} records`),
  'records.sweep': (count) => (count === 1 ? 'Catch-up sweep' : `${count} catch-up sweeps`),
  'backfill.page': (count) => (count === 1 ? 'Backfill, one page' : `Backfill, ${count} pages`),
};

export function taskLabel(task: string, count = 1): string {
  const label = TASK_LABEL[task];
  if (label) return label(count);
  return count === 1 ? task : `${task} (${count})`;
}

/** Job states the Failed & waiting tab lists (its ?state= values); a recent job in one of them links there. */
const WORK_TAB_STATE: Readonly<Record<string, string>> = { failed: 'failed', parked: 'parked' };

export const workTabState = (state: string): string | null => WORK_TAB_STATE[state] ?? null;
