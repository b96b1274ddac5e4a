// What customers and admins do to a conversation. Every action adds parts, moves state, keeps the
// statistics and `updated_at` right, and emits the webhook topic Intercom sends for it
// (intercom-api.md §2.4, §3.6, §3.7, §3.9).
import { emitConversation, type SimCore } from './core.ts';
import type { AuthorRef, Contact, Conversation, Part } from './types.ts';

interface PartInit {
  partType: string;
  body: string | null;
  author: AuthorRef;
  assignedTo?: Part['assignedTo'];
  attachmentUrls?: string[];
}

function addPart(core: SimCore, conversation: Conversation, init: PartInit): Part {
  const now = core.nowSec();
  const part: Part = {
    id: String(37_300_000_000 + Number(core.ids.next('part'))),
    partType: init.partType,
    body: init.body,
    createdAt: now,
    updatedAt: now,
    notifiedAt: now,
    author: init.author,
    assignedTo: init.assignedTo ?? null,
    state: conversation.state,
    attachmentUrls: init.attachmentUrls ?? [],
  };
  conversation.parts.push(part);
  conversation.updatedAt = now;
  return part;
}

const contactAuthor = (contact: Contact): AuthorRef => ({ type: contact.role, id: contact.id });

function adminAuthor(core: SimCore, adminId: string): AuthorRef {
  return { type: core.state.admins.get(adminId)?.kind === 'bot' ? 'bot' : 'admin', id: adminId };
}

function noteContactMessage(core: SimCore, conversation: Conversation, contact: Contact): void {
  const now = core.nowSec();
  conversation.stats.firstContactReplyAt ??= now;
  conversation.stats.lastContactReplyAt = now;
  conversation.waitingSince ??= now;
  conversation.read = false;
  contact.lastRepliedAt = now;
  contact.updatedAt = now;
}

function joinTeammates(conversation: Conversation, adminId: string): void {
  if (!conversation.teammateIds.includes(adminId)) conversation.teammateIds.push(adminId);
}

export interface StartInput {
  workspaceId: string;
  contact: Contact;
  body: string;
  subject?: string;
  url?: string | null;
}

export function startByContact(core: SimCore, input: StartInput): Conversation {
  core.make.admit(input.workspaceId, 'conversations');
  const now = core.nowSec();
  const conversation: Conversation = {
    // Real conversation ids are 15-digit numeric strings (Z: "215472621202693").
    id: String(215_470_000_000_000 + Number(core.ids.next('conversation'))),
    workspaceId: input.workspaceId,
    createdAt: now,
    updatedAt: now,
    title: null,
    state: 'open',
    read: false,
    priority: 'not_priority',
    waitingSince: null,
    snoozedUntil: null,
    adminAssigneeId: null,
    teamAssigneeId: null,
    source: {
      type: 'conversation',
      id: String(3_380_000_000 + Number(core.ids.next('source'))),
      deliveredAs: 'customer_initiated',
      subject: input.subject ?? '',
      body: input.body,
      author: contactAuthor(input.contact),
      url: input.url ?? null,
    },
    contactIds: [input.contact.id],
    teammateIds: [],
    tags: [],
    // System attributes present on real conversations (Z fixtures).
    customAttributes: { 'Has attachments': false, 'Copilot used': false },
    stats: {
      firstContactReplyAt: null,
      firstAssignmentAt: null,
      firstAdminReplyAt: null,
      firstCloseAt: null,
      lastAssignmentAt: null,
      lastAssignmentAdminReplyAt: null,
      lastContactReplyAt: null,
      lastAdminReplyAt: null,
      lastCloseAt: null,
      lastClosedById: null,
      countReopens: 0,
      countAssignments: 0,
      replyTimes: [],
    },
    parts: [],
    searchableAt: now + core.settings.indexDelaySeconds,
  };
  noteContactMessage(core, conversation, input.contact);
  core.state.conversations.set(conversation.id, conversation);
  emitConversation(core, 'conversation.user.created', conversation, []);
  return conversation;
}

/**
 * A contact's reply. A reply to a closed or snoozed conversation opens it again, as the Inbox does
 * (UNCONFIRMED as an API guarantee; S14 says nothing).
 */
export function contactReply(core: SimCore, conversation: Conversation, contact: Contact, body: string, attachmentUrls: string[] = []): Part {
  if (conversation.state === 'closed') conversation.stats.countReopens += 1;
  conversation.state = 'open';
  conversation.snoozedUntil = null;
  if (!conversation.contactIds.includes(contact.id)) conversation.contactIds.push(contact.id);
  noteContactMessage(core, conversation, contact);
  const part = addPart(core, conversation, { partType: 'comment', body, author: contactAuthor(contact), attachmentUrls });
  emitConversation(core, 'conversation.user.replied', conversation, [part]);
  return part;
}

export type AdminMessageType = 'comment' | 'note' | 'quick_reply';

