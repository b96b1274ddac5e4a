// Conversation calls (intercom-api.md §3): get with its parts (and whether the 500-part cap cut
// any off), list and search with cursor pages, and admin actions — reply, note, close, open.
// Actions are POSTs that are not idempotent: a timeout or 5xx surfaces as 'ambiguous_write'
// (upstream-client.ts) and is never sent a second time here.
import type { UpstreamClient } from '../upstream-client.ts';
import { UpstreamError } from '../upstream-error.ts';
import { cursorPages, itemsOf, nextCursor, type Page } from './paginate.ts';
import { Conversation, ConversationList, type IntercomConversationRaw, type IntercomPart } from './schemas.ts';
import { clampPerPage, searchQueryProblem, type SearchQuery, type SearchSort } from './search-query.ts';

/**
 * GET /conversations/{id} "returns at most 500 parts … the 500 most recent" (S14
 * #/paths/~1conversations~1{conversation_id}/get/description; §3.4).
 */
export const CONVERSATION_PART_CAP = 500;

/**
 * Omit that keeps the known keys of a loose (index-signature) object type: the built-in Omit maps
 * over `keyof T`, which for such a type is `string`, and so turns every known field into unknown.
 */
type OmitKnown<T, K extends PropertyKey> = { [P in keyof T as P extends K ? never : P]: T[P] };

export interface IntercomConversation extends OmitKnown<IntercomConversationRaw, 'conversation_parts'> {
  parts: IntercomPart[];
  /** The true number of parts (`statistics.count_conversation_parts`), when Intercom says. */
  partCount: number | undefined;
  /** Older parts were left out by the 500-part cap: a transcript built from `parts` is incomplete. */
  partsTruncated: boolean;
}

export interface AdminAction {
  conversationId: string;
  adminId: string;
}

const path = (conversationId: string, suffix = '') => `/conversations/${encodeURIComponent(conversationId)}${suffix}`;

function withParts(raw: IntercomConversationRaw): IntercomConversation {
  const { conversation_parts: list, ...rest } = raw;
  const parts = list?.conversation_parts ?? [];
  // `conversation_parts.total_count` is the number returned; the true count is in statistics (§3.4).
  const reported = raw.statistics?.count_conversation_parts ?? undefined;
  // Only a full page can have been capped: if statistics ever counted something that is not a
  // returned part, a short conversation must not be flagged as truncated.
  const partsTruncated = parts.length >= CONVERSATION_PART_CAP && (reported === undefined || reported > parts.length);
  return { ...rest, parts, partCount: reported, partsTruncated };
}

function checkQuery(query: SearchQuery): void {
  const problem = searchQueryProblem(query);
  if (problem) throw new UpstreamError({ service: 'intercom', kind: 'invalid_request', status: null, method: 'POST', path: '/conversations/search', vendorMessage: problem });
}

export function conversationMethods(upstream: UpstreamClient) {
  const listPage = async (perPage: number, startingAfter: string | undefined): Promise<Page<IntercomConversationRaw>> => {
    const list = await upstream.json({ method: 'GET', path: '/conversations', query: { per_page: perPage, starting_after: startingAfter } }, ConversationList);
    return { items: list.conversations, next: nextCursor(list.pages) };
  };

  const searchPage = async (query: SearchQuery, options: SearchOptions, startingAfter: string | undefined): Promise<Page<IntercomConversationRaw>> => {
    const body = {
      query,
      pagination: { per_page: clampPerPage(options.perPage, 150), ...(startingAfter && { starting_after: startingAfter }) },
      ...(options.sort && { sort: options.sort }),
    };
    // A search reads; sending it twice is harmless, so it may be retried like a GET.
    const list = await upstream.json({ method: 'POST', path: '/conversations/search', body, idempotent: true }, ConversationList);
    return { items: list.conversations, next: nextCursor(list.pages), ...(typeof list.total_count === 'number' ? { total: list.total_count } : {}) };
  };

  const act = (suffix: '/reply' | '/parts', action: AdminAction, body: Record<string, unknown>) =>
    upstream.json({ method: 'POST', path: path(action.conversationId, suffix), body: { ...body, admin_id: action.adminId } }, Conversation);

  return {
    /** One conversation with every part Intercom returns (at most the 500 most recent). */
    async getConversation(conversationId: string, options: { plaintext?: boolean } = {}): Promise<IntercomConversation> {
      const raw = await upstream.json({ method: 'GET', path: path(conversationId), query: { display_as: options.plaintext ? 'plaintext' : undefined } }, Conversation);
      return withParts(raw);
    },

    /** GET /conversations, newest update first; no parts (§3.5). */
    listConversationPages(options: { perPage?: number; startingAfter?: string } = {}): AsyncGenerator<Page<IntercomConversationRaw>> {
      return cursorPages((cursor) => listPage(clampPerPage(options.perPage, 150), cursor), options.startingAfter);
    },

    /**
     * POST /conversations/search, page by page. A page's `next` is the cursor to store for resuming.
     * `>`/`<` are inclusive for conversations (§3.5): overlap watermarks and deduplicate.
     */
    // Generators, so a bad query fails on the first next() like any other error of the walk.
    async *searchConversationPages(query: SearchQuery, options: SearchOptions = {}): AsyncGenerator<Page<IntercomConversationRaw>> {
      checkQuery(query);
      yield* cursorPages((cursor) => searchPage(query, options, cursor), options.startingAfter);
    },

    async *searchConversations(query: SearchQuery, options: SearchOptions = {}): AsyncGenerator<IntercomConversationRaw> {
      checkQuery(query);
      yield* itemsOf(cursorPages((cursor) => searchPage(query, options, cursor), options.startingAfter));
    },

    /** A reply the customer sees (part_type `comment`; §3.6). */
    reply(action: AdminAction & { body: string; attachmentUrls?: string[] }): Promise<IntercomConversationRaw> {
      return act('/reply', action, { message_type: 'comment', type: 'admin', body: action.body, ...(action.attachmentUrls && { attachment_urls: action.attachmentUrls }) });
    },

    /** An internal note: admins only, the customer is not notified (part_type `note`; §3.6). */
    note(action: AdminAction & { body: string }): Promise<IntercomConversationRaw> {
      return act('/reply', action, { message_type: 'note', type: 'admin', body: action.body });
    },

    /** Close, optionally with a message (S14 close_conversation_request; §3.7). */
    close(action: AdminAction & { body?: string }): Promise<IntercomConversationRaw> {
      return act('/parts', action, { message_type: 'close', type: 'admin', ...(action.body !== undefined && { body: action.body }) });
    },

    /** Reopen (S14 open_conversation_request: message_type and admin_id only; §3.7). */
    open(action: AdminAction): Promise<IntercomConversationRaw> {
      return act('/parts', action, { message_type: 'open' });
    },
  };
}

export interface SearchOptions {
  /** Default and maximum 150 (D-pag). */
  perPage?: number;
  sort?: SearchSort;
  /** Resume from a stored cursor. */
  startingAfter?: string;
}

export type ConversationMethods = ReturnType<typeof conversationMethods>;
