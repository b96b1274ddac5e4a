// The source side of migrate-store: an Interhubz SQLite file read through one read transaction, so
// every table is read as it was at one instant while a running daemon keeps writing (WAL: a reader
// keeps its snapshot, writers are not blocked). Opened read-only: nothing here can change the file.
import { statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import type { TableColumns } from './compare-stores.ts';
import { MigrateStoreError } from './migrate-store-error.ts';

export interface SqliteSnapshot {
  path: string;
  /** When the snapshot was taken (epoch ms): later writes to the file are not in it. */
  takenAt: number;
  /** Every table but SQLite's own, with its columns in order. */
  tables: TableColumns;
  migrationIds: string[];
  count(table: string): number;
  /** The highest id an AUTOINCREMENT table ever handed out (sqlite_sequence), which can exceed max(id). */
  highestIssuedId(table: string): number | undefined;
  /** The table's rows, values in `columns`' order; integers as bigint, so none loses precision. */
  rows(table: string, columns: readonly string[]): IterableIterator<unknown[]>;
  close(): void;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function openReadOnly(path: string): SQLite.Database {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new MigrateStoreError(`The source database ${path} does not exist (--from sqlite:${path}).`);
  }
  if (!isFile) throw new MigrateStoreError(`The source ${path} is not a file (--from names the Interhubz SQLite file, usually /data/interhubz.db).`);
  try {
    const sqlite = new SQLite(path, { readonly: true, fileMustExist: true });
    // A daemon checkpointing or recovering its WAL holds a lock for a moment.
    sqlite.pragma('busy_timeout = 5000');
    return sqlite;
  } catch (error) {
    throw new MigrateStoreError(`The source database ${path} cannot be opened: ${(error as Error).message}.`, { cause: error });
  }
}

export function openSqliteSnapshot(path: string, now: () => number = Date.now): SqliteSnapshot {
  const sqlite = openReadOnly(path);
  try {
    let names: string[];
    try {
      // The read transaction starts at its first read; every read below sees that one state.
      sqlite.exec('BEGIN');
      names = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    } catch (error) {
      throw new MigrateStoreError(`The source ${path} is not an SQLite database (${(error as Error).message}).`, { cause: error });
    }
    const takenAt = now();
    if (!names.includes('schema_migrations')) {
      throw new MigrateStoreError(`The source ${path} is not an Interhubz database: it has no schema_migrations table.`);
    }
    const tables = new Map<string, string[]>();
    for (const name of names) {
      const columns = sqlite.prepare(`PRAGMA table_info(${quote(name)})`).all() as { name: string }[];
      tables.set(name, columns.map((c) => c.name));
    }
    const migrationIds = (sqlite.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    const hasSequences = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").get() !== undefined;
    return {
      path,
      takenAt,
      tables,
      migrationIds,
      count: (table) => Number((sqlite.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n),
      highestIssuedId(table) {
        if (!hasSequences) return undefined;
        const row = sqlite.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').safeIntegers(true).get(table) as { seq: bigint | number | null } | undefined;
        return row?.seq == null ? undefined : Number(row.seq);
      },
      rows: (table, columns) =>
        sqlite
          .prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}`)
          .safeIntegers(true)
          .raw(true)
          .iterate() as IterableIterator<unknown[]>,
      close() {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        sqlite.close();
      },
    };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
