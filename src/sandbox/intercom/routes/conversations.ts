// Conversations (S14; intercom-api.md §3): get with ≤500 parts, list and search without parts,
// reply/note as an admin or contact, close/open/snooze/assign through /parts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authOf, type AuthContext } from '../auth.ts';
import * as act from '../conversation-actions.ts';
import type { SimCore } from '../core.ts';
import { IntercomError, notFound, parameterInvalid, planRestricted } from '../errors.ts';
import { cursorPage, parsePerPage } from '../paginate.ts';
import { conversationDoc, CONVERSATION_FIELDS } from '../search-docs.ts';
import { inWorkspace, listInWorkspace } from '../state.ts';
import type { Admin, Conversation, Part } from '../types.ts';
import { conversationWire } from '../wire/conversation.ts';
import { runSearch } from './search.ts';

// S14 examples send admin_id as a number though the schema says string: accept both (intercom-api.md §3.7).
const AdminId = z.union([z.string().min(1), z.number().int()]).transform(String);
const Attachments = z.array(z.string()).max(10).optional();

const AdminReply = z.object({
  message_type: z.enum(['comment', 'note', 'quick_reply']),
  type: z.literal('admin'),
  admin_id: AdminId,
  body: z.string().optional(),
  attachment_urls: Attachments,
});

const ContactReply = z.object({
  message_type: z.literal('comment'),
  type: z.literal('user'),
  body: z.string(),
  intercom_user_id: z.string().optional(),
  email: z.string().optional(),
  user_id: z.string().optional(),
  attachment_urls: Attachments,
});

const PartsBody = z.discriminatedUnion('message_type', [
  z.object({ message_type: z.literal('close'), type: z.literal('admin'), admin_id: AdminId, body: z.string().optional() }),
  z.object({ message_type: z.literal('snoozed'), admin_id: AdminId, snoozed_until: z.number().int() }),
  z.object({ message_type: z.literal('open'), admin_id: AdminId }),
  z.object({
    message_type: z.literal('assignment'),
    type: z.enum(['admin', 'team']),
    admin_id: AdminId,
    assignee_id: z.union([z.string(), z.number().int()]).transform(String),
    body: z.string().optional(),
  }),
]);

function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

const stripHtml = (html: string | null) => (html === null ? null : html.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]*>/g, '').trim());

