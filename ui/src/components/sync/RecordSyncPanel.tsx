// The Overview's "Contacts & companies" section (issue #18 items 3 and 4): the sync counts of each
// object type, "Sync now" in either direction and "Backfill conversations", the backfills with
// their live progress, and the recent jobs. The backfills are asked for every 2 s while one runs
// (the bar moves), every 15 s otherwise; the counts every 15 s (the server keeps the costly totals
// for a minute), and again when a backfill stops.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Backfill, BackfillList as BackfillListAnswer } from '../../../../src/http/api/backfills.ts';
import { api, type ApiError, toApiError } from '../../api.ts';
import { useApiData } from '../../use-api-data.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { BackfillList } from './BackfillList.tsx';
import { RecentJobs } from './RecentJobs.tsx';
import { StartBackfillDialog } from './StartBackfillDialog.tsx';
import { startRefusal, syncApi } from './sync-api.ts';
import { type BackfillDirection, backfillTitle } from './sync-format.ts';
import { type RecordKind, SyncCounts } from './SyncCounts.tsx';

const FAST_MS = 2_000;
const SLOW_MS = 15_000;
const KINDS: readonly RecordKind[] = ['contacts', 'companies'];

/** Puts a backfill from an action's answer into the list: in its place, or on top when new. */
function withBackfill(list: BackfillListAnswer | null, backfill: Backfill): BackfillListAnswer {
  const current = list?.backfills ?? [];
  const known = current.some((one) => one.id === backfill.id);
  return { backfills: known ? current.map((one) => (one.id === backfill.id ? backfill : one)) : [backfill, ...current] };
}

/** Calls `tick` every `ms` while the page is visible; a change of `ms` restarts the timer. */
function useVisibleInterval(tick: () => void, ms: number, inputs: readonly unknown[]) {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') tickRef.current();
    }, ms);
    return () => window.clearInterval(timer);
  }, [ms, ...inputs]);
}

export function RecordSyncPanel({ connectionId }: { connectionId: string }) {
  const me = useApiData(() => api.getMe(), []);
  const canChange = me.data?.role === 'admin';
  const status = useApiData(() => syncApi.getStatus(connectionId), [connectionId]);
  const backfills = useApiData(() => syncApi.listBackfills(connectionId), [connectionId]);
  const [starting, setStarting] = useState<{ kind: RecordKind; direction: BackfillDirection } | null>(null);
  const [startError, setStartError] = useState<{ kind: RecordKind; error: ApiError } | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const [now, setNow] = useState(() => Date.now());
  // State lands after the next render; a double click must not send two starts (the second would be refused).
  const startingRef = useRef(false);

  const list = backfills.data?.backfills ?? [];
  const running = list.some((backfill) => backfill.state === 'running');

  useVisibleInterval(
    () => {
      setNow(Date.now());
      void backfills.reload({ quiet: true });
    },
    running ? FAST_MS : SLOW_MS,
    [connectionId],
  );
  useVisibleInterval(() => void status.reload({ quiet: true }), SLOW_MS, [connectionId]);

  // A backfill that stops (done, failed, cancelled, paused) changes the counts: ask for them again.
  const runningIds = list.filter((backfill) => backfill.state === 'running').map((backfill) => backfill.id).join(',');
  const previousRunning = useRef(runningIds);
  useEffect(() => {
    const stopped = previousRunning.current.split(',').some((id) => id !== '' && !runningIds.split(',').includes(id));
    previousRunning.current = runningIds;
    if (stopped) {
      void status.reload({ quiet: true });
      // A refusal because one was running is out of date once it stops.
      setStartError(null);
    }
  }, [runningIds]);

  function started(backfill: Backfill) {
    backfills.set((current) => withBackfill(current, backfill));
    // Its first page job is among the recent jobs now.
    void status.reload({ quiet: true });
    setAnnouncement(`Started: ${backfillTitle(backfill)}.`);
  }

  /** Paused, resumed or cancelled: its page job changed too. */
  function changed(backfill: Backfill) {
    backfills.set((current) => withBackfill(current, backfill));
    void status.reload({ quiet: true });
  }

  async function syncNow(kind: RecordKind, direction: BackfillDirection) {
    if (startingRef.current) return;
    startingRef.current = true;
    setStarting({ kind, direction });
    setStartError(null);
    setAnnouncement('');
    try {
      const answer = await syncApi.startBackfill(connectionId, { kind, direction });
      started(answer.backfill);
    } catch (caught) {
      setStartError({ kind, error: startRefusal(toApiError(caught)) });
    } finally {
      startingRef.current = false;
      setStarting(null);
    }
  }

  const objects = status.data?.objects ?? null;
  return (
    <section class="card section-card sync-panel" aria-labelledby="sync-heading">
      <div class="card-header">
        <h2 id="sync-heading">Contacts &amp; companies</h2>
        <p class="card-description">
          How many records each side holds and how many are in step. "Sync now" goes through every record of one side and brings
          the other up to date (a backfill); it runs beside live changes, which go first, within the rate budget.
        </p>
      </div>

      {status.error ? <ErrorAlert error={status.error} title="Couldn't load the sync counts." /> : null}
      {objects ? (
        <>
          <div class="sync-objects">
            {KINDS.map((kind) => (
              <SyncCounts
                key={kind}
                connectionId={connectionId}
                kind={kind}
                status={objects[kind]}
                now={now}
                canChange={canChange}
                startingDirection={starting?.kind === kind ? starting.direction : null}
                startError={startError?.kind === kind ? startError.error : null}
                onSyncNow={(direction) => void syncNow(kind, direction)}
              />
            ))}
          </div>
          <p class="hint sync-totals-note">Counts can be up to a minute behind: Intercom and HubSpot are asked for their totals at most once a minute.</p>
        </>
      ) : status.loading ? (
        <p class="muted">Loading the counts…</p>
      ) : null}

      <div class="sync-backfills">
        <div class="sync-backfills-head">
          <h3 class="sync-backfills-title">Backfills</h3>
          {canChange ? (
            <button type="button" class="button button-secondary button-small" onClick={() => setDialogOpen(true)}>
              Backfill conversations
            </button>
          ) : null}
        </div>
        <p class="visually-hidden" role="status">
          {announcement}
        </p>
        {backfills.error ? <ErrorAlert error={backfills.error} title="Couldn't load the backfills." /> : null}
        {backfills.data ? (
          <BackfillList connectionId={connectionId} backfills={list} now={now} canChange={canChange} onChanged={changed} />
        ) : null}
      </div>

      {objects ? <RecentJobs connectionId={connectionId} objects={objects} now={now} /> : null}

      {dialogOpen ? (
        <StartBackfillDialog
          connectionId={connectionId}
          onClose={() => setDialogOpen(false)}
          onStarted={(backfill) => {
            setDialogOpen(false);
            started(backfill);
          }}
        />
      ) : null}
    </section>
  );
}
