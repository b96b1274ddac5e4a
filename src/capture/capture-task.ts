// The capture job and the webhook reaction that schedules it. A close schedules a capture after the
// grace window, under a key per conversation; a later close moves it. Whether it still captures is
// decided when it runs, from the fresh conversation (triggers.ts closeWindow): a reopen inside the
// window ends in "open again", whatever order the webhooks came in. Realtime mode pushes the capture
// back on every change (debounce); the reconciliation sweep looks at the fresh conversation instead
// of an event, and re-checks every close that no capture followed (pending-closes.ts).
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectionClients } from '../connections/clients.ts';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { recordActivity } from '../activity/activity-log.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { NeedsReauthError, PermanentJobError, RetryAfterError } from '../jobs/outcomes.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../jobs/task.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';
import type { EventReaction } from '../webhooks/event-tasks.ts';
import { SettingsProblemError } from '../config/settings-problem.ts';
import { CAPTURE_TRIGGERS, CaptureRefusedError, captureConversation, type CaptureDeps } from './capture-conversation.ts';
import { getCapture } from '../conversations/conversation-store.ts';
import { closesToRecheck, forgetClose, rememberClose } from './pending-closes.ts';
import { CAPTURE_TOPICS, eventTime, sweptTrigger, triggerFor, windowEnd, type TriggerAction } from './triggers.ts';
import { recordTrace } from '../explain/trace-recorder.ts';

export const CAPTURE_TASK = 'conversation.capture';
export const captureKey = (connectionId: string, conversationId: string) => `capture:${connectionId}:${conversationId}`;

const CapturePayload = z.strictObject({
  conversationId: z.string().min(1),
  trigger: z.enum(CAPTURE_TRIGGERS),
  /** Written by versions before 0.2 (events then cancelled by time); read and ignored. */
  closedAt: z.number().nullable().optional(),
});
type CapturePayload = z.infer<typeof CapturePayload>;

/** A failure after which no retry follows: the one the activity log records. */
function isFinal(error: unknown, ctx: TaskContext): boolean {
  if (error instanceof SettingsProblemError) return true;
  const outcome = toJobOutcomeError(error);
  if (outcome instanceof PermanentJobError) return true;
  if (outcome instanceof NeedsReauthError || outcome instanceof RetryAfterError) return false;
  return ctx.job.attempt >= ctx.job.maxAttempts;
}

export function captureTasks(deps: CaptureDeps): TaskDefinition[] {
  return [
    defineTask({
      name: CAPTURE_TASK,
      payload: CapturePayload,
      async run(payload, ctx) {
        const connectionId = ctx.job.connectionId;
        if (connectionId === null) return { type: 'fail', reason: 'a capture job without a connection' };
        try {
          const result = await captureConversation(deps, connectionId, payload.conversationId, { trigger: payload.trigger, isFinal: (error) => isFinal(error, ctx) });
          ctx.log.info({ conversationId: payload.conversationId, outcome: result.outcome, noteId: result.noteId, calls: result.apiCalls }, 'conversation capture decided');
          return undefined;
        } catch (error) {
          if (error instanceof CaptureRefusedError) return refusalOutcome(deps.db, error, connectionId, payload, ctx);
          // A failure for good is in the activity log; the sweep must not re-queue it every pass.
          if (isFinal(error, ctx)) await forgetClose(deps.db, connectionId, payload.conversationId);
          // The settings (the ticket pipeline, say) name what HubSpot does not have: a person must
          // fix them (the connection shows the warning); retrying cannot help.
          if (error instanceof SettingsProblemError) return { type: 'fail', reason: error.message };
          throw toJobOutcomeError(error);
        }
      },
    }),
  ];
}

async function refusalOutcome(db: Kysely<Database>, error: CaptureRefusedError, connectionId: string, payload: CapturePayload, ctx: TaskContext) {
  switch (error.code) {
    case 'needs_reauth':
      // Parked with the connection's other work; re-authorising resumes it.
      return { type: 'park' as const, reason: error.message };
    case 'unknown_connection':
      return undefined;
    case 'unknown_conversation':
      await forgetClose(db, connectionId, payload.conversationId);
      await recordActivity(db, { connectionId, at: ctx.now(), kind: 'capture', subjectId: payload.conversationId, outcome: 'skipped', reason: error.code, detail: { trigger: payload.trigger, why: error.message.slice(0, 300) } });
      return undefined;
    default:
      // Paused, not connected, or a conversation Intercom does not know: said in the activity log, not retried.
      await recordActivity(db, { connectionId, at: ctx.now(), kind: 'capture', subjectId: payload.conversationId, outcome: 'skipped', reason: error.code, detail: { trigger: payload.trigger, why: error.message.slice(0, 300) } });
      return undefined;
  }
}

export interface CaptureReactionDeps {
  db: Kysely<Database>;
  jobs: JobQueue;
  clients: ConnectionClients;
}

/**
 * Intercom gives times in whole seconds: a close at 10.7 s reads as 10 s, and a capture decided at
 * 10.4 s — before that close — would look as if it followed it. A close is taken to be at the end of
 * its second, so only a decision made after that second counts as having seen it (a decision in the
 * same second is made again: an unchanged conversation writes nothing).
 */
