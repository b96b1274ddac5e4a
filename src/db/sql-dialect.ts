// The few SQL spellings SQLite and PostgreSQL do not share, as expressions that give the same result
// on both. Everything else is written once, in SQL both speak; a query needing one of these asks its
// `db` (a transaction too) which store it is on.
import { PostgresAdapter, sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.ts';

export type SqlDialect = 'sqlite' | 'postgres';

/** A Kysely instance or a transaction: all that is asked of it is its adapter. */
type Queryable = Pick<Kysely<Database>, 'getExecutor'>;

/** Which store a Kysely instance (or transaction) talks to. */
export function dialectOf(db: Queryable): SqlDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * The text of a top-level key of a JSON text column, NULL when the key is missing or JSON null:
 * SQLite's json_extract(column, '$.key') for a scalar, PostgreSQL's (column::jsonb ->> 'key').
 * `key` is a fixed identifier from the code, never user input.
 */
export function jsonText(db: Queryable, column: string, key: string): RawBuilder<string | null> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`jsonText takes a plain key, not ${JSON.stringify(key)}`);
  return dialectOf(db) === 'postgres' ? sql<string | null>`(${sql.ref(column)}::jsonb ->> ${sql.lit(key)})` : sql<string | null>`json_extract(${sql.ref(column)}, ${sql.lit(`$.${key}`)})`;
}

/**
 * The larger of two non-null values: SQLite's two-argument max(), PostgreSQL's greatest() (its
 * max() is only the aggregate).
 */
export function greatest<T>(db: Queryable, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return dialectOf(db) === 'postgres' ? sql<T>`greatest(${a}, ${b})` : sql<T>`max(${a}, ${b})`;
}

/**
 * SQLite's INDEXED BY hint after a table name (where its planner picks a worse index, said at the
 * query); PostgreSQL has no hints and plans by its statistics, so there it is nothing.
 */
export function indexedBy(db: Queryable, index: string): RawBuilder<unknown> {
  return dialectOf(db) === 'postgres' ? sql`` : sql`INDEXED BY ${sql.id(index)}`;
}
