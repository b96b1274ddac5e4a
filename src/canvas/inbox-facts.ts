// What the Inbox app shows about a conversation, gathered: from the daemon's own tables first (the
// pairs, the ticket link, the last capture decision — no vendor call), then what HubSpot knows about
// the paired contact (name, email, owner, lifecycle stage, company, open deals), read at most once
// per open and kept a short while in memory (issue #20 item 4). Nothing here is written anywhere:
// the values live in this process's memory for at most HUBSPOT_TTL_MS, and are never logged.
import type { Kysely } from 'kysely';
import type { ConnectionClients } from '../connections/clients.ts';
import { getCapture } from '../conversations/conversation-store.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { lastDecision } from '../explain/explain-conversation.ts';
import type { CaptureDecisionView } from '../explain/explain-types.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import type { Pipeline } from '../integrations/hubspot/schemas.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { contactCreatePolicy, contactLookups } from '../matching/contact-lookups.ts';
import { pairedContactCompany, pairOfIntercom } from '../records/pair-store.ts';
import { createDerivedCache, readDerived, type DerivedDeps } from '../records/hubspot-derived.ts';
import { isClosedStage, resolvePipeline } from '../tickets/resolve-pipeline.ts';
import type { TicketPipelineDeps } from '../tickets/ticket-pipeline.ts';
import { getTicketLink } from '../tickets/ticket-store.ts';
import { ownerForAdmin } from '../owners/owner-store.ts';
import type { MappingSource } from '../owners/resolve-owners.ts';
import type { CanvasContact, ConversationView } from './canvas-request.ts';
import { keptRead, reusable, type KeptRead } from './kept-read.ts';
import type { TicketHit } from './inbox-view.ts';
import { HUBSPOT_READ_MS, LATE, withinMs, type AnswerDeadline } from './answer-deadline.ts';
import { CALLS_PER_OPEN, hubspotWaitMs } from './hubspot-busy.ts';

/** One open's HubSpot read is reused this long (a teammate switching back and forth, the canvas after an action). */
const HUBSPOT_TTL_MS = 60_000;
/** Deal stage labels change rarely. */
const DEAL_PIPELINES_TTL_MS = 5 * 60_000;
/** Open deals shown by name; the count and total cover all (up to MAX_DEALS_READ). */
const TOP_DEALS = 3;
const MAX_DEALS_READ = 100;

interface DealFacts {
  count: number;
  total: number;
  top: Array<{ id: string; name: string; amount: string | null; stage: string }>;
}

export interface HubSpotContactFacts {
  id: string;
  name: string;
  email: string | null;
  ownerName: string | null;
  lifecycleStage: string | null;
  url: string | null;
  company: { id: string; name: string; domain: string | null; url: string | null } | null;
  deals: DealFacts | { problem: string };
}

type HubSpotSide =
  | { kind: 'unpaired'; lookups: string[]; onNoMatch: string }
  | { kind: 'no_contact' }
  | { kind: 'read'; facts: HubSpotContactFacts }
  | { kind: 'gone'; hubspotId: string }
  | { kind: 'busy'; waitMs: number }
  | { kind: 'slow' }
  | { kind: 'failed'; message: string };

interface TicketFacts {
  ticketId: string | null;
  status: 'active' | 'deleted' | 'failed';
  stage: string | null;
  closed: boolean;
  problem: string | null;
  url: string | null;
  /**
   * A linked ticket outside the connection's ticket pipeline: its stage does not follow the
   * conversation until the conversation's state changes, when the stage sync
   * (src/tickets/ticket-tasks.ts syncStage) moves it into the connection's pipeline.
   */
  otherPipeline: { ticketPipeline: string; connectionPipeline: string } | null;
}

/**
 * Who owns the note and ticket a push writes: the user mapping's owner for the conversation's
 * assignee, else the default owner (src/owners/owner-store.ts ownerForAdmin, which capture uses).
 * The HubSpot contact's own owner is another thing: capture never sets it (DESIGN.md "User
 * mapping": used for note and ticket owners).
 */
