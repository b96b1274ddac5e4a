// The ticket pipeline: a conversation's HubSpot ticket, from the records the shared first step
// resolved (src/conversations/resolve-records.ts). Capture runs it before the note when the route
// names a ticket; tickets.createWhen: first_customer_message runs it on its own
// (makeConversationTicket), without capture. A dry run goes through the same steps with a writer
// that records what it would do instead of writing (planTicket), so the two cannot disagree.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import { runConversationDecision, skipped, type CaptureResult, type RunOptions, type TicketDecision } from '../conversations/conversation-run.ts';
import { conversationUrl, isSkip, resolveConversation, type ResolveDeps, type ResolvedConversation } from '../conversations/resolve-records.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { conversationState } from './stage-sync.ts';
import { ticketProperties } from './ticket-content.ts';
import { resolveTicketPipeline, TICKET_PERMISSION_WARNING, TicketSettingsError, type TicketPipelineDeps } from './ticket-pipeline.ts';
import { raiseWarning } from './ticket-store.ts';
import { ensureTicket, planTicket, type TicketDeps, type TicketOutcome, type TicketRequest } from './write-ticket.ts';

/** Makes the ticket, or (a dry run) records what it would make. */
export interface TicketWriter {
  readonly dryRun: boolean;
  ensure(request: TicketRequest): Promise<TicketOutcome | { outcome: 'planned'; ticketId: null }>;
}

export const ticketWriter = (deps: TicketDeps): TicketWriter => ({ dryRun: false, ensure: (request) => ensureTicket(deps, request) });

/** The dry run's writer: the links decide as ensureTicket's do (deleted, existing, reused, or a ticket to make); nothing is written. */
export function recordingTicketWriter(db: Kysely<Database>): TicketWriter & { recorded: TicketRequest[] } {
  const recorded: TicketRequest[] = [];
  return {
    dryRun: true,
    recorded,
    ensure: (request) => {
      recorded.push(request);
      return planTicket(db, request);
    },
  };
}

/** HubSpot refused to write tickets: a warning on the connection, and a failure that is not retried. */
async function ticketPermissionError(deps: TicketPipelineDeps, row: Connection, error: UpstreamError): Promise<TicketSettingsError> {
  const scopes = error.details.missingScopes?.length ? ` (missing scopes: ${error.details.missingScopes.join(', ')})` : '';
  const message = `HubSpot does not let this connection create tickets${scopes}: ${error.details.vendorMessage ?? error.message}. Grant the 'tickets' scope, or turn tickets off (${deps.settingsKey(row)}.tickets.policy: none).`;
  await raiseWarning(deps.db, row.id, TICKET_PERMISSION_WARNING, message, deps.now());
  return new TicketSettingsError(message, [{ key: `${deps.settingsKey(row)}.tickets.policy`, message }]);
}

/** The conversation's ticket under the route's policy, checked against the live pipelines. */
export async function conversationTicket(deps: TicketPipelineDeps, resolved: ResolvedConversation, writer: TicketWriter): Promise<TicketDecision> {
  const { row, hubspot, settings, conversation, contact, company } = resolved;
  const policy = resolved.ticketPolicy;
  if (policy === 'none') return { outcome: 'off', ticketId: null, problem: 'tickets are off (tickets.policy: none)' };
  // The write-once protocol finds a ticket again through its contact or company: without either, a
  // crash or a lost answer after the create would be followed by a second ticket.
  const parent = (match: { id: string | null; created: boolean } | null | undefined) => Boolean(match && (match.id !== null || match.created)); // a dry run's create has no id yet
  if (!parent(resolved.contactMatch) && !parent(resolved.companyMatch)) return { outcome: 'off', ticketId: null, problem: 'no HubSpot contact or company to put the ticket on' };
  const pipeline = await resolveTicketPipeline(deps, row, hubspot, settings.tickets);
  const state = conversationState(conversation);
  const stage = pipeline.stages[state];
  const shown = { pipeline: pipeline.pipelineLabel, stage: stage.label };
  let made: Awaited<ReturnType<TicketWriter['ensure']>>;
  try {
    made = await writer.ensure({
      connectionId: row.id, conversationId: conversation.id, policy, contactId: resolved.contactMatch.id, companyId: resolved.companyMatch?.id ?? null, resolved: pipeline, state,
      properties: (reference) => ticketProperties({
        conversation, customer: contact.name || contact.email || `Intercom contact ${contact.id}`, company: company?.name ?? '', link: conversationUrl(row, conversation.id), reference,
        ownerId: resolved.ownerId, stageId: stage.id, pipelineId: pipeline.pipelineId, settings: settings.tickets,
      }),
    });
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'forbidden') throw await ticketPermissionError(deps, row, error);
    throw error;
  }
  if (made.outcome === 'deleted') return { outcome: 'deleted', ticketId: null, problem: made.problem, ...shown };
  return { outcome: made.outcome, ticketId: made.ticketId, ...shown };
}

/** What making only the ticket amounts to in the activity log; a dry run's planned ticket would be captured. */
const TICKET_ONLY_OUTCOME: Record<TicketDecision['outcome'], Exclude<CaptureResult['outcome'], 'planned'>> = {
  created: 'captured', recovered: 'captured', reused: 'captured', existing: 'unchanged', planned: 'captured', deleted: 'skipped', off: 'skipped',
};

export interface ConversationTicketDeps extends ResolveDeps {
  tickets: TicketPipelineDeps;
}

/**
 * The conversation's ticket and nothing else (tickets.createWhen: first_customer_message): the
 * noise guards do not apply — the first message is all there is yet — but the route does.
 */
export async function makeConversationTicket(deps: ConversationTicketDeps, connectionId: string, conversationId: string, options: RunOptions): Promise<CaptureResult> {
  return runConversationDecision(deps, connectionId, conversationId, options, async (row, settings) => {
    const base = { conversationId, trigger: options.trigger };
    const resolved = await resolveConversation(deps, row, settings, conversationId, {
      trigger: options.trigger, force: false, guards: false, dryRun: options.dryRun,
      accept: (routed, policy) => {
        const wantsTicket = routed.destinations.includes('ticket');
        return wantsTicket && policy !== 'none' ? null : wantsTicket ? 'tickets are off (tickets.policy: none)' : 'the route makes no ticket for this conversation';
      },
    });
    if (isSkip(resolved)) return skipped(base, resolved);
    const writer = options.dryRun ? recordingTicketWriter(deps.db) : ticketWriter({ db: deps.db, hubspot: resolved.hubspot, now: deps.now });
    const ticket = await conversationTicket(deps.tickets, resolved, writer);
    return {
      ...base, ...resolved.routed, ...resolved.records, ownerId: resolved.ownerId, ticket,
      outcome: TICKET_ONLY_OUTCOME[ticket.outcome], ...(ticket.problem ? { reason: ticket.problem } : {}),
    };
  });
}
