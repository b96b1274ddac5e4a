// Acting in the simulated workspace: a customer starting and answering conversations in the
// Messenger, an admin working the Inbox. Each action goes through the same code as the REST
// endpoints, so state, statistics and webhooks follow.
import * as act from './conversation-actions.ts';
import type { SimCore } from './core.ts';
import type { Conversation } from './types.ts';
import { conversationWire } from './wire/conversation.ts';

export class ControlError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'ControlError';
    this.statusCode = statusCode;
  }
}

export interface StartConversationInput {
  contactId: string;
  body: string;
  subject?: string | undefined;
  url?: string | null | undefined;
}

export interface CustomerReplyInput {
  conversationId: string;
  body: string;
  /** Defaults to the conversation's first contact. */
  contactId?: string | undefined;
  attachmentUrls?: string[] | undefined;
}

export interface AdminActInput {
  conversationId: string;
  /** Defaults to the workspace owner (the admin behind GET /me). */
  adminId?: string | undefined;
}

export function createInboxControl(core: SimCore) {
  const { state } = core;

  const conversation = (id: string): Conversation => {
    const found = state.conversations.get(id);
    if (!found) throw new ControlError(404, `conversation ${id} not found`);
    act.wakeSnoozed(core);
    return found;
  };
  const contact = (id: string) => {
    const found = state.contacts.get(id);
    if (!found || found.mergedInto !== null) throw new ControlError(404, `contact ${id} not found`);
    return found;
  };
  const adminFor = (c: Conversation, adminId: string | undefined) => {
    const id = adminId ?? state.workspaces.get(c.workspaceId)?.ownerAdminId ?? '';
    const admin = state.admins.get(id);
    if (!admin || admin.workspaceId !== c.workspaceId) throw new ControlError(404, `admin ${id} not found in workspace ${c.workspaceId}`);
    return admin.id;
  };
  const full = (c: Conversation) => conversationWire(state, c, { parts: { kind: 'recent' } });

  return {
    actAsCustomer: {
      startConversation(input: StartConversationInput) {
        const who = contact(input.contactId);
        return full(act.startByContact(core, { workspaceId: who.workspaceId, contact: who, body: input.body, subject: input.subject, url: input.url }));
      },
      reply(input: CustomerReplyInput) {
        const c = conversation(input.conversationId);
        const who = contact(input.contactId ?? c.contactIds[0] ?? '');
        if (who.workspaceId !== c.workspaceId) throw new ControlError(400, 'contact and conversation are in different workspaces');
        act.contactReply(core, c, who, input.body, input.attachmentUrls);
        return full(c);
      },
    },
    actAsAdmin: {
      reply(input: AdminActInput & { body: string; messageType?: 'comment' | 'note' | 'quick_reply' | undefined; attachmentUrls?: string[] | undefined }) {
        const c = conversation(input.conversationId);
        act.adminReply(core, c, adminFor(c, input.adminId), input.messageType ?? 'comment', input.body, input.attachmentUrls);
        return full(c);
      },
      note(input: AdminActInput & { body: string }) {
        const c = conversation(input.conversationId);
        act.adminReply(core, c, adminFor(c, input.adminId), 'note', input.body);
        return full(c);
      },
      close(input: AdminActInput & { body?: string | undefined }) {
        const c = conversation(input.conversationId);
        act.close(core, c, adminFor(c, input.adminId), input.body ?? null);
        return full(c);
      },
      open(input: AdminActInput) {
        const c = conversation(input.conversationId);
        act.open(core, c, adminFor(c, input.adminId));
        return full(c);
      },
      snooze(input: AdminActInput & { snoozedUntil: number }) {
        const c = conversation(input.conversationId);
        act.snooze(core, c, adminFor(c, input.adminId), input.snoozedUntil);
        return full(c);
      },
      assign(input: AdminActInput & { assigneeId: string; assigneeType?: 'admin' | 'team' | undefined; body?: string | undefined }) {
        const c = conversation(input.conversationId);
        act.assign(core, c, adminFor(c, input.adminId), input.assigneeType ?? 'admin', input.assigneeId, input.body ?? null);
        return full(c);
      },
      tag(input: AdminActInput & { tag: string }) {
        const c = conversation(input.conversationId);
        act.tag(core, c, adminFor(c, input.adminId), input.tag);
        return full(c);
      },
      /** Deleted conversations 404; the webhook carries only `conversation_id`, not `id` (Z conversation_deleted.json). */
      delete(input: AdminActInput) {
        const c = conversation(input.conversationId);
        adminFor(c, input.adminId);
        state.conversations.delete(c.id);
        core.emit({ topic: 'conversation.deleted', workspaceId: c.workspaceId, item: { type: 'conversation', conversation_id: c.id }, createdAt: core.nowSec() });
        return { type: 'conversation', id: c.id, object: 'conversation', deleted: true };
      },
      setPriority(input: AdminActInput & { priority: 'priority' | 'not_priority' }) {
        const c = conversation(input.conversationId);
        c.priority = input.priority;
        c.updatedAt = core.nowSec();
        return full(c);
      },
    },
  };
}
