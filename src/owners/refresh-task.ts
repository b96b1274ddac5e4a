// Rebuilds a connection's user mapping from Intercom's teammates and HubSpot's owners (active and
// archived), on demand (the Users tab, the API, a settings change) and daily, from a chore.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectionClients } from '../connections/clients.ts';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { collect } from '../integrations/hubspot/paginate.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { hasUnfinishedJob, type EnqueueResult } from '../jobs/queue.ts';
import { defineTask, type TaskDefinition } from '../jobs/task.ts';
import { recordRefreshFailure, replaceOwnerMapping } from './owner-store.ts';
import { ownerSummary, resolveOwners } from './resolve-owners.ts';

export const OWNERS_REFRESH_TASK = 'owners.refresh';
const ownersKey = (connectionId: string) => `owners:${connectionId}`;

/** How old a mapping may get before the chore refreshes it. */
const REFRESH_EVERY_MS = 24 * 3_600_000;
/** A connection whose refresh keeps failing is tried again by the chore at most this often. */
const RETRY_FAILED_EVERY_MS = 3_600_000;

export interface OwnerRefreshDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  clock: () => number;
}

/** Both sides connected, and not waiting for a person (re-authorise) or deleted. */
export function canRefreshOwners(row: Pick<Connection, 'status' | 'hubspotPortalId' | 'intercomWorkspaceId'>): boolean {
  return (row.status === 'active' || row.status === 'paused') && row.hubspotPortalId !== null && row.intercomWorkspaceId !== null;
}

export function ownerTasks(deps: OwnerRefreshDeps): TaskDefinition[] {
  return [
    defineTask({
      name: OWNERS_REFRESH_TASK,
      payload: z.object({}),
      async run(_payload, ctx) {
        const connectionId = ctx.job.connectionId;
        if (connectionId === null) return { type: 'fail', reason: 'an owner refresh without a connection' };
        const row = await getConnection(deps.db, connectionId);
        if (!row || !canRefreshOwners(row)) return undefined;

        let admins;
        let owners;
        try {
          admins = await deps.clients.intercom(row).listAdmins();
          ctx.signal.throwIfAborted();
          owners = (await collect(deps.clients.hubspot(row).owners.listAll())).map(ownerSummary);
        } catch (error) {
          const outcome = toJobOutcomeError(error);
          // Shown on the Users tab until a refresh succeeds; the last good mapping stays in use.
          await recordRefreshFailure(deps.db, connectionId, error instanceof Error ? error.message : String(error), deps.clock());
          throw outcome;
        }
        const resolved = resolveOwners(admins, owners, row.settings.users);
        await replaceOwnerMapping(deps.db, connectionId, resolved, owners, deps.clock());
        ctx.log.info({ teammates: resolved.mappings.length, owners: owners.length, problems: resolved.problems.length }, 'user mapping refreshed');
        return undefined;
      },
    }),
  ];
}

/** `keep`: a refresh already waiting covers this request too. */
export function enqueueOwnerRefresh(jobs: Pick<JobQueue, 'enqueue'>, connectionId: string): Promise<EnqueueResult> {
  return jobs.enqueue({ task: OWNERS_REFRESH_TASK, payload: {}, connectionId, key: ownersKey(connectionId), keyMode: 'keep' });
}

/**
 * The chore (run it hourly): every active, connected connection whose mapping is older than a day —
 * or was never made, as for a connection just connected — gets a refresh. Returns how many were added.
 */
export async function ensureOwnerRefreshes(deps: { db: Kysely<Database>; jobs: JobQueue; clock: () => number }): Promise<number> {
  const now = deps.clock();
  const rows = await deps.db
    .selectFrom('connections')
    .leftJoin('user_mapping_state', 'user_mapping_state.connection_id', 'connections.id')
    .select(['connections.id', 'user_mapping_state.refreshed_at', 'user_mapping_state.attempted_at'])
    .where('connections.status', '=', 'active')
    .where('connections.hubspot_portal_id', 'is not', null)
    .where('connections.intercom_workspace_id', 'is not', null)
    .execute();
  let added = 0;
  for (const row of rows) {
    const stale = row.refreshed_at === null || row.refreshed_at <= now - REFRESH_EVERY_MS;
    const triedRecently = row.attempted_at !== null && row.attempted_at > now - RETRY_FAILED_EVERY_MS;
    if (!stale || triedRecently) continue;
    if ((await enqueueOwnerRefresh(deps.jobs, row.id)).result === 'inserted') added += 1;
  }
  return added;
}

/** Whether a refresh is waiting or running, for the Users tab's "Refreshing…". */
export async function ownerRefreshPending(db: Kysely<Database>, connectionId: string): Promise<boolean> {
  return hasUnfinishedJob(db, ownersKey(connectionId));
}
