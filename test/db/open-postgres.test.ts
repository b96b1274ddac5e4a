// The PostgreSQL store handle (src/db/postgres/open-postgres.ts, src/db/open-store.ts): numbers come
// back as numbers, a URL that cannot connect is a start-up sentence naming database.url and the host,
// and the password appears in no message.
import { sql } from 'kysely';
import t from 'tap';
import { openStore } from '../../src/db/open-store.ts';
import { redactDatabaseUrl } from '../../src/db/postgres/database-url.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { StartupError } from '../../src/startup-error.ts';
import { makeTestPgDb, pgServer } from '../helpers/postgres.ts';
import { freePort } from '../helpers/daemon-process.ts';
import { makeDataDir } from '../helpers/server.ts';

const JOBS = { concurrency: 2 } as Parameters<typeof openStore>[0]['jobs'];

t.test('BIGINT, count(*), sum() and NUMERIC come back as numbers, as SQLite gives them', async (t) => {
  const db = await makeTestPgDb(t);
  const row = await sql<{ big: unknown; counted: unknown; summed: unknown; numeric: unknown; ids: unknown }>`
    select ${Date.UTC(2026, 11, 4)}::bigint as big, (select count(*) from generate_series(1, 3)) as counted,
           (select sum(x) from generate_series(1, 4) as x) as summed, 2.5::numeric as numeric, array[1, 2]::bigint[] as ids`.execute(db.kysely);
  t.same(row.rows[0], { big: Date.UTC(2026, 11, 4), counted: 3, summed: 10, numeric: 2.5, ids: [1, 2] });
  t.equal(typeof row.rows[0]?.big, 'number');
});

t.test('an id from an identity column is a number', async (t) => {
  const db = await makeTestPgDb(t);
  const inserted = await db.kysely
    .insertInto('jobs')
    .values({ task: 't', payload: '{}', key: null, connection_id: null, status: 'queued', run_at: 1, attempts: 0, max_attempts: 3, priority: 0, created_at: 1, updated_at: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.equal(typeof inserted.id, 'number');
});

t.test('a BIGINT beyond what a number holds exactly is refused, not rounded', async (t) => {
  const db = await makeTestPgDb(t);
  await t.rejects(sql`select 9007199254740993::bigint as n`.execute(db.kysely), /9007199254740993.*cannot hold exactly/);
  const safe = await sql<{ n: number }>`select ${Number.MAX_SAFE_INTEGER}::bigint as n`.execute(db.kysely);
  t.equal(safe.rows[0]?.n, Number.MAX_SAFE_INTEGER, 'the largest safe integer still reads');
});

t.test('the handle says it is PostgreSQL and never checkpoints; its url has no password', async (t) => {
  const db = openPostgres('postgres://interhubz:s3cret-pw@db.example.com:5432/interhubz?sslmode=require&password=s3cret-pw');
  t.teardown(() => db.close());
  t.equal(db.dialect, 'postgres');
  t.equal(db.checkpointing(), false);
  t.notMatch(db.url, /s3cret-pw/);
  t.match(db.url, /db\.example\.com:5432\/interhubz/);
  t.equal(redactDatabaseUrl('postgresql://u:p%40ss@h/d'), 'postgresql://u@h/d');
});

t.test('a server that does not answer: a StartupError naming database.url and the host, not the password', async (t) => {
  const port = await freePort();
  const url = `postgres://interhubz:s3cret-pw@127.0.0.1:${port}/interhubz`;
  const error = await openStore({ dataDir: makeDataDir(t), database: { url }, jobs: JOBS }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof StartupError, 'a start-up error (main prints it as a sentence)');
  const message = (error as Error).message;
  t.match(message, /database\.url/);
  t.match(message, `127.0.0.1:${port}/interhubz`);
  t.notMatch(message, /s3cret-pw/);
});

t.test('a server that refuses the connection: the same sentence with its reason, the password not in it', async (t) => {
  // The test server trusts every local connection (no password is checked), so the refusal is a database that does not exist.
  const server = await pgServer();
  const url = server.url('interhubz_no_such_database').replace('postgres@', 'postgres:s3cret-pw@');
  const error = await openStore({ dataDir: makeDataDir(t), database: { url }, jobs: JOBS }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof StartupError);
  t.match((error as Error).message, /interhubz_no_such_database.*does not exist/);
  t.notMatch((error as Error).message, /s3cret-pw/);
});

t.test('openStore: no database.url is the SQLite file in dataDir; a URL is PostgreSQL', async (t) => {
  const sqlite = await openStore({ dataDir: makeDataDir(t), database: { url: '' }, jobs: JOBS });
  t.teardown(() => sqlite.close());
  t.equal(sqlite.dialect, 'sqlite');
  const server = await pgServer();
  const postgres = await openStore({ dataDir: makeDataDir(t), database: { url: server.url('postgres') }, jobs: JOBS });
  t.teardown(() => postgres.close());
  t.equal(postgres.dialect, 'postgres');
  const name = await sql<{ application_name: string }>`select current_setting('application_name') as application_name`.execute(postgres.kysely);
  t.equal(name.rows[0]?.application_name, 'interhubz', 'the server sees who is connected');
});
