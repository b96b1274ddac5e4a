// Live stage sync, both ways (DESIGN.md §1 "Tickets"):
// - Intercom → HubSpot: a conversation's state events move its ticket's stage within seconds,
//   whatever the capture mode. The job reads the conversation fresh, so events that arrive out of
//   order end with the stage of the conversation's final state. A stage a person picked in HubSpot
//   is left alone until the conversation's state changes again (the link remembers the state the
//   stage was last synced for).
// - HubSpot → Intercom: a ticket moved to a closed stage closes the conversation or adds an
//   internal note, reopening reopens, as the connection says. What the daemon wrote itself is
//   recognised by the link (the stage it set, the state it produced) and not echoed back.
// Failures a person must fix — a stage or ticket deleted in HubSpot, no permission — end in an
// activity entry and a warning on the connection, without retrying.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectionClients } from '../connections/clients.ts';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database, TicketLinkRow } from '../db/schema.ts';
import { recordActivity } from '../activity/activity-log.ts';
import type { ResolveDeps } from '../conversations/resolve-records.ts';
import { makeConversationTicket } from './conversation-ticket.ts';
import { confirmedGone } from '../integrations/hubspot/record-gone.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import type { IntercomClient } from '../integrations/intercom/client.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { PermanentJobError } from '../jobs/outcomes.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../jobs/task.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';
import type { EventReaction } from '../webhooks/event-tasks.ts';
import { conversationState, intercomActionFor } from './stage-sync.ts';
import { STATE_TOPICS, TICKET_HUBSPOT_SUBSCRIPTIONS } from './ticket-webhooks.ts';
import { resolveTicketPipeline, TICKET_SETTINGS_WARNING, TicketSettingsError, type TicketPipelineDeps } from './ticket-pipeline.ts';
import { clearWarning, countLinksWithStatus, getTicketLink, linksOfTicket, raiseWarning, relinkMergedTickets, saveTicketLink, updateLinksOfTicket } from './ticket-store.ts';

export const TICKET_STAGE_TASK = 'ticket.stage';
const TICKET_ENSURE_TASK = 'ticket.ensure';
const TICKET_HUBSPOT_TASK = 'ticket.hubspot-change';
const TICKET_DELETED_WARNING = 'ticket_deleted';
export const TICKET_CHECK_TASK = 'ticket.check-settings';
/** Stage changes go before a connection's waiting captures: a ticket follows its conversation within seconds. */
const STAGE_PRIORITY = 10;


const HubSpotTicketChange = z.enum(['update', 'deletion', 'merge', 'restore']);
type HubSpotTicketChange = z.infer<typeof HubSpotTicketChange>;

const changeOfTopic = (topic: string): HubSpotTicketChange | undefined =>
  ({ 'ticket.propertyChange': 'update', 'ticket.deletion': 'deletion', 'ticket.merge': 'merge', 'ticket.restore': 'restore' } as const)[topic];

export interface TicketTaskDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  /** The shared first step's services (capture's, so locks are shared with captures). */
  capture: ResolveDeps;
  tickets: TicketPipelineDeps;
  now: () => number;
}

const activity = (db: Kysely<Database>, entry: { connectionId: string; conversationId: string | null; outcome: 'updated' | 'failed' | 'skipped'; reason: string; detail: Record<string, unknown>; at: number }) =>
  recordActivity(db, { connectionId: entry.connectionId, at: entry.at, kind: 'ticket', subjectId: entry.conversationId, outcome: entry.outcome, reason: entry.reason.slice(0, 1000), detail: entry.detail });

/** A ticket deleted by a person: its links stop, the connection says so, nothing retries. */
async function ticketGone(deps: TicketTaskDeps, row: Connection, ticketId: string, links: readonly TicketLinkRow[]) {
  const problem = `HubSpot ticket ${ticketId} was deleted; its conversation${links.length === 1 ? '' : 's'} (${links.map((link) => link.conversation_id).join(', ')}) no longer sync${links.length === 1 ? 's' : ''} a stage and get${links.length === 1 ? 's' : ''} no new ticket.`;
  await updateLinksOfTicket(deps.db, row.id, ticketId, { status: 'deleted', problem }, deps.now());
  await raiseWarning(deps.db, row.id, TICKET_DELETED_WARNING, problem, deps.now());
  for (const link of links) await activity(deps.db, { connectionId: row.id, conversationId: link.conversation_id, outcome: 'failed', reason: problem, detail: { ticketId }, at: deps.now() });
}

