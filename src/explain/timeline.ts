// The explainer's timeline, in plain words, from what the tables hold about one conversation:
// webhook deliveries (topic, time), the trace (triggers, guard verdicts, routing, matching steps,
// vendor calls, how each run ended), the activity log, the capture job still waiting and the close
// no capture followed yet. Pure: the rows come in, lines come out.
import type { CaptureDecisionView, DecisionDifference, TimelineEntry, TimelineKind } from './explain-types.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';

type Detail = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const bool = (value: unknown): boolean => value === true;
const obj = (value: unknown): Detail => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Detail) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Times in the summaries are UTC, to the second: the UI shows `at` in the reader's own zone. */
const clock = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
const plural = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;
const vendorName = (service: unknown) => (service === 'intercom' ? 'Intercom' : service === 'hubspot' ? 'HubSpot' : 'the vendor');

function duration(ms: number): string {
  if (ms < 60_000) return plural(Math.round(ms / 1000), 'second');
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? plural(minutes, 'minute') : `${plural(minutes, 'minute')} ${plural(seconds, 'second')}`;
}

export interface DeliveryRow {
  topic: string;
  received_at: number;
  occurred_at: number | null;
  status: string;
  provider: string;
}

export function deliveryEntry(row: DeliveryRow): TimelineEntry {
  const swept = row.topic === SWEPT_TOPIC;
  const detail = { provider: row.provider, topic: row.topic, occurredAt: row.occurred_at, status: row.status };
  return swept
    ? { at: row.received_at, kind: 'sweep', summary: `The reconciliation sweep saw this conversation changed${row.occurred_at ? ` (updated ${clock(row.occurred_at)})` : ''}`, detail, run: null, failed: false }
    : { at: row.received_at, kind: 'webhook', summary: `Webhook received from ${vendorName(row.provider)}: ${row.topic}${row.status === 'accepted' ? '' : ` (${row.status})`}`, detail, run: null, failed: false };
}

function guardsSummary(detail: Detail): string {
  // The contacts' record filters (#18 item 2) judge the contact, not the conversation: no counts to show.
  if (str(detail['guard']) === 'record_filter') return `Skipped by the guard record_filter: the contact is ${str(detail['reason']) ?? ''}`;
  const facts = obj(detail['facts']);
  const settings = obj(detail['settings']);
  const customer = num(facts['customerMessages']) ?? 0;
  const lasted = num(facts['durationMs']) ?? 0;
  const counts = `${plural(customer, 'customer message')} (minimum ${num(settings['minCustomerMessages']) ?? 0}), lasted ${duration(lasted)} (minimum ${plural(num(settings['minDurationMinutes']) ?? 0, 'minute')}), ${bool(facts['humanTeammateTookPart']) ? 'a human teammate replied' : 'no human teammate replied'}${bool(settings['requireHumanTeammate']) ? ' (required)' : ''}`;
  if (bool(detail['pass'])) return `Guards passed: ${counts}`;
  return `Skipped by the guard ${str(detail['guard']) ?? '?'}: ${str(detail['reason']) ?? ''} — ${counts}`;
}

function matchSummary(detail: Detail): string {
  const candidates = list(detail['candidates']).map(String);
  const object = str(detail['object']) === 'company' ? 'companies' : 'contacts';
  const strategy = str(detail['strategy']) ?? '?';
  if (candidates.length === 0) return `Matching ${object} by ${strategy}: no HubSpot record found`;
  const chosen = str(detail['chosen']);
  const tieBreak = str(detail['tieBreak']);
  return `Matching ${object} by ${strategy}: ${plural(candidates.length, 'candidate')} (${candidates.join(', ')}); chose ${chosen ?? '?'}${tieBreak ? ` — tie-break: ${tieBreak}` : ''}`;
}

function callSummary(detail: Detail): string {
  const failure = obj(detail['failure']);
  const status = num(detail['status']);
  const answered = status === null ? 'no answer' : `${status}`;
  const attempt = num(detail['attempt']) ?? 1;
  const head = `${vendorName(detail['service'])} ${str(detail['method']) ?? ''} ${str(detail['family']) ?? ''} → ${answered} in ${num(detail['durationMs']) ?? 0} ms${attempt > 1 ? ` (try ${attempt})` : ''}`;
  const message = str(failure['vendorMessage']);
  return detail['failure'] ? `${head}: ${message ?? str(failure['kind']) ?? 'failed'}` : head;
}

function recordWords(label: string, record: Detail): string | null {
  const id = str(record['id']);
  if (!id && !bool(record['created'])) return null;
  const how = str(record['how']);
  return `${label} ${id ?? '(new)'}${bool(record['created']) ? ' (created)' : how === 'linked' ? ' (remembered link)' : how ? ` (found by ${how})` : ''}`;
}

