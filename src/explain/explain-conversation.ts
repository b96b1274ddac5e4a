// One conversation's story (issue #16 item 4): gathers what the tables hold about it — webhook
// deliveries and sweeps (conversation-deliveries.ts), the trace, the activity log, the capture job
// still waiting, the close no capture followed — and says it as a timeline, with what was written
// (HubSpot ids and links) or why nothing was. Reads only; no vendor call but the optional "does
// Intercom know it" check for a conversation nothing was received for.
import type { Kysely } from 'kysely';
import { listActivityFeed } from '../activity/activity-feed.ts';
import { activityFeedEntry, type ActivityFeedEntry } from '../activity/activity-view.ts';
import { captureKey } from '../capture/capture-task.ts';
import { inboxClickSummary } from '../canvas/inbox-activity.ts';
import type { CaptureResult } from '../conversations/conversation-run.ts';
import { conversationUrl } from '../conversations/resolve-records.ts';
import { getConnection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { unfinishedJobWithKey } from '../jobs/unfinished-job.ts';
import { conversationDeliveries } from './conversation-deliveries.ts';
import type { CaptureDecisionView, ConversationExplanation, TimelineEntry } from './explain-types.ts';
import { decidedFields, deliveryEntry, inTimeOrder, nothingYetEntry, pendingCloseEntry, pendingJobEntry, traceEntry } from './timeline.ts';

/** A conversation's story is short; these bound a pathological one (a realtime chat of weeks). */
const MAX_DELIVERIES = 300;
const MAX_TRACE = 1000;
const MAX_ACTIVITY = 100;
/** An activity entry and its run's last trace step are written in one transaction, moments apart. */
const SAME_RUN_MS = 2_000;

type Detail = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null);
const obj = (value: unknown): Detail => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Detail) : {});
const OUTCOMES = ['captured', 'updated', 'unchanged', 'skipped', 'failed'] as const;

function recordOf(value: unknown): CaptureDecisionView['contact'] {
  const record = obj(value);
  if (Object.keys(record).length === 0) return null;
  return { id: str(record['id']), how: str(record['how']), created: record['created'] === true };
}

/** A decision as the activity log recorded it (src/conversations/conversation-run.ts activityDetail). */
const withDecided = (view: Omit<CaptureDecisionView, 'decided'>): CaptureDecisionView => ({ ...view, decided: [...decidedFields(view)] });

function decisionFromActivity(entry: ActivityFeedEntry): CaptureDecisionView {
  const detail = entry.detail;
  const ticket = obj(detail['ticket']);
  const reason = entry.outcome === 'skipped' ? (str(detail['why']) ?? entry.reason) : entry.outcome === 'failed' ? entry.reason : null;
  const guard = entry.outcome === 'skipped' && entry.reason && !entry.reason.startsWith('rule: ') && /^[a-z_]+$/.test(entry.reason) ? entry.reason : null;
  return withDecided({
    outcome: (OUTCOMES as readonly string[]).includes(entry.outcome) ? (entry.outcome as CaptureDecisionView['outcome']) : 'nothing',
    at: entry.at,
    reason,
    guard,
    rule: str(detail['rule']),
    destinations: Array.isArray(detail['destinations']) ? detail['destinations'].map(String) : [],
    contact: recordOf(detail['contact']),
    company: recordOf(detail['company']),
    ticket: Object.keys(ticket).length === 0 ? null : { id: str(ticket['id']), outcome: str(ticket['outcome']) },
    noteId: str(detail['noteId']),
    ownerId: str(detail['ownerId']),
  });
}

/** What a dry run says would be done now. */
export function decisionFromDryRun(result: CaptureResult, at: number): CaptureDecisionView {
  const outcome = result.wouldBe ?? (result.outcome === 'planned' ? 'captured' : result.outcome);
  return withDecided({
    outcome,
    at,
    reason: outcome === 'skipped' ? (result.reason ?? null) : null,
    guard: result.guard ?? null,
    rule: result.rule ?? null,
    destinations: [...result.destinations],
    contact: result.contact ? { id: result.contact.id, how: result.contact.how, created: result.contact.created } : null,
    company: result.company ? { id: result.company.id, how: result.company.how, created: result.company.created } : null,
    ticket: result.ticket ? { id: result.ticket.ticketId, outcome: result.ticket.outcome } : null,
    noteId: result.noteId ?? null,
    ownerId: result.ownerId,
  });
}

const NOTHING: CaptureDecisionView = withDecided({ outcome: 'nothing', at: null, reason: null, guard: null, rule: null, destinations: [], contact: null, company: null, ticket: null, noteId: null, ownerId: null });

/** The capture decisions, newest first (ticket stage syncs are in the timeline, not here). */
const captureDecisions = (entries: ActivityFeedEntry[]) => entries.filter((entry) => entry.kind === 'capture' && (OUTCOMES as readonly string[]).includes(entry.outcome));

/** The last decision taken about the conversation, or null. */
export async function lastDecision(db: Kysely<Database>, connectionId: string, conversationId: string): Promise<CaptureDecisionView | null> {
  const rows = await listActivityFeed(db, { connectionId, conversation: { conversationId } }, { limit: MAX_ACTIVITY });
  const latest = captureDecisions(rows.map(activityFeedEntry))[0];
  return latest ? decisionFromActivity(latest) : null;
}

