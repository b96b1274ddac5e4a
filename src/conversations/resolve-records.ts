// The first step of both conversation pipelines (the note's in src/capture/capture-conversation.ts,
// the ticket's in src/tickets/conversation-ticket.ts): fetch the conversation fresh from Intercom (DESIGN.md §2,
// invariant 3), check that an on_close capture's window has passed, apply the noise guards, route
// it, find (or create) its HubSpot contact and company and associate them (resolve-customer.ts: from
// their pairs, reading the contact and company again only when needed), and name its owner.
// src/conversations is below both: it imports neither src/capture nor src/tickets, so the ticket
// pipeline runs without capture (tickets.createWhen: first_customer_message).
import type { Kysely } from 'kysely';
import type { ConnectionSettings, Destination, TicketPolicy } from '../config/connection-settings.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import type { IntercomClient } from '../integrations/intercom/client.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { RetryAfterError } from '../jobs/outcomes.ts';
import type { MatchKeyHasher } from '../matching/match-key.ts';
import { checkGuards, type GuardName } from './guards.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { associateContactWithCompany, type MatchDeps, type Matched } from './match-records.ts';
import { resolveCustomer, wantsCompanyName, type ContactFilter, type Customer, type CustomerCompany } from './resolve-customer.ts';
import { routeConversation } from './routing.ts';
import { closeWindow } from './close-window.ts';
import { guardTrace } from '../explain/guard-trace.ts';
import { traceStep } from '../explain/trace-recorder.ts';

/** Closed again since the job was scheduled: the capture waits for the last close's grace window (no attempt used). */
class CloseWindowOpenError extends RetryAfterError {
  constructor(delayMs: number, until: string) {
    super(delayMs, `closed again since this capture was scheduled; it waits for the grace window of the last close (until ${until})`);
    this.name = 'CloseWindowOpenError';
  }
}

export const CAPTURE_TRIGGERS = ['on_close', 'realtime', 'rolling', 'sweep', 'manual', 'api', 'ui', 'first_message', 'backfill'] as const;
export type CaptureTrigger = (typeof CAPTURE_TRIGGERS)[number];

export type RefusalCode = 'unknown_connection' | 'connection_paused' | 'needs_reauth' | 'not_connected' | 'unknown_conversation';

/** The capture cannot start; API Push answers with the status, a job ends without retrying. */
export class CaptureRefusedError extends Error {
  override name = 'CaptureRefusedError';
  readonly code: RefusalCode;
  readonly status: 404 | 409;

  constructor(code: RefusalCode, status: 404 | 409, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** What resolving needs: the services every conversation pipeline shares. */
export interface ResolveDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  locks: KeyedLock;
  now: () => number;
  /** The HubSpot owner for an Intercom teammate (user mapping), or null. */
  ownerFor(connectionId: string, adminId: string | null): Promise<string | null>;
  /** Match keys as record_links stores them: keyed hashes (src/matching/match-key.ts). */
  matchKeys: MatchKeyHasher;
  /** The contacts' record filters, when they keep conversations out (#18 item 2): given by the composition. */
  contactFilter?: ContactFilter;
}

export type { ContactFilter } from './resolve-customer.ts';

export interface RecordDecision {
  id: string | null;
  how: Matched['how'];
  created: boolean;
  skipped?: string;
  tieBreak?: string;
}

interface Routed {
  rule: string | null;
  destinations: Destination[];
}

/** Why a pipeline stops before writing: a sentence, and the guard or rule that said so. */
export interface Skip {
  reason: string;
  guard?: GuardName;
  routed?: Routed;
}

export interface ResolvedConversation {
  row: Connection;
  settings: ConnectionSettings;
  intercom: IntercomClient;
  hubspot: HubSpotClient;
  conversation: IntercomConversation;
  routed: Routed;
  /** The route's ticket policy, else the connection's. */
  ticketPolicy: TicketPolicy;
  contact: Customer;
  company: CustomerCompany | null;
  contactMatch: Matched;
  companyMatch: Matched | null;
  records: { contact: RecordDecision; company?: RecordDecision };
  ownerId: string | null;
  matchDeps: MatchDeps;
}

export interface ResolveOptions {
  trigger: CaptureTrigger;
  /** Bypass the closed-window check and the noise guards (API Push `force`). */
  force: boolean;
  /** The noise guards apply (the note pipeline); a ticket made at the first message ignores them. */
  guards: boolean;
  /** Nothing is created or remembered while matching (a dry run). */
  dryRun: boolean;
  /** After routing, before any record is matched: a reason to stop, or null to go on. */
  accept?(routed: Routed, ticketPolicy: TicketPolicy): string | null;
}

function decision(match: Matched): RecordDecision {
  return { id: match.id, how: match.how, created: match.created, ...(match.skipped ? { skipped: match.skipped } : {}), ...(match.tieBreak ? { tieBreak: match.tieBreak } : {}) };
}

export async function resolveConversation(deps: ResolveDeps, row: Connection, settings: ConnectionSettings, conversationId: string, options: ResolveOptions): Promise<ResolvedConversation | Skip> {
  const intercom = deps.clients.intercom(row);
  const hubspot = deps.clients.hubspot(row);

  let conversation: IntercomConversation;
  try {
    conversation = await intercom.getConversation(conversationId);
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'not_found') {
      throw new CaptureRefusedError('unknown_conversation', 404, `Intercom has no conversation ${conversationId} in this workspace.`);
    }
    throw error;
  }