/** Ends a run on a failure a person must fix: said in the activity log, no retry. */
async function settingsFailure(deps: TicketTaskDeps, row: Connection, conversationId: string | null, error: TicketSettingsError): Promise<never> {
  await activity(deps.db, { connectionId: row.id, conversationId, outcome: 'failed', reason: error.message, detail: { problems: error.problems.map((problem) => problem.key) }, at: deps.now() });
  throw new PermanentJobError(error.message);
}

async function activeRow(deps: TicketTaskDeps, ctx: TaskContext): Promise<Connection | undefined> {
  const id = ctx.job.connectionId;
  const row = id === null ? undefined : await getConnection(deps.db, id);
  return row && row.status === 'active' ? row : undefined;
}

async function syncStage(deps: TicketTaskDeps, row: Connection, conversationId: string): Promise<void> {
  const link = await getTicketLink(deps.db, row.id, conversationId);
  if (!link?.ticket_id || link.status !== 'active') return;
  const { settings } = row;
  const hubspot = deps.clients.hubspot(row);
  const resolved = await resolveTicketPipeline(deps.tickets, row, hubspot, settings.tickets).catch((error: unknown) =>
    error instanceof TicketSettingsError ? settingsFailure(deps, row, conversationId, error) : Promise.reject(error),
  );
  const conversation = await deps.clients.intercom(row).getConversation(conversationId);
  const state = conversationState(conversation);
  if (state === link.state) return;
  const stage = resolved.stages[state];
  try {
    await hubspot.tickets.update(link.ticket_id, { hs_pipeline: resolved.pipelineId, hs_pipeline_stage: stage.id });
  } catch (error) {
    // A 404 to the update is read back before the ticket counts as deleted (src/integrations/hubspot/record-gone.ts).
    if (await confirmedGone(hubspot.tickets, link.ticket_id, error)) return ticketGone(deps, row, link.ticket_id, await linksOfTicket(deps.db, row.id, link.ticket_id));
    if (error instanceof UpstreamError && (error.kind === 'invalid_request' || error.kind === 'forbidden')) {
      // A stage deleted or a pipeline no longer permitted since the settings were checked.
      deps.tickets.pipelines.forget(row.id);
      const message = `HubSpot refused to move ticket ${link.ticket_id} to stage '${stage.label}': ${error.details.vendorMessage ?? error.message}. Check the ticket settings (${deps.tickets.settingsKey(row)}.tickets.stages.${state}).`;
      await raiseWarning(deps.db, row.id, TICKET_SETTINGS_WARNING, message, deps.now());
      await activity(deps.db, { connectionId: row.id, conversationId, outcome: 'failed', reason: message, detail: { ticketId: link.ticket_id, state }, at: deps.now() });
      throw new PermanentJobError(message);
    }
    throw error;
  }
  await updateLinksOfTicket(deps.db, row.id, link.ticket_id, { stage_id: stage.id, stage_closed: stage.closed ? 1 : 0 }, deps.now());
  await saveTicketLink(deps.db, row.id, conversationId, { state }, deps.now());
  await activity(deps.db, { connectionId: row.id, conversationId, outcome: 'updated', reason: `ticket stage → ${stage.label}`, detail: { ticketId: link.ticket_id, stage: stage.id, state }, at: deps.now() });
}

/** The admin Interhubz acts as in Intercom: the conversation's assignee, else the token's own admin. */
async function actingAdmin(intercom: IntercomClient, assignee: string | null | undefined): Promise<string> {
  if (assignee && assignee !== '0') return assignee;
  return String((await intercom.me()).id);
}

