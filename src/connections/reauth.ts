// A connection's credential stands refused, or is good again: the connection row and its job queue
// change together. Here, above both src/db and src/jobs, so neither layer reaches into the other;
// src/integrations learns of a refusal only through the port it is given (connection-credentials.ts).
import type { Kysely } from 'kysely';
import { setNeedsReauth, setReauthorised } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { parkConnectionJobs, resumeConnectionJobs } from '../jobs/queue.ts';
import type { Vendor } from '../vendor.ts';

/**
 * A credential was revoked or a refresh was refused: the connection needs a person to re-authorise
 * it, and its queued jobs wait (parked) instead of failing one by one. One transaction, so no job
 * is claimed in between.
 */
export async function markNeedsReauth(db: Kysely<Database>, connectionId: string, side: Vendor, now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    await setNeedsReauth(trx, connectionId, side, now);
    await parkConnectionJobs(trx, connectionId, now);
  });
}

/** Re-authorised: active again, and its parked jobs resume now. */
export async function markReauthorised(db: Kysely<Database>, connectionId: string, now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    await setReauthorised(trx, connectionId, now);
    await resumeConnectionJobs(trx, connectionId, now);
  });
}
