// What every decision about a conversation shares, whichever pipeline makes it (the note's in
// src/capture, the ticket's in src/tickets): the connection must be able to capture, decisions about
// one conversation never overlap (a lock per conversation), the upstream calls are counted, and the
// outcome is remembered (conversation_captures) and said in the activity log — ids, names of guards
// and rules, counts, never text (DESIGN.md §2, invariant 3). A dry run writes nothing, not even an
// activity entry.
import type { Kysely } from 'kysely';
import { recordActivity } from '../activity/activity-log.ts';
import { type ConnectionSettings, type Destination } from '../config/connection-settings.ts';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { countCalls, noCalls, type CallCount } from '../integrations/call-count.ts';
import { saveCapture } from './conversation-store.ts';
import { withTransaction } from '../db/transaction.ts';
import { openRun, recordTrace } from '../explain/trace-recorder.ts';
import type { GuardName } from './guards.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { CaptureRefusedError, type CaptureTrigger, type RecordDecision, type Skip } from './resolve-records.ts';

export interface TicketDecision {
  outcome: 'created' | 'existing' | 'reused' | 'recovered' | 'deleted' | 'planned' | 'off';
  ticketId: string | null;
  pipeline?: string;
  stage?: string;
  problem?: string;
}

export interface ReferenceNote {
  intercomContactId: string;
  contactId: string | null;
  noteId: string | null;
  skipped?: string;
}

export interface CaptureResult {
  /** A dry run answers 'planned' where the push would write (captured or updated), else what the push would answer. */
  outcome: 'captured' | 'updated' | 'unchanged' | 'skipped' | 'planned';
  /** Only for a dry run: the outcome the push that follows it would answer, whatever it is. */
  wouldBe?: Exclude<CaptureResult['outcome'], 'planned'>;
  conversationId: string;
  trigger: CaptureTrigger;
  /** Why it was skipped: a sentence naming the guard, rule or policy. */
  reason?: string;
  guard?: GuardName;
  rule?: string | null;
  destinations: Destination[];
  contact?: RecordDecision;
  company?: RecordDecision;
  ownerId: string | null;
  noteId?: string;
  /**
   * The reference in the note's footer, and the settings the note was written under (they used to
   * be spelt in the footer; a sales rep has no use for them there). The activity entry keeps both,
   * so the reference leads back to them (the activity search reads a reference).
   */
  note?: { reference: string; mode: string; guards: string; notePolicy: string };
  /** Short notes on the other customers' contacts (content.referenceNotesForParticipants). */
  referenceNotes?: ReferenceNote[];
  ticket?: TicketDecision;
  /** Only for a dry run: exactly what would be written. */
  preview?: { noteHtml: string; noteChars: number; partsShown: number; partsCutForSize: number; cappedByIntercom: boolean };
  apiCalls: CallCount;
  durationMs: number;
}

/**
 * What a pipeline decides; the run adds the counts. `closedAt` (epoch ms of the close a written
 * note follows) is for the run's observer only and is not part of the result.
 */
export type Decided = Omit<CaptureResult, 'apiCalls' | 'durationMs'> & { closedAt?: number };

/** Told of each decision the run records (metrics, src/metrics). */
export interface CaptureObserver {
  /** `closeToNoteMs`: from the conversation's close to its note, when a note was written after a close. */
  decided(outcome: Exclude<CaptureResult['outcome'], 'planned'> | 'failed', closeToNoteMs: number | null): void;
}

/** A remembered HubSpot record that no longer exists (deleted or merged away by a person): the run decides once more. */
export class StaleLinkError extends Error {
  override name = 'StaleLinkError';
}

export interface RunDeps {
  db: Kysely<Database>;
  locks: KeyedLock;
  now: () => number;
  observer?: CaptureObserver;
}

export interface RunOptions {
  trigger: CaptureTrigger;
  /** Decide and match, but write nothing (the pipeline's writers record instead). */
  dryRun: boolean;
  /**
   * Whether a failure is the last word (no retry follows): then it goes to the activity log with
   * the vendor's message. A job's transient failure is retried and logged only when it gives up.
   */
  isFinal(error: unknown): boolean;
}

function checkConnection(row: Connection | undefined, connectionId: string): Connection {
  if (!row) throw new CaptureRefusedError('unknown_connection', 404, `There is no connection ${connectionId}.`);
  if (row.status === 'paused') throw new CaptureRefusedError('connection_paused', 409, `The connection '${row.name}' is paused: resume it to capture conversations.`);
  if (row.status === 'needs_reauth') throw new CaptureRefusedError('needs_reauth', 409, `The connection '${row.name}' needs re-authorising before it can capture.`);
  if (row.status !== 'active' || row.intercomWorkspaceId === null || row.hubspotPortalId === null) {
    throw new CaptureRefusedError('not_connected', 409, `The connection '${row.name}' is not connected to both Intercom and HubSpot yet.`);
  }
  return row;
}

