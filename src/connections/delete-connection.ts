// Deleting a connection stops everything it could still do: pending jobs are cancelled and its
// credentials erased in one transaction. What was written to HubSpot stays there (DESIGN.md §1);
// the delivery history stays too, for the activity log.
import type { Kysely } from 'kysely';
import { connectionOwner, deleteCredentials } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { cancelConnectionJobs } from '../jobs/queue.ts';

export async function deleteConnection(db: Kysely<Database>, connectionId: string, now: number): Promise<{ cancelledJobs: number; erasedCredentials: number }> {
  return withTransaction(db, async (trx) => {
    const cancelledJobs = await cancelConnectionJobs(trx, connectionId, now);
    const erasedCredentials = await deleteCredentials(trx, connectionOwner(connectionId));
    await trx.deleteFrom('connections').where('id', '=', connectionId).execute();
    return { cancelledJobs, erasedCredentials };
  });
}
