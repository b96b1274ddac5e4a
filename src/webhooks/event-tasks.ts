// The jobs a recorded delivery becomes. Each feature registers the reactions it needs (capture
// scheduling, ticket stage sync, …) for the topics it cares about; the event job runs them. A
// topic no feature reacts to completes at once: it was recorded, and nothing needs doing.
import { z } from 'zod';
import type { JobOutcome } from '../jobs/outcomes.ts';
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
type EventPayload = z.infer<typeof EventPayload>;

export interface EventReaction {
  name: string;
  provider: Provider;
  /** Topics (Intercom) or subscription types (HubSpot) it reacts to. */
  topics: readonly string[];
  /** Must be idempotent: the event job can run more than once (src/jobs/task.ts). */
  react(event: EventPayload & { connectionId: string }, ctx: TaskContext): Promise<JobOutcome | void>;
}

export function eventTasks(reactions: readonly EventReaction[]): TaskDefinition[] {
  return (['intercom', 'hubspot'] as const).map((provider) =>
    defineTask({
      name: eventTask(provider),
      payload: EventPayload,
      async run(event, ctx) {
        const connectionId = ctx.job.connectionId;
        if (connectionId === null) return { type: 'fail', reason: 'an event job without a connection' };
        for (const reaction of reactions) {
          if (reaction.provider !== provider || !reaction.topics.includes(event.topic)) continue;
          const outcome = await reaction.react({ ...event, connectionId }, ctx);
          if (outcome && outcome.type !== 'done') return outcome;
        }
        return undefined;
      },
    }),
  );
}