export interface RecordsOwner {
  name: string | null;
  source: MappingSource;
}

/** A group conversation whose first customer is not the one the card is about. */
interface OtherFirstContact {
  intercomContactId: string;
  /** Its HubSpot contact, when paired. */
  hubspotId: string | null;
}

interface CaptureFacts {
  capturedAt: number | null;
  decision: CaptureDecisionView | null;
}

export interface InboxFacts {
  connection: { id: string; name: string };
  conversationId: string;
  intercomContactId: string | null;
  hubspot: HubSpotSide;
  ticket: TicketFacts | null;
  capture: CaptureFacts;
  recordsOwner: RecordsOwner;
  /** Set when Push and Create ticket act on another customer of the conversation than this card's. */
  actsOn: OtherFirstContact | null;
  /** The other connections on this workspace, when several share it (the one shown was picked by rule). */
  alsoOnWorkspace: string[];
}

type SearchFound = { hits: TicketHit[] } | { message: string };

export interface InboxCache {
  contacts: Map<string, KeptRead<HubSpotContactFacts | null>>;
  /** Ticket searches for Link, by connection and query (inbox-app.ts). */
  searches: Map<string, KeptRead<SearchFound>>;
  dealPipelines: Map<string, KeptRead<Pipeline[]>>;
  derived: DerivedDeps;
}

export function createInboxCache(now: () => number): InboxCache {
  return { contacts: new Map(), searches: new Map(), dealPipelines: new Map(), derived: { cache: createDerivedCache(), now } };
}

/** A teammate's Refresh, or an action that changed what HubSpot holds: the next read goes to HubSpot. */
export function forgetContact(cache: InboxCache, connectionId: string, hubspotContactId: string): void {
  cache.contacts.delete(`${connectionId}/${hubspotContactId}`);
}

export interface FactsDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  tickets: TicketPipelineDeps;
  cache: InboxCache;
  now: () => number;
}

const CONTACT_PROPERTIES = ['firstname', 'lastname', 'email', 'hubspot_owner_id', 'lifecyclestage'];

function dealPipelines(deps: FactsDeps, row: Connection, hubspot: HubSpotClient): Promise<Pipeline[]> {
  return keptRead(deps.cache.dealPipelines, row.id, { ttl: DEAL_PIPELINES_TTL_MS, now: deps.now(), again: false }, () => hubspot.pipelines.list('deals')).value;
}

/** A stage by id: in the named pipeline first, else in any (a stage id is unique within a portal's object type). */
export function findStage(pipelines: readonly Pipeline[], pipelineId: string | null | undefined, stageId: string | null | undefined): Pipeline['stages'][number] | undefined {
  if (!stageId) return undefined;
  return pipelines.find((p) => p.id === pipelineId)?.stages.find((s) => s.id === stageId) ?? pipelines.flatMap((p) => p.stages).find((s) => s.id === stageId);
}

