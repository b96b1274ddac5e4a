// The jobs a recorded delivery becomes. Each feature registers the reactions it needs (capture
// scheduling, ticket stage sync, …) for the topics it cares about; the event job runs them. A
// topic no feature reacts to completes at once: it was recorded, and nothing needs doing.
//
// Deliveries committed together for one connection share one job (`{ events: [...] }`, written by
// the intake's group commit, src/webhooks/record-deliveries.ts): a burst costs one job row per
// commit instead of one per delivery. A job of one event keeps the plain shape.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { outcomeOfThrown, type JobOutcome } from '../jobs/outcomes.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../jobs/task.ts';
import { eventTask } from './record-deliveries.ts';
import type { Provider } from './signing-secrets.ts';

const EventPayload = z.strictObject({
  deliveryId: z.number().int(),
  topic: z.string(),
  objectId: z.string().nullable(),
  occurredAt: z.number().nullable(),
  /** Digests and times only (src/records/echo-hints.ts). */
  hint: z.strictObject({ propertyName: z.string().optional(), valueDigest: z.string().optional(), itemUpdatedAt: z.number().optional(), itemDigest: z.string().optional(), mergedFrom: z.string().optional() }).optional(),
});
export type EventPayload = z.infer<typeof EventPayload>;

const EventBatchPayload = z.strictObject({ events: z.array(EventPayload).min(1) });

const EventJobPayload = z.union([EventPayload, EventBatchPayload]);

export interface EventReaction {
  name: string;
  provider: Provider;
  /** Topics (Intercom) or subscription types (HubSpot) it reacts to. */
  topics: readonly string[];
  /** Must be idempotent: the event job can run more than once (src/jobs/task.ts). */
  react(event: ReactionEvent, ctx: TaskContext): Promise<JobOutcome | void>;
}

export type ReactionEvent = EventPayload & {
  connectionId: string;
  /**
   * The event's connection, read once per job run and shared by every reaction and every event of a
   * batch (two reactions read it for each event otherwise: ~10% of an event's cost at the intake's
   * backlog). A run lasts milliseconds; a settings change is seen by the next one.
   */
  connection(): Promise<Connection | undefined>;
};

/**
 * One event per turn of the event loop, across every event job running: better-sqlite3 answers
 * Kysely synchronously, so an event's reactions are microtasks only (~0.5 ms) and hold the thread
 * until they end. Without a turn each, the jobs running at once (up to the per-connection limit)
 * ran their events back to back, and a webhook delivery arriving meanwhile waited for all of them
 * (p99 at 1,000/s, issue #19). The turns are handed out in order (FIFO), so no job starves.
 */
function createEventTurns(): () => Promise<void> {
  const waiting: Array<() => void> = [];
  let pumping = false;
  const pump = () => {
    waiting.shift()?.();
    if (waiting.length > 0) setImmediate(pump);
    else pumping = false;
  };
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (!pumping) {
        pumping = true;
        setImmediate(pump);
      }
    });
}

/** Whether an outcome is about the connection or the vendor rather than the one event. */
const holdsEveryEvent = (result: JobOutcome) => result.type === 'park' || result.type === 'retry_after';

/** Reads an event's connection from the store (the `connection` eventTasks takes). */
export const connectionReader = (db: Kysely<Database>) => (id: string) => getConnection(db, id);

export function eventTasks(reactions: readonly EventReaction[], deps: { jobs: JobQueue; connection: (id: string) => Promise<Connection | undefined> }): TaskDefinition[] {
  const turn = createEventTurns();
  const connectionOnce = (id: string) => {
    let read: Promise<Connection | undefined> | undefined;
    return () => (read ??= deps.connection(id));
  };
  return (['intercom', 'hubspot'] as const).map((provider) => {
    async function runEvent(event: EventPayload, connectionId: string, connection: ReactionEvent['connection'], ctx: TaskContext): Promise<JobOutcome | undefined> {
      for (const reaction of reactions) {
        if (reaction.provider !== provider || !reaction.topics.includes(event.topic)) continue;
        const outcome = await reaction.react({ ...event, connectionId, connection }, ctx);
        if (outcome && outcome.type !== 'done') return outcome;
      }
      return undefined;
    }

    /**
     * The events of a batch in their order. An event whose reactions cannot finish now goes on as a
     * job of its own — its own attempts, backoff and failure, visible on the Work page — and the
     * rest carry on; a wait for the connection or the vendor (re-authorisation, a rate limit) holds
     * the whole batch instead, since every event after it would meet it too. Running earlier events
     * again on the batch's next run is harmless: reactions are idempotent.
     */
    async function runBatch(events: readonly EventPayload[], connectionId: string, ctx: TaskContext): Promise<JobOutcome | undefined> {
      const connection = connectionOnce(connectionId);
      for (const event of events) {
        await turn();
        let result: JobOutcome | undefined;
        try {
          result = await runEvent(event, connectionId, connection, ctx);
        } catch (error) {
          // A shutdown or a lost lease stops the batch as a whole: it runs again from the start.
          if (ctx.signal.aborted) throw error;
          result = outcomeOfThrown(error);
        }
        if (result === undefined || result.type === 'done') continue;
        if (holdsEveryEvent(result)) return result;
        await deps.jobs.enqueue({ task: eventTask(provider), payload: event, connectionId });
        ctx.log.warn({ deliveryId: event.deliveryId, topic: event.topic, reason: result.reason }, 'an event of a batch goes on as a job of its own');
      }
      return undefined;
    }

    return defineTask({
      name: eventTask(provider),
      payload: EventJobPayload,
      async run(payload, ctx) {
        const connectionId = ctx.job.connectionId;
        if (connectionId === null) return { type: 'fail', reason: 'an event job without a connection' };
        if ('events' in payload) return runBatch(payload.events, connectionId, ctx);
        await turn();
        return runEvent(payload, connectionId, connectionOnce(connectionId), ctx);
      },
    });
  });
}
