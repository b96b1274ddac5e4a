// The HubSpot note body for one Intercom conversation (DESIGN.md §1 "Content"): a header, the
// messages in order, and a footer, as HTML that fits hs_note_body. Pure, so a capture that is
// repeated with the same conversation produces the same note and the update is a no-op.
import type { ContentSettings } from '../config/connection-settings.ts';
import { CONVERSATION_PART_CAP, type IntercomConversation } from '../integrations/intercom/conversations.ts';
import type { IntercomPart } from '../integrations/intercom/schemas.ts';
import { escapeHtml, isBlankHtml, isSafeUrl, sanitizeBody } from './sanitize-html.ts';

export interface Person {
  name?: string | null | undefined;
  email?: string | null | undefined;
}

export interface TranscriptInput {
  conversation: IntercomConversation;
  /** Intercom contacts and admins by id, for names in the header and on parts. */
  contacts: ReadonlyMap<string, Person>;
  admins: ReadonlyMap<string, Person>;
  /** Team names by id (assignee team), optional. */
  teams?: ReadonlyMap<string, string>;
  /** Link back to the conversation in Intercom's inbox. */
  conversationUrl: string;
  /** IANA time zone for every timestamp shown. */
  timeZone: string;
  content: ContentSettings;
  /**
   * The footer speaks to whoever reads the note in HubSpot: what wrote it and when (`occasion`, e.g.
   * "when the conversation closed"; null leaves it out), and the reference that finds the note's
   * capture, and the settings it was made with, in Interhubz's activity log.
   */
  footer: { occasion: string | null; reference: string };
  /** HubSpot's hs_note_body limit, 65,536 characters (hubspot-api.md §9). */
  maxChars?: number;
}

/** The opening message (conversation.source) counts as one part in every count below. */
export interface Transcript {
  html: string;
  /** Parts rendered (after content filters). */
  partsShown: number;
  /** Parts left out by content settings (internal notes, bot messages, empty system parts). */
  partsFiltered: number;
  /** Parts cut because the note hit maxChars. */
  partsCutForSize: number;
  /** Intercom's 500-part cap left older parts out (conversation.partsTruncated). */
  cappedByIntercom: boolean;
}

export const NOTE_BODY_LIMIT = 65_536;

type Role = 'customer' | 'teammate' | 'bot';
type Author = IntercomPart['author'];
type Attachment = NonNullable<IntercomPart['attachments']>[number];
type Clock = (unixSeconds: number) => string;

/** One unit of the message list; only `message` blocks count as parts shown or cut. */
interface Block {
  html: string;
  message: boolean;
}

interface Message {
  author: Author | null | undefined;
  partType: string;
  createdAt: number;
  body: string | null | undefined;
  attachments: readonly Attachment[];
  redacted: boolean;
  assignedTo: IntercomPart['assigned_to'];
}

// Plain-text values come from Intercom users; clipping them keeps the header's size bounded so
// that the messages, not a 10,000-character tag name, get the note's room.
const CLIP = { subject: 300, name: 120, email: 120, tag: 100, remark: 1_000, attachment: 200 } as const;
const MAX_LISTED = 25;

export function renderTranscript(input: TranscriptInput): Transcript {
  const conversation = input.conversation;
  const maxChars = input.maxChars ?? NOTE_BODY_LIMIT;
  const clock = makeClock(input.timeZone);
  const { blocks, filtered, shown } = renderMessages(input, clock);
  const footer = renderFooter(input.footer);
  const header = renderHeader(input, clock, shown);
  const fitted = fitToLimit({ header, compactHeader: renderCompactHeader(input), blocks, footer, maxChars, conversationUrl: input.conversationUrl });
  const messageCount = blocks.filter((block) => block.message).length;
  return {
    html: fitted.html,
    partsShown: messageCount - fitted.cut,
    partsFiltered: filtered,
    partsCutForSize: fitted.cut,
    cappedByIntercom: conversation.partsTruncated,
  };
}

// ---------------------------------------------------------------------------------------------
// Messages

