// One schema, two stores: the migrations applied to SQLite and (translated, or overridden) to
// PostgreSQL build the same tables, columns, keys and indexes, and the CHECKs the translator and the
// overrides rewrite keep their meaning. migratePostgres keeps migrate()'s contract: once only,
// unknown migrations refused, each migration in its own transaction, and replicas starting together
// on one database migrate it once.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { appPath } from '../../src/app-root.ts';
import type { Db, PostgresDb } from '../../src/db/database.ts';
import { hashPlainRecordLinks } from '../../src/db/hash-record-links.ts';
import { readMigrations } from '../../src/db/migrate.ts';
import { isMigratedPostgres, migratePostgres } from '../../src/db/postgres/migrate-postgres.ts';
import { createMatchKeyHasher } from '../../src/matching/match-key.ts';
import { StartupError } from '../../src/startup-error.ts';
import { makeTestDb } from '../helpers/db.ts';
import { eachStore, makeTestPgDb, pgServer } from '../helpers/postgres.ts';

interface Column {
  name: string;
  notNull: boolean;
  /** The DEFAULT as written ('queued', 0), '<generated>' for an id the database gives (SQLite's rowid alias, PostgreSQL's identity), or null. */
  default: string | null;
}

interface Table {
  columns: Column[];
  primaryKey: string[];
  /** UNIQUE constraints (not CREATE UNIQUE INDEX), each its columns. */
  uniques: string[][];
  /** How many CHECK constraints (a lost one would show here). */
  checks: number;
}

interface Index {
  table: string;
  unique: boolean;
  partial: boolean;
  /** Column names in order, '<expr>' for an expression, ' DESC' when descending. */
  columns: string[];
}

interface Schema {
  tables: Record<string, Table>;
  indexes: Record<string, Index>;
}

function sqliteSchema(db: Db): Schema {
  if (db.dialect !== 'sqlite') throw new Error('not SQLite');
  const s = db.sqlite;
  const tableSql = (name: string) =>
    ((s.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) as { sql: string }).sql)
      .replace(/--.*$/gm, '')
      .replace(/'(?:[^']|'')*'/g, "''");
  const tables: Record<string, Table> = {};
  const names = s.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  for (const { name } of names) {
    const info = s.prepare(`PRAGMA table_info(${JSON.stringify(name)})`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    // A lone INTEGER PRIMARY KEY is the rowid: SQLite gives it a value when none is given.
    const rowidAlias = pk.length === 1 && pk[0]?.type.toUpperCase() === 'INTEGER' ? pk[0].name : undefined;
    const indexList = s.prepare(`PRAGMA index_list(${JSON.stringify(name)})`).all() as { name: string; origin: string }[];
    tables[name] = {
      // PRIMARY KEY columns cannot hold NULL on PostgreSQL; SQLite lets a non-STRICT table's do
      // (a legacy quirk nothing relies on), so the comparison counts them as NOT NULL on both.
      columns: info.map((c) => ({ name: c.name, notNull: c.notnull === 1 || c.pk > 0, default: c.name === rowidAlias ? '<generated>' : c.dflt_value })),
      primaryKey: pk.map((c) => c.name),
      uniques: indexList
        .filter((i) => i.origin === 'u')
        .map((i) => (s.prepare(`PRAGMA index_info(${JSON.stringify(i.name)})`).all() as { name: string }[]).map((c) => c.name))
        .sort(),
      // SQLite keeps the CREATE TABLE text (ALTER TABLE ADD COLUMN appends to it), comments included.
      checks: [...tableSql(name).matchAll(/\bCHECK\s*\(/gi)].length,
    };
  }
  const indexes: Record<string, Index> = {};
  const created = s.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string; tbl_name: string }[];
  for (const { name, tbl_name } of created) {
    const listed = (s.prepare(`PRAGMA index_list(${JSON.stringify(tbl_name)})`).all() as { name: string; unique: number; partial: number }[]).find((i) => i.name === name);
    const columns = (s.prepare(`PRAGMA index_xinfo(${JSON.stringify(name)})`).all() as { name: string | null; desc: number; key: number }[])
      .filter((c) => c.key === 1)
      .map((c) => `${c.name ?? '<expr>'}${c.desc ? ' DESC' : ''}`);
    indexes[name] = { table: tbl_name, unique: listed?.unique === 1, partial: listed?.partial === 1, columns };
  }
  return { tables, indexes };
}

