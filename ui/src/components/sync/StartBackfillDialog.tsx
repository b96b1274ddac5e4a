// "Backfill conversations": the two days between which conversations were closed, sent through
// the capture path (its guards and routing apply, as for a live close). A refusal names the date
// it is about (the wrong way round, in the future, …); its message goes under that field.
import { useId, useState } from 'preact/hooks';
import type { Backfill } from '../../../../src/http/api/backfills.ts';
import { ApiError } from '../../api.ts';
import { useSubmit } from '../../use-submit.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { startRefusal, syncApi } from './sync-api.ts';

const DAY_MS = 86_400_000;
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

type DateKey = 'closedFrom' | 'closedTo';
const DATE_KEYS: readonly DateKey[] = ['closedFrom', 'closedTo'];
const LABEL: Record<DateKey, string> = { closedFrom: 'Closed from', closedTo: 'Closed until' };
/** The server's message names the other date by its key ("must not be before closedFrom"); a person knows it by its label. */
const readable = (message: string) => message.replace(/\b(closedFrom|closedTo)\b/g, (key) => `“${LABEL[key as DateKey]}”`);
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
    if (key && !fieldErrors.has(key)) fieldErrors.set(key, readable(detail.message));
  }
  // What a refusal says of one date goes under that date; the rest (a backfill already running, a
  // connection not active) in the dialog's alert.
  const refusal = submit.error ? startRefusal(submit.error) : null;
  const otherDetails = refusal?.details.filter((detail) => keyOf(detail.path) === null) ?? [];
  const error =
    refusal && (fieldErrors.size === 0 || otherDetails.length > 0 || refusal.status !== 400)
      ? new ApiError(refusal.status, refusal.code, refusal.message, otherDetails, refusal.retryAfter)
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
          <p id={`${ids[key]}-error`} class="field-error" role="alert">
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
          {field('closedFrom', LABEL.closedFrom)}
          {field('closedTo', LABEL.closedTo)}
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
