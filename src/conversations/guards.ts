// Noise guards (DESIGN.md §1 "Conversations → HubSpot"): decide, from a fetched conversation alone,
// whether it is worth a note. Pure: the caller records a stopped conversation as skipped, citing
// the guard's name and its reason. Reasons carry counts and durations, never message text, because
// they go to the activity log.
import type { GuardSettings } from '../config/connection-settings.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';
import type { IntercomPart } from '../integrations/intercom/schemas.ts';

/** record_filter: the contacts' record filters keep the conversation's contact out of HubSpot (resolve-records.ts ContactFilter). */
export type GuardName = 'min_customer_messages' | 'min_duration' | 'human_teammate' | 'excluded_tag' | 'bot_only' | 'record_filter';

export type GuardVerdict = { pass: true } | { pass: false; guard: GuardName; reason: string };

export interface ConversationFacts {
  /** The source when a contact wrote it, and contact-authored message parts. */
  customerMessages: number;
  /** Replies by human teammates that the customer sees; internal notes are not counted. */
  teammateMessages: number;
  /** Messages by Fin, bots, workflows, teams and automated outbound messages. */
  botMessages: number;
  /** Internal notes by anyone. */
  notes: number;
  /** From the first message to the last message (customer, teammate or bot; notes excluded). */
  durationMs: number;
  humanTeammateTookPart: boolean;
  /** A bot answered and no human teammate replied. */
  botOnly: boolean;
  /** Tag names as Intercom spells them. */
  tags: string[];
  /** The 500-part cap left older parts out: the counts above are lower bounds. */
  partsTruncated: boolean;
}

type Speaker = 'customer' | 'teammate' | 'bot' | 'other';

const CUSTOMER_AUTHORS = new Set(['user', 'lead', 'contact']);
// Teams author parts only through assignment rules and workflows: automation, not a person.
const AUTOMATED_AUTHORS = new Set(['bot', 'team']);
// Outbound conversations started by campaigns, series or Operator have an admin as author but no
// person behind them (intercom-api.md §3.3 `delivered_as`).
const AUTOMATED_DELIVERY = new Set(['campaigns_initiated', 'automated', 'operator_initiated']);
// Parts that are messages whatever their body; an attachment-only comment is still a message.
const MESSAGE_PARTS = new Set(['comment', 'quick_reply']);

interface AuthorLike {
  type: string;
  [key: string]: unknown;
}

function speakerOf(author: AuthorLike | null | undefined): Speaker {
  if (!author) return 'other';
  if (CUSTOMER_AUTHORS.has(author.type)) return 'customer';
  if (AUTOMATED_AUTHORS.has(author.type)) return 'bot';
  if (author.type === 'admin') {
    // Fin sometimes answers as an admin with these flags set (intercom-api.md §3.3 part example).
    return author.from_ai_agent === true || author.is_ai_answer === true ? 'bot' : 'teammate';
  }
  // An author type Intercom adds later counts for nobody rather than for the wrong side.
  return 'other';
}

const isNote = (partType: string) => partType === 'note' || partType.startsWith('note_and_');

function hasContent(part: IntercomPart): boolean {
  if (part.attachments && part.attachments.length > 0) return true;
  const body = part.body ?? '';
  if (/<img\b/i.test(body)) return true;
  return body.replace(/<[^>]*>/g, '').replace(/&nbsp;|\s/g, '') !== '';
}

/**
 * A part is a message when it is a comment or quick reply, or when an event part carries a body:
 * a customer replying to a closed conversation arrives as `open` with the reply as body, and a
 * teammate can close with a message. Unknown part types without a body are timeline events.
 */
const isMessagePart = (part: IntercomPart) => MESSAGE_PARTS.has(part.part_type) || (!isNote(part.part_type) && hasContent(part));

function sourceSpeaker(conversation: IntercomConversation): Speaker {
  const source = conversation.source;
  if (!source?.author) return 'other';
  const speaker = speakerOf(source.author);
  if (speaker === 'teammate' && source.delivered_as && AUTOMATED_DELIVERY.has(source.delivered_as)) return 'bot';
  return speaker;
}