async function postgresSchema(db: PostgresDb): Promise<Schema> {
  const q = async <R>(text: string) => (await db.pool.query<R & pg.QueryResultRow>(text)).rows;
  const tables: Record<string, Table> = {};
  const names = await q<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const constraintColumns = (table: string, type: 'p' | 'u') =>
    q<{ columns: string[] }>(
      `SELECT array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
       FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
       WHERE n.nspname = current_schema() AND r.relname = ${pg.escapeLiteral(table)} AND c.contype = '${type}'`,
    );
  for (const { name } of names) {
    const columns = await q<{ name: string; is_nullable: string; column_default: string | null; is_identity: string }>(
      `SELECT column_name AS name, is_nullable, column_default, is_identity FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = ${pg.escapeLiteral(name)} ORDER BY ordinal_position`,
    );
    tables[name] = {
      columns: columns.map((c) => ({
        name: c.name,
        notNull: c.is_nullable === 'NO',
        // PostgreSQL shows a literal with its type ('queued'::text).
        default: c.is_identity === 'YES' ? '<generated>' : (c.column_default?.replace(/::[a-z ]+$/, '') ?? null),
      })),
      primaryKey: (await constraintColumns(name, 'p'))[0]?.columns ?? [],
      uniques: (await constraintColumns(name, 'u')).map((r) => r.columns).sort(),
      checks: (
        await q<{ n: number }>(
          `SELECT count(*) AS n FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
           WHERE n.nspname = current_schema() AND r.relname = ${pg.escapeLiteral(name)} AND c.contype = 'c'`,
        )
      )[0]?.n ?? -1,
    };
  }
  const indexes: Record<string, Index> = {};
  const rows = await q<{ name: string; table: string; unique: boolean; partial: boolean; columns: string[] }>(
    `SELECT i.relname AS name, r.relname AS table, x.indisunique AS unique, x.indpred IS NOT NULL AS partial,
            array(SELECT coalesce(a.attname::text, '<expr>') || CASE WHEN (x.indoption[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END
                  FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                  LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum AND k.attnum <> 0
                  ORDER BY k.ord)::text[] AS columns
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE n.nspname = current_schema()
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))
     ORDER BY i.relname`,
  );
  for (const { name, ...index } of rows) indexes[name] = index;
  return { tables, indexes };
}

t.test('SQLite and PostgreSQL have the same tables, columns, defaults, keys, unique constraints, CHECK counts and indexes', async (t) => {
  const sqlite = makeTestDb(t);
  // What a SQLite daemon does at start, right after migrating: the plain record links 0013 set
  // aside are hashed and their table dropped (src/db/hash-record-links.ts). PostgreSQL never has it.
  if (sqlite.dialect === 'sqlite') hashPlainRecordLinks(sqlite.sqlite, createMatchKeyHasher(randomBytes(32)));
  const lite = sqliteSchema(sqlite);
  const post = await postgresSchema(await makeTestPgDb(t));
  t.same(Object.keys(post.tables), Object.keys(lite.tables), 'the same tables');
  for (const [name, table] of Object.entries(lite.tables)) t.same(post.tables[name], table, `table ${name}`);
  t.same(Object.keys(post.indexes), Object.keys(lite.indexes), 'the same index names');
  for (const [name, index] of Object.entries(lite.indexes)) t.same(post.indexes[name], index, `index ${name}`);
  t.ok(Object.keys(lite.tables).length > 30 && Object.keys(lite.indexes).length > 30, 'the comparison saw the whole schema');
});

t.test('every migrations/postgres override replaces a migration that exists', async (t) => {
  const dir = appPath('migrations/postgres/');
  const ids = new Set(readMigrations().map((m) => m.id));
  const overrides = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sql')) : [];
  for (const file of overrides) t.ok(ids.has(basename(file, '.sql')), `${file} names a migration`);
});

/** Whether a statement is refused by the database (a CHECK or NOT NULL), on either store. */
async function refused(db: Db, statement: ReturnType<typeof sql>): Promise<boolean> {
  try {
    await statement.execute(db.kysely);
    return false;
  } catch {
    return true;
  }
}