// Parts with no body of these types become a one-line event ("Ana closed the conversation"),
// because who closed, reopened or reassigned a conversation is part of its story. Any other
// part with nothing to show (attribute updates, language detection, …) is skipped and counted
// in partsFiltered: Intercom emits dozens of such types (intercom-api.md §3.3) and they would
// drown the transcript. A Map, because `part_type` is an open string and "constructor" must not
// find Object.prototype.
const EVENTS: ReadonlyMap<string, (message: Message, input: TranscriptInput) => string> = new Map([
  ['close', () => 'closed the conversation'],
  ['open', () => 'reopened the conversation'],
  ['note_and_reopen', () => 'reopened the conversation'],
  ['note_and_unsnooze', () => 'unsnoozed the conversation'],
  ['snoozed', () => 'snoozed the conversation'],
  ['unsnoozed', () => 'unsnoozed the conversation'],
  ['timer_unsnooze', () => 'unsnoozed the conversation'],
  ['assignment', assignmentPhrase],
  ['default_assignment', assignmentPhrase],
  ['away_mode_assignment', assignmentPhrase],
  ['workflow_assignment', assignmentPhrase],
  ['assign_and_reopen', (message: Message, input: TranscriptInput) => `reopened the conversation and ${assignmentPhrase(message, input)}`],
  ['assign_and_unsnooze', (message: Message, input: TranscriptInput) => `unsnoozed the conversation and ${assignmentPhrase(message, input)}`],
]);

function assignmentPhrase(message: Message, input: TranscriptInput): string {
  const target = message.assignedTo;
  const id = target?.id ?? undefined;
  if (!target || id === undefined || target.type === 'nobody_admin') return 'unassigned the conversation';
  const name = target.type === 'team' ? teamName(id, input) : adminName(id, input);
  return `assigned it to ${name}`;
}

/** Who a shown message is by, and whether they wrote something (an event line alone is not taking part). */
interface Shown {
  author: Author | null | undefined;
  wrote: boolean;
}

function renderMessages(input: TranscriptInput, clock: Clock): { blocks: Block[]; filtered: number; shown: Shown[] } {
  const conversation = input.conversation;
  const blocks: Block[] = [];
  const shown: Shown[] = [];
  let filtered = 0;
  const add = (message: Message) => {
    const rendered = renderMessage(message, input, clock);
    if (rendered === null) {
      filtered++;
      return;
    }
    blocks.push({ html: rendered.html, message: true });
    shown.push({ author: message.author, wrote: rendered.wrote });
  };
  const opening = openingMessage(conversation);
  if (opening) add(opening);
  const missing = missingPartCount(conversation);
  if (conversation.partsTruncated) blocks.push({ html: renderGap(missing, input.conversationUrl), message: false });
  for (const part of conversation.parts) add(partMessage(part));
  return { blocks, filtered, shown };
}

function openingMessage(conversation: IntercomConversation): Message | null {
  const source = conversation.source;
  if (!source) return null;
  return {
    author: source.author,
    partType: 'source',
    createdAt: conversation.created_at,
    body: source.body,
    attachments: attachmentsIn(source['attachments']),
    redacted: source['redacted'] === true,
    assignedTo: null,
  };
}

function partMessage(part: IntercomPart): Message {
  return {
    author: part.author,
    partType: part.part_type,
    createdAt: part.created_at,
    body: part.body,
    attachments: part.attachments ?? [],
    redacted: part.redacted === true,
    assignedTo: part.assigned_to,
  };
}

