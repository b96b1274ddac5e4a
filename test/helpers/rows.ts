// Reading and writing a test store's tables on either store (SQLite or PostgreSQL) through its Kysely
// handle: what tests once did with the raw SQLite handle, in SQL both speak, so the suites that do it
// run on PostgreSQL too (#21). Queries a test needs once stay in the test, in typed Kysely.
import { existsSync, readFileSync } from 'node:fs';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import type { Database } from '../../src/db/schema.ts';

export type Table = keyof Database & string;
type Column<T extends Table> = keyof Database[T] & string;

/** Each entry a condition `column = value` (`column IS NULL` for null), all of them required. */
export type Where<T extends Table> = Partial<Record<Column<T>, string | number | null>>;

/** What the helpers need of a store: its Kysely handle (a Db, or a test daemon's `db`). */
export type Store = Pick<Db, 'kysely'>;

function whereClause(where: Record<string, string | number | null | undefined>): RawBuilder<unknown> {
  const terms = Object.entries(where)
    .filter((entry): entry is [string, string | number | null] => entry[1] !== undefined)
    .map(([column, value]) => (value === null ? sql`${sql.ref(column)} IS NULL` : sql`${sql.ref(column)} = ${value}`));
  return terms.length === 0 ? sql`` : sql` WHERE ${sql.join(terms, sql` AND `)}`;
}

/** How many rows of `table` match `where` (all rows without it). */
export async function countRows<T extends Table>(db: Store, table: T, where: Where<T> = {}): Promise<number> {
  // count(*) is a BIGINT on PostgreSQL, which the store's driver reads as a number.
  const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}${whereClause(where)}`.execute(db.kysely);
  return Number(rows[0]?.n ?? 0);
}

/** The rows of `table` matching `where`, every column, in the order of `orderBy` (default id). */
export async function selectRows<T extends Table>(db: Store, table: T, where: Where<T> = {}, orderBy: Column<T> = 'id' as Column<T>): Promise<Array<Selectable<Database[T]>>> {
  const { rows } = await sql<Selectable<Database[T]>>`SELECT * FROM ${sql.table(table)}${whereClause(where)} ORDER BY ${sql.ref(orderBy)}`.execute(db.kysely);
  return rows;
}

/**
 * Every row of every table of the store, as one text (binary columns as latin1, like a file's bytes):
 * what a test shows something is NOT stored in when it cannot read the store's files (PostgreSQL's are
 * not the test's to read), or searches on either store. Tables are listed through Kysely's introspection,
 * which both stores answer (SQLite has no information_schema).
 */
export async function allRowsText(db: Store): Promise<string> {
  const tables = (await db.kysely.introspection.getTables()).filter((table) => !table.isView).map((table) => table.name).sort();
  const asText = (_key: string, value: unknown) =>
    value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' ? Buffer.from((value as { data: number[] }).data).toString('latin1') : value;
  const texts = await Promise.all(tables.map(async (table) => `${table}: ${JSON.stringify((await sql`SELECT * FROM ${sql.table(table)}`.execute(db.kysely)).rows, asText)}`));
  return texts.join('\n');
}

/**
 * What someone holding the store's disk could read, as text: on SQLite the database file, its WAL and
 * shared memory as bytes (latin1); on PostgreSQL every row of every table (allRowsText).
 */
export async function storedText(db: Db): Promise<string> {
  if (db.dialect === 'postgres') return allRowsText(db);
  return [db.path, `${db.path}-wal`, `${db.path}-shm`].filter(existsSync).map((path) => readFileSync(path).toString('latin1')).join('\n');
}