async function applyHubSpotChange(deps: TicketTaskDeps, row: Connection, ticketId: string, deleted: boolean): Promise<void> {
  const links = (await linksOfTicket(deps.db, row.id, ticketId)).filter((link) => link.status === 'active');
  if (links.length === 0) return;
  if (deleted) return ticketGone(deps, row, ticketId, links);
  const hubspot = deps.clients.hubspot(row);
  let currentStage: string;
  try {
    currentStage = (await hubspot.tickets.get(ticketId, { properties: ['hs_pipeline_stage', 'hs_pipeline'] })).properties.hs_pipeline_stage ?? '';
  } catch (error) {
    if (error instanceof UpstreamError && (error.kind === 'not_found' || error.kind === 'merged')) return ticketGone(deps, row, ticketId, links);
    throw error;
  }
  const link = links[0] as TicketLinkRow;
  // The stage this daemon set (or last saw): an echo of its own write, or nothing new.
  if (currentStage === link.stage_id) return;
  const { settings } = row;
  const resolved = await resolveTicketPipeline(deps.tickets, row, hubspot, settings.tickets).catch((error: unknown) =>
    error instanceof TicketSettingsError ? settingsFailure(deps, row, link.conversation_id, error) : Promise.reject(error),
  );
  const closed = resolved.closedStageIds.has(currentStage);
  const intercom = deps.clients.intercom(row);
  // A reused ticket stands for several conversations: each follows it. Each under the conversation's
  // lock, as syncStage runs: the Intercom event our own close or reopen causes must find the link
  // already saved with the state it produced, or it would move the ticket back (an echo).
  for (const each of links) await deps.capture.locks.run(`ticket-conversation:${row.id}:${each.conversation_id}`, async () => {
    const conversation = await intercom.getConversation(each.conversation_id);
    const state = conversationState(conversation);
    const label = Object.values(resolved.stages).find((stage) => stage.id === currentStage)?.label ?? currentStage;
    const action = intercomActionFor({ previousStageId: each.stage_id, currentStageId: currentStage, resolved, conversationState: state, settings: settings.tickets, stageLabel: label });
    let nextState = state;
    if (action.kind !== 'none') {
      const adminId = await actingAdmin(intercom, conversation.admin_assignee_id);
      if (action.kind === 'close') {
        await intercom.close({ conversationId: each.conversation_id, adminId });
        nextState = 'closed';
      } else if (action.kind === 'reopen') {
        await intercom.open({ conversationId: each.conversation_id, adminId });
        nextState = 'reopened';
      } else await intercom.note({ conversationId: each.conversation_id, adminId, body: action.text });
      await activity(deps.db, { connectionId: row.id, conversationId: each.conversation_id, outcome: 'updated', reason: `HubSpot ticket moved to '${label}' → Intercom ${action.kind}`, detail: { ticketId, stage: currentStage }, at: deps.now() });
    }
    // Remember the stage and the state it stands for: the conversation event our own action
    // causes finds its state already synced and does not move the ticket back.
    await saveTicketLink(deps.db, row.id, each.conversation_id, { stage_id: currentStage, stage_closed: closed ? 1 : 0, state: nextState }, deps.now());
  });
}

/** Clears the "ticket deleted" warning once no conversation is left on a deleted ticket. */
async function clearDeletedWarningIfResolved(deps: TicketTaskDeps, connectionId: string): Promise<void> {
  if ((await countLinksWithStatus(deps.db, connectionId, 'deleted')) === 0) await clearWarning(deps.db, connectionId, TICKET_DELETED_WARNING);
}

/**
 * A merge in HubSpot: the conversations of the merged-away tickets follow the one that survived.
 * Which ids were merged away is read from the survivor's hs_merged_object_ids (hubspot-api.md §5.6),
 * not from the event, so a retried or re-delivered event finds them as well. The survivor's stage
 * is recorded as the one last seen: a merge is not a person moving the ticket, so nothing is done
 * in Intercom.
 */
