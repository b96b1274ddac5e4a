// The sync status counts' API shape (#18 item 4): GET /api/connections/:id/records/status. The UI
// imports the types with `import type`; src/records/sync-status.ts computes them.
import { z } from 'zod';

const ObjectStatus = z.object({
  /** recordSync.<object>.enabled */
  enabled: z.boolean(),
  /** Records in each account (Intercom's total_count, HubSpot's search total); null when unreachable. Cached ~60 s. */
  intercom: z.object({ total: z.number().nullable() }),
  hubspot: z.object({ total: z.number().nullable() }),
  /** Intercom records paired with a HubSpot record. */
  paired: z.number(),
  /** Paired, synced at least once, and the pair's latest sync entry neither failed nor skipped. */
  inStep: z.number(),
  /** Activity entries of the last 24 h: skipped by a filter, and failed. */
  skippedByFilter24h: z.number(),
  failed24h: z.number(),
  /** The latest time a pair was synced (epoch ms). */
  lastSyncedAt: z.number().nullable(),
  /** The latest record sync, sweep and backfill jobs, newest first. */
  recentJobs: z.array(z.object({ id: z.string(), task: z.string(), state: z.string(), at: z.number(), error: z.string().nullable().optional() })),
});
export type ObjectStatus = z.infer<typeof ObjectStatus>;

const SyncStatusAnswer = z.object({ objects: z.object({ contacts: ObjectStatus, companies: ObjectStatus }) });
export type SyncStatusAnswer = z.infer<typeof SyncStatusAnswer>;