// The source's attachments are not in the schema (it keeps unknown keys): check their shape here.
function attachmentsIn(value: unknown): Attachment[] {
  if (!Array.isArray(value)) return [];
  const attachments: Attachment[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    attachments.push({
      name: stringOrNull(record['name']),
      url: stringOrNull(record['url']),
      content_type: stringOrNull(record['content_type']),
      filesize: typeof record['filesize'] === 'number' ? record['filesize'] : null,
    });
  }
  return attachments;
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

// `note`, `note_and_reopen`, `note_and_unsnooze` (intercom-api.md §3.3): admin-only, whatever else they do.
const isInternalNote = (partType: string) => partType === 'note' || partType.startsWith('note_and_');

/** The block for one message, or null when content settings or emptiness leave it out. */
function renderMessage(message: Message, input: TranscriptInput, clock: Clock): { html: string; wrote: boolean } | null {
  const role = roleOf(message.author?.type);
  const note = isInternalNote(message.partType);
  if (note && !input.content.includeInternalNotes) return null;
  if (role === 'bot' && !input.content.includeBotMessages) return null;
  const body = message.redacted ? '' : sanitizeBody(message.body ?? '');
  const attachments = message.redacted ? [] : message.attachments;
  const event = EVENTS.get(message.partType)?.(message, input);
  const hasContent = message.redacted || !isBlankHtml(body) || attachments.length > 0;
  const who = `<strong>${escapeHtml(authorName(message.author, role, input))}</strong> (${role})`;
  const when = escapeHtml(clock(message.createdAt));
  if (!hasContent) return event === undefined ? null : { html: `<p><em>${who} ${escapeHtml(event)} · ${when}</em></p>\n`, wrote: false };
  const meta = [note ? '<strong>Internal note</strong>' : null, who, when, event === undefined ? null : `<em>${escapeHtml(event)}</em>`];
  const content = message.redacted ? '<p><em>(redacted)</em></p>' : body;
  const wrapped = note ? `<blockquote>${content}</blockquote>` : `<div>${content}</div>`;
  return { html: `<p>${meta.filter((item) => item !== null).join(' · ')}</p>\n${wrapped}\n${renderAttachments(attachments)}`, wrote: true };
}

function renderAttachments(attachments: readonly Attachment[]): string {
  if (attachments.length === 0) return '';
  const items = attachments.map((attachment) => {
    const name = escapeHtml(clip(attachment.name || 'attachment', CLIP.attachment));
    const details = [attachment.content_type, typeof attachment.filesize === 'number' ? formatSize(attachment.filesize) : null]
      .filter((detail): detail is string => Boolean(detail))
      .map((detail) => escapeHtml(clip(detail, CLIP.attachment)));
    const label = isSafeUrl(attachment.url) ? link(attachment.url, name) : name;
    return `<li>Attachment: ${label}${details.length > 0 ? ` (${details.join(', ')})` : ''}</li>`;
  });
  return `<ul>${items.join('')}</ul>\n`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function renderGap(missing: number | undefined, conversationUrl: string): string {
  const count = missing === undefined ? 'Older messages are' : `${missing} older ${plural(missing, 'part is', 'parts are')}`;
  return `<p><em>… ${count} not included here — ${linkOrText(conversationUrl, 'read them in Intercom')} …</em></p>\n`;
}

// ---------------------------------------------------------------------------------------------
// People

// Intercom adds author types over time (`operator`, Fin, workflows …): anything that is neither a
// customer nor a teammate is automation, and is filtered with the bots.
function roleOf(type: string | null | undefined): Role {
  if (type === 'user' || type === 'lead' || type === 'contact') return 'customer';
  // A team authors only routing steps a teammate set up; it reads as the team, not as a bot.
  if (type === 'admin' || type === 'team') return 'teammate';
  return 'bot';
}

function authorName(author: Author | null | undefined, role: Role, input: TranscriptInput): string {
  const id = author?.id ?? undefined;
  if (role === 'customer') {
    const contact = id === undefined ? undefined : input.contacts.get(id);
    return clip(contact?.name || author?.name || contact?.email || author?.email || 'Customer', CLIP.name);
  }
  if (role === 'teammate') {
    if (author?.type === 'team' && id !== undefined) return teamName(id, input);
    const admin = id === undefined ? undefined : input.admins.get(id);
    return clip(admin?.name || author?.name || admin?.email || author?.email || 'Teammate', CLIP.name);
  }
  return clip(author?.name || 'Bot', CLIP.name);
}

function adminName(id: string, input: TranscriptInput): string {
  const admin = input.admins.get(id);
  return clip(admin?.name || admin?.email || `teammate ${id}`, CLIP.name);
}

function teamName(id: string, input: TranscriptInput): string {
  const name = input.teams?.get(id);
  return clip(name ? `Team ${name}` : `team ${id}`, CLIP.name);
}

function describePerson(person: Person | undefined, fallback: string): string {
  const name = person?.name ? clip(person.name, CLIP.name) : undefined;
  const email = person?.email ? clip(person.email, CLIP.email) : undefined;
  if (name && email) return `${name} (${email})`;
  return name ?? email ?? fallback;
}

/** Customers on the conversation, then any other customer who wrote, in order of appearance. */
function customers(input: TranscriptInput, shown: readonly Shown[]): string[] {
  const seen = new Map<string, string>();
  for (const { id } of input.conversation.contacts?.contacts ?? []) {
    if (!seen.has(id)) seen.set(id, describePerson(input.contacts.get(id), `contact ${id}`));
  }
  for (const { author } of shown) {
    const id = author?.id ?? undefined;
    if (id === undefined || roleOf(author?.type) !== 'customer' || seen.has(id)) continue;
    seen.set(id, describePerson(input.contacts.get(id) ?? author ?? undefined, `contact ${id}`));
  }
  return [...seen.values()];
}

function teammates(input: TranscriptInput, shown: readonly Shown[]): string[] {
  const seen = new Map<string, string>();
  for (const { author, wrote } of shown) {
    const id = author?.id ?? undefined;
    if (id === undefined || author?.type !== 'admin' || seen.has(id) || !wrote) continue;
    seen.set(id, describePerson(input.admins.get(id) ?? author, `teammate ${id}`));
  }
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------
// Header and footer

function subjectOf(conversation: IntercomConversation): string {
  return clip(conversation.title || conversation.source?.subject || `Intercom conversation ${conversation.id}`, CLIP.subject);
}

function renderHeader(input: TranscriptInput, clock: Clock, shown: readonly Shown[]): string {
  const conversation = input.conversation;
  const rows = [
    row('Customer', list(customers(input, shown))),
    row('Teammates', list(teammates(input, shown))),
    row('Assignee', assignee(input)),
    row('Tags', list((conversation.tags?.tags ?? []).map((tag) => clip(tag.name, CLIP.tag)))),
    row('Rating', rating(conversation)),
    row('State', stateLine(conversation)),
    row('Times', timesLine(conversation, clock)),
  ].filter((line) => line !== '');
  return [
    `<h3>${escapeHtml(subjectOf(conversation))}</h3>\n`,
    `<p>${linkOrText(input.conversationUrl, 'Open in Intercom')}</p>\n`,
    conversation.partsTruncated ? `<p><strong>${capSentence(conversation, input.conversationUrl)}</strong></p>\n` : '',
    `<ul>${rows.join('')}</ul>\n<hr>\n`,
  ].join('');
}

/** When even the full header leaves no room: the subject and the way back to Intercom. */
function renderCompactHeader(input: TranscriptInput): string {
  const conversation = input.conversation;
  return [
    `<h3>${escapeHtml(subjectOf(conversation))}</h3>\n`,
    `<p>${linkOrText(input.conversationUrl, 'Open in Intercom')}</p>\n`,
    conversation.partsTruncated ? `<p><strong>${capSentence(conversation, input.conversationUrl)}</strong></p>\n` : '',
    '<hr>\n',
  ].join('');
}

function capSentence(conversation: IntercomConversation, conversationUrl: string): string {
  const missing = missingPartCount(conversation);
  const older = missing === undefined ? 'older parts are' : `${missing} older ${plural(missing, 'part is', 'parts are')}`;
  return `Intercom returns only the ${CONVERSATION_PART_CAP} most recent parts of a conversation; ${older} not included — ${linkOrText(conversationUrl, 'read the whole conversation in Intercom')}.`;
}

function missingPartCount(conversation: IntercomConversation): number | undefined {
  if (conversation.partCount === undefined) return undefined;
  const missing = conversation.partCount - conversation.parts.length;
  return missing > 0 ? missing : undefined;
}

/** Plain text is escaped here; `html` is already markup. */
function row(label: string, value: string | { html: string } | null): string {
  if (value === null || value === '') return '';
  const html = typeof value === 'string' ? escapeHtml(value) : value.html;
  return `<li><strong>${label}:</strong> ${html}</li>`;
}

function list(items: readonly string[]): string | null {
  if (items.length === 0) return null;
  const listed = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${listed} and ${items.length - MAX_LISTED} more` : listed;
}

function assignee(input: TranscriptInput): string {
  const { admin_assignee_id: adminId, team_assignee_id: teamId } = input.conversation;
  // "0" is Intercom's unassigned (intercom-api.md §3.4).
  const admin = adminId && adminId !== '0' ? adminName(adminId, input) : null;
  const team = teamId && teamId !== '0' ? teamName(teamId, input) : null;
  if (admin && team) return `${admin} (${team})`;
  return admin ?? team ?? 'unassigned';
}

function rating(conversation: IntercomConversation): string | null {
  const value = conversation.conversation_rating?.rating;
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const stars = Math.min(5, Math.max(0, Math.round(value)));
  const remark = conversation.conversation_rating?.remark?.trim();
  const text = `${'★'.repeat(stars)}${'☆'.repeat(5 - stars)} ${stars}/5`;
  return remark ? `${text} — “${clip(remark, CLIP.remark)}”` : text;
}

function stateOf(conversation: IntercomConversation): string {
  return conversation.state || (conversation.open === false ? 'closed' : 'open');
}

function stateLine(conversation: IntercomConversation): string {
  const priority = conversation.priority === 'priority' ? 'priority' : conversation.priority === 'not_priority' ? 'not priority' : conversation.priority;
  return [stateOf(conversation), priority].filter(Boolean).join(' · ');
}

function timesLine(conversation: IntercomConversation, clock: Clock): { html: string } {
  const closedAt = stateOf(conversation) === 'closed' ? conversation.statistics?.last_close_at : undefined;
  const parts = [
    `started ${escapeHtml(clock(conversation.created_at))}`,
    `last updated ${escapeHtml(clock(conversation.updated_at))}`,
    typeof closedAt === 'number' ? `closed ${escapeHtml(clock(closedAt))}` : null,
  ];
  return { html: parts.filter((part) => part !== null).join(' · ') };
}

function renderFooter(footer: TranscriptInput['footer']): string {
  const captured = footer.occasion ? `Captured by Interhubz ${clip(footer.occasion, 300)}` : 'Captured by Interhubz';
  return `<hr>\n<p><small>${escapeHtml(captured)} · ref ${escapeHtml(clip(footer.reference, 300))}</small></p>`;
}

// ---------------------------------------------------------------------------------------------
// Size

interface Layout {
  header: string;
  compactHeader: string;
  blocks: readonly Block[];
  footer: string;
  maxChars: number;
  conversationUrl: string;
}

// Cutting only between blocks keeps every tag closed and every character (surrogate pairs, ZWJ
// emoji) whole; keeping the earliest messages keeps how the conversation started, which is what
// a reader in HubSpot looks for first.
function fitToLimit(layout: Layout): { html: string; cut: number } {
  const full = layout.header + layout.blocks.map((block) => block.html).join('') + layout.footer;
  if (full.length <= layout.maxChars) return { html: full, cut: 0 };
  const fitted = fitWithHeader(layout, layout.header) ?? fitWithHeader(layout, layout.compactHeader);
  if (fitted) return fitted;
  throw new RangeError(`maxChars ${layout.maxChars} leaves no room for a transcript's header and footer`);
}

function fitWithHeader(layout: Layout, header: string): { html: string; cut: number } | null {
  const messagesAfter = suffixMessageCounts(layout.blocks);
  const fixed = header.length + layout.footer.length;
  let used = fixed;
  let kept = 0;
  for (const block of layout.blocks) {
    const next = used + block.html.length;
    if (next + cutLine(messagesAfter[kept + 1] ?? 0, layout.conversationUrl).length > layout.maxChars) break;
    used = next;
    kept++;
  }
  const cut = messagesAfter[kept] ?? 0;
  // Everything can fit once the compact header has freed room: then nothing was cut.
  const notice = cut > 0 ? cutLine(cut, layout.conversationUrl) : '';
  const html = header + layout.blocks.slice(0, kept).map((block) => block.html).join('') + notice + layout.footer;
  return html.length <= layout.maxChars ? { html, cut } : null;
}

/** counts[i] = messages in blocks[i..]. */
function suffixMessageCounts(blocks: readonly Block[]): number[] {
  const counts = new Array<number>(blocks.length + 1).fill(0);
  for (let i = blocks.length - 1; i >= 0; i--) counts[i] = (counts[i + 1] ?? 0) + (blocks[i]?.message ? 1 : 0);
  return counts;
}

function cutLine(remaining: number, conversationUrl: string): string {
  const more = `${remaining} more ${plural(remaining, 'message', 'messages')}`;
  return `<p><strong>Transcript cut at HubSpot's note size limit: ${more} — ${linkOrText(conversationUrl, 'read the rest in Intercom')}</strong></p>\n`;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

function link(url: string, html: string): string {
  return `<a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">${html}</a>`;
}

function linkOrText(url: string, text: string): string {
  return isSafeUrl(url) ? link(url, escapeHtml(text)) : escapeHtml(text);
}

const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** At most `max` UTF-16 units, cut between grapheme clusters so no emoji or pair is split. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out}…`;
}

/**
 * "2026-05-02 12:11 CEST". The zone is named per instant (CET in winter, CEST in summer); en-US
 * names American zones and en-GB European ones, others fall back to an offset ("GMT+5:30").
 */
function makeClock(timeZone: string): Clock {
  const numbers = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const zoneUs = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' });
  const zoneGb = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' });
  const zoneOf = (format: Intl.DateTimeFormat, date: Date) => format.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
  return (unixSeconds) => {
    const date = new Date(unixSeconds * 1000);
    const parts = Object.fromEntries(numbers.formatToParts(date).map((part) => [part.type, part.value]));
    const us = zoneOf(zoneUs, date);
    const zone = /^GMT[+-]/.test(us) ? zoneOf(zoneGb, date) : us;
    return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']} ${zone}`;
  };
}