async function applyHubSpotMerge(deps: TicketTaskDeps, row: Connection, survivorId: string): Promise<void> {
  const hubspot = deps.clients.hubspot(row);
  let survivor;
  try {
    survivor = await hubspot.tickets.get(survivorId, { properties: ['hs_merged_object_ids', 'hs_pipeline_stage'] });
  } catch (error) {
    // A survivor deleted since: its own deletion event stops the links.
    if (error instanceof UpstreamError && error.kind === 'not_found') return;
    throw error;
  }
  const mergedIds = (survivor.properties.hs_merged_object_ids ?? '').split(';').map((id) => id.trim()).filter((id) => id !== '' && id !== survivorId);
  const stageId = survivor.properties.hs_pipeline_stage ?? null;
  const { settings } = row;
  const resolved = stageId === null ? undefined : await resolveTicketPipeline(deps.tickets, row, hubspot, settings.tickets).catch(() => undefined);
  const moved = await relinkMergedTickets(deps.db, row.id, mergedIds, survivorId, { stage_id: stageId, stage_closed: stageId !== null && resolved?.closedStageIds.has(stageId) ? 1 : 0 }, deps.now());
  if (moved.length === 0) return;
  await clearDeletedWarningIfResolved(deps, row.id);
  for (const conversationId of moved) {
    await activity(deps.db, { connectionId: row.id, conversationId, outcome: 'updated', reason: `HubSpot ticket merged into ${survivorId}; the conversation now follows it`, detail: { ticketId: survivorId, mergedIds }, at: deps.now() });
  }
}

/**
 * A ticket restored from HubSpot's recycle bin: its conversations sync again. The links forget the
 * state they were synced for, so each conversation's current state sets the restored ticket's stage.
 */
async function applyHubSpotRestore(deps: TicketTaskDeps, row: Connection, ticketId: string): Promise<void> {
  const links = (await linksOfTicket(deps.db, row.id, ticketId)).filter((link) => link.status === 'deleted');
  if (links.length === 0) return;
  await updateLinksOfTicket(deps.db, row.id, ticketId, { status: 'active', problem: null, state: null }, deps.now());
  await clearDeletedWarningIfResolved(deps, row.id);
  for (const link of links) {
    await activity(deps.db, { connectionId: row.id, conversationId: link.conversation_id, outcome: 'updated', reason: `HubSpot ticket ${ticketId} was restored; the conversation syncs its stage again`, detail: { ticketId }, at: deps.now() });
    await deps.capture.locks.run(`ticket-conversation:${row.id}:${link.conversation_id}`, () => syncStage(deps, row, link.conversation_id));
  }
}

export function ticketTasks(deps: TicketTaskDeps): TaskDefinition[] {
  const guard = async <T>(work: () => Promise<T>) => {
    try {
      return await work();
    } catch (error) {
      throw toJobOutcomeError(error);
    }
  };
  return [
    defineTask({
      name: TICKET_STAGE_TASK,
      payload: z.strictObject({ conversationId: z.string().min(1) }),
      async run(payload, ctx) {
        const row = await activeRow(deps, ctx);
        // One change of a conversation's ticket at a time: two syncs must not both act on a stale link.
        if (row) await guard(() => deps.capture.locks.run(`ticket-conversation:${row.id}:${payload.conversationId}`, () => syncStage(deps, row, payload.conversationId)));
        return undefined;
      },
    }),
    defineTask({
      name: TICKET_HUBSPOT_TASK,
      // `deleted` is what jobs enqueued before merge and restore were handled carry.
      payload: z.strictObject({ ticketId: z.string().min(1), deleted: z.boolean().optional(), change: HubSpotTicketChange.optional() }),
      async run(payload, ctx) {
        const row = await activeRow(deps, ctx);
        if (!row) return undefined;
        const change = payload.change ?? (payload.deleted ? 'deletion' : 'update');
        const apply = () => {
          if (change === 'merge') return applyHubSpotMerge(deps, row, payload.ticketId);
          if (change === 'restore') return applyHubSpotRestore(deps, row, payload.ticketId);
          return applyHubSpotChange(deps, row, payload.ticketId, change === 'deletion');
        };
        // A second event of the same change (HubSpot retries, a job enqueued while this ran) must
        // find the link already updated, not close the conversation twice.
        await guard(() => deps.capture.locks.run(`ticket:${row.id}:${payload.ticketId}`, apply));
        return undefined;
      },
    }),
    defineTask({
      name: TICKET_CHECK_TASK,
      payload: z.object({}),
      async run(_payload, ctx) {
        const row = await activeRow(deps, ctx);
        if (!row || row.hubspotPortalId === null) return undefined;
        const { settings } = row;
        if (settings.tickets.policy === 'none') return undefined;
        deps.tickets.pipelines.forget(row.id);
        try {
          await resolveTicketPipeline(deps.tickets, row, deps.clients.hubspot(row), settings.tickets);
        } catch (error) {
          if (!(error instanceof TicketSettingsError)) throw toJobOutcomeError(error);
          // Said at start, by key, in the log as well as on the connection (the warning).
          ctx.log.warn({ connection: row.name, problems: error.problems }, 'the ticket settings do not match HubSpot; no ticket is written until they do');
        }
        return undefined;
      },
    }),
    defineTask({
      name: TICKET_ENSURE_TASK,
      payload: z.strictObject({ conversationId: z.string().min(1) }),
      async run(payload, ctx) {
        const row = await activeRow(deps, ctx);
        if (!row) return undefined;
        await guard(() => makeConversationTicket({ ...deps.capture, tickets: deps.tickets }, row.id, payload.conversationId, { trigger: 'first_message', dryRun: false, isFinal: () => ctx.job.attempt >= ctx.job.maxAttempts }));
        return undefined;
      },
    }),
  ];
}