/** Open deals (hs_is_closed, which HubSpot calculates from the stage), the largest first; stages by label. */
async function readDeals(deps: FactsDeps, row: Connection, hubspot: HubSpotClient, contactId: string): Promise<DealFacts | { problem: string }> {
  try {
    const ids: string[] = [];
    for await (const item of hubspot.associations.list('contacts', contactId, 'deals')) {
      ids.push(item.toObjectId);
      if (ids.length === MAX_DEALS_READ) break;
    }
    if (ids.length === 0) return { count: 0, total: 0, top: [] };
    const [read, pipelines] = await Promise.all([
      hubspot.deals.batchRead(ids, { properties: ['dealname', 'amount', 'dealstage', 'pipeline', 'hs_is_closed'] }),
      dealPipelines(deps, row, hubspot),
    ]);
    const open = read.results.filter((deal) => deal.properties['hs_is_closed'] !== 'true');
    const amount = (value: string | null | undefined) => {
      const n = Number(value?.trim() || Number.NaN);
      return Number.isFinite(n) ? n : 0;
    };
    const stageLabel = (pipelineId: string | null | undefined, stageId: string | null | undefined) => findStage(pipelines, pipelineId, stageId)?.label ?? stageId ?? 'no stage';
    const sorted = open.toSorted((a, b) => amount(b.properties['amount']) - amount(a.properties['amount']));
    const total = Math.round(open.reduce((sum, deal) => sum + amount(deal.properties['amount']), 0) * 100) / 100;
    return {
      count: open.length,
      total,
      top: sorted.slice(0, TOP_DEALS).map((deal) => ({
        id: deal.id, name: deal.properties['dealname'] || `Deal ${deal.id}`, amount: deal.properties['amount'] ?? null,
        stage: stageLabel(deal.properties['pipeline'], deal.properties['dealstage']),
      })),
    };
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'forbidden') return { problem: 'this connection may not read deals (scope crm.objects.deals.read)' };
    throw error;
  }
}

async function readCompany(deps: FactsDeps, row: Connection, hubspot: HubSpotClient, contactId: string, pairedCompanyId: Promise<string | null>): Promise<HubSpotContactFacts['company']> {
  let companyId = await pairedCompanyId;
  if (!companyId) {
    for await (const item of hubspot.associations.list('contacts', contactId, 'companies')) {
      companyId = item.toObjectId;
      break;
    }
  }
  if (!companyId) return null;
  try {
    const company = await hubspot.companies.get(companyId, { properties: ['name', 'domain'] });
    const derived = await readDerived(deps.cache.derived, { connectionId: row.id, hubspot, portalId: portalOf(row), object: 'companies', recordId: company.id, properties: company.properties }, ['@record.url']);
    return { id: company.id, name: company.properties['name'] || company.properties['domain'] || `Company ${company.id}`, domain: company.properties['domain'] ?? null, url: stringOrNull(derived['@record.url']) };
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'not_found') return null;
    throw error;
  }
}

const portalOf = (row: Connection) => (row.hubspotPortalId === null ? null : String(row.hubspotPortalId));
const stringOrNull = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/**
 * Everything HubSpot is asked for one paired contact; null when the contact is gone from HubSpot.
 * The company's pair is looked up in the store while HubSpot is asked for the contact: one round
 * trip less before the answer on PostgreSQL, and none at all for an open served from memory.
 */
async function readContact(deps: FactsDeps, row: Connection, hubspot: HubSpotClient, contactId: string, pairedCompanyId: () => Promise<string | null>): Promise<HubSpotContactFacts | null> {
  const companyId = pairedCompanyId();
  // Awaited by readCompany; a contact gone from HubSpot never gets there.
  companyId.catch(() => undefined);
  let contact;
  try {
    contact = await hubspot.contacts.get(contactId, { properties: CONTACT_PROPERTIES });
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'not_found') return null;
    throw error;
  }
  const p = contact.properties;
  const [derived, company, deals] = await Promise.all([
    readDerived(deps.cache.derived, { connectionId: row.id, hubspot, portalId: portalOf(row), object: 'contacts', recordId: contact.id, properties: p }, ['@owner.name', '@record.url'])
      .catch((error: unknown) => (error instanceof UpstreamError && error.kind === 'forbidden' ? {} : Promise.reject(error))),
    readCompany(deps, row, hubspot, contact.id, companyId),
    readDeals(deps, row, hubspot, contact.id),
  ]);
  const name = [p['firstname'], p['lastname']].map((part) => part?.trim()).filter(Boolean).join(' ');
  return {
    id: contact.id, name: name || p['email'] || `Contact ${contact.id}`, email: p['email'] ?? null,
    ownerName: stringOrNull((derived as Record<string, unknown>)['@owner.name']), lifecycleStage: p['lifecyclestage'] || null,
    url: stringOrNull((derived as Record<string, unknown>)['@record.url']), company, deals,
  };
}

