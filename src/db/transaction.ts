// The one way into a database transaction. Nested use joins the outer transaction (SQLite has no
// nested BEGIN; a store that needs atomicity works the same whether its caller already holds a
// transaction or not), and the work runs marked, so an upstream HTTP call from inside it throws
// (src/transaction-context.ts says why).
import type SQLite from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import { markedAsInSyncTransaction, markedAsInTransaction } from '../transaction-context.ts';
import type { Database } from './schema.ts';
import { dialectOf } from './sql-dialect.ts';

/** Runs `work` in a transaction: a new one, or the caller's when `db` already is one. */
export function withTransaction<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  // Kysely reports isTransaction only for a Transaction (or ControlledTransaction), so the cast holds.
  // Marked here too, in case the outer transaction was begun without this function.
  if (db.isTransaction) return markedAsInTransaction(() => work(db as Transaction<Database>));
  // Marked around begin and commit too: the lock is held until the commit, not until the work returns.
  return markedAsInTransaction(() => db.transaction().execute(work));
}

/**
 * A synchronous better-sqlite3 transaction (start-up work such as migrations), marked like the
 * others. Synchronous work cannot await a response, but it could still start a request.
 */
export function withSyncTransaction<T>(sqlite: SQLite.Database, work: () => T): T {
  // IMMEDIATE: the write lock is waited for at BEGIN (src/db/database.ts, ImmediateSqliteDriver, says why).
  return markedAsInSyncTransaction(() => sqlite.transaction(work).immediate());
}

/**
 * The advisory-lock class of named write sections (the two-int4 lock space; src/jobs/sql.ts uses
 * another class for job keys). Any stable number apart from the others.
 */
const SECTION_LOCK_CLASS = 0x57_53; // 'WS'

/**
 * Serialises, until the transaction ends, the transactions that enter the section `name` — a
 * read-then-write that must see every other's write, such as "count the connections, then add one
 * within maxConnections". SQLite's single writer gives that already; on PostgreSQL (READ COMMITTED,
 * several replicas) two such transactions would both read before either writes.
 */
export const lockSection = (trx: Kysely<Database>, name: string): Promise<void> => lockUntilCommit(trx, SECTION_LOCK_CLASS, name);

/**
 * A transaction-scoped advisory lock on `name` in the int4-pair lock space `lockClass` (PostgreSQL),
 * held until the transaction ends; nothing on SQLite, whose single writer already serialises.
 */
export async function lockUntilCommit(trx: Kysely<Database>, lockClass: number, name: string): Promise<void> {
  if (!trx.isTransaction) throw new Error('an advisory lock until commit needs a transaction: the lock lasts until it ends');
  if (dialectOf(trx) !== 'postgres') return;
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(lockClass)}, hashtext(${name}))`.execute(trx);
}