eachStore(t, 'the rewritten CHECKs mean the same on both stores', async (t, db) => {
  await sql`INSERT INTO connections (id, name, created_at, updated_at) VALUES ('c1', 'one', 1, 1)`.execute(db.kysely);
  // json_valid (a function on PostgreSQL)
  t.notOk(await refused(db, sql`INSERT INTO jobs (task, payload, run_at, max_attempts, created_at, updated_at) VALUES ('t', '{"a":[1]}', 1, 1, 1, 1)`), 'JSON accepted');
  t.ok(await refused(db, sql`INSERT INTO jobs (task, payload, run_at, max_attempts, created_at, updated_at) VALUES ('t', '{not json', 1, 1, 1, 1)`), 'not JSON refused');
  t.ok(await refused(db, sql`UPDATE connections SET settings = '' WHERE id = 'c1'`), 'an empty string is not JSON');
  // LIKE ignores case in SQLite, ILIKE on PostgreSQL (the 0013 override)
  const link = (key: string) => sql`INSERT INTO record_links (connection_id, object_type, match_key, updated_at) VALUES ('c1', 'contact', ${key}, 1)`;
  t.notOk(await refused(db, link('h1:abc')), 'h1: accepted');
  t.notOk(await refused(db, link('H1:ABC')), 'H1: accepted (LIKE ignores case)');
  t.ok(await refused(db, link('email:a@b.c')), 'a plain key refused');
  // the widened scope CHECK (0021, an override on PostgreSQL)
  const token = (id: string, scope: string) =>
    sql`INSERT INTO api_tokens (id, name, prefix, token_hash, created_at, scope) VALUES (${id}, ${id}, 'p', ${`hash-${id}`}, 1, ${scope})`;
  t.notOk(await refused(db, token('a', 'metrics')), 'scope metrics accepted');
  t.ok(await refused(db, token('b', 'everything')), 'an unknown scope refused');
  // ids are given when none is
  const inserted = await db.kysely
    .insertInto('activity')
    .values({ connection_id: 'c1', at: 1, kind: 'k', outcome: 'captured' })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.type(inserted.id, 'number', 'an activity id is given, as a number');
});

t.test('migratePostgres', async (t) => {
  const migrations = readMigrations(undefined, 'postgres');
  const ids = migrations.map((m) => m.id);

  t.test('a second run on a migrated database applies nothing', async (t) => {
    const db = await makeTestPgDb(t);
    t.ok(await isMigratedPostgres(db.pool, migrations));
    t.same((await migratePostgres(db.pool, migrations)).applied, []);
    const rows = await db.pool.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    t.equal(rows.rows[0]?.n, ids.length);
  });

  t.test('a database with a migration this code does not know is refused', async (t) => {
    const db = await makeTestPgDb(t);
    await db.pool.query("INSERT INTO schema_migrations (id, applied_at) VALUES ('9999_from_the_future', 1)");
    const error = await migratePostgres(db.pool, migrations).catch((e: unknown) => e);
    t.ok(error instanceof StartupError, 'a StartupError');
    t.match((error as Error).message, /written by a newer version of Interhubz \(it has migration 9999_from_the_future, which this version does not know\)/);
  });

  t.test('an empty database: not migrated, then migrated, each migration recorded at its time', async (t) => {
    const db = await makeTestPgDb(t, { migrated: false });
    t.notOk(await isMigratedPostgres(db.pool, migrations));
    const result = await migratePostgres(db.pool, migrations, () => 1000);
    t.same(result, { applied: ids, current: ids.at(-1) });
    t.ok(await isMigratedPostgres(db.pool, migrations));
    const rows = await db.pool.query<{ id: string; applied_at: number }>('SELECT id, applied_at FROM schema_migrations ORDER BY id');
    t.same(rows.rows, ids.map((id) => ({ id, applied_at: 1000 })));
  });

  t.test('each migration is its own transaction: a broken one leaves nothing, the earlier ones stay', async (t) => {
    const db = await makeTestPgDb(t, { migrated: false });
    const own = [
      { id: '0001_first', sql: 'CREATE TABLE a (v BIGINT); INSERT INTO a (v) VALUES (1);' },
      { id: '0002_second', sql: 'INSERT INTO a (v) VALUES (2);' },
      { id: '0003_broken', sql: 'INSERT INTO a (v) VALUES (3); INSERT INTO nope VALUES (1);' },
    ];
    await t.rejects(migratePostgres(db.pool, own), /0003_broken failed on PostgreSQL: relation "nope" does not exist/);
    t.same((await db.pool.query('SELECT v FROM a ORDER BY v')).rows, [{ v: 1 }, { v: 2 }]);
    t.same((await db.pool.query('SELECT id FROM schema_migrations ORDER BY id')).rows, [{ id: '0001_first' }, { id: '0002_second' }]);
    t.same((await migratePostgres(db.pool, own.slice(0, 2))).applied, [], 'the pool still works after the failure');
  });

  t.test('two replicas starting at once on an empty database both succeed and apply each migration once', async (t) => {
    const db = await makeTestPgDb(t, { migrated: false });
    // A second replica: its own pool on the same database.
    const database = (await db.pool.query<{ name: string }>('SELECT current_database() AS name')).rows[0]?.name ?? '';
    const other = new pg.Pool({ connectionString: (await pgServer()).url(database), max: 2 });
    t.teardown(() => other.end());
    const [a, b] = await Promise.all([migratePostgres(db.pool, migrations), migratePostgres(other, migrations)]);
    t.same([...a.applied, ...b.applied].sort(), ids, 'every migration applied by exactly one of them');
    const rows = await db.pool.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    t.same(rows.rows.map((r) => r.id), ids, 'recorded once each');
  });
});