const endOfSecond = (seconds: number) => seconds * 1000 + 999;

async function sweptAction(deps: CaptureReactionDeps, connection: Connection, now: number, conversationId: string): Promise<TriggerAction> {
  const conversation = await deps.clients.intercom(connection).getConversation(conversationId);
  const capture = await getCapture(deps.db, connection.id, conversationId);
  const lastCloseAt = conversation.statistics?.last_close_at;
  // A close ahead of our clock is remembered as now: one remembered in the future would look
  // undecided to every re-check until our clock got there (pending-closes.ts compares our times).
  if (conversation.state === 'closed' && lastCloseAt) await rememberClose(deps.db, connection.id, conversationId, eventTime(endOfSecond(lastCloseAt), now));
  return sweptTrigger({
    state: conversation.state,
    lastCloseAt: lastCloseAt ? endOfSecond(lastCloseAt) : null,
    updatedAt: endOfSecond(conversation.updated_at),
    now,
    capture: connection.settings.conversations.capture,
    alreadyCapturedAt: capture?.last_decided_at ?? null,
  });
}

/** The reaction to Intercom conversation events (src/webhooks/event-tasks.ts). */
export function captureReaction(deps: CaptureReactionDeps): EventReaction {
  return {
    name: 'capture-triggers',
    provider: 'intercom',
    topics: [...CAPTURE_TOPICS, SWEPT_TOPIC],
    async react(event, ctx) {
      const conversationId = event.objectId;
      if (!conversationId) return;
      const row = await event.connection();
      if (!row) return;
      const now = ctx.now();
      if (row.status !== 'active') {
        // Recorded all the same: the explainer finds a conversation's deliveries through these steps
        // (src/explain/conversation-deliveries.ts), a paused connection's too.
        await recordTrace(deps.db, event.connectionId, conversationId, [{ at: now, kind: 'trigger', detail: { topic: event.topic, deliveryId: event.deliveryId, action: 'none', why: `the connection is ${row.status.replace('_', ' ')}` } }]);
        return;
      }
      const { settings } = row;
      let action: TriggerAction;
      try {
        action = event.topic === SWEPT_TOPIC
          ? await sweptAction(deps, row, now, conversationId)
          : triggerFor({ topic: event.topic, occurredAt: event.occurredAt, now, capture: settings.conversations.capture });
      } catch (error) {
        throw toJobOutcomeError(error);
      }
      // The explainer's trace: what this event meant for the conversation's capture, and why.
      const trace = (step: { action: TriggerAction['kind']; why: string; runAt?: number; keyMode?: string }) =>
        recordTrace(deps.db, event.connectionId, conversationId, [{ at: now, kind: 'trigger', detail: { topic: event.topic, deliveryId: event.deliveryId, ...step } }]);
      const key = captureKey(event.connectionId, conversationId);
      if (action.kind === 'schedule') {
        const trigger = event.topic === SWEPT_TOPIC ? 'sweep' : settings.conversations.capture.mode === 'realtime' ? 'realtime' : 'on_close';
        const { runAt, keyMode, why, coveredByRunSince } = action;
        const enqueued = await deps.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger }, connectionId: event.connectionId, key, keyMode, runAt, coveredByRunSince });
        await trace(enqueued.result === 'covered' ? { action: 'none', why: `${why}, but the capture running now started after this version and is the one` } : { action: 'schedule', why, runAt, keyMode });
        // occurredAt is the notification's created_at, whole seconds (intake.ts): see endOfSecond.
        if (trigger === 'on_close') await rememberClose(deps.db, event.connectionId, conversationId, eventTime(event.occurredAt === null ? null : event.occurredAt + 999, now));
        return;
      }
      await trace({ action: action.kind, why: action.why });
      if (action.kind === 'cancel') {
        // Only a deletion cancels (triggers.ts): a deleted conversation cannot be captured, whatever came before.
        await forgetClose(deps.db, event.connectionId, conversationId);
        const cancelled = await deps.jobs.cancelByKey(key);
        if (cancelled > 0) ctx.log.info({ conversationId, topic: event.topic }, 'pending capture cancelled');
      }
      return undefined;
    },
  };
}

/**
 * Every sweep pass (reconcile-task.ts): a close that no decision has followed and no capture job
 * waits for — its job was lost, or its webhook dropped after the sweep had seen that version —
 * gets a capture again. The job decides from the fresh conversation, as any capture does.
 */
export async function recheckPendingCloses(deps: CaptureReactionDeps & { clock: () => number }, connectionId: string): Promise<number> {
  const row = await getConnection(deps.db, connectionId);
  if (!row || row.status !== 'active') return 0;
  const { capture } = row.settings.conversations;
  if (capture.mode !== 'on_close') return 0;
  const now = deps.clock();
  const due = await closesToRecheck(deps.db, connectionId, (conversationId) => captureKey(connectionId, conversationId), now);
  for (const { conversationId, closedAt } of due) {
    await deps.jobs.enqueue({
      task: CAPTURE_TASK,
      payload: { conversationId, trigger: 'sweep' },
      connectionId,
      key: captureKey(connectionId, conversationId),
      keyMode: 'keep',
      runAt: windowEnd(eventTime(closedAt, now), capture.graceMinutes, now),
    });
  }
  return due.length;
}
