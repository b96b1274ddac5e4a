// Every feature of the daemon, and how their contributions are gathered. Adding a feature is one
// line here and a src/<feature>/feature.ts.
import { alertsFeature } from './alerts/feature.ts';
import { backfillsFeature } from './backfills/feature.ts';
import { adminSessionsFeature } from './auth/feature.ts';
import { captureFeature } from './capture/feature.ts';
import type { Chore } from './chores.ts';
import { connectionsFeature } from './connections/feature.ts';
import { explainFeature } from './explain/feature.ts';
import type { Feature, FeatureContext } from './feature.ts';
import { jobsFeature } from './jobs/feature.ts';
import type { TaskDefinition } from './jobs/task.ts';
import { ownersFeature } from './owners/feature.ts';
import { reconcileFeature } from './reconcile/feature.ts';
import { recordsFeature } from './records/feature.ts';
import { ticketsFeature } from './tickets/feature.ts';
import { connectionReader, eventTasks, type EventReaction } from './webhooks/event-tasks.ts';
import { webhooksFeature } from './webhooks/feature.ts';

// The order is the order reactions run for one event (capture before tickets) and start work is queued in.
export const FEATURES: readonly Feature[] = [adminSessionsFeature, webhooksFeature, connectionsFeature, captureFeature, ticketsFeature, recordsFeature, backfillsFeature, ownersFeature, reconcileFeature, jobsFeature, alertsFeature(), explainFeature];

/** Every job handler: the features' own and the event jobs that run their reactions (plus any given extra, for tests). */
export function featureTasks(features: readonly Feature[], ctx: FeatureContext, extra: { tasks?: readonly TaskDefinition[]; reactions?: readonly EventReaction[] } = {}): TaskDefinition[] {
  const reactions = [...features.flatMap((feature) => feature.reactions?.(ctx) ?? []), ...(extra.reactions ?? [])];
  return [...eventTasks(reactions, { jobs: ctx.jobs, connection: connectionReader(ctx.db) }), ...features.flatMap((feature) => feature.tasks?.(ctx) ?? []), ...(extra.tasks ?? [])];
}

export function featureChores(features: readonly Feature[], ctx: FeatureContext): Chore[] {
  return features.flatMap((feature) => feature.chores?.(ctx) ?? []);
}

/** The work each feature queues once per start, in the features' order. */
export async function startFeatures(features: readonly Feature[], ctx: FeatureContext): Promise<void> {
  for (const feature of features) await feature.atStart?.(ctx);
}
