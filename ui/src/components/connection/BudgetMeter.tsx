// The rate-budget meter on the Overview (issue #16 item 9): how much of the HubSpot portal's and the
// Intercom workspace's call budgets is in use, what the calls of the last hour were, and whether work
// waits on a budget. Refreshed every 15 s while the page is visible, as the connection page refreshes.
import { useEffect } from 'preact/hooks';
import type { BudgetSideView, BudgetWindowView, ConnectionBudgetView } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { formatDateTime } from '../../format.ts';
import { useApiData } from '../../use-api-data.ts';

const REFRESH_MS = 15_000;
const TOP_KINDS = 8;
const clockTime = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const count = new Intl.NumberFormat();
const at = (iso: string) => clockTime.format(new Date(iso));

/** A bar with its numbers; amber from 80 %, red when full or paused. */
function Bar({ label, used, limit, detail, paused }: { label: string; used: number; limit: number; detail: string | null; paused?: boolean }) {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  const level = paused || share >= 1 ? 'full' : share >= 0.8 ? 'high' : 'ok';
  return (
    <div class="budget-bar" data-level={level}>
      <div class="budget-bar-label">
        <span>{label}</span>
        <span class="budget-bar-numbers">
          {count.format(used)} of {count.format(limit)} used
        </span>
      </div>
      <div class="budget-bar-track" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={limit} aria-valuenow={used} aria-valuetext={`${used} of ${limit} used`}>
        <div class="budget-bar-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      {detail ? <p class="hint">{detail}</p> : null}
    </div>
  );
}

function windowDetail(window: BudgetWindowView): string | null {
  if (window.pausedUntil) return `Paused after a 429 until ${at(window.pausedUntil)}.`;
  const parts = [];
  if (window.waiting > 0) parts.push(`${window.waiting} waiting for a slot`);
  if (window.freesAt && window.used >= window.limit) parts.push(`a slot frees at ${at(window.freesAt)}`);
  return parts.length > 0 ? `${parts.join('; ')}.` : null;
}

function Side({ side }: { side: BudgetSideView }) {
  const title = side.vendor === 'hubspot' ? `HubSpot portal ${side.account}` : `Intercom workspace ${side.account}`;
  const kinds = side.callsLastHour.slice(0, TOP_KINDS);
  const total = side.callsLastHour.reduce((sum, kind) => sum + kind.calls, 0);
  return (
    <div class="budget-side" data-vendor={side.vendor} data-waiting={side.waiting ? 'true' : 'false'}>
      <h3>{title}</h3>
      {side.sharedWith.length > 0 ? (
        <p class="budget-shared">
          Shared with {side.sharedWith.map((other) => other.name).join(', ')}: their calls spend this budget too.
        </p>
      ) : null}
      {side.waitReason ? <p class="budget-wait">{side.waitReason}.</p> : null}
      {side.windows.map((window) => (
        <Bar key={window.name} label={window.label} used={window.used} limit={window.limit} detail={windowDetail(window)} paused={window.pausedUntil !== null} />
      ))}
      {side.daily ? (
        <Bar
          label="Today"
          used={side.daily.used}
          limit={side.daily.limit}
          detail={`Resets ${formatDateTime(side.daily.resetsAt)}.${side.daily.pacingMs > 0 ? ' Running low: calls are spread over the rest of the day.' : ''}`}
        />
      ) : (
        <p class="hint">{side.dailyNote}</p>
      )}
      <h4>Calls in the last hour{total > 0 ? `: ${count.format(total)}` : ''}</h4>
      {kinds.length === 0 ? (
        <p class="hint">None.</p>
      ) : (
        <table class="budget-kinds" aria-label={`${side.vendor === 'hubspot' ? 'HubSpot' : 'Intercom'} calls in the last hour`}>
          <tbody>
            {kinds.map((kind) => (
              <tr key={kind.kind}>
                <td>
                  <code>{kind.kind}</code>
                </td>
                <td class="budget-kinds-count">{count.format(kind.calls)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function waitingSummary(budget: ConnectionBudgetView): string {
  const { jobsWaiting } = budget;
  if (jobsWaiting.count === 0) return 'Calls are held back until the budget allows them; nothing is lost.';
  const jobs = jobsWaiting.count === 1 ? '1 job is' : `${jobsWaiting.count} jobs are`;
  return `${jobs} put off until the vendor's wait is over${jobsWaiting.nextRunAt ? ` (next at ${at(jobsWaiting.nextRunAt)})` : ''}; nothing is lost.`;
}

export function BudgetMeter({ connectionId }: { connectionId: string }) {
  const budget = useApiData(() => api.getBudget(connectionId), [connectionId]);
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void budget.reload({ quiet: true });
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [connectionId]);

  const data = budget.data;
  if (!data || (data.hubspot === null && data.intercom === null)) return null;
  return (
    <section class="card section-card budget-meter" aria-labelledby="budget-heading" data-waiting={data.waiting ? 'true' : 'false'}>
      <div class="card-header">
        <h2 id="budget-heading">Rate budget</h2>
        <p class="card-description">
          HubSpot and Intercom allow so many calls per portal and workspace. Interhubz plans its calls within these budgets
          instead of running into the limits.
        </p>
      </div>
      {data.waiting ? (
        <div class="warning-panel" role="status" id="budget-waiting">
          <p class="warning-panel-title">Waiting on the budget</p>
          <p>{waitingSummary(data)}</p>
        </div>
      ) : null}
      <div class="budget-sides">
        {data.hubspot ? <Side side={data.hubspot} /> : null}
        {data.intercom ? <Side side={data.intercom} /> : null}
      </div>
      <p class="hint">Calls counted since {formatDateTime(data.countedSince)} (the counts start again when Interhubz restarts).</p>
    </section>
  );
}