  // on_close decides from the conversation as it is now, not from the event that scheduled the job
  // (events come late and out of order): closed, and for a whole grace window since its last close.
  const capture = settings.conversations.capture;
  if (!options.force && (options.trigger === 'on_close' || (options.trigger === 'sweep' && capture.mode === 'on_close'))) {
    const lastCloseAt = conversation.statistics?.last_close_at;
    const window = closeWindow({ state: conversation.state, lastCloseAt: lastCloseAt ? lastCloseAt * 1000 : null, graceMinutes: capture.graceMinutes, now: deps.now() });
    if (window.kind === 'not_closed') return { reason: 'the conversation is open again; it is captured at its next close' };
    if (window.kind === 'wait') throw new CloseWindowOpenError(window.until - deps.now(), new Date(window.until).toISOString());
  }
  if (!options.force && options.guards) {
    const verdict = checkGuards(conversation, settings.conversations.guards);
    traceStep('guards', guardTrace(conversation, settings.conversations.guards, verdict));
    if (!verdict.pass) return { reason: verdict.reason, guard: verdict.guard };
  }
  const route = routeConversation(conversation, settings.conversations.routing);
  const routed: Routed = { rule: route.rule, destinations: route.destinations };
  traceStep('routing', { rule: route.rule, destinations: route.destinations, reason: route.reason, ...(route.ticketPolicy ? { ticketPolicy: route.ticketPolicy } : {}) });
  if (route.destinations.length === 0) return { reason: route.reason, routed };
  const ticketPolicy = route.ticketPolicy ?? settings.tickets.policy;
  const refused = options.accept?.(routed, ticketPolicy);
  if (refused) return { reason: refused, routed };

  const contactId = conversation.contacts?.contacts[0]?.id;
  if (!contactId) return { reason: 'the conversation has no customer contact', routed };
  const wantsCompany = route.destinations.includes('company') || route.destinations.includes('ticket');
  const matchDeps: MatchDeps = { db: deps.db, hubspot, locks: deps.locks, connectionId: row.id, now: deps.now, dryRun: options.dryRun, matchKeys: deps.matchKeys };
  const customer = await resolveCustomer(deps, { row, settings, intercom, conversation, contactId, wantsCompany, companyNameNeeded: wantsCompanyName(route.destinations, ticketPolicy, settings), matchDeps });
  if ('reason' in customer) return { ...customer, routed };
  const { contact, company, contactMatch, companyMatch } = customer;
  // Until HubSpot has confirmed this pair's association (a company made just now carried it in its
  // create), it is asked for: a call that failed or a crash cut off is made again on the rerun.
  if (settings.matching.companies.associateContact && contactMatch.id && companyMatch?.id) await associateContactWithCompany(matchDeps, contactMatch.id, companyMatch.id);

  const records = { contact: decision(contactMatch), ...(companyMatch ? { company: decision(companyMatch) } : {}) };
  const ownerId = await deps.ownerFor(row.id, conversation.admin_assignee_id ?? null);
  return { row, settings, intercom, hubspot, conversation, routed, ticketPolicy, contact, company, contactMatch, companyMatch, records, ownerId, matchDeps };
}

export const isSkip = (value: ResolvedConversation | Skip): value is Skip => 'reason' in value;

const INBOX_HOST = { us: 'app.intercom.com', eu: 'app.eu.intercom.com', au: 'app.au.intercom.com' } as const;

/** The conversation in Intercom's inbox (the region's app host). */
export const conversationUrl = (row: Connection, conversationId: string) =>
  `https://${INBOX_HOST[row.intercomRegion]}/a/inbox/${encodeURIComponent(row.intercomWorkspaceId ?? '')}/inbox/conversation/${encodeURIComponent(conversationId)}`;
