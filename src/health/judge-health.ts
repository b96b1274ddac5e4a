// From what is known about a connection to the one state and one line a person reads (issue #16
// item 1). Pure: the facts are gathered elsewhere (connection-health.ts), the clock is passed in.
//
// Order of precedence, first match wins — what needs a person most comes first:
//   1. reauth          the connection stands needs_reauth (a credential was refused);
//   2. parked          work is parked waiting for re-authorisation (state needs_reauth as well);
//   3. paused          a person paused it: that is what it is, not a problem (state paused, no incident);
//   4. failing         work failed for good in the failure window (24 h);
//   5. retrying        work failed and waits for its next try;
//   6. stalled         work due for longer than the late threshold has not run;
//   7. webhooks_silent no Intercom webhook in the silence window while the sweep found changes.
// A connection that is not connected yet is `ok` here: its status says so already.
import { CAPTURE_TASK } from '../capture/capture-task.ts';
import type { JobHealthFacts, KindOfWork } from '../jobs/health-facts.ts';
import type { Vendor } from '../vendor.ts';
import type { ConnectionHealth } from './connection-health.ts';

export interface HealthFacts {
  connection: {
    id: string;
    status: 'active' | 'paused' | 'needs_reauth' | 'disconnected';
    intercomRefused: boolean;
    hubspotRefused: boolean;
    /** Null: Intercom not connected (no webhooks to expect). */
    intercomWorkspaceId: string | null;
    createdAt: number;
    /** The connection's IANA time zone, for the times in the reason line. */
    timeZone: string;
  };
  jobs: JobHealthFacts;
  /** In the silence window: Intercom webhooks received, and changes the sweep found (src/reconcile). */
  webhooks: { received: number; swept: number };
}

export interface HealthThresholds {
  /** A failed job counts as failing for this long after it failed. */
  failingWindowMs: number;
  /** No Intercom webhook for this long while the sweep finds changes: webhooks_silent. */
  silentWebhooksMs: number;
}

/** What each task's jobs are called in a reason line (singular, plural); others are "jobs". */
const TASK_NOUNS: Record<string, [string, string]> = {
  [CAPTURE_TASK]: ['capture', 'captures'],
};

const VENDOR_NAMES: Record<Vendor, string> = { hubspot: 'HubSpot', intercom: 'Intercom' };

const plural = (n: number, [one, many]: [string, string]) => `${n} ${n === 1 ? one : many}`;

/** "3 captures", "1 capture and 2 other jobs", "2 jobs". */
export function describeWork(work: Pick<KindOfWork, 'count' | 'byTask'>): string {
  const named = Object.entries(work.byTask).filter(([task]) => TASK_NOUNS[task] !== undefined);
  const namedCount = named.reduce((sum, [, n]) => sum + n, 0);
  const parts = named.sort(([, a], [, b]) => b - a).map(([task, n]) => plural(n, TASK_NOUNS[task] ?? ['job', 'jobs']));
  const others = work.count - namedCount;
  if (others > 0) parts.push(plural(others, parts.length === 0 ? ['job', 'jobs'] : ['other job', 'other jobs']));
  return parts.length <= 1 ? (parts[0] ?? '0 jobs') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/**
 * What a vendor failure stored as a job's last_error says, in a few words: "HubSpot answered 500".
 * The text is the UpstreamError message (src/integrations/upstream-error.ts: "<Vendor> <METHOD>
 * <path> failed with <status or kind>…"), possibly behind a prefix; anything else is clipped as it is.
 */
export function summarizeError(lastError: string | null): string {
  if (lastError === null || lastError.trim() === '') return 'an error without a message';
  const upstream = /\b(HubSpot|Intercom) [A-Z-]+ \S+ failed with (\w+)/.exec(lastError);
  if (upstream) {
    const [, vendor, what] = upstream;
    if (/^\d{3}$/.test(what ?? '')) return `${vendor} answered ${what}`;
    if (what === 'timeout') return `${vendor} did not answer in time`;
    if (what === 'network') return `${vendor} could not be reached`;
    // No call was sent: our own plan of the vendor's rate budget said wait (src/jobs/budget-waits.ts).
    if (what === 'rate_limited') return `waiting for ${vendor}'s rate budget`;
    return `${vendor} failed (${what})`;
  }
  const line = lastError.split('\n')[0]?.trim() ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

/** Which vendor a stored error names, if any. */
function vendorOfError(lastError: string | null): Vendor | null {
  const match = lastError === null ? null : /\b(HubSpot|Intercom)\b/.exec(lastError);
  if (!match) return null;
  return match[1] === 'HubSpot' ? 'hubspot' : 'intercom';
}

/** "10:42" in the connection's zone; with the day when it is not today there. */
export function clockTime(at: number, now: number, timeZone: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const day = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }).format(ms);
  return day(at) === day(now) ? time : `${day(at)} ${time}`;
}