function decidedSummary(detail: Detail): string {
  const outcome = str(detail['outcome']) ?? '?';
  if (outcome === 'skipped') return `Skipped${str(detail['guard']) ? ` by the guard ${str(detail['guard'])}` : ''}: ${str(detail['why']) ?? 'no reason recorded'}`;
  const written = [
    str(detail['noteId']) ? `note ${str(detail['noteId'])}` : null,
    recordWords('contact', obj(detail['contact'])),
    recordWords('company', obj(detail['company'])),
    str(obj(detail['ticket'])['id']) ? `ticket ${str(obj(detail['ticket'])['id'])}` : null,
  ].filter((item): item is string => item !== null);
  const verb = outcome === 'captured' ? 'Note written' : outcome === 'updated' ? 'Note updated' : outcome === 'unchanged' ? 'Nothing changed since the last capture' : `Decided: ${outcome}`;
  // The settings the note was written under, by the reference its footer carries (src/capture/note-pipeline.ts).
  const note = obj(detail['note']);
  const settings = str(note['reference'])
    ? ` (ref ${str(note['reference'])}; capture ${str(note['mode']) ?? '?'}, guards ${str(note['guards']) ?? '?'}, note policy ${str(note['notePolicy']) ?? '?'})`
    : '';
  return `${verb}${written.length > 0 ? `: ${written.join(', ')}` : ''}${settings}`;
}

function triggerSummary(detail: Detail): string {
  const action = str(detail['action']);
  const why = str(detail['why']) ?? '';
  const topic = str(detail['topic']) ?? '';
  const runAt = num(detail['runAt']);
  if (action === 'schedule') return `Capture scheduled for ${runAt === null ? 'now' : clock(runAt)} after ${topic === SWEPT_TOPIC ? 'the sweep' : topic}: ${why}`;
  if (action === 'cancel') return `Pending capture cancelled after ${topic}: ${why}`;
  return `No change to the capture after ${topic === SWEPT_TOPIC ? 'the sweep' : topic}: ${why}`;
}

/** Errors a run stops with to wait, not to fail (src/jobs/outcomes.ts RetryAfterError and its kin). */
const WAITS = new Set(['RetryAfterError', 'CloseWindowOpenError']);

export interface TraceRow {
  at: number;
  kind: string;
  detail: string;
}

/** A stored detail (a trace step's, a job's payload) as an object; anything else as an empty one. */
export function parseDetail(text: string): Record<string, unknown> {
  try {
    return obj(JSON.parse(text));
  } catch {
    return {};
  }
}

export function traceEntry(row: TraceRow): TimelineEntry {
  const detail = parseDetail(row.detail);
  const run = str(detail['run']);
  const base = { at: row.at, detail, run };
  switch (row.kind) {
    case 'trigger':
      return { ...base, run: null, kind: 'trigger', summary: triggerSummary(detail), failed: false };
    case 'guards':
      return { ...base, kind: 'guards', summary: guardsSummary(detail), failed: false };
    case 'routing':
      return { ...base, kind: 'routing', summary: `Routing: ${str(detail['reason']) ?? (str(detail['rule']) ? `rule "${str(detail['rule'])}" matched` : 'the defaults apply')}`, failed: false };
    case 'match_lookup':
      return { ...base, kind: 'match_lookup', summary: matchSummary(detail), failed: false };
    case 'api_call':
      return { ...base, kind: 'api_call', summary: callSummary(detail), failed: detail['failure'] !== undefined };
    case 'run_decided':
      return { ...base, kind: 'run_decided', summary: decidedSummary(detail), failed: false };
    case 'run_failed': {
      // A run that stopped to wait (the grace window of a later close, HubSpot's search catching up)
      // did not fail: it runs again when the wait is over, without using an attempt.
      const waited = WAITS.has(str(detail['error']) ?? '');
      const said = waited ? 'Waiting' : bool(detail['final']) ? 'Failed for good' : 'Failed; it will be tried again';
      return { ...base, kind: 'run_failed', failed: !waited, summary: `${said}: ${str(detail['message']) ?? 'no message'}` };
    }
    default:
      return { ...base, kind: row.kind as TimelineKind, summary: row.kind, failed: false };
  }
}

export interface PendingJob {
  status: string;
  run_at: number;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  created_at: number;
}

