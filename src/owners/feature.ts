// The user mapping: teammates to HubSpot owners, refreshed daily, and at start for connections whose
// `users` section changed in the configuration file.
import type { Kysely } from 'kysely';
import { listConnectionsNamed } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import type { Feature } from '../feature.ts';
import { ownerForAdmin } from './owner-store.ts';
import { canRefreshOwners, enqueueOwnerRefresh, ensureOwnerRefreshes, ownerTasks } from './refresh-task.ts';

/** The HubSpot owner for an Intercom teammate (capture's note and ticket owner), or null. */
export function ownerLookup(db: Kysely<Database>): (connectionId: string, adminId: string | null) => Promise<string | null> {
  return async (connectionId, adminId) => (await ownerForAdmin(db, connectionId, adminId ?? '')).ownerId;
}

export const ownersFeature: Feature = {
  name: 'owners',
  tasks: ({ db, clients, clock }) => ownerTasks({ db, clients, clock }),
  chores: ({ db, jobs, clock }) => [{ name: 'refresh-owners', schedule: '23 * * * *', run: async () => void (await ensureOwnerRefreshes({ db, jobs, clock })) }],
  // A changed `users` section (overrides, default owner) in the YAML takes effect on the mapping now.
  async atStart({ db, jobs, seeded }) {
    for (const connection of await listConnectionsNamed(db, seeded.updated)) if (canRefreshOwners(connection)) await enqueueOwnerRefresh(jobs, connection.id);
  },
};
