// What the Inbox app's buttons do (issue #20 item 2). Each goes through the path the rest of the
// daemon uses — capture for a push (its guards, unless "push anyway", as the admin UI's push with
// force), the ticket pipeline for a new ticket, a ticket_links record like the ticket path writes
// for a linked one — and each is an activity entry (kind 'inbox') naming the teammate who clicked:
// their Intercom admin id and name, ids and outcomes, never conversation text.
import type { Kysely } from 'kysely';
import { recordActivity } from '../activity/activity-log.ts';
import { CaptureRefusedError, captureConversation, type CaptureDeps, type CaptureResult } from '../capture/capture-conversation.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { ActivityOutcome, Database } from '../db/schema.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import type { Pipeline } from '../integrations/hubspot/schemas.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { RetryAfterError } from '../jobs/outcomes.ts';
import { pairedContactCompany, pairOfIntercom } from '../records/pair-store.ts';
import { isClosedStage } from '../tickets/resolve-pipeline.ts';
import { TicketSettingsError, type TicketPipelineDeps } from '../tickets/ticket-pipeline.ts';
import { getTicketLink, saveTicketLink } from '../tickets/ticket-store.ts';
import { clip } from './canvas-components.ts';
import { hubspotWaitMs } from './hubspot-busy.ts';
import { findStage, pipelineMismatch } from './inbox-facts.ts';
import { createInboxTicket } from './inbox-ticket.ts';
import type { ActionResult, TicketHit } from './inbox-view.ts';

export interface Teammate {
  id: string;
  name: string | null;
}

export interface ActionDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  capture: CaptureDeps;
  tickets: TicketPipelineDeps;
  now: () => number;
}

export type InboxAction = 'push' | 'push_anyway' | 'create_ticket' | 'link_ticket' | 'refresh';

