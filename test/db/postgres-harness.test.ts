// The PostgreSQL test harness (test/helpers/postgres.ts): every test database is its own, migrated,
// and gone after its test.
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { readMigrations } from '../../src/db/migrate.ts';
import { eachStore, makeTestPgDb, pgServer } from '../helpers/postgres.ts';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: (await pgServer()).url('postgres') });
  await client.connect();
  try {
    return ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

const currentDatabase = async (db: Awaited<ReturnType<typeof makeTestPgDb>>) =>
  (await sql<{ name: string }>`SELECT current_database() AS name`.execute(db.kysely)).rows[0]?.name ?? '';

t.test('two databases made at once are separate, migrated, and dropped at teardown', async (t) => {
  const names: string[] = [];
  await t.test('inside', async (t) => {
    const [a, b] = await Promise.all([makeTestPgDb(t), makeTestPgDb(t)]);
    const [nameA, nameB] = await Promise.all([currentDatabase(a), currentDatabase(b)]);
    names.push(nameA, nameB);
    t.not(nameA, nameB, 'two databases');
    const ids = readMigrations().map((m) => m.id);
    for (const db of [a, b]) {
      const rows = (await sql<{ id: string }>`SELECT id FROM schema_migrations ORDER BY id`.execute(db.kysely)).rows;
      t.same(rows.map((r) => r.id), ids, 'every migration recorded');
    }
    await sql`INSERT INTO settings (key, value, updated_at) VALUES ('only-in-a', 'x', 1)`.execute(a.kysely);
    const inB = await sql`SELECT key FROM settings WHERE key = 'only-in-a'`.execute(b.kysely);
    t.same(inB.rows, [], 'a write to one is not seen in the other');
    const counted = await sql<{ n: number }>`SELECT count(*) AS n FROM settings`.execute(a.kysely);
    t.equal(counted.rows[0]?.n, 1, 'count(*) (BIGINT) reads as a number');
    t.ok(await databaseExists(nameA));
  });
  t.equal(names.length, 2);
  for (const name of names) t.notOk(await databaseExists(name), `${name} dropped at teardown`);
});

t.test('the server is started once and answers again for later callers', async (t) => {
  const first = await pgServer();
  const second = await pgServer();
  t.equal(first.url('x'), second.url('x'));
  t.match(first.url('x'), /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/x$/);
});

t.test('eachStore runs the test on both stores, named after them', async (t) => {
  const seen: string[] = [];
  await t.test('parent', async (t) => {
    eachStore(t, 'reads a setting', async (t, db) => {
      await db.kysely.insertInto('settings').values({ key: 'k', value: 'v', updated_at: 1 }).execute();
      const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', 'k').executeTakeFirst();
      t.equal(row?.value, 'v');
      seen.push(`${t.name}:${db.dialect}`);
    });
  });
  t.same(seen, ['reads a setting [sqlite]:sqlite', 'reads a setting [postgres]:postgres']);
});