function describeFailure(error: unknown): string {
  if (error instanceof UpstreamError) return error.message.slice(0, 200);
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}

async function hubspotSide(deps: FactsDeps, row: Connection, contact: CanvasContact | null, options: { fresh: boolean; deadline: AnswerDeadline }): Promise<HubSpotSide> {
  if (!contact) return { kind: 'no_contact' };
  const paired = await pairedContactCompany(deps.db, row.id, contact.id);
  if (!paired) {
    const like = { ...contact, role: contact.role ?? 'user' };
    const settings = row.settings.matching.contacts;
    const lookups = contactLookups(like, settings).map((lookup) => lookup.describe);
    const create = contactCreatePolicy(like, settings);
    return { kind: 'unpaired', lookups, onNoMatch: create.create ? 'a new HubSpot contact is created' : `no contact is created (${create.reason ?? 'onNoMatch'})` };
  }
  const key = `${row.id}/${paired.hubspotId}`;
  const keep = { ttl: HUBSPOT_TTL_MS, now: deps.now(), again: options.fresh };
  let hubspot: HubSpotClient;
  try {
    hubspot = deps.clients.hubspot(row);
  } catch (error) {
    return { kind: 'failed', message: describeFailure(error) };
  }
  if (!reusable(deps.cache.contacts.get(key), keep)) {
    const waitMs = hubspotWaitMs(hubspot.budget(), deps.now(), { calls: CALLS_PER_OPEN });
    if (waitMs !== null) return { kind: 'busy', waitMs };
  }
  const intercomCompanyId = paired.intercomCompanyId;
  const companyPair = async () => (intercomCompanyId ? ((await pairOfIntercom(deps.db, row.id, 'company', intercomCompanyId))?.hubspotId ?? null) : null);
  const read = keptRead(deps.cache.contacts, key, keep, () => readContact(deps, row, hubspot, paired.hubspotId, companyPair));
  try {
    const facts = await withinMs(read.value, options.deadline.left(HUBSPOT_READ_MS));
    if (facts === LATE) return { kind: 'slow' };
    read.shown = true;
    return facts === null ? { kind: 'gone', hubspotId: paired.hubspotId } : { kind: 'read', facts };
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'rate_limited') return { kind: 'busy', waitMs: error.details.retryAfterMs ?? 10_000 };
    return { kind: 'failed', message: describeFailure(error) };
  }
}

/** A ticket's page in HubSpot (object type 0-5), on the portal's UI host as the contact's page shows it. */
function ticketUrl(row: Connection, ticketId: string, hubspot: HubSpotSide): string | null {
  if (row.hubspotPortalId === null) return null;
  const contactUrl = hubspot.kind === 'read' ? hubspot.facts.url : null;
  const host = contactUrl ? new URL(contactUrl).host : 'app.hubspot.com';
  return `https://${host}/contacts/${row.hubspotPortalId}/record/0-5/${encodeURIComponent(ticketId)}`;
}

/** The linked ticket as the daemon knows it; its page's URL is added once the contact's read is in (ticketUrl). */
async function ticketFacts(deps: FactsDeps, row: Connection, conversationId: string, deadline: AnswerDeadline): Promise<Omit<TicketFacts, 'url'> | null> {
  const link = await getTicketLink(deps.db, row.id, conversationId);
  if (!link || (link.ticket_id === null && link.status === 'active')) return null;
  let stage: string | null = link.stage_id;
  let otherPipeline: TicketFacts['otherPipeline'] = null;
  // The stage's label from the ticket pipelines the ticket path caches (read at most every few
  // minutes), within the card's HubSpot deadline: a late read goes on and fills that cache.
  if (link.stage_id) {
    try {
      const client = deps.clients.hubspot(row);
      if (hubspotWaitMs(client.budget(), deps.now(), { calls: 1 }) !== null) throw new Error('busy');
      const read = await withinMs(deps.tickets.pipelines.get(row.id, client), deadline.left(HUBSPOT_READ_MS));
      if (read === LATE) throw new Error('slow');
      const { pipelines } = read;
      const found = findStage(pipelines, link.pipeline_id, link.stage_id);
      if (found) stage = `${found.label}${isClosedStage(found) ? ' (closed)' : ''}`;
      otherPipeline = pipelineMismatch(pipelines, row, link.pipeline_id);
    } catch {
      // The id is shown instead of the label; the ticket itself is known from the link.
    }
  }
  return { ticketId: link.ticket_id, status: link.status, stage, closed: link.stage_closed === 1, problem: link.problem, otherPipeline };
}

