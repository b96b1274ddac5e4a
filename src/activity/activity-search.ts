// What a person pastes into the activity search: an Intercom conversation id, the conversation's
// URL in Intercom's inbox, or the reference at the foot of a HubSpot note ("ref ihz-…",
// src/capture/write-note.ts noteReference), which leads to the capture's entries and the settings
// they record. Pure: no I/O.
//
// The product writes inbox links as https://app.intercom.com/a/inbox/<workspace>/inbox/conversation/<id>
// (src/conversations/resolve-records.ts conversationUrl; eu and au workspaces on app.eu./app.au.intercom.com,
// ../shared/docs/intercom-api.md "Workspace UI hosts"); Intercom's own inbox also shows
// …/a/apps/<workspace>/inbox/…/conversations/<id>. Both forms are read.

export interface ConversationSearch {
  conversationId: string;
  /** The Intercom workspace named in a pasted URL: only that workspace's connections can hold it. */
  workspaceId?: string;
}

/** Intercom conversation ids are numeric strings; older or test ids may carry letters, never slashes or spaces. */
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const INTERCOM_HOST = /(^|\.)intercom\.com$/;

export type SearchParse = { ok: true; search: ConversationSearch } | { ok: false; problem: string };

/**
 * ihz-<8 hex of the connection>-<conversation>-<n>; a participant's reference note has
 * <conversation>/ref/<contact> in the middle. A ticket's reference (ihz:…) is not a note's.
 */
const NOTE_REFERENCE = /^(?:ref\s+)?ihz-[0-9a-f]{8}-([A-Za-z0-9_-]{1,64}?)(?:\/ref\/[^\s]+)?-\d+$/;

export function parseConversationSearch(input: string): SearchParse {
  const term = input.trim();
  const reference = NOTE_REFERENCE.exec(term);
  if (reference?.[1]) return { ok: true, search: { conversationId: reference[1] } };
  if (CONVERSATION_ID.test(term)) return { ok: true, search: { conversationId: term } };
  let url: URL;
  try {
    url = new URL(term);
  } catch {
    return { ok: false, problem: 'must be an Intercom conversation id or the conversation’s URL in Intercom' };
  }
  if (!INTERCOM_HOST.test(url.hostname)) return { ok: false, problem: `is a URL on ${url.hostname}, not an Intercom conversation URL` };
  const segments = url.pathname.split('/').filter(Boolean).map((segment) => decodeURIComponent(segment));
  const at = segments.findLastIndex((segment) => segment === 'conversation' || segment === 'conversations');
  const conversationId = at >= 0 ? segments[at + 1] : undefined;
  if (!conversationId || !CONVERSATION_ID.test(conversationId)) return { ok: false, problem: 'is an Intercom URL that names no conversation (…/conversation/<id>)' };
  const workspaceAt = segments[0] === 'a' && (segments[1] === 'inbox' || segments[1] === 'apps') ? segments[2] : undefined;
  return { ok: true, search: { conversationId, ...(workspaceAt ? { workspaceId: workspaceAt } : {}) } };
}