export function conversationFacts(conversation: IntercomConversation): ConversationFacts {
  const counts: Record<Speaker, number> = { customer: 0, teammate: 0, bot: 0, other: 0 };
  let notes = 0;
  let first: number | null = null;
  let last: number | null = null;
  const sawMessageAt = (seconds: number) => {
    const ms = seconds * 1000;
    if (first === null || ms < first) first = ms;
    if (last === null || ms > last) last = ms;
  };

  const fromSource = sourceSpeaker(conversation);
  if (fromSource !== 'other') {
    counts[fromSource] += 1;
    sawMessageAt(conversation.created_at);
  }
  for (const part of conversation.parts) {
    if (isNote(part.part_type)) {
      notes += 1;
      continue;
    }
    if (!isMessagePart(part)) continue;
    const speaker = speakerOf(part.author);
    if (speaker === 'other') continue;
    counts[speaker] += 1;
    sawMessageAt(part.created_at);
  }

  const humanTeammateTookPart = counts.teammate > 0;
  const botAnswered = counts.bot > 0 || conversation.ai_agent_participated === true;
  return {
    customerMessages: counts.customer,
    teammateMessages: counts.teammate,
    botMessages: counts.bot,
    notes,
    durationMs: first !== null && last !== null ? last - first : 0,
    humanTeammateTookPart,
    botOnly: botAnswered && !humanTeammateTookPart,
    tags: (conversation.tags?.tags ?? []).map((tag) => tag.name),
    partsTruncated: conversation.partsTruncated,
  };
}

const plural = (count: number, one: string, many = `${one}s`) => `${formatNumber(count)} ${count === 1 ? one : many}`;
const formatNumber = (value: number) => (Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100));

function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return plural(seconds, 'second');
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? plural(minutes, 'minute') : `${plural(minutes, 'minute')} ${plural(rest, 'second')}`;
}

const normalTag = (name: string) => name.trim().toLowerCase();

type Guard = (facts: ConversationFacts, settings: GuardSettings) => GuardVerdict | null;
const stop = (guard: GuardName, reason: string): GuardVerdict => ({ pass: false, guard, reason });

const excludedTag: Guard = (facts, settings) => {
  const excluded = new Set(settings.excludeTags.map(normalTag).filter((tag) => tag !== ''));
  const hit = facts.tags.find((tag) => excluded.has(normalTag(tag)));
  return hit === undefined ? null : stop('excluded_tag', `tagged "${hit}", an excluded tag`);
};

// A truncated conversation has 500+ parts; its oldest parts (where a teammate's or the customer's
// messages may be) are missing, so the counting guards give it the benefit of the doubt.
const botOnly: Guard = (facts, settings) =>
  !settings.skipBotOnly || facts.partsTruncated || !facts.botOnly
    ? null
    : stop('bot_only', `only a bot answered (${facts.botMessages > 0 ? plural(facts.botMessages, 'bot message') : 'Fin took part'}; no human teammate replied)`);

const humanTeammate: Guard = (facts, settings) =>
  !settings.requireHumanTeammate || facts.partsTruncated || facts.humanTeammateTookPart
    ? null
    : stop('human_teammate', `no human teammate replied (${plural(facts.notes, 'internal note')}, ${plural(facts.botMessages, 'bot message')})`);

const minCustomerMessages: Guard = (facts, settings) =>
  facts.partsTruncated || facts.customerMessages >= settings.minCustomerMessages
    ? null
    : stop('min_customer_messages', `${plural(facts.customerMessages, 'customer message')}; the minimum is ${formatNumber(settings.minCustomerMessages)}`);

const minDuration: Guard = (facts, settings) =>
  facts.durationMs >= settings.minDurationMinutes * 60_000
    ? null
    : stop('min_duration', `lasted ${formatDuration(facts.durationMs)}; the minimum is ${plural(settings.minDurationMinutes, 'minute')}`);

/**
 * The order decides which reason a skipped conversation cites: the user's explicit choice (a tag)
 * first, then who took part, most specific first (bot-only says more than "no human teammate"),
 * then the numeric thresholds. A switched-off guard (0, false, []) always passes.
 */
const GUARDS: readonly Guard[] = [excludedTag, botOnly, humanTeammate, minCustomerMessages, minDuration];

export function checkGuards(conversation: IntercomConversation, settings: GuardSettings): GuardVerdict {
  const facts = conversationFacts(conversation);
  for (const guard of GUARDS) {
    const verdict = guard(facts, settings);
    if (verdict) return verdict;
  }
  return { pass: true };
}

/** One line for the note footer and the settings page. */
export function describeGuards(settings: GuardSettings): string {
  const parts: string[] = [];
  if (settings.minCustomerMessages > 0) parts.push(`≥${formatNumber(settings.minCustomerMessages)} customer ${settings.minCustomerMessages === 1 ? 'message' : 'messages'}`);
  if (settings.minDurationMinutes > 0) parts.push(`≥${formatNumber(settings.minDurationMinutes)} min`);
  if (settings.requireHumanTeammate) parts.push('human teammate');
  if (settings.skipBotOnly) parts.push('bot-only skipped');
  const tags = settings.excludeTags.map((tag) => tag.trim()).filter((tag) => tag !== '');
  if (tags.length > 0) parts.push(`excluding tags: ${tags.join(', ')}`);
  return parts.length === 0 ? 'no guards' : parts.join(', ');
}