const workLink = (connectionId: string, state: 'failed' | 'parked' | 'late' | 'retrying') => `/connections/${connectionId}/work?state=${state}`;

function refusedSides(facts: HealthFacts): string | null {
  const sides: Vendor[] = [];
  if (facts.connection.intercomRefused) sides.push('intercom');
  if (facts.connection.hubspotRefused) sides.push('hubspot');
  if (sides.length === 0) {
    const guessed = vendorOfError(facts.jobs.parked?.sample.lastError ?? null);
    if (guessed) sides.push(guessed);
  }
  return sides.length === 0 ? null : sides.map((side) => VENDOR_NAMES[side]).join(' and ');
}

function waitingForReauth(facts: HealthFacts, incident: 'reauth' | 'parked'): ConnectionHealth {
  const side = refusedSides(facts);
  const of = side === null ? 'Waiting for re-authorisation' : `Waiting for re-authorisation of ${side}`;
  const parked = facts.jobs.parked;
  if (parked) return { state: 'needs_reauth', incident, reason: `${of}: ${describeWork(parked)} held`, link: workLink(facts.connection.id, 'parked') };
  return { state: 'needs_reauth', incident, reason: `${of}: its credential was refused; nothing runs until it is re-authorised`, link: null };
}

const OK: ConnectionHealth = { state: 'ok', reason: null, incident: null, link: null };

export function judgeHealth(facts: HealthFacts, now: number, thresholds: HealthThresholds): ConnectionHealth {
  const { connection, jobs } = facts;
  const id = connection.id;
  if (connection.status === 'needs_reauth') return waitingForReauth(facts, 'reauth');
  if (jobs.parked) return waitingForReauth(facts, 'parked');
  if (connection.status === 'paused') return { state: 'paused', incident: null, reason: 'Paused: nothing is captured until it is resumed', link: null };

  if (jobs.failed) {
    const { count, sample } = jobs.failed;
    const hours = Math.round(thresholds.failingWindowMs / 3_600_000);
    return {
      state: 'needs_attention', incident: 'failing', link: workLink(id, 'failed'),
      reason: `Failing: ${describeWork(jobs.failed)} failed in the last ${hours} h — ${count === 1 ? '' : 'the latest: '}${summarizeError(sample.lastError)}`,
    };
  }
  if (jobs.retrying) {
    const { count, sample } = jobs.retrying;
    const more = count > 1 ? ` (${describeWork(jobs.retrying)} retrying)` : '';
    return {
      state: 'needs_attention', incident: 'retrying', link: workLink(id, 'retrying'),
      reason: `Retrying: ${summarizeError(sample.lastError)} — attempt ${sample.attempts} of ${sample.maxAttempts}, next at ${clockTime(sample.runAt, now, connection.timeZone)}${more}`,
    };
  }
  if (jobs.late) {
    const { count, sample } = jobs.late;
    return {
      state: 'needs_attention', incident: 'stalled', link: workLink(id, 'late'),
      reason: `Stalled: ${describeWork(jobs.late)} due since ${clockTime(sample.runAt, now, connection.timeZone)} ${count === 1 ? 'has' : 'have'} not run`,
    };
  }
  const silentFor = thresholds.silentWebhooksMs;
  const watched = connection.status === 'active' && connection.intercomWorkspaceId !== null && now - connection.createdAt >= silentFor;
  if (watched && facts.webhooks.received === 0 && facts.webhooks.swept > 0) {
    const span = silentFor % 3_600_000 === 0 ? `${silentFor / 3_600_000} h` : `${Math.round(silentFor / 60_000)} min`;
    return {
      state: 'needs_attention', incident: 'webhooks_silent', link: null,
      reason: `No Intercom webhook in ${span} while the sweep found ${plural(facts.webhooks.swept, ['changed conversation', 'changed conversations'])}: check the webhook URL and topics in your Intercom app`,
    };
  }
  return OK;
}
