// The Inbox app without HTTP (issue #20): check the signature on the raw bytes, parse, find the
// workspace's connection, then answer a canvas — the conversation's facts on initialize, the result
// of the button on submit. A forged or unsigned request gets 401, a workspace no connection has gets
// 404, and in both cases nothing is read or written. The request body (it carries the conversation)
// is never logged nor stored; activity entries carry ids, outcomes and the teammate's name.
import type { Logger } from 'pino';
import type { CaptureDeps } from '../capture/capture-conversation.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import { listConnections, type Connection } from '../db/repos/connections.ts';
import type { SigningSecret, SigningSecrets } from '../webhooks/signing-secrets.ts';
import { canvasResponse, type CanvasResponse, type Component } from './canvas-components.ts';
import { contactOf, conversationIdOf, conversationViewOf, InitializeRequest, inputValue, storedDataOf, SubmitRequest, type CanvasContact, type ConversationView } from './canvas-request.ts';
import { findCanvasSigner } from './canvas-signature.ts';
import { ACTION_MS, answerDeadline, LATE, SEARCH_MS, withinMs, type AnswerDeadline } from './answer-deadline.ts';
import { keptRead } from './kept-read.ts';
import { createTicket, linkTicket, pushConversation, recordInboxAction, searchTickets, type Teammate } from './inbox-actions.ts';
import { forgetContact, gatherFacts, type InboxCache } from './inbox-facts.ts';
import { ACTION_IDS, inboxCanvas, LINK_PREFIX, linkTicketCanvas, problemCanvas, type ActionResult } from './inbox-view.ts';
import { pairedContactCompany } from '../records/pair-store.ts';

export interface InboxAppDeps {
  log: Logger;
  db: CaptureDeps['db'];
  clients: ConnectionClients;
  capture: CaptureDeps;
  secrets: SigningSecrets;
  cache: InboxCache;
  now: () => number;
  /** How much the answer's deadlines are stretched (answerDeadline): 1 but in tests. */
  deadlineStretch: number;
}

export type InboxAnswer = { status: 200; body: CanvasResponse } | { status: 400 | 401 | 404; code: string; message: string };

async function matchSecret(deps: InboxAppDeps, raw: Buffer, signature: string | undefined): Promise<SigningSecret | undefined> {
  const first = findCanvasSigner(raw, signature, await deps.secrets.list('intercom'));
  if (first) return first;
  // A secret added a moment ago (a new token connection) is found without a restart; reload is rate-limited.
  deps.secrets.reload();
  return findCanvasSigner(raw, signature, await deps.secrets.list('intercom'));
}

/**
 * The connection the workspace's requests are for. A connection's own app secret vouches only for
 * that connection; the configured app's secret for every connection on the workspace. When several
 * share the workspace, the pick is deterministic: an active one first, then the oldest, then by id.
 */
