// The few places where the job table's SQL differs between SQLite and PostgreSQL. Everything else
// in src/jobs is written once, in SQL both accept. What differs is what SQLite's single writer gave
// for free: on PostgreSQL several replicas write the table at once (READ COMMITTED), so a
// read-then-write must lock what it read (FOR UPDATE), claims must pass over rows another replica
// is taking (SKIP LOCKED), and writes that move a key are serialised per key.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { dialectOf } from '../db/sql-dialect.ts';
import { lockUntilCommit } from '../db/transaction.ts';

/**
 * Whether `db` (a database or a transaction) speaks PostgreSQL. Asked of the Kysely handle rather
 * than passed along, so every store function keeps taking "a db or the caller's transaction".
 */
export function onPostgres(db: Kysely<Database>): boolean {
  return dialectOf(db) === 'postgres';
}

/** Locks the rows a read returns until the transaction ends (PostgreSQL); SQLite's writer lock already does. */
export function lockingRead<Q extends { forUpdate(): Q }>(db: Kysely<Database>, query: Q): Q {
  return onPostgres(db) ? query.forUpdate() : query;
}

/**
 * The advisory-lock class of job keys (the two-int4 lock space, apart from the chores' bigint locks).
 * Any stable number: it only has to differ from other int4-pair classes this program takes.
 */
const JOB_KEY_LOCK_CLASS = 0x4a_4b; // 'JK'

/**
 * Serialises, on PostgreSQL, the writes that give a key to a job (enqueue, retry) until the
 * transaction ends, as SQLite's single writer does: the look-up of the key's holder and the write
 * that follows cannot interleave with another replica's. Without it two replicas enqueuing one new
 * key both find no holder and one of them fails on the unique index (jobs_unfinished_key). Keys
 * that hash alike merely wait for each other. Nothing to do on SQLite.
 */
export const lockJobKey = (db: Kysely<Database>, key: string): Promise<void> => lockUntilCommit(db, JOB_KEY_LOCK_CLASS, key);

/**
 * A bound epoch-ms number inside an expression PostgreSQL cannot type on its own (a CASE whose
 * other branch is NULL would make it text). CAST AS BIGINT is an integer in SQLite too.
 */
export const epochMs = (ms: number): RawBuilder<number> => sql<number>`CAST(${ms} AS BIGINT)`;
