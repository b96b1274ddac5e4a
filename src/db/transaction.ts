// The one way into a database transaction. Nested use joins the outer transaction (SQLite has no
// nested BEGIN; a store that needs atomicity works the same whether its caller already holds a
// transaction or not), and the work runs marked, so an upstream HTTP call from inside it throws
// (src/transaction-context.ts says why).
import type SQLite from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import { markedAsInSyncTransaction, markedAsInTransaction } from '../transaction-context.ts';
import type { Database } from './schema.ts';

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
  return markedAsInSyncTransaction(() => sqlite.transaction(work)());
}