export function ticketReactions(deps: { db: Kysely<Database>; jobs: JobQueue }): EventReaction[] {
  return [
    {
      name: 'ticket-stage-sync',
      provider: 'intercom',
      topics: [...STATE_TOPICS, 'conversation.user.created', SWEPT_TOPIC],
      async react(event) {
        const conversationId = event.objectId;
        if (!conversationId) return;
        const row = await event.connection();
        if (!row || row.status !== 'active') return;
        if (event.topic === 'conversation.user.created') {
          if (row.settings.tickets.createWhen === 'first_customer_message') {
            await deps.jobs.enqueue({ task: TICKET_ENSURE_TASK, payload: { conversationId }, connectionId: row.id, key: `ticket-ensure:${row.id}:${conversationId}`, keyMode: 'keep', priority: STAGE_PRIORITY });
          }
          return;
        }
        const link = await getTicketLink(deps.db, row.id, conversationId);
        if (!link?.ticket_id || link.status !== 'active') return;
        // Keyed per conversation: a burst of events is one sync, reading the final state.
        await deps.jobs.enqueue({ task: TICKET_STAGE_TASK, payload: { conversationId }, connectionId: row.id, key: `ticket-stage:${row.id}:${conversationId}`, priority: STAGE_PRIORITY });
      },
    },
    {
      name: 'ticket-hubspot-changes',
      provider: 'hubspot',
      topics: TICKET_HUBSPOT_SUBSCRIPTIONS.map((subscription) => subscription.topic),
      async react(event) {
        const change = changeOfTopic(event.topic);
        if (!event.objectId || !change) return;
        await deps.jobs.enqueue({
          task: TICKET_HUBSPOT_TASK,
          payload: { ticketId: event.objectId, change },
          connectionId: event.connectionId,
          // Updates and deletions of a ticket collapse into one job that reads the ticket fresh; a
          // merge or restore is its own job, which a later update must not replace.
          key: `ticket-hubspot${change === 'merge' || change === 'restore' ? `-${change}` : ''}:${event.connectionId}:${event.objectId}`,
          priority: STAGE_PRIORITY,
        });
      },
    },
  ];
}

/** At start: every active connection's ticket settings are checked against its live pipelines. */
export async function enqueueTicketChecks(deps: { db: Kysely<Database>; jobs: JobQueue }): Promise<void> {
  const rows = await deps.db.selectFrom('connections').select('id').where('status', '=', 'active').where('hubspot_portal_id', 'is not', null).execute();
  for (const { id } of rows) await deps.jobs.enqueue({ task: TICKET_CHECK_TASK, payload: {}, connectionId: id, key: `ticket-check:${id}`, keyMode: 'keep' });
}