/** The activity entry of a click: who, which button, what came of it. */
export async function recordInboxAction(
  deps: Pick<ActionDeps, 'db' | 'now'>,
  row: Connection,
  entry: { conversationId: string; teammate: Teammate; action: InboxAction; outcome: ActivityOutcome; reason?: string | null; detail?: Record<string, unknown>; startedAt: number },
): Promise<void> {
  await recordActivity(deps.db, {
    connectionId: row.id, at: deps.now(), kind: 'inbox', subjectId: entry.conversationId, outcome: entry.outcome,
    reason: entry.reason ? clip(entry.reason, 300) : null,
    detail: { action: entry.action, teammate: { id: clip(entry.teammate.id, 64), name: entry.teammate.name ? clip(entry.teammate.name, 100) : null }, ...entry.detail },
    durationMs: deps.now() - entry.startedAt,
  });
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** A failure said to the teammate in one sentence; the activity entry keeps the same sentence. */
function failureMessage(error: unknown): string {
  if (error instanceof CaptureRefusedError || error instanceof TicketSettingsError) return error.message;
  if (error instanceof UpstreamError) {
    const vendor = error.details.service === 'intercom' ? 'Intercom' : 'HubSpot';
    if (error.kind === 'rate_limited') return `${vendor} is busy, try again in ${seconds(error.details.retryAfterMs ?? 10_000)} s.`;
    return `${vendor} refused or failed the request: ${error.message}`;
  }
  if (error instanceof RetryAfterError && error.outcome.type === 'retry_after') return `${error.message}; try again in ${seconds(error.outcome.delayMs)} s.`;
  return error instanceof Error ? error.message : String(error);
}

/** Errors the teammate can act on become a result; anything else is a bug and goes up. */
function expected(error: unknown): boolean {
  return error instanceof CaptureRefusedError || error instanceof TicketSettingsError || error instanceof UpstreamError || error instanceof RetryAfterError;
}

function pushMessage(result: CaptureResult): ActionResult {
  const written = [result.noteId ? `note ${result.noteId}` : null, result.ticket?.ticketId ? `ticket ${result.ticket.ticketId}` : null].filter((part) => part !== null);
  const what = written.length > 0 ? `: ${written.join(', ')}` : '';
  switch (result.outcome) {
    case 'captured':
      return { ok: true, message: `Pushed to HubSpot${what}.` };
    case 'updated':
      return { ok: true, message: `Updated in HubSpot${what}.` };
    case 'unchanged':
      return { ok: true, message: 'Nothing new to push: HubSpot already has this conversation.' };
    default:
      return { ok: false, message: `Not pushed: ${result.reason ?? 'skipped'}.`, offerPushAnyway: result.guard !== undefined };
  }
}

/** The HubSpot calls a push or a new ticket may make (search or read the contact and company, associate, write). */
const CALLS_PER_WRITE = 5;

/**
 * A push waits for the portal's budget like every capture; a teammate is told when to try instead,
 * and nothing is done.
 */
function busyFor(deps: ActionDeps, row: Connection): ActionResult | null {
  let hubspot: HubSpotClient;
  try {
    hubspot = deps.clients.hubspot(row);
  } catch {
    // Not connected to HubSpot: the capture path says so in its own words.
    return null;
  }
  const wait = hubspotWaitMs(hubspot.budget(), deps.now(), { calls: CALLS_PER_WRITE, searches: 2 });
  return wait === null ? null : { ok: false, message: `HubSpot is busy, try again in ${seconds(wait)} s. Nothing was done.` };
}

export async function pushConversation(deps: ActionDeps, row: Connection, conversationId: string, teammate: Teammate, force: boolean): Promise<ActionResult> {
  const startedAt = deps.now();
  const action = force ? 'push_anyway' : 'push';
  const busy = busyFor(deps, row);
  if (busy) return busy;
  try {
    const result = await captureConversation(deps.capture, row.id, conversationId, { trigger: 'manual', force, isFinal: () => true });
    await recordInboxAction(deps, row, {
      conversationId, teammate, action, startedAt, outcome: result.outcome as ActivityOutcome, reason: result.outcome === 'skipped' ? (result.guard ?? result.reason ?? null) : null,
      detail: { ...(result.noteId ? { noteId: result.noteId } : {}), ...(result.ticket?.ticketId ? { ticketId: result.ticket.ticketId } : {}) },
    });
    return pushMessage(result);
  } catch (error) {
    if (!expected(error)) throw error;
    const message = failureMessage(error);
    await recordInboxAction(deps, row, { conversationId, teammate, action, startedAt, outcome: 'failed', reason: message });
    return { ok: false, message };
  }
}

export async function createTicket(deps: ActionDeps, row: Connection, conversationId: string, teammate: Teammate): Promise<ActionResult> {
  const startedAt = deps.now();
  const busy = busyFor(deps, row);
  if (busy) return busy;
  try {
    const result = await createInboxTicket(deps.capture, row.id, conversationId);
    const ticket = result.ticket;
    await recordInboxAction(deps, row, {
      conversationId, teammate, action: 'create_ticket', startedAt, outcome: result.outcome as ActivityOutcome, reason: result.outcome === 'skipped' ? (result.reason ?? null) : null,
      detail: ticket ? { ticketId: ticket.ticketId, ticketOutcome: ticket.outcome } : {},
    });
    if (!ticket || ticket.ticketId === null) return { ok: false, message: `No ticket made: ${result.reason ?? ticket?.problem ?? 'skipped'}.` };
    const where = ticket.pipeline ? ` in ${ticket.pipeline}${ticket.stage ? ` / ${ticket.stage}` : ''}` : '';
    const said = { created: 'Created', recovered: 'Created', reused: 'Linked the contact\u2019s open', existing: 'This conversation already has', planned: 'Planned', deleted: '', off: '' }[ticket.outcome];
    return { ok: true, message: `${said} ticket ${ticket.ticketId}${where}.` };
  } catch (error) {
    if (!expected(error)) throw error;
    const message = failureMessage(error);
    await recordInboxAction(deps, row, { conversationId, teammate, action: 'create_ticket', startedAt, outcome: 'failed', reason: message });
    return { ok: false, message };
  }
}

const TICKET_PROPERTIES = ['subject', 'hs_pipeline', 'hs_pipeline_stage'];
const MAX_HITS = 10;

function stageLabel(pipelines: readonly Pipeline[], pipelineId: string | null | undefined, stageId: string | null | undefined): { label: string; closed: boolean } {
  const stage = findStage(pipelines, pipelineId, stageId);
  return { label: stage?.label ?? stageId ?? 'no stage', closed: stage ? isClosedStage(stage) : false };
}

async function stageLabels(deps: ActionDeps, row: Connection, hubspot: HubSpotClient): Promise<(pipelineId: string | null | undefined, stageId: string | null | undefined) => { label: string; closed: boolean }> {
  const { pipelines } = await deps.tickets.pipelines.get(row.id, hubspot).catch(() => ({ pipelines: [] }));
  return (pipelineId, stageId) => stageLabel(pipelines, pipelineId, stageId);
}

/**
 * Tickets whose subject holds the words asked (CONTAINS_TOKEN, hubspot-api.md §10), and the ticket
 * with that id when the query is a number; at most MAX_HITS.
 */
export async function searchTickets(deps: ActionDeps, row: Connection, query: string): Promise<{ hits: TicketHit[] } | { message: string }> {
  if (query === '') return { message: 'Type a subject or a ticket id first.' };
  let hubspot: HubSpotClient;
  try {
    hubspot = deps.clients.hubspot(row);
  } catch (error) {
    return { message: failureMessage(error) };
  }
  const wait = hubspotWaitMs(hubspot.budget(), deps.now(), { calls: 2, searches: 1 });
  if (wait !== null) return { message: `HubSpot is busy, try again in ${seconds(wait)} s.` };
  try {
    const byId = /^\d+$/.test(query)
      ? hubspot.tickets.get(query, { properties: TICKET_PROPERTIES }).catch((error: unknown) => (error instanceof UpstreamError && error.kind === 'not_found' ? null : Promise.reject(error)))
      : Promise.resolve(null);
    const [one, page, label] = await Promise.all([
      byId,
      hubspot.tickets.searchPage({ filterGroups: [{ filters: [{ propertyName: 'subject', operator: 'CONTAINS_TOKEN', value: query.slice(0, 200) }] }], properties: TICKET_PROPERTIES, limit: MAX_HITS }),
      stageLabels(deps, row, hubspot),
    ]);
    const found = [...(one ? [one] : []), ...page.results.filter((ticket) => ticket.id !== one?.id)].slice(0, MAX_HITS);
    return {
      hits: found.map((ticket) => ({ id: ticket.id, subject: ticket.properties['subject'] ?? '', stage: label(ticket.properties['hs_pipeline'], ticket.properties['hs_pipeline_stage']).label })),
    };
  } catch (error) {
    if (!expected(error)) throw error;
    return { message: failureMessage(error) };
  }
}

/** The conversation's state as the request gave it, for the link's record (the stage sync compares with it). */
function linkState(state: string | null | undefined): 'open' | 'snoozed' | 'closed' | null {
  return state === 'closed' || state === 'snoozed' || state === 'open' ? state : null;
}

/**
 * The HubSpot contact and company a linked ticket goes on: the conversation's first customer's
 * pair and that contact's company pair, as the ticket path's resolved records would be.
 */
async function linkParents(deps: ActionDeps, row: Connection, intercomContactId: string | null): Promise<{ contactId: string | null; companyId: string | null }> {
  const contact = intercomContactId ? await pairedContactCompany(deps.db, row.id, intercomContactId) : undefined;
  if (!contact) return { contactId: null, companyId: null };
  const company = contact.intercomCompanyId ? await pairOfIntercom(deps.db, row.id, 'company', contact.intercomCompanyId) : undefined;
  return { contactId: contact.hubspotId, companyId: company?.hubspotId ?? null };
}

/**
 * Links the conversation to a ticket that exists in HubSpot, as the ticket path links one it
 * creates: the ticket is associated with the conversation's HubSpot contact and its company
 * (src/tickets/write-ticket.ts does it inline on create: ticket→contact 16, ticket→company 339,
 * the unlabelled types, hubspot-api.md §11.3; here the default association, a PUT safe to repeat),
 * then the ticket_links record. A ticket in another pipeline than the connection's is linked as it
 * is and the teammate is told: the stage sync moves it into the connection's pipeline at the
 * conversation's next state change (src/tickets/ticket-tasks.ts syncStage writes hs_pipeline), and
 * until then HubSpot-side moves of it do not close or reopen the conversation.
 */
export async function linkTicket(deps: ActionDeps, row: Connection, input: { conversationId: string; ticketId: string; intercomContactId: string | null; conversationState: string | null | undefined }, teammate: Teammate): Promise<ActionResult> {
  const startedAt = deps.now();
  const { conversationId, ticketId } = input;
  let message: string;
  try {
    const hubspot = deps.clients.hubspot(row);
    const parents = await linkParents(deps, row, input.intercomContactId);
    const wait = hubspotWaitMs(hubspot.budget(), deps.now(), { calls: 2 + (parents.contactId ? 1 : 0) + (parents.companyId ? 1 : 0) });
    if (wait !== null) return { ok: false, message: `HubSpot is busy, try again in ${seconds(wait)} s.` };
    const ticket = await hubspot.tickets.get(ticketId, { properties: TICKET_PROPERTIES });
    const { pipelines } = await deps.tickets.pipelines.get(row.id, hubspot).catch(() => ({ pipelines: [] }));
    const stage = stageLabel(pipelines, ticket.properties['hs_pipeline'], ticket.properties['hs_pipeline_stage']);
    const previous = await getTicketLink(deps.db, row.id, conversationId);
    // Associated before the link is saved: a refused association leaves no half-made link.
    if (parents.contactId) await hubspot.associations.createDefault('tickets', ticket.id, 'contacts', parents.contactId);
    if (parents.companyId) await hubspot.associations.createDefault('tickets', ticket.id, 'companies', parents.companyId);
    await saveTicketLink(deps.db, row.id, conversationId, {
      ticket_id: ticket.id, pending_ref: null, status: 'active', problem: null,
      pipeline_id: ticket.properties['hs_pipeline'] ?? null, stage_id: ticket.properties['hs_pipeline_stage'] ?? null, stage_closed: stage.closed ? 1 : 0,
      state: linkState(input.conversationState), contact_id: parents.contactId ?? previous?.contact_id ?? null,
    }, deps.now());
    const other = pipelineMismatch(pipelines, row, ticket.properties['hs_pipeline']);
    await recordInboxAction(deps, row, {
      conversationId, teammate, action: 'link_ticket', startedAt, outcome: 'updated',
      detail: {
        ticketId: ticket.id, ...(previous?.ticket_id && previous.ticket_id !== ticket.id ? { replaced: previous.ticket_id } : {}),
        associated: { contactId: parents.contactId, companyId: parents.companyId }, ...(other ? { otherPipeline: true } : {}),
      },
    });
    const replaced = previous?.ticket_id && previous.ticket_id !== ticket.id ? ` (instead of ticket ${previous.ticket_id})` : '';
    const on = parents.contactId
      ? ` It is on HubSpot contact ${parents.contactId}${parents.companyId ? ` and company ${parents.companyId}` : ''}.`
      : ' It is on no HubSpot contact: this customer is not in HubSpot yet (a push finds or creates the contact).';
    const pipelineNote = other ? ` It is in the pipeline '${clip(other.ticketPipeline, 80)}', not this connection\u2019s '${clip(other.connectionPipeline, 80)}': its stage follows the conversation only from the conversation\u2019s next open, snooze or close, which moves it into '${clip(other.connectionPipeline, 80)}'.` : '';
    return { ok: true, message: `Linked ticket ${ticket.id} (${stage.label}) to this conversation${replaced}.${on}${pipelineNote}` };
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'not_found') message = `HubSpot has no ticket ${ticketId}.`;
    else if (expected(error) || error instanceof Error) message = failureMessage(error);
    else throw error;
  }
  await recordInboxAction(deps, row, { conversationId, teammate, action: 'link_ticket', startedAt, outcome: 'failed', reason: message, detail: { ticketId } });
  return { ok: false, message };
}
