// One backfill: its progress bar (a share of a known total, "about" of an estimated one, moving
// stripes when the total is not known), its counts, the measured rate and time left, its state,
// Pause / Resume / Cancel while it is not finished, and Try again when it failed.
import type { Backfill } from '../../../../src/http/api/backfills.ts';
import { ago, BACKFILL_STATE_LABEL, backfillTitle, etaText, formatCount, isActive, progressOf, rateText } from './sync-format.ts';

export type BackfillAction = 'pause' | 'resume' | 'cancel';

interface BackfillProgressProps {
  backfill: Backfill;
  now: number;
  /** Admins may pause, resume and cancel; viewers only watch. */
  canChange: boolean;
  /** The action on its way for this backfill, if any. */
  busyWith: BackfillAction | null;
  onAction: (action: BackfillAction) => void;
}

const COUNTS: ReadonlyArray<{ key: 'created' | 'updated' | 'unchanged' | 'skippedByFilter' | 'failed'; label: string }> = [
  { key: 'created', label: 'created' },
  { key: 'updated', label: 'updated' },
  { key: 'unchanged', label: 'unchanged' },
  { key: 'skippedByFilter', label: 'skipped by filter' },
  { key: 'failed', label: 'failed' },
];

function ProgressBar({ backfill, label }: { backfill: Backfill; label: string }) {
  const { share, text } = progressOf(backfill);
  const percent = share === null ? null : Math.round(share * 100);
  return (
    <div class="backfill-bar">
      <div
        class="backfill-bar-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={text}
        data-indeterminate={share === null ? 'true' : undefined}
      >
        <div class="backfill-bar-fill" style={share === null ? undefined : { width: `${percent}%` }} />
      </div>
      <p class="backfill-bar-text">{text}</p>
    </div>
  );
}

/** "1,200 a minute · about 3 min left", or why there is no estimate yet. */
function pace(backfill: Backfill): string | null {
  if (backfill.state === 'paused') return 'Paused: nothing is read or written until you resume.';
  if (backfill.state !== 'running') return null;
  if (backfill.ratePerMinute === null) return 'Measuring the rate…';
  const parts = [rateText(backfill.ratePerMinute)];
  if (backfill.etaSeconds !== null) parts.push(etaText(backfill.etaSeconds));
  return parts.join(' · ');
}

/** "Started 5 min ago", or "Started 2 h ago, finished 1 h ago". */
function times(backfill: Backfill, now: number): string {
  const started = `Started ${ago(backfill.startedAt, now)}`;
  return backfill.finishedAt === null ? `${started}.` : `${started}, ended ${ago(backfill.finishedAt, now)}.`;
}

export function BackfillProgress({ backfill, now, canChange, busyWith, onAction }: BackfillProgressProps) {
  const title = backfillTitle(backfill);
  const line = pace(backfill);
  const busy = busyWith !== null;
  return (
    <div class="backfill" data-state={backfill.state}>
      <div class="backfill-head">
        <h4 class="backfill-title">{title}</h4>
        <span class="backfill-state" data-state={backfill.state}>
          {BACKFILL_STATE_LABEL[backfill.state]}
        </span>
      </div>
      <ProgressBar backfill={backfill} label={`${title}: progress`} />
      <ul class="backfill-counts" aria-label={`${title}: counts`}>
        {COUNTS.map(({ key, label }) => (
          <li key={key} data-count={key} data-nonzero={backfill[key] > 0 ? 'true' : undefined}>
            <span class="backfill-count-number">{formatCount(backfill[key])}</span> {label}
          </li>
        ))}
      </ul>
      {line ? <p class="hint backfill-pace">{line}</p> : null}
      <p class="hint backfill-times">{times(backfill, now)}</p>
      {backfill.lastError ? <p class="backfill-error">Last error: {backfill.lastError}</p> : null}
      {canChange && isActive(backfill) ? (
        <div class="backfill-actions">
          {backfill.state === 'running' ? (
            <button type="button" class="button button-secondary button-small" aria-disabled={busy} onClick={() => busy || onAction('pause')}>
              {busyWith === 'pause' ? 'Pausing…' : 'Pause'}
            </button>
          ) : (
            <button type="button" class="button button-primary button-small" aria-disabled={busy} onClick={() => busy || onAction('resume')}>
              {busyWith === 'resume' ? 'Resuming…' : 'Resume'}
            </button>
          )}
          <button type="button" class="button button-danger-quiet button-small" aria-disabled={busy} onClick={() => busy || onAction('cancel')}>
            Cancel backfill
          </button>
        </div>
      ) : null}
      {canChange && backfill.state === 'failed' ? (
        // A failed backfill goes on from its stored cursor: its last page is tried again.
        <div class="backfill-actions">
          <button type="button" class="button button-secondary button-small" aria-disabled={busy} onClick={() => busy || onAction('resume')}>
            {busyWith === 'resume' ? 'Starting again…' : 'Try again'}
          </button>
        </div>
      ) : null}
    </div>
  );
}
