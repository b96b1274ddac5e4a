// The guard verdicts of one run as the explainer's trace keeps them: the counts the guards looked
// at (never the text they were counted from) next to each guard's threshold, and which guard, if
// any, stopped the conversation. Pure.
import type { GuardSettings } from '../config/connection-settings.ts';
import { conversationFacts, type GuardVerdict } from '../conversations/guards.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';

export function guardTrace(conversation: IntercomConversation, settings: GuardSettings, verdict: GuardVerdict): Record<string, unknown> {
  const facts = conversationFacts(conversation);
  return {
    pass: verdict.pass,
    ...(verdict.pass ? {} : { guard: verdict.guard, reason: verdict.reason }),
    facts: {
      customerMessages: facts.customerMessages, teammateMessages: facts.teammateMessages, botMessages: facts.botMessages, notes: facts.notes,
      durationMs: facts.durationMs, humanTeammateTookPart: facts.humanTeammateTookPart, botOnly: facts.botOnly, partsTruncated: facts.partsTruncated,
      tagCount: facts.tags.length,
    },
    settings: {
      minCustomerMessages: settings.minCustomerMessages, minDurationMinutes: settings.minDurationMinutes,
      requireHumanTeammate: settings.requireHumanTeammate, skipBotOnly: settings.skipBotOnly, excludedTags: settings.excludeTags.length,
    },
  };
}