export function adminReply(
  core: SimCore,
  conversation: Conversation,
  adminId: string,
  messageType: AdminMessageType,
  body: string | null,
  attachmentUrls: string[] = [],
): Part {
  const now = core.nowSec();
  const author = adminAuthor(core, adminId);
  if (author.type === 'admin') joinTeammates(conversation, adminId);
  if (messageType !== 'note') {
    const s = conversation.stats;
    if (conversation.waitingSince !== null) s.replyTimes.push(now - conversation.waitingSince);
    conversation.waitingSince = null;
    s.firstAdminReplyAt ??= now;
    s.lastAdminReplyAt = now;
    if (conversation.adminAssigneeId === Number(adminId) && s.lastAssignmentAt !== null) s.lastAssignmentAdminReplyAt = now;
    conversation.read = true;
    for (const id of conversation.contactIds) {
      const contact = core.state.contacts.get(id);
      if (contact) contact.lastContactedAt = now;
    }
  }
  const part = addPart(core, conversation, { partType: messageType, body, author, attachmentUrls });
  const topic = messageType === 'note' ? 'conversation.admin.noted' : author.type === 'bot' ? 'conversation.operator.replied' : 'conversation.admin.replied';
  emitConversation(core, topic, conversation, [part]);
  return part;
}

export function close(core: SimCore, conversation: Conversation, adminId: string, body: string | null = null): Part {
  const now = core.nowSec();
  conversation.state = 'closed';
  conversation.snoozedUntil = null;
  conversation.stats.firstCloseAt ??= now;
  conversation.stats.lastCloseAt = now;
  conversation.stats.lastClosedById = adminId;
  joinTeammates(conversation, adminId);
  const part = addPart(core, conversation, { partType: 'close', body, author: adminAuthor(core, adminId) });
  emitConversation(core, 'conversation.admin.closed', conversation, [part]);
  return part;
}

/** Opening a snoozed conversation unsnoozes it; opening a closed one reopens it (S14 open_conversation_request). */
export function open(core: SimCore, conversation: Conversation, adminId: string): Part {
  const wasSnoozed = conversation.state === 'snoozed';
  if (conversation.state === 'closed') conversation.stats.countReopens += 1;
  conversation.state = 'open';
  conversation.snoozedUntil = null;
  const part = addPart(core, conversation, { partType: wasSnoozed ? 'unsnoozed' : 'open', body: null, author: adminAuthor(core, adminId) });
  emitConversation(core, wasSnoozed ? 'conversation.admin.unsnoozed' : 'conversation.admin.opened', conversation, [part]);
  return part;
}

export function snooze(core: SimCore, conversation: Conversation, adminId: string, until: number): Part {
  conversation.state = 'snoozed';
  conversation.snoozedUntil = until;
  const part = addPart(core, conversation, { partType: 'snoozed', body: null, author: adminAuthor(core, adminId) });
  emitConversation(core, 'conversation.admin.snoozed', conversation, [part]);
  return part;
}

/** `assigneeId` "0" unassigns (S14 assign_conversation_request). */
export function assign(core: SimCore, conversation: Conversation, adminId: string, assigneeType: 'admin' | 'team', assigneeId: string, body: string | null = null): Part {
  const now = core.nowSec();
  const unassign = assigneeId === '0';
  if (assigneeType === 'admin') conversation.adminAssigneeId = unassign ? null : Number(assigneeId);
  else conversation.teamAssigneeId = unassign ? null : Number(assigneeId);
  if (!unassign) {
    conversation.stats.firstAssignmentAt ??= now;
    conversation.stats.lastAssignmentAt = now;
    conversation.stats.countAssignments += 1;
  }
  const assignedTo: Part['assignedTo'] = unassign ? { type: 'nobody_admin', id: null } : { type: assigneeType, id: assigneeId };
  const part = addPart(core, conversation, { partType: 'assignment', body, author: adminAuthor(core, adminId), assignedTo });
  emitConversation(core, 'conversation.admin.assigned', conversation, [part]);
  // The newer topic for assignments of open conversations (D-wh-models; seen in Z 2026 fixtures);
  // a subscriber to either topic gets its own notification.
  if (conversation.state === 'open') emitConversation(core, 'conversation.admin.open.assigned', conversation, [part]);
  return part;
}

export function tag(core: SimCore, conversation: Conversation, adminId: string, tagName: string): void {
  const record = core.make.createTag(conversation.workspaceId, tagName);
  if (conversation.tags.some((t) => t.tagId === record.id)) return;
  conversation.tags.push({ tagId: record.id, appliedAt: core.nowSec(), appliedBy: { type: 'admin', id: adminId } });
  conversation.updatedAt = core.nowSec();
}

/** Snoozes end by themselves: a `timer_unsnooze` part once the clock passes snoozed_until (D-conv-model). */
export function wakeSnoozed(core: SimCore): void {
  const now = core.nowSec();
  for (const conversation of core.state.conversations.values()) {
    if (conversation.state !== 'snoozed' || conversation.snoozedUntil === null || conversation.snoozedUntil > now) continue;
    conversation.state = 'open';
    conversation.snoozedUntil = null;
    const owner = core.state.workspaces.get(conversation.workspaceId)?.ownerAdminId ?? '';
    const part = addPart(core, conversation, { partType: 'timer_unsnooze', body: null, author: { type: 'bot', id: owner } });
    emitConversation(core, 'conversation.admin.unsnoozed', conversation, [part]);
  }
}