function outcomeSummary(decision: CaptureDecisionView, pending: boolean): string {
  switch (decision.outcome) {
    case 'nothing':
      return pending ? 'Not captured yet: a capture is waiting to run.' : 'Nothing was written to HubSpot for this conversation.';
    case 'skipped':
      return `Skipped${decision.guard ? ` by the guard ${decision.guard}` : decision.rule ? ` by the routing rule "${decision.rule}"` : ''}: ${decision.reason ?? 'no reason recorded'}. Nothing was written to HubSpot.`;
    case 'failed':
      return `The capture failed: ${decision.reason ?? 'no message recorded'}`;
    case 'unchanged':
      return `Captured before; the last capture found nothing new${decision.noteId ? ` (note ${decision.noteId})` : ''}.`;
    default:
      return `${decision.outcome === 'captured' ? 'Captured' : 'Updated'}: note ${decision.noteId ?? '?'}${decision.contact?.id ? ` on contact ${decision.contact.id}` : ''}${decision.company?.id ? `, company ${decision.company.id}` : ''}${decision.ticket?.id ? `, ticket ${decision.ticket.id}` : ''}.`;
  }
}

export type ExplainAnswer =
  | { kind: 'explained'; explanation: ConversationExplanation }
  | { kind: 'unknown_connection' }
  | { kind: 'unknown_conversation' };

export interface ExplainOptions {
  now: number;
  /**
   * Asked only when nothing was ever received for the conversation: whether Intercom has it (true),
   * has not (false), or cannot say now (null: unreachable, not connected).
   */
  intercomKnows?: () => Promise<boolean | null>;
}

export async function explainConversation(db: Kysely<Database>, connectionId: string, conversationId: string, options: ExplainOptions): Promise<ExplainAnswer> {
  const connection = await getConnection(db, connectionId);
  if (!connection) return { kind: 'unknown_connection' };

  // The newest of each, when a long story is cut: what happened last is what a person asks about.
  const [newestTrace, activityRows, job, close] = await Promise.all([
    db.selectFrom('conversation_trace').select(['at', 'kind', 'detail'])
      .where('connection_id', '=', connectionId).where('conversation_id', '=', conversationId).orderBy('at', 'desc').orderBy('id', 'desc').limit(MAX_TRACE).execute(),
    listActivityFeed(db, { connectionId, conversation: { conversationId } }, { limit: MAX_ACTIVITY }),
    unfinishedJobWithKey(db, captureKey(connectionId, conversationId)),
    db.selectFrom('pending_closes').select('closed_at').where('connection_id', '=', connectionId).where('conversation_id', '=', conversationId).executeTakeFirst(),
  ]);
  const trace = newestTrace.reverse();
  const deliveries = await conversationDeliveries(db, connectionId, conversationId, trace, MAX_DELIVERIES);
  const activity = activityRows.map(activityFeedEntry);
  // A capture run writes its activity entry and its trace's last step together (conversation-run.ts);
  // that entry is already told. Others (ticket syncs, refusals, entries older than the trace) are not.
  const runEnds = trace.filter((row) => row.kind === 'run_decided' || row.kind === 'run_failed').map((row) => row.at);
  const toldByTrace = (entry: ActivityFeedEntry) => entry.kind === 'capture' && runEnds.some((at) => Math.abs(at - entry.at) <= SAME_RUN_MS);
  const seen = deliveries.length + trace.length + activity.length > 0 || job !== undefined || close !== undefined;
  if (!seen && options.intercomKnows && (await options.intercomKnows()) === false) return { kind: 'unknown_conversation' };

  const timeline: TimelineEntry[] = [
    ...deliveries.map(deliveryEntry),
    ...trace.map(traceEntry),
    // The activity log's entries that the trace does not already tell (ticket syncs, refusals, entries older than the trace).
    ...activity.filter((entry) => !toldByTrace(entry)).map((entry): TimelineEntry => ({
      at: entry.at, kind: 'activity', run: null, failed: entry.outcome === 'failed',
      summary: `Activity: ${entry.kind === 'inbox' ? `${inboxClickSummary(entry.detail)}:` : entry.kind} ${entry.outcome}${entry.reason ? ` — ${entry.reason}` : ''}`,
      detail: { ...entry.detail, kind: entry.kind, outcome: entry.outcome, reason: entry.reason },
    })),
    // pending_closes is tidied by the sweep: a close that a decision has followed since is no longer open.
    ...(close && !activity.some((entry) => entry.kind === 'capture' && entry.at >= close.closed_at) ? [pendingCloseEntry(close.closed_at)] : []),
    ...(job ? [pendingJobEntry(job, options.now)] : []),
  ];
  if (!seen) timeline.push(nothingYetEntry(options.now));

  const latest = captureDecisions(activity)[0];
  const decision = latest ? decisionFromActivity(latest) : NOTHING;
  return {
    kind: 'explained',
    explanation: {
      conversation: { id: conversationId, intercomUrl: connection.intercomWorkspaceId ? conversationUrl(connection, conversationId) : null },
      connection: { id: connection.id, name: connection.name },
      seen,
      timeline: inTimeOrder(timeline),
      outcome: { decision, summary: outcomeSummary(decision, job !== undefined), records: latest?.hubspotRecords ?? [] },
    },
  };
}