/**
 * The ticket's pipeline against the connection's (resolvePipeline over the same cached read, pure:
 * no warning is raised from here); null when they agree, or either is unknown.
 */
export function pipelineMismatch(pipelines: readonly Pipeline[], row: Connection, ticketPipelineId: string | null | undefined): TicketFacts['otherPipeline'] {
  if (!ticketPipelineId) return null;
  const resolution = resolvePipeline(pipelines, row.settings.tickets, 'tickets');
  if (!resolution.ok || resolution.resolved.pipelineId === ticketPipelineId) return null;
  const label = pipelines.find((p) => p.id === ticketPipelineId)?.label ?? ticketPipelineId;
  return { ticketPipeline: label, connectionPipeline: resolution.resolved.pipelineLabel };
}

async function recordsOwner(deps: FactsDeps, row: Connection, assigneeId: string | null): Promise<RecordsOwner> {
  // An unassigned conversation gets the default owner, as capture's ownerFor(null) does.
  const mapped = await ownerForAdmin(deps.db, row.id, assigneeId ?? '');
  if (mapped.ownerId === null) return { name: null, source: 'none' };
  const owner = await deps.db.selectFrom('hubspot_owners').select('name').where('connection_id', '=', row.id).where('owner_id', '=', mapped.ownerId).executeTakeFirst();
  return { name: owner?.name ?? `owner ${mapped.ownerId}`, source: mapped.source };
}

async function actsOn(deps: FactsDeps, row: Connection, contact: CanvasContact | null, conversation: ConversationView): Promise<OtherFirstContact | null> {
  const first = conversation.firstContactId;
  if (!first || !contact || first === contact.id) return null;
  const paired = await pairedContactCompany(deps.db, row.id, first);
  return { intercomContactId: first, hubspotId: paired?.hubspotId ?? null };
}

/**
 * Everything the card shows. The HubSpot reads (the contact's, the ticket pipelines') run beside the
 * daemon's own and wait at most until `deadline` allows; what is late is said on the card.
 */
export async function gatherFacts(deps: FactsDeps, row: Connection, input: { conversationId: string; contact: CanvasContact | null; conversation: ConversationView; fresh: boolean; alsoOnWorkspace: string[]; deadline: AnswerDeadline }): Promise<InboxFacts> {
  const [hubspot, ticket, capture, decision, owner, other] = await Promise.all([
    hubspotSide(deps, row, input.contact, { fresh: input.fresh, deadline: input.deadline }),
    ticketFacts(deps, row, input.conversationId, input.deadline),
    getCapture(deps.db, row.id, input.conversationId),
    lastDecision(deps.db, row.id, input.conversationId),
    recordsOwner(deps, row, input.conversation.assigneeId),
    actsOn(deps, row, input.contact, input.conversation),
  ]);
  return {
    connection: { id: row.id, name: row.name },
    conversationId: input.conversationId,
    intercomContactId: input.contact?.id ?? null,
    hubspot,
    ticket: ticket && { ...ticket, url: ticket.ticketId ? ticketUrl(row, ticket.ticketId, hubspot) : null },
    capture: { capturedAt: capture?.captured_at ?? null, decision },
    recordsOwner: owner,
    actsOn: other,
    alsoOnWorkspace: input.alsoOnWorkspace,
  };
}
