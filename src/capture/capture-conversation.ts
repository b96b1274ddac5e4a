// Capturing one conversation (DESIGN.md §2's handler), in small steps: the shared first step
// resolves the conversation's HubSpot records (src/conversations/resolve-records.ts: fetched fresh,
// the close window, guards, routing, matching, owner); the ticket pipeline makes its ticket when the
// route names one (src/tickets/conversation-ticket.ts); the note pipeline writes the note once
// (note-pipeline.ts); the run keeps the record (src/conversations/conversation-run.ts). A dry run
// goes through the same steps with writers that record instead of writing. The job task, API Push
// and the UI's push all come here. src/tickets never imports src/capture.
import type { TicketPipelineDeps } from '../tickets/ticket-pipeline.ts';
import { conversationTicket, recordingTicketWriter, ticketWriter } from '../tickets/conversation-ticket.ts';
import { runConversationDecision, skipped, type CaptureObserver, type CaptureResult } from '../conversations/conversation-run.ts';
import { isSkip, resolveConversation, type CaptureTrigger, type ResolveDeps } from '../conversations/resolve-records.ts';
import { notePipeline, noteWriter, recordingNoteWriter } from './note-pipeline.ts';

export { CAPTURE_TRIGGERS, CaptureRefusedError } from '../conversations/resolve-records.ts';
export type { CaptureResult } from '../conversations/conversation-run.ts';

export interface CaptureOptions {
  trigger: CaptureTrigger;
  /** Bypass the noise guards and the "closed" check (API Push `force`). */
  force?: boolean;
  /** Decide and match, but write nothing (API Push `dryRun`). */
  dryRun?: boolean;
  /**
   * Whether a failure is the last word (no retry follows): then it goes to the activity log with
   * the vendor's message. A job's transient failure is retried and logged only when it gives up.
   */
  isFinal(error: unknown): boolean;
}

export interface CaptureDeps extends ResolveDeps {
  /** The ticket pipeline check (live pipelines, warnings). */
  tickets: TicketPipelineDeps;
  /** Told of each decision the run records (metrics); the ticket-only runs share it (src/tickets). */
  observer?: CaptureObserver;
}

/**
 * Captures one conversation now. Captures of one conversation never overlap (a lock per
 * conversation); a dry run writes nothing, not even an activity entry.
 */
export async function captureConversation(deps: CaptureDeps, connectionId: string, conversationId: string, options: CaptureOptions): Promise<CaptureResult> {
  const dryRun = options.dryRun === true;
  const force = options.force === true;
  return runConversationDecision(deps, connectionId, conversationId, { trigger: options.trigger, dryRun, isFinal: options.isFinal }, async (row, settings) => {
    const resolved = await resolveConversation(deps, row, settings, conversationId, { trigger: options.trigger, force, guards: true, dryRun });
    if (isSkip(resolved)) return skipped({ conversationId, trigger: options.trigger }, resolved);
    const writeDeps = { db: deps.db, hubspot: resolved.hubspot, now: deps.now };
    const ticket = resolved.routed.destinations.includes('ticket')
      ? await conversationTicket(deps.tickets, resolved, dryRun ? recordingTicketWriter(deps.db) : ticketWriter(writeDeps))
      : undefined;
    return notePipeline({ resolved, ticket, writer: dryRun ? recordingNoteWriter(writeDeps) : noteWriter(writeDeps), noteDeps: writeDeps, trigger: options.trigger, force });
  });
}
