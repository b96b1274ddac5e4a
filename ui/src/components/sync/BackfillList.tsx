// The connection's backfills: those running or paused in full, with their levers; the last few
// finished ones folded away below, each with its counts. Cancelling is confirmed first: a
// cancelled backfill cannot be picked up again (a new one starts from the beginning).
import { useState } from 'preact/hooks';
import type { Backfill } from '../../../../src/http/api/backfills.ts';
import { type ApiError, toApiError } from '../../api.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { type BackfillAction, BackfillProgress } from './BackfillProgress.tsx';
import { syncApi } from './sync-api.ts';
import { backfillTitle, isActive } from './sync-format.ts';

/** Finished backfills shown under the fold; older ones are still in GET /api/connections/:id/backfills. */
const FINISHED_SHOWN = 5;

interface BackfillListProps {
  connectionId: string;
  backfills: readonly Backfill[];
  now: number;
  canChange: boolean;
  /** A backfill as an action's answer has it now. */
  onChanged: (backfill: Backfill) => void;
}

export function BackfillList({ connectionId, backfills, now, canChange, onChanged }: BackfillListProps) {
  const [busy, setBusy] = useState<{ id: string; action: BackfillAction } | null>(null);
  const [error, setError] = useState<{ id: string; error: ApiError } | null>(null);
  const [cancelling, setCancelling] = useState<Backfill | null>(null);

  const active = backfills.filter(isActive);
  const finished = backfills.filter((backfill) => !isActive(backfill)).slice(0, FINISHED_SHOWN);
  const failed = finished.filter((backfill) => backfill.state === 'failed').length;

  async function act(backfill: Backfill, action: BackfillAction): Promise<boolean> {
    if (busy) return false;
    setBusy({ id: backfill.id, action });
    setError(null);
    try {
      const answer = await syncApi.controlBackfill(connectionId, backfill.id, action);
      onChanged(answer.backfill);
      return true;
    } catch (caught) {
      setError({ id: backfill.id, error: toApiError(caught) });
      return false;
    } finally {
      setBusy(null);
    }
  }

  function onAction(backfill: Backfill, action: BackfillAction) {
    if (action === 'cancel') {
      setError(null);
      setCancelling(backfill);
    } else {
      void act(backfill, action);
    }
  }

  const item = (backfill: Backfill) => (
    <li key={backfill.id}>
      <BackfillProgress
        backfill={backfill}
        now={now}
        canChange={canChange}
        busyWith={busy?.id === backfill.id ? busy.action : null}
        onAction={(action) => onAction(backfill, action)}
      />
      {error && error.id === backfill.id && !cancelling ? <ErrorAlert error={error.error} /> : null}
    </li>
  );

  return (
    <div class="backfill-list">
      {active.length > 0 ? (
        <ul class="backfill-items" aria-label="Backfills in progress">
          {active.map(item)}
        </ul>
      ) : (
        <p class="muted backfill-none">No backfill is running.</p>
      )}
      {finished.length > 0 ? (
        <details class="backfill-finished">
          <summary>
            Finished backfills ({finished.length}
            {backfills.length - active.length > finished.length ? `, the last ${FINISHED_SHOWN}` : ''}
            {failed > 0 ? `; ${failed} failed` : ''})
          </summary>
          <ul class="backfill-items" aria-label="Finished backfills">
            {finished.map(item)}
          </ul>
        </details>
      ) : null}
      {cancelling ? (
        <ConfirmDialog
          title="Cancel this backfill?"
          confirmLabel="Cancel backfill"
          cancelLabel="Keep it"
          busyLabel="Cancelling…"
          busy={busy !== null}
          error={error?.id === cancelling.id ? error.error : null}
          onCancel={() => {
            setCancelling(null);
            setError(null);
          }}
          onConfirm={() => {
            void act(cancelling, 'cancel').then((ok) => ok && setCancelling(null));
          }}
        >
          <p>
            {backfillTitle(cancelling)} stops after the page it is on. What it has written stays; starting again later begins from
            the first page.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
