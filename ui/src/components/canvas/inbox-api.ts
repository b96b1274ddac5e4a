// The sandbox Inbox's calls (src/http/api/sandbox-inbox.ts, issue #20).
import type { SandboxInboxAnswer, SandboxInboxClickBody, SandboxInboxList } from '../../../../src/http/api/sandbox-inbox.ts';
import { request } from '../../api.ts';

const base = (id: string) => `/api/connections/${encodeURIComponent(id)}/sandbox/inbox`;

export const inboxApi = {
  list: (id: string) => request<SandboxInboxList>('GET', base(id)),
  open: (id: string, conversationId: string) => request<SandboxInboxAnswer>('POST', `${base(id)}/open`, { body: { conversationId } }),
  click: (id: string, body: SandboxInboxClickBody) => request<SandboxInboxAnswer>('POST', `${base(id)}/click`, { body }),
};
