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
import { parseStoredSettings } from '../config/connection-settings.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import { getConnection } from '../db/repos/connections.ts';
import type { ConnectionRow, Database, TicketLinkRow } from '../db/schema.ts';
import { recordActivity } from '../activity/activity-log.ts';
import { captureConversation, type CaptureDeps } from '../capture/capture-conversation.ts';
import { confirmedGone } from '../integrations/hubspot/record-gone.ts';
import { toJobOutcomeError } from '../integrations/job-outcome.ts';
import type { IntercomClient } from '../integrations/intercom/client.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { PermanentJobError } from '../jobs/outcomes.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../jobs/task.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';
import type { EventReaction } from '../webhooks/event-tasks.ts';
import { conversationState, intercomActionFor } from './stage-sync.ts';
import { resolveTicketPipeline, TICKET_SETTINGS_WARNING, TicketSettingsError, type TicketPipelineDeps } from './ticket-pipeline.ts';
import { getTicketLink, linksOfTicket, raiseWarning, saveTicketLink, updateLinksOfTicket } from './ticket-store.ts';

export const TICKET_STAGE_TASK = 'ticket.stage';
export const TICKET_ENSURE_TASK = 'ticket.ensure';
export const TICKET_HUBSPOT_TASK = 'ticket.hubspot-change';
export const TICKET_DELETED_WARNING = 'ticket_deleted';
export const TICKET_CHECK_TASK = 'ticket.check-settings';
/** Stage changes go before a connection's waiting captures: a ticket follows its conversation within seconds. */
const STAGE_PRIORITY = 10;

/** Intercom topics that change a conversation's state (intercom-api.md §2.4). */
export const STATE_TOPICS = [
  'conversation.admin.closed', 'conversation.admin.opened', 'conversation.admin.snoozed', 'conversation.admin.unsnoozed',
  'conversation.user.replied', 'conversation.admin.replied',
] as const;

export interface TicketTaskDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  capture: CaptureDeps;
  tickets: TicketPipelineDeps;
  now: () => number;
}

const activity = (db: Kysely<Database>, entry: { connectionId: string; conversationId: string | null; outcome: 'updated' | 'failed' | 'skipped'; reason: string; detail: Record<string, unknown>; at: number }) =>
  recordActivity(db, { connectionId: entry.connectionId, at: entry.at, kind: 'ticket', subjectId: entry.conversationId, outcome: entry.outcome, reason: entry.reason.slice(0, 1000), detail: entry.detail });

/** A ticket deleted by a person: its links stop, the connection says so, nothing retries. */
async function ticketGone(deps: TicketTaskDeps, row: ConnectionRow, ticketId: string, links: readonly TicketLinkRow[]) {
  const problem = `HubSpot ticket ${ticketId} was deleted; its conversation${links.length === 1 ? '' : 's'} (${links.map((link) => link.conversation_id).join(', ')}) no longer sync${links.length === 1 ? 's' : ''} a stage and get${links.length === 1 ? 's' : ''} no new ticket.`;
  await updateLinksOfTicket(deps.db, row.id, ticketId, { status: 'deleted', problem }, deps.now());
  await raiseWarning(deps.db, row.id, TICKET_DELETED_WARNING, problem, deps.now());
  for (const link of links) await activity(deps.db, { connectionId: row.id, conversationId: link.conversation_id, outcome: 'failed', reason: problem, detail: { ticketId }, at: deps.now() });
}

/** Ends a run on a failure a person must fix: said in the activity log, no retry. */
async function settingsFailure(deps: TicketTaskDeps, row: ConnectionRow, conversationId: string | null, error: TicketSettingsError): Promise<never> {
  await activity(deps.db, { connectionId: row.id, conversationId, outcome: 'failed', reason: error.message, detail: { problems: error.problems.map((problem) => problem.key) }, at: deps.now() });
  throw new PermanentJobError(error.message);
}

async function activeRow(deps: TicketTaskDeps, ctx: TaskContext): Promise<ConnectionRow | undefined> {
  const id = ctx.job.connectionId;
  const row = id === null ? undefined : await getConnection(deps.db, id);
  return row && row.status === 'active' ? row : undefined;
}

async function syncStage(deps: TicketTaskDeps, row: ConnectionRow, conversationId: string): Promise<void> {
  const link = await getTicketLink(deps.db, row.id, conversationId);
  if (!link?.ticket_id || link.status !== 'active') return;
  const settings = parseStoredSettings(row.settings);
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

async function applyHubSpotChange(deps: TicketTaskDeps, row: ConnectionRow, ticketId: string, deleted: boolean): Promise<void> {
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
  const settings = parseStoredSettings(row.settings);
  const resolved = await resolveTicketPipeline(deps.tickets, row, hubspot, settings.tickets).catch((error: unknown) =>
    error instanceof TicketSettingsError ? settingsFailure(deps, row, link.conversation_id, error) : Promise.reject(error),
  );
  const closed = resolved.closedStageIds.has(currentStage);
  const intercom = deps.clients.intercom(row);
  // A reused ticket stands for several conversations: each follows it.
  for (const each of links) {
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
      payload: z.strictObject({ ticketId: z.string().min(1), deleted: z.boolean() }),
      async run(payload, ctx) {
        const row = await activeRow(deps, ctx);
        // A second event of the same change (HubSpot retries, a job enqueued while this ran) must
        // find the link already updated, not close the conversation twice.
        if (row) await guard(() => deps.capture.locks.run(`ticket:${row.id}:${payload.ticketId}`, () => applyHubSpotChange(deps, row, payload.ticketId, payload.deleted)));
        return undefined;
      },
    }),
    defineTask({
      name: TICKET_CHECK_TASK,
      payload: z.object({}),
      async run(_payload, ctx) {
        const row = await activeRow(deps, ctx);
        if (!row || row.hubspot_portal_id === null) return undefined;
        const settings = parseStoredSettings(row.settings);
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
        await guard(() => captureConversation(deps.capture, row.id, payload.conversationId, { trigger: 'first_message', ticketOnly: true, isFinal: () => ctx.job.attempt >= ctx.job.maxAttempts }));
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
        const row = await getConnection(deps.db, event.connectionId);
        if (!row || row.status !== 'active') return;
        if (event.topic === 'conversation.user.created') {
          if (parseStoredSettings(row.settings).tickets.createWhen === 'first_customer_message') {
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
      topics: ['ticket.propertyChange', 'ticket.deletion'],
      async react(event) {
        if (!event.objectId) return;
        await deps.jobs.enqueue({
          task: TICKET_HUBSPOT_TASK,
          payload: { ticketId: event.objectId, deleted: event.topic === 'ticket.deletion' },
          connectionId: event.connectionId,
          key: `ticket-hubspot:${event.connectionId}:${event.objectId}`,
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
