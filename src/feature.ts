// What a feature contributes to the daemon: job handlers, reactions to webhook events, periodic
// chores and the work it queues once at start. Each feature folder exports one of these
// (src/*/feature.ts); src/features.ts lists them, and the context builder and startDaemon only
// collect and run what they contribute.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CaptureDeps } from './capture/capture-conversation.ts';
import type { Chore } from './chores.ts';
import type { Config } from './config/schema.ts';
import type { ConnectionClients } from './connections/clients.ts';
import type { SeedResult } from './connections/seed-from-config.ts';
import type { Database } from './db/schema.ts';
import type { UpstreamContext } from './integrations/upstream-context.ts';
import type { JobQueue } from './jobs/job-queue.ts';
import type { TaskDefinition } from './jobs/task.ts';
import type { RecordSyncDeps } from './records/sync-record.ts';
import type { Vault } from './vault/vault.ts';
import type { EventReaction } from './webhooks/event-tasks.ts';
import type { DeliveryRecorder } from './webhooks/record-deliveries.ts';

/** The services a feature's registration may use; built before any feature is asked (src/context.ts). */
export interface FeatureContext {
  config: Config;
  log: Logger;
  clock: () => number;
  db: Kysely<Database>;
  vault: Vault;
  upstream: UpstreamContext;
  clients: ConnectionClients;
  jobs: JobQueue;
  recorder: DeliveryRecorder;
  capture: CaptureDeps;
  /** Record sync's services (src/records/feature.ts). */
  records: RecordSyncDeps;
  /** What this start's seeding from the configuration file changed. */
  seeded: SeedResult;
}

export interface Feature {
  name: string;
  tasks?(ctx: FeatureContext): TaskDefinition[];
  /** What it does when a webhook event arrives (run by the event jobs, src/webhooks/event-tasks.ts). */
  reactions?(ctx: FeatureContext): EventReaction[];
  chores?(ctx: FeatureContext): Chore[];
  /** Work queued once per start, before the scheduler runs. */
  atStart?(ctx: FeatureContext): Promise<void>;
}
