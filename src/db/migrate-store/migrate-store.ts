// `npm run migrate-store`: copies an installation's state from its SQLite file into a PostgreSQL
// database, for the move from one container to several replicas (#21 item 4).
//
// The order: the source is read through one read transaction (sqlite-snapshot.ts), so a daemon still
// writing cannot tear the copy, but what it writes after that instant is not copied; the target is
// migrated to this code's schema, both schemas are compared table by table and column by column,
// and the rows are copied in one PostgreSQL transaction — every table locked, checked empty, filled
// in foreign-key order, identity sequences moved past the copied ids, rows counted on both sides —
// committed only when every count matches. Credentials are copied sealed, as they are: the vault
// key is neither needed nor read, and every replica must then be given the key the file was sealed with.
import pg from 'pg';
import type { PostgresDb } from '../database.ts';
import { readMigrations } from '../migrate.ts';
import { migratePostgres } from '../postgres/migrate-postgres.ts';
import { describeDatabaseUrl } from '../postgres/database-url.ts';
import { connectPostgres, openPostgres } from '../postgres/open-postgres.ts';
import { migrationLevelProblem, schemaDifferences } from './compare-stores.ts';
import { copyOrder } from './copy-order.ts';
import { countsMatch, formatCounts, type TableCount } from './count-report.ts';
import { MigrateStoreError } from './migrate-store-error.ts';
import { advanceIdentity, countRows, describeTarget, firstTableWithRows, insertRows } from './postgres-target.ts';
import { openSqliteSnapshot, type SqliteSnapshot } from './sqlite-snapshot.ts';

/** Written by the migrations themselves on both sides, with each side's own applied_at: not copied, compared by id. */
const MIGRATIONS_TABLE = 'schema_migrations';
const DEFAULT_BATCH_ROWS = 1000;

export interface MigrateStoreOptions {
  sourcePath: string;
  /** postgres://… (a credential: only its host, port and database are ever said). */
  targetUrl: string;
  /** This code's version, named when the source is from another one. */
  version: string;
  /** Each line for the operator. */
  say?: (line: string) => void;
  /** After each batch is written (in the open transaction): progress for the operator. */
  onBatch?: (progress: { table: string; copied: number; total: number }) => Promise<void> | void;
  batchRows?: number;
  now?: () => number;
}

export interface MigrateStoreResult {
  /** Committed: every table's count matched. Otherwise nothing was written to the target's tables. */
  copied: boolean;
  counts: TableCount[];
  /** When the source was read (epoch ms). */
  snapshotAt: number;
}

function refuseNonEmpty(table: string, target: string): never {
  throw new MigrateStoreError(
    `The target database ${target} already holds data (table ${table} has rows). migrate-store copies into an empty database only: ` +
      'drop and create the database again (or name another one), and keep the replicas stopped until the copy is done.',
  );
}

export async function migrateStore(options: MigrateStoreOptions): Promise<MigrateStoreResult> {
  const say = options.say ?? (() => undefined);
  const target = describeDatabaseUrl(options.targetUrl);
  const snapshot = openSqliteSnapshot(options.sourcePath, options.now);
  try {
    say(`Source: ${snapshot.path} (SQLite), read as it was at ${new Date(snapshot.takenAt).toISOString()}.`);
    say('  Changes written to it after that instant are not copied: stop the daemon before migrating (or point the webhooks at the new replicas first).');
    const migrations = readMigrations(undefined, 'postgres');
    const problem = migrationLevelProblem(snapshot.migrationIds, migrations.map((m) => m.id), options.version);
    if (problem) throw new MigrateStoreError(problem);

    // Statements here may run long (a count over millions of rows): no timeout.
    const db = openPostgres(options.targetUrl, { max: 2, statementTimeoutMs: 0 });
    try {
      await connectPostgres(db, options.targetUrl);
      say(`Target: ${target} (PostgreSQL).`);
      // A database something already wrote to is refused before this tool changes anything in it.
      const before = await withClient(db, describeTarget);
      const filled = await withClient(db, (client) => firstTableWithRows(client, [...before.tables.keys()].filter((t) => t !== MIGRATIONS_TABLE).sort()));
      if (filled) refuseNonEmpty(filled, target);
      const { applied } = await migratePostgres(db.pool, migrations, options.now);
      say(applied.length > 0 ? `  Migrated to ${migrations.at(-1)?.id} (${applied.length} migrations applied).` : `  Already at ${migrations.at(-1)?.id}.`);
      return await withClient(db, (client) => copy(client, snapshot, { ...options, say, target }));
    } finally {
      await db.close();
    }
  } finally {
    snapshot.close();
  }
}

async function withClient<T>(db: PostgresDb, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

async function copy(client: pg.PoolClient, snapshot: SqliteSnapshot, options: MigrateStoreOptions & { say: (line: string) => void; target: string }): Promise<MigrateStoreResult> {
  const { say } = options;
  const shape = await describeTarget(client);
  const differences = schemaDifferences(snapshot.tables, shape.tables);
  if (differences.length > 0) {
    throw new MigrateStoreError(`The source and the target have different schemas, so nothing was copied:\n${differences.map((d) => `  - ${d}`).join('\n')}`);
  }
  const tables = copyOrder([...shape.tables.keys()].filter((t) => t !== MIGRATIONS_TABLE), shape.foreignKeys);
  await client.query('BEGIN');
  try {
    // Nothing else writes while the copy runs (a replica started too early waits, then finds the data).
    await client.query(`LOCK TABLE ${[...tables, MIGRATIONS_TABLE].map((t) => pg.escapeIdentifier(t)).join(', ')} IN EXCLUSIVE MODE`);
    const filled = await firstTableWithRows(client, tables);
    if (filled) refuseNonEmpty(filled, options.target);
    for (const table of tables) {
      const total = snapshot.count(table);
      if (total === 0) continue;
      const columns = snapshot.tables.get(table) ?? [];
      const identity = shape.identities.get(table);
      await insertRows(client, {
        table,
        columns,
        hasIdentity: identity !== undefined,
        rows: snapshot.rows(table, columns),
        batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
        afterBatch: (copied) => options.onBatch?.({ table, copied, total }),
      });
      say(`  ${table}: ${total} rows`);
    }
    for (const [table, column] of shape.identities) await advanceIdentity(client, table, column, snapshot.highestIssuedId(table) ?? 0);
    const counts: TableCount[] = [];
    for (const table of [MIGRATIONS_TABLE, ...[...tables].sort()]) counts.push({ table, source: snapshot.count(table), target: await countRows(client, table) });
    say('');
    say(formatCounts(counts));
    say('');
    if (!countsMatch(counts)) {
      await client.query('ROLLBACK');
      say(`The counts differ (MISMATCH above): nothing was committed to ${options.target}.`);
      return { copied: false, counts, snapshotAt: snapshot.takenAt };
    }
    await client.query('COMMIT');
    const rows = counts.reduce((sum, c) => sum + c.target, 0);
    say(`Copied ${rows} rows in ${counts.length} tables into ${options.target}; every count matches.`);
    say('Credentials were copied sealed. Every replica needs the vault key the old container had: the same');
    say('INTERHUBZ_SECRET_KEY, or its secret.key (from the data directory) mounted and named in vault.keyFile.');
    say('Then start the replicas with database.url (DATABASE_URL) naming this database.');
    return { copied: true, counts, snapshotAt: snapshot.takenAt };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
