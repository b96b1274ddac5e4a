// Recording a run's result. Every write is conditional on the lease (status 'running' and the
// token of this run's claim), so a run that lost its lease — it stalled, the lease expired and
// another run took the job, even in the same process — cannot overwrite the newer run's state.
import type { Kysely } from 'kysely';
import type { Database, JobRow } from '../db/schema.ts';
import { setNeedsReauth } from '../db/repos/connections.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Vendor } from '../vendor.ts';
import { parkConnectionJobs } from './queue.ts';
import { lockingRead } from './sql.ts';

/** Longest error text kept on a job; upstream messages can be long and must stay readable. */
const MAX_ERROR_LENGTH = 2000;

const clip = (text: string) => (text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text);

/** One run of one job: its id and the token its claim wrote into `locked_by`. */
export type Lease = Pick<JobRow, 'id'> & { token: string };

function leased(db: Kysely<Database>, lease: Lease) {
  return db.updateTable('jobs').where('id', '=', lease.id).where('status', '=', 'running').where('locked_by', '=', lease.token);
}

const released = { locked_by: null, locked_until: null } as const;

/** Completes many runs at once; returns the ids whose lease was still held. */
export async function completeJobs(db: Kysely<Database>, leases: readonly Lease[], now: number): Promise<Set<number>> {
  if (leases.length === 0) return new Set();
  const rows = await db
    .updateTable('jobs')
    .set({ ...released, status: 'succeeded', last_error: null, finished_at: now, updated_at: now })
    .where('id', 'in', leases.map((lease) => lease.id))
    .where('status', '=', 'running')
    .where((eb) => eb.or(leases.map((lease) => eb.and([eb('id', '=', lease.id), eb('locked_by', '=', lease.token)]))))
    .returning('id')
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Back to the queue at `runAt`. `refundAttempt` for waits that are not the job's fault (Retry-After, parking). */
export async function rescheduleJob(
  db: Kysely<Database>,
  lease: Lease,
  options: { runAt: number; reason: string; refundAttempt: boolean; now: number },
): Promise<boolean> {
  return withTransaction(db, async (trx) => {
    if (await supersede(trx, lease, options.reason, options.now)) return true;
    return requeue(trx, lease, options);
  });
}

/**
 * A keyed job that was enqueued again while this run was going (a new close while a capture
 * retried) gave its key to the new job, which waits with the key's latest schedule and does this
 * job's work (graphile-worker's job_key semantics; enqueue sets superseded_by). So this run's retry
 * or parking ends here, as superseded, instead of becoming a second pending job. Returns whether it did.
 */
async function supersede(db: Kysely<Database>, lease: Lease, reason: string, now: number): Promise<boolean> {
  // Locked until the outcome is written (PostgreSQL): an enqueue on another replica that detaches
  // this run between the read and the write would otherwise see its key requeued here as a second
  // pending job. With the lock it waits, and then finds the requeued job and replaces it.
  const own = await lockingRead(db, db.selectFrom('jobs').select('superseded_by').where('id', '=', lease.id)).executeTakeFirst();
  if (own?.superseded_by == null) return false;
  const result = await leased(db, lease)
    .set({ ...released, status: 'cancelled', last_error: clip(`${reason} — superseded by job ${own.superseded_by}, which has the same key and runs instead`), finished_at: now, updated_at: now })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

async function requeue(db: Kysely<Database>, lease: Lease, options: { runAt: number; reason: string; refundAttempt: boolean; now: number }): Promise<boolean> {
  const result = await leased(db, lease)
    .set((eb) => ({
      ...released,
      status: 'queued',
      run_at: options.runAt,
      attempts: options.refundAttempt ? eb('attempts', '-', 1) : eb.ref('attempts'),
      last_error: clip(options.reason),
      updated_at: options.now,
    }))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function failJob(db: Kysely<Database>, lease: Lease, reason: string, now: number): Promise<boolean> {
  const result = await leased(db, lease)
    .set({ ...released, status: 'failed', last_error: clip(reason), finished_at: now, updated_at: now })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Parks this job and every queued job of its connection until it is re-authorised, and marks the
 * connection needs_reauth in the same transaction (with `side` refused, when known): parked work
 * under a connection that says Active would wait for a re-authorisation nobody is asked for.
 */
export async function parkJob(db: Kysely<Database>, lease: Lease & { connectionId: string | null }, reason: string, now: number, side: Vendor | null = null): Promise<boolean> {
  return withTransaction(db, async (trx) => {
    if (lease.connectionId !== null && (await supersede(trx, lease, reason, now))) {
      await setNeedsReauth(trx, lease.connectionId, side, now);
      await parkConnectionJobs(trx, lease.connectionId, now);
      return true;
    }
    const result = await leased(trx, lease)
      .set((eb) => ({
        ...released,
        status: lease.connectionId === null ? 'failed' : 'parked',
        attempts: eb('attempts', '-', 1),
        last_error: clip(lease.connectionId === null ? `${reason} (a job without a connection cannot wait for re-authorisation)` : reason),
        finished_at: lease.connectionId === null ? now : null,
        updated_at: now,
      }))
      .executeTakeFirst();
    // Even when this run lost its lease: the refusal it met is a fact about the credential.
    if (lease.connectionId !== null) {
      await setNeedsReauth(trx, lease.connectionId, side, now);
      await parkConnectionJobs(trx, lease.connectionId, now);
    }
    return result.numUpdatedRows > 0n;
  });
}

/** Keeps a long run's lease alive. False means the lease is gone: the run should stop. */
export async function extendLease(db: Kysely<Database>, lease: Lease, until: number): Promise<boolean> {
  const result = await leased(db, lease).set({ locked_until: until }).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