/** The activity entry of a decision: ids, names of guards and rules, counts — never text. */
function activityDetail(result: CaptureResult): Record<string, unknown> {
  return {
    trigger: result.trigger,
    ...(result.rule ? { rule: result.rule } : {}),
    destinations: result.destinations,
    ...(result.noteId ? { noteId: result.noteId } : {}),
    ...(result.note ? { note: result.note } : {}),
    ...(result.contact ? { contact: { id: result.contact.id, how: result.contact.how, created: result.contact.created, ...(result.contact.tieBreak ? { tieBreak: result.contact.tieBreak } : {}) } } : {}),
    ...(result.company ? { company: { id: result.company.id, how: result.company.how, created: result.company.created, ...(result.company.tieBreak ? { tieBreak: result.company.tieBreak } : {}) } } : {}),
    ...(result.ownerId ? { ownerId: result.ownerId } : {}),
    ...(result.ticket ? { ticket: { id: result.ticket.ticketId, outcome: result.ticket.outcome, ...(result.ticket.stage ? { stage: result.ticket.stage } : {}) } } : {}),
    ...(result.referenceNotes ? { referenceNotes: result.referenceNotes.map(({ intercomContactId, contactId, noteId }) => ({ intercomContactId, contactId, noteId })) } : {}),
    calls: result.apiCalls,
  };
}

/**
 * A dry run decides exactly as the push would (the same steps, with writers that record) and
 * answers with the push's outcome; shown to the caller, it says 'planned' where the push would
 * write, and names what the push will answer.
 */
function asDryRun(result: CaptureResult): CaptureResult {
  const wouldBe = result.outcome === 'planned' ? 'captured' : result.outcome;
  return { ...result, outcome: wouldBe === 'captured' || wouldBe === 'updated' ? 'planned' : wouldBe, wouldBe };
}

export async function runConversationDecision(
  deps: RunDeps,
  connectionId: string,
  conversationId: string,
  options: RunOptions,
  decide: (row: Connection, settings: ConnectionSettings) => Promise<Decided>,
): Promise<CaptureResult> {
  const started = deps.now();
  const row = checkConnection(await getConnection(deps.db, connectionId), connectionId);
  const { settings } = row;
  return deps.locks.run(`conversation:${connectionId}:${conversationId}`, async () => {
    const calls = noCalls();
    // The explainer's trace of this run (src/explain): collected in memory, written with the outcome.
    // A dry run leaves its steps to its caller's collector (the explainer's replay), if any.
    const trace = openRun(deps.now);
    let decided: Decided;
    try {
      const once = () => decide(row, settings);
      const counted = () => countCalls(calls, () => once().catch((error: unknown) => (error instanceof StaleLinkError ? once() : Promise.reject(error))));
      decided = await (options.dryRun ? counted() : trace.collect(counted));
    } catch (error) {
      if (!options.dryRun) {
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
        const final = options.isFinal(error);
        await withTransaction(deps.db, async (trx) => {
          if (final) {
            await recordActivity(trx, {
              connectionId, at: deps.now(), kind: 'capture', subjectId: conversationId, outcome: 'failed',
              reason: message, detail: { trigger: options.trigger, calls },
              apiCalls: calls.intercom + calls.hubspot, durationMs: deps.now() - started,
            });
          }
          await recordTrace(trx, connectionId, conversationId, trace.finish('run_failed', { trigger: options.trigger, final, error: error instanceof Error ? error.name : 'Error', message, calls }));
        });
        if (final) deps.observer?.decided('failed', null);
      }
      throw error;
    }
    const { closedAt, ...result } = decided;
    const full: CaptureResult = { ...result, apiCalls: calls, durationMs: deps.now() - started };
    if (options.dryRun) return asDryRun(full);
    await withTransaction(deps.db, async (trx) => {
      await saveCapture(trx, connectionId, conversationId, { last_outcome: full.outcome, last_decided_at: deps.now() });
      await recordActivity(trx, {
        connectionId, at: deps.now(), kind: 'capture', subjectId: conversationId, outcome: full.outcome as Exclude<CaptureResult['outcome'], 'planned'>,
        // The guard's or rule's name: what the Activity tab filters and shows; the sentence goes in detail.
        reason: full.outcome === 'skipped' ? (full.guard ?? (full.rule ? `rule: ${full.rule}` : (full.reason ?? null))) : null,
        detail: { ...activityDetail(full), ...(full.reason && full.outcome === 'skipped' ? { why: full.reason.slice(0, 300) } : {}) },
        apiCalls: calls.intercom + calls.hubspot, durationMs: full.durationMs,
      });
      await recordTrace(trx, connectionId, conversationId, trace.finish('run_decided', { ...activityDetail(full), outcome: full.outcome, ...(full.guard ? { guard: full.guard } : {}), ...(full.reason && full.outcome === 'skipped' ? { why: full.reason.slice(0, 300) } : {}) }));
    });
    deps.observer?.decided(full.outcome as Exclude<CaptureResult['outcome'], 'planned'>, closedAt === undefined ? null : Math.max(0, deps.now() - closedAt));
    return full;
  });
}

/** A pipeline's answer when it stops before writing. */
export function skipped(base: { conversationId: string; trigger: CaptureTrigger }, skip: Skip): Decided {
  return { conversationId: base.conversationId, trigger: base.trigger, ownerId: null, destinations: [], ...skip.routed, outcome: 'skipped', reason: skip.reason, ...(skip.guard ? { guard: skip.guard } : {}) };
}
