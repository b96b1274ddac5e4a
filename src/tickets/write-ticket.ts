// A conversation's ticket, made at most once (DESIGN.md §2, invariant 2): the reference goes into the
// ticket's description and src/integrations/hubspot/create-once.ts commits it before the create, so
// after a crash or a lost answer the next run finds the ticket among the contact's associated
// tickets instead of creating a second one. A conversation that has a ticket
// keeps it; one whose ticket a person deleted in HubSpot does not get another.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ConversationState, TicketPolicy } from '../config/connection-settings.ts';
import type { Database, TicketLinkRow } from '../db/schema.ts';
import type { InlineAssociation, Properties } from '../integrations/hubspot/calls/objects.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import { createOnce, findByReference, type ParentType } from '../integrations/hubspot/create-once.ts';
import type { ResolvedPipeline } from './resolve-pipeline.ts';
import { getTicketLink, openTicketOfContact, saveTicketLink } from './ticket-store.ts';

/** ticket → contact 16, ticket → company 339 (unlabelled; hubspot-api.md §11.3). */
const TICKET_TO = { contact: 16, company: 339 } as const;

function ticketReference(connectionId: string, conversationId: string): string {
  const connection = createHash('sha256').update(connectionId).digest('hex').slice(0, 8);
  return `ihz-ticket-${connection}-${conversationId}`;
}

export interface TicketRequest {
  connectionId: string;
  conversationId: string;
  policy: Exclude<TicketPolicy, 'none'>;
  contactId: string | null;
  companyId: string | null;
  resolved: ResolvedPipeline;
  state: ConversationState;
  /** The ticket's properties carrying the reference (src/tickets/ticket-content.ts). */
  properties(reference: string): Properties;
}

export type TicketOutcome =
  | { outcome: 'created' | 'existing' | 'reused' | 'recovered'; ticketId: string }
  | { outcome: 'deleted'; ticketId: string | null; problem: string };

export interface TicketDeps {
  db: Kysely<Database>;
  hubspot: HubSpotClient;
  now: () => number;
}

/** A ticket carrying `reference` (in its description), among the parents' associated tickets. */
export function findTicketByReference(hubspot: HubSpotClient, parents: { contactId: string | null; companyId: string | null }, reference: string): Promise<string | undefined> {
  const lists: Array<{ type: ParentType; id: string }> = [];
  if (parents.contactId) lists.push({ type: 'contacts', id: parents.contactId });
  if (parents.companyId) lists.push({ type: 'companies', id: parents.companyId });
  return findByReference(hubspot, { parents: lists, objectType: 'tickets', property: 'content', reference });
}

function associations(request: TicketRequest): InlineAssociation[] {
  const out: InlineAssociation[] = [];
  if (request.contactId) out.push({ to: { id: request.contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TICKET_TO.contact }] });
  if (request.companyId) out.push({ to: { id: request.companyId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TICKET_TO.company }] });
  return out;
}

type LocalDecision =
  | { kind: 'deleted'; link: TicketLinkRow }
  | { kind: 'existing'; ticketId: string }
  | { kind: 'reuse'; open: TicketLinkRow & { ticket_id: string } }
  | { kind: 'create'; link: TicketLinkRow | undefined };

/** What the stored links decide before HubSpot is asked anything: ensureTicket and planTicket share it. */
async function decideFromLinks(db: Kysely<Database>, request: Pick<TicketRequest, 'connectionId' | 'conversationId' | 'policy' | 'contactId'>): Promise<LocalDecision> {
  const link = await getTicketLink(db, request.connectionId, request.conversationId);
  if (link?.status === 'deleted') return { kind: 'deleted', link };
  if (link?.ticket_id) return { kind: 'existing', ticketId: link.ticket_id };
  if (request.policy === 'reuse_open' && request.contactId) {
    const open = await openTicketOfContact(db, request.connectionId, request.contactId);
    if (open?.ticket_id) return { kind: 'reuse', open: { ...open, ticket_id: open.ticket_id } };
  }
  return { kind: 'create', link };
}

const deletedProblem = (link: TicketLinkRow) => link.problem ?? 'the ticket was deleted in HubSpot';

/** What ensureTicket would answer, writing nothing (a dry run); 'planned' where it would create (or recover) one. */
export async function planTicket(db: Kysely<Database>, request: Pick<TicketRequest, 'connectionId' | 'conversationId' | 'policy' | 'contactId'>): Promise<TicketOutcome | { outcome: 'planned'; ticketId: null }> {
  const decided = await decideFromLinks(db, request);
  if (decided.kind === 'deleted') return { outcome: 'deleted', ticketId: decided.link.ticket_id, problem: deletedProblem(decided.link) };
  if (decided.kind === 'existing') return { outcome: 'existing', ticketId: decided.ticketId };
  if (decided.kind === 'reuse') return { outcome: 'reused', ticketId: decided.open.ticket_id };
  return { outcome: 'planned', ticketId: null };
}

export async function ensureTicket(deps: TicketDeps, request: TicketRequest): Promise<TicketOutcome> {
  const { connectionId, conversationId } = request;
  const decided = await decideFromLinks(deps.db, request);
  if (decided.kind === 'deleted') return { outcome: 'deleted', ticketId: decided.link.ticket_id, problem: deletedProblem(decided.link) };
  if (decided.kind === 'existing') return { outcome: 'existing', ticketId: decided.ticketId };

  const stage = request.resolved.stages[request.state];
  const synced = { pipeline_id: request.resolved.pipelineId, stage_id: stage.id, stage_closed: stage.closed ? 1 : 0, state: request.state, contact_id: request.contactId } as const;

  if (decided.kind === 'reuse') {
    const { open } = decided;
    await saveTicketLink(deps.db, connectionId, conversationId, { ticket_id: open.ticket_id, pending_ref: null, status: 'active', ...synced, stage_id: open.stage_id, stage_closed: open.stage_closed, state: open.state }, deps.now());
    return { outcome: 'reused', ticketId: open.ticket_id };
  }
  const { link } = decided;

  const reference = ticketReference(connectionId, conversationId);
  const ticket = await createOnce({
    reference,
    pendingRef: link?.pending_ref,
    find: () => findTicketByReference(deps.hubspot, request, reference),
    markPending: () => saveTicketLink(deps.db, connectionId, conversationId, { pending_ref: reference, status: 'active', contact_id: request.contactId }, deps.now()),
    create: () => deps.hubspot.tickets.create({ properties: request.properties(reference), associations: associations(request) }),
    commit: (ticketId) => saveTicketLink(deps.db, connectionId, conversationId, { ticket_id: ticketId, pending_ref: null, status: 'active', ...synced }, deps.now()),
  });
  return { outcome: ticket.recovered ? 'recovered' : 'created', ticketId: ticket.id };
}