export function pendingJobEntry(job: PendingJob, now: number): TimelineEntry {
  const when = job.run_at <= now ? 'due now' : `due at ${clock(job.run_at)}`;
  const state = job.status === 'parked' ? 'parked until the connection is re-authorised' : job.status === 'running' ? 'running now' : `waiting, ${when}`;
  const attempts = job.attempts > 0 ? `; ${plural(job.attempts, 'attempt')} of ${job.max_attempts} so far` : '';
  return {
    at: Math.min(now, job.run_at), kind: 'pending_job', run: null, failed: job.last_error !== null,
    summary: `Capture ${state}${attempts}${job.last_error ? `; last error: ${job.last_error.slice(0, 300)}` : ''}`,
    detail: { status: job.status, runAt: job.run_at, attempts: job.attempts, maxAttempts: job.max_attempts, lastError: job.last_error?.slice(0, 300) ?? null },
  };
}

export function pendingCloseEntry(closedAt: number): TimelineEntry {
  return { at: closedAt, kind: 'pending_close', run: null, failed: false, summary: `Closed at ${clock(closedAt)}; no capture has followed this close yet (the sweep re-checks it)`, detail: { closedAt } };
}

export function nothingYetEntry(now: number): TimelineEntry {
  return { at: now, kind: 'nothing_yet', run: null, failed: false, summary: 'Nothing received yet for this conversation: no webhook, no sweep, no capture', detail: {} };
}

/**
 * In time order (entries of one moment keep the order they were recorded in), with each run's steps
 * kept together where the run started: a webhook that arrived while a run was going on is told
 * after the run, not between its guards and its matching.
 */
export function inTimeOrder(entries: TimelineEntry[]): TimelineEntry[] {
  const sorted = entries.map((entry, index) => ({ entry, index })).sort((a, b) => a.entry.at - b.entry.at || a.index - b.index).map(({ entry }) => entry);
  const runs = new Map<string, TimelineEntry[]>();
  for (const entry of sorted) if (entry.run !== null) runs.set(entry.run, [...(runs.get(entry.run) ?? []), entry]);
  const ordered: TimelineEntry[] = [];
  for (const entry of sorted) {
    if (entry.run === null) ordered.push(entry);
    else if (runs.get(entry.run)?.[0] === entry) ordered.push(...(runs.get(entry.run) ?? []));
  }
  return ordered;
}

const recordText = (record: CaptureDecisionView['contact']) => (record === null ? 'none' : record.id ?? (record.created ? 'a new record' : 'none'));

/**
 * Which fields a decision decided: one stopped by a guard never routed nor matched, and one that
 * routed nowhere never matched, so those fields are not compared (an empty "—" is not a change).
 */
export function decidedFields(view: Omit<CaptureDecisionView, 'decided'>): Set<string> {
  const fields = new Set(['outcome', 'guard']);
  if (view.outcome === 'nothing' || view.outcome === 'failed' || (view.outcome === 'skipped' && view.guard !== null)) return fields;
  fields.add('rule').add('destinations');
  if (view.outcome === 'skipped' && view.contact === null) return fields;
  for (const field of ['contact', 'company', 'ticket', 'owner']) fields.add(field);
  return fields;
}

/** Done versus now, field by field, in words: only fields both decisions decided. */
export function differences(done: CaptureDecisionView | null, now: CaptureDecisionView): DecisionDifference[] {
  const fields: Array<[string, string, (view: CaptureDecisionView) => string]> = [
    ['outcome', 'Outcome', (view) => view.outcome],
    ['guard', 'Guard that skipped it', (view) => view.guard ?? 'none'],
    ['rule', 'Routing rule', (view) => view.rule ?? 'defaults'],
    ['destinations', 'Destinations', (view) => (view.destinations.length === 0 ? 'nowhere' : view.destinations.join(', '))],
    ['contact', 'HubSpot contact', (view) => recordText(view.contact)],
    ['company', 'HubSpot company', (view) => recordText(view.company)],
    ['ticket', 'HubSpot ticket', (view) => (view.ticket === null ? 'none' : view.ticket.id ?? (view.ticket.outcome === 'planned' ? 'a new ticket' : 'none'))],
    ['owner', 'Owner', (view) => view.ownerId ?? 'none'],
  ];
  const comparable = done === null ? new Set(['outcome']) : new Set([...decidedFields(done)].filter((field) => decidedFields(now).has(field)));
  const found: DecisionDifference[] = [];
  for (const [field, label, show] of fields) {
    if (!comparable.has(field)) continue;
    const was = done === null ? 'nothing yet' : show(done);
    const is = show(now);
    // A second capture of a written conversation updates (or leaves) its note: the same result, not a difference.
    if (field === 'outcome' && done !== null && (was === 'captured' || was === 'updated' || was === 'unchanged') && (is === 'updated' || is === 'unchanged')) continue;
    if (was !== is) found.push({ field, label, done: was, now: is });
  }
  return found;
}
