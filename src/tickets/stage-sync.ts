// Which stage a conversation's ticket belongs in, and what a stage change made in HubSpot means
// for the conversation (DESIGN.md §1 "Tickets": both directions, no echo loops). Pure: the caller
// reads the conversation and the ticket, and carries out the decision.
import type { ConversationState, TicketSettings } from '../config/connection-settings.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';
import type { ResolvedPipeline } from './resolve-pipeline.ts';

/**
 * Intercom's `state` first; `open` only when `state` is missing (older payloads), where false
 * means closed. An open conversation that has been closed before is 'reopened'; Intercom keeps
 * the close statistics after a reopen, so any of them tells.
 */
export function conversationState(conversation: Pick<IntercomConversation, 'state' | 'open' | 'statistics'>): ConversationState {
  if (conversation.state === 'closed') return 'closed';
  if (conversation.state === 'snoozed') return 'snoozed';
  if (conversation.state !== 'open' && conversation.open === false) return 'closed';
  const stats = conversation.statistics;
  const closedBefore = (stats?.count_reopens ?? 0) > 0 || stats?.first_close_at != null || stats?.last_close_at != null;
  return closedBefore ? 'reopened' : 'open';
}

export function desiredStage(state: ConversationState, resolved: ResolvedPipeline): { id: string; label: string } {
  const { id, label } = resolved.stages[state];
  return { id, label };
}

export type IntercomAction = { kind: 'close' } | { kind: 'note'; text: string } | { kind: 'reopen' } | { kind: 'none'; why: string };

export interface StageChange {
  /** The stage the ticket was last known in (the linkage record); null when not known. */
  previousStageId: string | null;
  currentStageId: string;
  resolved: ResolvedPipeline;
  /** The conversation's state as Intercom reports it now. */
  conversationState: ConversationState;
  settings: TicketSettings;
  /** The current stage's label, for the note. */
  stageLabel: string;
}

const none = (why: string): IntercomAction => ({ kind: 'none', why });

/**
 * What a stage change seen in HubSpot asks of the Intercom conversation. The rules, in order:
 *
 * 1. The stage did not change (another property did): nothing.
 * 2. The ticket is in the very stage the conversation's state maps to: nothing, "already in
 *    step". This is how the daemon's own stage writes come back without being echoed: it only
 *    writes that stage. (Changes it made for a state the conversation has since left must be
 *    recognised by the caller, from what it wrote; this function cannot tell them apart.)
 * 3. The ticket's closed-ness matches the conversation's (both closed, or both not): nothing,
 *    "already in step"; moves among open stages, or among closed ones, are HubSpot's own workflow.
 * 4. The previous stage is not known: nothing. Without it the change cannot be told from a ticket
 *    that was already out of step (a stage write of ours still under way), and closing or
 *    reopening someone's conversation on a guess is worse than doing nothing.
 * 5. Moved between two stages of the same closed-ness while out of step: nothing, for the
 *    same reason; the person did not close or reopen anything.
 * 6. Moved into a closed stage while the conversation is open or snoozed: as whenClosedInHubSpot
 *    says: close it, add an internal note, or nothing.
 * 7. Moved out of a closed stage while the conversation is closed: reopen it when reopenInIntercom
 *    is on and whenClosedInHubSpot is not 'nothing' (that setting is the direction's switch).
 *
 * "Closed" is resolved.closedStageIds: HubSpot's closed stages and the stage mapped to closed.
 */
export function intercomActionFor(input: StageChange): IntercomAction {
  const { previousStageId, currentStageId, resolved, settings } = input;
  if (previousStageId === currentStageId) return none('the ticket stage did not change');

  const desired = desiredStage(input.conversationState, resolved);
  if (currentStageId === desired.id) return none(`already in step: '${desired.label}' is the stage for ${input.conversationState} conversations`);

  const closedNow = resolved.closedStageIds.has(currentStageId);
  const conversationClosed = input.conversationState === 'closed';
  if (closedNow === conversationClosed) {
    return none(`already in step: the ticket and the conversation are both ${closedNow ? 'closed' : 'open'}`);
  }
  if (previousStageId === null) return none('the previous ticket stage is not known, so the change is not taken as a close or a reopen');
  if (resolved.closedStageIds.has(previousStageId) === closedNow) {
    return none(`the ticket moved between ${closedNow ? 'closed' : 'open'} stages; nothing was ${closedNow ? 'closed' : 'reopened'}`);
  }

  if (closedNow) {
    switch (settings.whenClosedInHubSpot) {
      case 'close':
        return { kind: 'close' };
      case 'note':
        return { kind: 'note', text: `The HubSpot ticket was moved to '${input.stageLabel}'.` };
      case 'nothing':
        return none("a ticket closed in HubSpot changes nothing in Intercom (whenClosedInHubSpot: 'nothing')");
    }
  }
  if (settings.whenClosedInHubSpot === 'nothing') return none("ticket changes in HubSpot are not passed to Intercom (whenClosedInHubSpot: 'nothing')");
  if (!settings.reopenInIntercom) return none('a ticket reopened in HubSpot does not reopen the conversation (reopenInIntercom: false)');
  return { kind: 'reopen' };
}
