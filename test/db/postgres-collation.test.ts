// Text compares and sorts on PostgreSQL as on SQLite (bytewise), whatever collation the operator's
// database was created with: the translator gives every TEXT column COLLATE "C"
// (src/db/postgres/translate-migration.ts). Shown on a database whose default collation is
// language-aware (ICU's en-US, or a libc en_US.UTF-8 when the machine has it), where an untyped
// ORDER BY puts 'a' before 'B' — and the migrated tables still do not.
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import type { Db } from '../../src/db/database.ts';
import { readMigrations } from '../../src/db/migrate.ts';
import { migratePostgres } from '../../src/db/postgres/migrate-postgres.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { makeTestDb } from '../helpers/db.ts';
import { makeTestPgDb, pgServer, withPgAdmin } from '../helpers/postgres.ts';

// Byte order: 'A' 0x41 < 'B' 0x42 < '_' 0x5F < 'a' 0x61 < 'b' < 'z' < 'é' 0xC3 0xA9. A
// language-aware collation sorts them _ a A b B é z (or close to it): never this order.
const KEYS = ['b', 'é', 'B', 'z', '_', 'a', 'A', '2026-01-10', '2026-01-9'];
const BYTEWISE = [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

/**
 * A CREATE DATABASE clause giving a language-aware default collation, or undefined when the server
 * has none: ICU's en-US, else a libc en_US.UTF-8 (initdb lists the machine's locales in pg_collation).
 */
async function languageAwareLocale(client: pg.Client): Promise<string | undefined> {
  const icu = await client.query("SELECT 1 FROM pg_collation WHERE collprovider = 'i' AND collname = 'en-US-x-icu'");
  if ((icu.rowCount ?? 0) > 0) return "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'";
  const libc = await client.query<{ locale: string }>("SELECT collcollate AS locale FROM pg_collation WHERE collprovider = 'c' AND collcollate ILIKE 'en_US.utf%8' LIMIT 1");
  const locale = libc.rows[0]?.locale;
  return locale ? `LOCALE ${pg.escapeLiteral(locale)}` : undefined;
}

async function orderedKeys(db: Db): Promise<string[]> {
  await db.kysely
    .insertInto('settings')
    .values(KEYS.map((key) => ({ key, value: 'v', updated_at: 1 })))
    .execute();
  return (await db.kysely.selectFrom('settings').select('key').orderBy('key').execute()).map((r) => r.key);
}

async function keysBelow(db: Db, bound: string): Promise<string[]> {
  return (await db.kysely.selectFrom('settings').select('key').where('key', '<', bound).orderBy('key').execute()).map((r) => r.key);
}

const clause = await withPgAdmin(languageAwareLocale);
const noLocale = 'the test PostgreSQL server has no ICU collations and the machine no en_US.UTF-8 locale: nothing non-bytewise to test against';

t.test('on a database with a language-aware default collation, text columns still sort and compare bytewise, as on SQLite', { skip: clause ? false : noLocale }, async (t) => {
  const name = `interhubz_collation_${process.pid}_${Date.now().toString(36)}`;
  await withPgAdmin((client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8' ${clause}`));
  const db = openPostgres((await pgServer()).url(name));
  t.teardown(async () => {
    await db.close();
    await withPgAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
  });

  // The premise: this database's own default does not sort bytewise.
  const values = sql.join(KEYS.map((k) => sql`(${k})`));
  const byDefault = (await sql<{ k: string }>`SELECT k FROM (VALUES ${values}) AS v(k) ORDER BY k`.execute(db.kysely)).rows.map((r) => r.k);
  t.notSame(byDefault, BYTEWISE, `the database's default collation is not bytewise (${byDefault.join(' ')})`);

  await migratePostgres(db.pool, readMigrations(undefined, 'postgres'), () => 0);
  const sqlite = makeTestDb(t);
  const onSqlite = await orderedKeys(sqlite);
  t.same(onSqlite, BYTEWISE, 'SQLite sorts text by its bytes');
  t.same(await orderedKeys(db), onSqlite, 'ORDER BY a text column: the same order as SQLite');
  t.same(await keysBelow(db, 'a'), await keysBelow(sqlite, 'a'), "key < 'a': the same rows as SQLite (upper case and '_' only)");
  t.same(await keysBelow(db, '2026-01-10'), [], "key < '2026-01-10': none, bytewise ('2026-01-9' is above it, '_' and letters too), on both");
});

t.test('every TEXT column of the migrated PostgreSQL schema is COLLATE "C" (translated and overridden migrations alike)', async (t) => {
  const db = await makeTestPgDb(t);
  const columns = (
    await db.pool.query<{ column: string; collation: string | null }>(
      `SELECT table_name || '.' || column_name AS column, collation_name AS collation FROM information_schema.columns
       WHERE table_schema = current_schema() AND data_type = 'text' AND table_name <> 'schema_migrations' ORDER BY 1`,
    )
  ).rows;
  t.ok(columns.length > 50, `${columns.length} text columns`);
  t.same(
    columns.filter((c) => c.collation !== 'C').map((c) => c.column),
    [],
    'no text column takes the database default collation',
  );
});
