// Applies migrations/NNNN_name.sql in order, each in its own transaction, and records them.
// A database that has migrations this code does not know was written by a newer version: refused,
// because running old code on a newer schema can silently lose data.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type SQLite from 'better-sqlite3';
import { appPath } from '../app-root.ts';
import { StartupError } from '../startup-error.ts';
import { translateMigration } from './postgres/translate-migration.ts';
import { withSyncTransaction } from './transaction.ts';

const MIGRATIONS_DIR = appPath('migrations/');

export interface Migration {
  id: string;
  sql: string;
}

/**
 * The migrations in order. For PostgreSQL each is translated from the SQLite file
 * (src/db/postgres/translate-migration.ts), unless `<dir>/postgres/<id>.sql` replaces it.
 */
export function readMigrations(dir = MIGRATIONS_DIR, dialect: 'sqlite' | 'postgres' = 'sqlite'): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ id: basename(file, '.sql'), sql: readFileSync(join(dir, file), 'utf8') }));
  if (dialect === 'sqlite') return migrations;
  return migrations.map(({ id, sql }) => {
    const override = join(dir, 'postgres', `${id}.sql`);
    if (existsSync(override)) return { id, sql: readFileSync(override, 'utf8') };
    try {
      return { id, sql: translateMigration(sql) };
    } catch (error) {
      throw new Error(`migrations/${id}.sql cannot be translated to PostgreSQL (${(error as Error).message}): write migrations/postgres/${id}.sql`, { cause: error });
    }
  });
}

export interface MigrationResult {
  applied: string[];
  current: string | null;
}

export function migrate(sqlite: SQLite.Database, migrations = readMigrations(), now = Date.now): MigrationResult {
  sqlite.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT');
  const done = new Set(
    (sqlite.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: string }[]).map((r) => r.id),
  );
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...done].filter((id) => !known.has(id)).sort();
  if (unknown.length > 0) {
    throw new StartupError(
      `The database ${sqlite.name} was written by a newer version of Interhubz (it has migration ${unknown.join(', ')}, ` +
        'which this version does not know). Run the newer version again, or restore a backup made before the upgrade.',
    );
  }
  const applied: string[] = [];
  const record = sqlite.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    withSyncTransaction(sqlite, () => {
      sqlite.exec(migration.sql);
      record.run(migration.id, now());
    });
    applied.push(migration.id);
  }
  return { applied, current: migrations.at(-1)?.id ?? null };
}

/** True when every migration this code knows is recorded: part of /readyz. */
export function isMigrated(sqlite: SQLite.Database, migrations = readMigrations()): boolean {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return false;
  const rows = sqlite.prepare('SELECT id FROM schema_migrations').all() as { id: string }[];
  const done = new Set(rows.map((r) => r.id));
  return migrations.every((m) => done.has(m.id));
}
