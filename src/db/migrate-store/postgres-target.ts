// The target side of migrate-store: what the PostgreSQL database holds (tables, columns, foreign
// keys, identity columns) and the copy itself, inside one transaction the caller opens and ends.
import pg from 'pg';
import type { TableColumns } from './compare-stores.ts';
import type { ForeignKey } from './copy-order.ts';

export interface TargetShape {
  tables: TableColumns;
  foreignKeys: ForeignKey[];
  /** Per table, its identity column (the id PostgreSQL hands out: SQLite's INTEGER PRIMARY KEY). */
  identities: ReadonlyMap<string, string>;
}

const quote = (name: string) => pg.escapeIdentifier(name);

/** PostgreSQL refuses a statement with more bind parameters than this (a 16-bit count). */
const MAX_PARAMETERS = 65_535;

export async function describeTarget(client: pg.ClientBase): Promise<TargetShape> {
  const columns = await client.query<{ table_name: string; column_name: string; is_identity: string }>(
    `SELECT c.table_name, c.column_name, c.is_identity
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, string[]>();
  const identities = new Map<string, string>();
  for (const row of columns.rows) {
    const list = tables.get(row.table_name) ?? [];
    list.push(row.column_name);
    tables.set(row.table_name, list);
    if (row.is_identity === 'YES') identities.set(row.table_name, row.column_name);
  }
  const foreignKeys = await client.query<ForeignKey>(
    `SELECT r.relname AS table, f.relname AS references
     FROM pg_constraint c
     JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
     JOIN pg_class f ON f.oid = c.confrelid
     WHERE c.contype = 'f' AND n.nspname = current_schema()`,
  );
  return { tables, foreignKeys: foreignKeys.rows, identities };
}

/** The first of `tables` (in order) holding a row, if any. */
export async function firstTableWithRows(client: pg.ClientBase, tables: readonly string[]): Promise<string | undefined> {
  for (const table of tables) {
    const found = await client.query(`SELECT 1 FROM ${quote(table)} LIMIT 1`);
    if ((found.rowCount ?? 0) > 0) return table;
  }
  return undefined;
}

/** Rows per INSERT: `preferred`, fewer when a row's columns would exceed PostgreSQL's parameter limit. */
export const batchRowsFor = (columnCount: number, preferred: number) => Math.max(1, Math.min(preferred, Math.floor(MAX_PARAMETERS / Math.max(1, columnCount))));

/**
 * Inserts the rows in batches of multi-row INSERTs. Values go as they come from SQLite: bigints and
 * numbers as their text (pg sends no type: PostgreSQL reads them as the column's BIGINT or DOUBLE
 * PRECISION), strings as text, Buffers as bytea, null as NULL. An identity column takes the copied
 * id (OVERRIDING SYSTEM VALUE, in case one is GENERATED ALWAYS).
 */
export async function insertRows(
  client: pg.ClientBase,
  input: { table: string; columns: readonly string[]; hasIdentity: boolean; rows: Iterable<unknown[]>; batchRows: number; afterBatch?: (copied: number) => Promise<void> | void },
): Promise<number> {
  const { table, columns } = input;
  const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')})${input.hasIdentity ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES `;
  const size = batchRowsFor(columns.length, input.batchRows);
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const tuples = batch.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
    await client.query(head + tuples.join(', '), batch.flat());
    copied += batch.length;
    batch = [];
    await input.afterBatch?.(copied);
  };
  for (const row of input.rows) {
    batch.push(row);
    if (batch.length >= size) await flush();
  }
  await flush();
  return copied;
}

/** Moves an identity's sequence past `atLeast` and the highest id in the table, so new rows get fresh ids. */
export async function advanceIdentity(client: pg.ClientBase, table: string, column: string, atLeast: number): Promise<void> {
  const max = await client.query<{ max: number | string | null }>(`SELECT max(${quote(column)}) AS max FROM ${quote(table)}`);
  const highest = Math.max(Number(max.rows[0]?.max ?? 0), atLeast);
  // A sequence starts at 1: an empty table that never handed out an id keeps it as it is.
  if (highest < 1) return;
  await client.query('SELECT setval(pg_get_serial_sequence($1, $2), $3)', [quote(table), column, highest]);
}

export async function countRows(client: pg.ClientBase, table: string): Promise<number> {
  const result = await client.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${quote(table)}`);
  return Number(result.rows[0]?.n ?? 0);
}
