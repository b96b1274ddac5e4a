// "Create ticket" from the Inbox: the conversation's ticket under the connection's ticket policy and
// pipeline, because a teammate asked for it — so neither the noise guards nor a route without a
// ticket destination hold it back; tickets.policy none (or the route's ticketPolicy none) does, and a
// route that sends the conversation nowhere does. The same steps as the ticket pipeline's own run
// (src/tickets/conversation-ticket.ts): resolve the records, then ensureTicket's write-once protocol,
// so a ticket already linked is kept, never made twice.
import type { CaptureDeps } from '../capture/capture-conversation.ts';
import { runConversationDecision, skipped, type CaptureResult, type TicketDecision } from '../conversations/conversation-run.ts';
import { isSkip, resolveConversation } from '../conversations/resolve-records.ts';
import { conversationTicket, ticketWriter } from '../tickets/conversation-ticket.ts';

/** What making only the ticket amounts to in the activity log (as the ticket pipeline's own run says it). */
const OUTCOME: Record<TicketDecision['outcome'], Exclude<CaptureResult['outcome'], 'planned'>> = {
  created: 'captured', recovered: 'captured', reused: 'captured', existing: 'unchanged', planned: 'captured', deleted: 'skipped', off: 'skipped',
};

export async function createInboxTicket(deps: CaptureDeps, connectionId: string, conversationId: string): Promise<CaptureResult> {
  const options = { trigger: 'manual' as const, dryRun: false, isFinal: () => true };
  return runConversationDecision(deps, connectionId, conversationId, options, async (row, settings) => {
    const base = { conversationId, trigger: options.trigger };
    const resolved = await resolveConversation(deps, row, settings, conversationId, {
      trigger: options.trigger, force: true, guards: false, dryRun: false,
      accept: (_routed, policy) => (policy === 'none' ? 'tickets are off (tickets.policy: none)' : null),
    });
    if (isSkip(resolved)) return skipped(base, resolved);
    const ticket = await conversationTicket(deps.tickets, resolved, ticketWriter({ db: deps.db, hubspot: resolved.hubspot, now: deps.now }));
    return {
      ...base, ...resolved.routed, ...resolved.records, ownerId: resolved.ownerId, ticket,
      outcome: OUTCOME[ticket.outcome], ...(ticket.problem ? { reason: ticket.problem } : {}),
    };
  });
}
