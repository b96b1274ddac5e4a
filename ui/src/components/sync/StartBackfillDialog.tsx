// "Backfill conversations": the two days between which conversations were closed, sent through
// the capture path (its guards and routing apply, as for a live close). A refusal names the date
// it is about (the wrong way round, in the future, …); its message goes under that field.
import { useId, useState } from 'preact/hooks';
import type { Backfill } from '../../../../src/http/api/backfills.ts';
import { ApiError } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { syncApi } from './sync-api.ts';

const DAY_MS = 86_400_000;
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

type DateKey = 'closedFrom' | 'closedTo';
const DATE_KEYS: readonly DateKey[] = ['closedFrom', 'closedTo'];
/** A detail's path names the key last ("closedFrom", or "body.closedFrom"). */
const keyOf = (path: string): DateKey | null => DATE_KEYS.find((key) => path === key || path.endsWith(`.${key}`)) ?? null;

interface StartBackfillDialogProps {
  connectionId: string;
  onStarted: (backfill: Backfill) => void;
  onClose: () => void;
}

export function StartBackfillDialog({ connectionId, onStarted, onClose }: StartBackfillDialogProps) {
  const submit = useSubmit();
  const [dates, setDates] = useState<Record<DateKey, string>>(() => {
    const now = Date.now();
    return { closedFrom: isoDay(now - 30 * DAY_MS), closedTo: isoDay(now) };
  });
  const ids = { closedFrom: useId(), closedTo: useId() };

  const fieldErrors = new Map<DateKey, string>();
  for (const detail of submit.error?.details ?? []) {
    const key = keyOf(detail.path);
    if (key && !fieldErrors.has(key)) fieldErrors.set(key, detail.message);
  }
  // The refusal's sentence stays in the dialog's alert; what it says of one date goes under that date.
  const error = submit.error
    ? new ApiError(submit.error.status, submit.error.code, submit.error.message, submit.error.details.filter((detail) => keyOf(detail.path) === null), submit.error.retryAfter)
    : null;

  function start() {
    void submit.run(async () => {
      const answer = await syncApi.startBackfill(connectionId, { kind: 'conversations', closedFrom: dates.closedFrom, closedTo: dates.closedTo });
      onStarted(answer.backfill);
    });
  }

  const field = (key: DateKey, label: string) => {
    const message = fieldErrors.get(key);
    return (
      <div class="backfill-date">
        <label class="label" for={ids[key]}>
          {label}
        </label>
        <input
          id={ids[key]}
          class="input input-date"
          type="date"
          value={dates[key]}
          max={isoDay(Date.now())}
          aria-invalid={message ? 'true' : undefined}
          aria-describedby={message ? `${ids[key]}-error` : undefined}
          onInput={(event) => setDates((current) => ({ ...current, [key]: event.currentTarget.value }))}
        />
        {message ? (
          <p id={`${ids[key]}-error`} class="field-error">
            {message}
          </p>
        ) : null}
      </div>
    );
  };

  return (
    <ConfirmDialog
      title="Backfill conversations"
      confirmLabel="Start backfill"
      busyLabel="Starting…"
      busy={submit.busy}
      error={error}
      tone="primary"
      onConfirm={start}
      onCancel={onClose}
      field={
        <div class="backfill-dates">
          {field('closedFrom', 'Closed from')}
          {field('closedTo', 'Closed until')}
        </div>
      }
    >
      <p>
        Conversations closed between these two days (both included) are captured as a close would capture them: the noise
        guards and routing apply.
      </p>
    </ConfirmDialog>
  );
}