async function connectionsOf(deps: InboxAppDeps, workspaceId: string, signer: SigningSecret): Promise<Connection[]> {
  const rank = (row: Connection) => (row.status === 'active' ? 0 : row.status === 'disconnected' ? 2 : 1);
  return (await listConnections(deps.db))
    .filter((row) => row.intercomWorkspaceId === workspaceId && (signer.connectionId === null || row.id === signer.connectionId))
    .toSorted((a, b) => rank(a) - rank(b) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

type Verified<T> = { ok: true; request: T; row: Connection; others: Connection[] } | { ok: false; answer: InboxAnswer };

async function verify<T extends InitializeRequest>(deps: InboxAppDeps, raw: Buffer, signature: string | undefined, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): Promise<Verified<T>> {
  const signer = await matchSecret(deps, raw, signature);
  if (!signer) {
    const none = (await deps.secrets.list('intercom')).length === 0;
    return { ok: false, answer: { status: 401, code: 'invalid_signature', message: `The X-Body-Signature ${signature ? 'does not match' : 'is missing'}${none ? ' (no Intercom app secret is configured)' : ''}: the request was not accepted.` } };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, answer: { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON.' } };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, answer: { status: 400, code: 'invalid_request', message: 'The request is not a Canvas Kit request (workspace_id and admin are required).' } };
  const rows = await connectionsOf(deps, parsed.data.workspace_id, signer);
  const [row, ...others] = rows;
  if (!row) return { ok: false, answer: { status: 404, code: 'unknown_workspace', message: 'No connection has this Intercom workspace.' } };
  return { ok: true, request: parsed.data, row, others };
}

const teammateOf = (request: InitializeRequest): Teammate => ({ id: request.admin.id, name: request.admin.name ?? null });

function respond(components: Component[], stored: { conversationId: string | null; contactId: string | null }): InboxAnswer {
  const data: Record<string, string> = {};
  if (stored.conversationId) data['conversationId'] = stored.conversationId;
  if (stored.contactId) data['contactId'] = stored.contactId;
  return { status: 200, body: canvasResponse(components, data) };
}

interface Seen {
  conversationId: string;
  contact: CanvasContact | null;
  conversation: ConversationView;
}

async function mainCanvas(deps: InboxAppDeps, row: Connection, others: Connection[], seen: Seen, options: { fresh: boolean; deadline: AnswerDeadline; result?: ActionResult }): Promise<InboxAnswer> {
  const { conversationId, contact } = seen;
  const facts = await gatherFacts({ db: deps.db, clients: deps.clients, tickets: deps.capture.tickets, cache: deps.cache, now: deps.now }, row, {
    conversationId, contact, conversation: seen.conversation, fresh: options.fresh, alsoOnWorkspace: others.map((other) => other.name), deadline: options.deadline,
  });
  return respond(inboxCanvas(facts, options.result), { conversationId, contactId: contact?.id ?? null });
}

/**
 * An action's result, or — when it takes longer than ACTION_MS (answer-deadline.ts; a capture whose
 * calls meet a slow HubSpot or are retried does) — a card saying it is still working. The work goes
 * on, its activity entry is written when it ends, and Refresh shows the result.
 */
async function withinDeadline(deps: InboxAppDeps, work: Promise<ActionResult>, deadline: AnswerDeadline): Promise<ActionResult> {
  // What fails after the answer was sent is logged (the error's name and message; never the request).
  work.catch((error: unknown) => deps.log.error({ err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, 'Inbox app action failed'));
  const result = await withinMs(work, deadline.left(ACTION_MS));
  return result === LATE ? { ok: true, message: 'Still working: press Refresh in a moment to see the result.' } : result;
}

/** A search for a ticket kept this long: pressing Search again while it runs shows it instead of searching again. */
const SEARCH_TTL_MS = 30_000;

const NO_CONVERSATION = 'Open this app in a conversation\u2019s details: the request names no conversation.';

export async function initializeInbox(deps: InboxAppDeps, raw: Buffer, signature: string | undefined): Promise<InboxAnswer> {
  const deadline = answerDeadline(undefined, undefined, deps.deadlineStretch);
  const verified = await verify(deps, raw, signature, InitializeRequest);
  if (!verified.ok) return verified.answer;
  const { request, row, others } = verified;
  const conversationId = conversationIdOf(request);
  if (!conversationId) return respond(problemCanvas(NO_CONVERSATION), { conversationId: null, contactId: null });
  return mainCanvas(deps, row, others, { conversationId, contact: contactOf(request), conversation: conversationViewOf(request) }, { fresh: false, deadline });
}

export async function submitInbox(deps: InboxAppDeps, raw: Buffer, signature: string | undefined): Promise<InboxAnswer> {
  const deadline = answerDeadline(undefined, undefined, deps.deadlineStretch);
  const verified = await verify(deps, raw, signature, SubmitRequest);
  if (!verified.ok) return verified.answer;
  const { request, row, others } = verified;
  const storedData = storedDataOf(request);
  const conversationId = conversationIdOf(request, storedData);
  if (!conversationId) return respond(problemCanvas(NO_CONVERSATION), { conversationId: null, contactId: null });
  const contact = contactOf(request) ?? (storedData.contactId ? { id: storedData.contactId } : null);
  const teammate = teammateOf(request);
  const actionDeps = { db: deps.db, clients: deps.clients, capture: deps.capture, tickets: deps.capture.tickets, now: deps.now };
  const keep = { conversationId, contactId: contact?.id ?? null };
  const seen: Seen = { conversationId, contact, conversation: conversationViewOf(request) };
  // After a write, what HubSpot shows of the contact may have changed: read it again. Done when the
  // write ends, so an action still working after the answer leaves the next Refresh a fresh read.
  const forget = async () => {
    const paired = contact ? await pairedContactCompany(deps.db, row.id, contact.id) : undefined;
    if (paired) forgetContact(deps.cache, row.id, paired.hubspotId);
  };
  const thenForget = (work: Promise<ActionResult>) => work.finally(forget);
  const id = request.component_id;

  switch (id) {
    case ACTION_IDS.push:
    case ACTION_IDS.pushAnyway: {
      const result = await withinDeadline(deps, thenForget(pushConversation(actionDeps, row, conversationId, teammate, id === ACTION_IDS.pushAnyway)), deadline);
      return mainCanvas(deps, row, others, seen, { fresh: false, deadline, result });
    }
    case ACTION_IDS.createTicket: {
      const result = await withinDeadline(deps, thenForget(createTicket(actionDeps, row, conversationId, teammate)), deadline);
      return mainCanvas(deps, row, others, seen, { fresh: false, deadline, result });
    }
    case ACTION_IDS.linkTicket:
      return respond(linkTicketCanvas({ query: '', hits: null }), keep);
    case ACTION_IDS.ticketSearch: {
      const query = inputValue(request, ACTION_IDS.ticketQuery);
      const searchKey = `${row.id}\n${query}`;
      const search = keptRead(deps.cache.searches, searchKey, { ttl: SEARCH_TTL_MS, now: deps.now(), again: true }, () => searchTickets(actionDeps, row, query));
      const found = await withinMs(search.value, deadline.left(SEARCH_MS));
      if (found === LATE) return respond(linkTicketCanvas({ query, hits: null, message: 'HubSpot is slow: the search goes on. Press Search again in a moment to see what it found.' }), keep);
      // A refusal (busy, no query) is not kept: the next Search asks again.
      if ('message' in found) {
        if (deps.cache.searches.get(searchKey) === search) deps.cache.searches.delete(searchKey);
      } else search.shown = true;
      return respond(linkTicketCanvas('hits' in found ? { query, hits: found.hits } : { query, hits: null, message: found.message }), keep);
    }
    case ACTION_IDS.refresh: {
      const startedAt = deps.now();
      const answer = await mainCanvas(deps, row, others, seen, { fresh: true, deadline });
      await recordInboxAction(actionDeps, row, { conversationId, teammate, action: 'refresh', outcome: 'unchanged', startedAt });
      return answer;
    }
    case ACTION_IDS.back:
      return mainCanvas(deps, row, others, seen, { fresh: false, deadline });
    default: {
      if (id.startsWith(LINK_PREFIX) && id.length > LINK_PREFIX.length) {
        // The ticket path puts a conversation's ticket on its first customer; a link does too.
        const intercomContactId = seen.conversation.firstContactId ?? contact?.id ?? null;
        const result = await withinDeadline(deps, linkTicket(actionDeps, row, { conversationId, ticketId: id.slice(LINK_PREFIX.length), intercomContactId, conversationState: request.conversation?.state }, teammate), deadline);
        return mainCanvas(deps, row, others, seen, { fresh: false, deadline, result });
      }
      // A click on something that is not a button (a deal in the list): the canvas again.
      return mainCanvas(deps, row, others, seen, { fresh: false, deadline });
    }
  }
}