export function registerConversationRoutes(app: FastifyInstance, core: SimCore): void {
  const { state } = core;

  const context = (request: FastifyRequest): AuthContext => {
    const auth = authOf(request);
    act.wakeSnoozed(core);
    if (auth.workspace.planRestricted) throw planRestricted();
    return auth;
  };
  const find = (workspaceId: string, id: string): Conversation => {
    const conversation = inWorkspace(state.conversations, workspaceId, id);
    if (!conversation) throw notFound('Conversation not found');
    return conversation;
  };
  const actingAdmin = (workspaceId: string, adminId: string): Admin => {
    const admin = inWorkspace(state.admins, workspaceId, adminId);
    if (!admin) throw new IntercomError(404, 'admin_not_found', 'Admin for admin_id not found');
    // D-http: 405 "The action is not allowed for this type of admin". Which admins Intercom refuses
    // is UNCONFIRMED; here, a teammate without an inbox seat cannot act in the inbox.
    if (admin.kind === 'admin' && !admin.hasInboxSeat) throw new IntercomError(405, 'action_forbidden', 'The action is not allowed for this type of admin');
    return admin;
  };
  // Reply and parts answers carry only the new parts, as every S14 example does (whether the live
  // API returns the whole history is UNCONFIRMED, intercom-api.md §3.6).
  const answer = (conversation: Conversation, parts: readonly Part[]) => conversationWire(state, conversation, { parts: { kind: 'only', parts } });

  app.get<{ Params: { conversation_id: string }; Querystring: { display_as?: string } }>('/conversations/:conversation_id', async (request) => {
    const { workspace } = context(request);
    const wire = conversationWire(state, find(workspace.id, request.params.conversation_id), { parts: { kind: 'recent' } });
    if (request.query.display_as === 'plaintext') {
      const list = wire.conversation_parts as { conversation_parts: Array<{ body: string | null }> };
      for (const part of list.conversation_parts) part.body = stripHtml(part.body);
    }
    return wire;
  });

  app.get<{ Querystring: { per_page?: string; starting_after?: string } }>('/conversations', async (request) => {
    const { workspace } = context(request);
    const perPage = parsePerPage(request.query.per_page, 20);
    const all = listInWorkspace(state.conversations, workspace.id);
    const page = cursorPage(all, (c) => ({ value: c.updatedAt, id: c.id }), 'descending', perPage, request.query.starting_after);
    const conversations = page.items.map((c) => conversationWire(state, c, { parts: { kind: 'none' } }));
    return { type: 'conversation.list', pages: page.pages, total_count: page.total_count, conversations };
  });

  app.post('/conversations/search', async (request) => {
    const { workspace } = context(request);
    const now = core.nowSec();
    const page = runSearch(request.body, {
      items: listInWorkspace(state.conversations, workspace.id).filter((c) => c.searchableAt <= now),
      docOf: (c) => conversationDoc(state, c),
      idOf: (c) => c.id,
      compile: { fields: CONVERSATION_FIELDS, dates: { kind: 'inclusive' } },
      defaultPerPage: 20,
      defaultSort: 'updated_at',
    });
    const conversations = page.items.map((c) => conversationWire(state, c, { parts: { kind: 'none' } }));
    return { type: 'conversation.list', pages: page.pages, total_count: page.total_count, conversations };
  });

  app.post<{ Params: { conversation_id: string } }>('/conversations/:conversation_id/reply', async (request) => {
    const { workspace } = context(request);
    const raw = (request.body ?? {}) as { type?: unknown };
    if (raw.type === 'admin') {
      const parsed = AdminReply.safeParse(raw);
      if (!parsed.success) throw parameterInvalid(zodMessage(parsed.error));
      const body = parsed.data;
      if (body.message_type !== 'quick_reply' && !body.body) throw parameterInvalid('Body is required');
      const conversation = find(workspace.id, request.params.conversation_id);
      actingAdmin(workspace.id, body.admin_id);
      const part = act.adminReply(core, conversation, body.admin_id, body.message_type, body.body ?? null, body.attachment_urls);
      return answer(conversation, [part]);
    }
    if (raw.type === 'user') {
      const parsed = ContactReply.safeParse(raw);
      if (!parsed.success) throw parameterInvalid(zodMessage(parsed.error));
      const body = parsed.data;
      const contacts = listInWorkspace(state.contacts, workspace.id).filter((c) => c.mergedInto === null);
      const contact = contacts.find(
        (c) => (body.intercom_user_id !== undefined && c.id === body.intercom_user_id) || (body.user_id !== undefined && c.externalId === body.user_id) || (body.email !== undefined && c.email === body.email),
      );
      if (!contact) throw notFound('User Not Found');
      let conversation: Conversation;
      if (request.params.conversation_id === 'last') {
        // "last": the contact's most recent conversation; none → 422 (D-reply217).
        const latest = listInWorkspace(state.conversations, workspace.id)
          .filter((c) => c.contactIds.includes(contact.id))
          .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))[0];
        if (!latest) throw new IntercomError(422, 'unprocessable_entity', 'Contact has no conversations');
        conversation = latest;
      } else {
        conversation = find(workspace.id, request.params.conversation_id);
      }
      const part = act.contactReply(core, conversation, contact, body.body, body.attachment_urls);
      return answer(conversation, [part]);
    }
    throw parameterInvalid('type must be one of admin, user');
  });

  app.post<{ Params: { conversation_id: string } }>('/conversations/:conversation_id/parts', async (request) => {
    const { workspace } = context(request);
    const parsed = PartsBody.safeParse(request.body ?? {});
    if (!parsed.success) throw parameterInvalid(zodMessage(parsed.error));
    const body = parsed.data;
    const conversation = find(workspace.id, request.params.conversation_id);
    actingAdmin(workspace.id, body.admin_id);
    let part: Part;
    switch (body.message_type) {
      case 'close':
        part = act.close(core, conversation, body.admin_id, body.body ?? null);
        break;
      case 'open':
        part = act.open(core, conversation, body.admin_id);
        break;
      case 'snoozed':
        part = act.snooze(core, conversation, body.admin_id, body.snoozed_until);
        break;
      case 'assignment': {
        const exists = body.assignee_id === '0' || (body.type === 'admin' ? inWorkspace(state.admins, workspace.id, body.assignee_id) : inWorkspace(state.teams, workspace.id, body.assignee_id));
        if (!exists) throw new IntercomError(404, 'assignee_not_found', 'Assignee not found');
        part = act.assign(core, conversation, body.admin_id, body.type, body.assignee_id, body.body ?? null);
        break;
      }
    }
    return answer(conversation, [part]);
  });
}
