// The test helpers' daemons on PostgreSQL: `store: 'postgres'` gives buildTestApp and startTestServer
// a fresh migrated database of their own (database.url) and the fixed vault key; with
// INTERHUBZ_TEST_STORE=postgres a test naming no store gets one too, and one that reads the SQLite
// handle is told it is SQLite-only. `store: 'sqlite'` stays on SQLite whatever the environment says,
// and a daemon restarted on the same data directory finds the same database.
import t from 'tap';
import { makeDataDir, sessionApi, signIn, startTestServer } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test("buildTestApp(t, { store: 'postgres' }): the daemon's store is PostgreSQL, and what a request writes is there", async (t) => {
  const server = await buildTestApp(t, { store: 'postgres', startScheduler: false });
  t.equal(server.daemon.db.dialect, 'postgres');
  await signIn(server);
  const rows = await server.daemon.db.pool.query<{ username: string }>('SELECT username FROM admin_sessions');
  t.same(rows.rows, [{ username: server.username }], "the sign-in's session is a row of the PostgreSQL database");
});

t.test("startTestServer(t, { store: 'postgres' }): a listening daemon on PostgreSQL, ready, its sandbox connection stored there", async (t) => {
  const server = await startTestServer(t, { store: 'postgres' });
  t.equal(server.daemon.db.dialect, 'postgres');
  // Returned once the scheduler has looked at the job table, as on SQLite: ready at the first ask.
  const ready = await fetch(`${server.url}/readyz`);
  t.same(await ready.json(), { status: 'ready', checks: { database: 'ok', migrations: 'ok', scheduler: 'ok' } });
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/connections/sandbox', {});
  t.equal(created.status, 201, JSON.stringify(created.body));
  const rows = await server.daemon.db.pool.query<{ id: string }>('SELECT id FROM connections');
  t.same(rows.rows, [{ id: String(created.body?.id) }]);
});

t.test('two test daemons on PostgreSQL have databases of their own', async (t) => {
  const [a, b] = await Promise.all([buildTestApp(t, { store: 'postgres', startScheduler: false }), buildTestApp(t, { store: 'postgres', startScheduler: false })]);
  t.not(a.daemon.db.url, b.daemon.db.url);
});

t.test('a daemon restarted on the same data directory finds its PostgreSQL database again', async (t) => {
  const dataDir = makeDataDir(t);
  const first = await buildTestApp(t, { store: 'postgres', dataDir, startScheduler: false });
  await signIn(first);
  await first.daemon.close();
  const second = await buildTestApp(t, { store: 'postgres', dataDir, startScheduler: false });
  t.equal(second.daemon.db.url, first.daemon.db.url);
  t.equal((await second.daemon.db.pool.query('SELECT 1 FROM admin_sessions')).rowCount, 1, "the first run's session is there");
  const other = await buildTestApp(t, { store: 'postgres', startScheduler: false });
  t.not(other.daemon.db.url, first.daemon.db.url, 'another data directory, another database');
});

t.test('buildTestApp on PostgreSQL is ready at the first ask', async (t) => {
  const server = await buildTestApp(t, { store: 'postgres' });
  t.equal((await server.fetch('/readyz')).status, 200);
});

t.test('a restart in a later subtest, on the data directory of the parent, finds the first start’s database', async (t) => {
  const dataDir = makeDataDir(t);
  let url = '';
  await t.test('first start', async (t) => {
    const first = await buildTestApp(t, { store: 'postgres', dataDir, startScheduler: false });
    url = first.daemon.db.url;
    await signIn(first);
  });
  await t.test('second start', async (t) => {
    const second = await buildTestApp(t, { store: 'postgres', dataDir, startScheduler: false });
    t.equal(second.daemon.db.url, url);
    t.equal((await second.daemon.db.pool.query('SELECT 1 FROM admin_sessions')).rowCount, 1);
  });
});

t.test('INTERHUBZ_TEST_STORE=postgres: a test naming no store runs on PostgreSQL; store: sqlite stays on SQLite', async (t) => {
  const before = process.env.INTERHUBZ_TEST_STORE;
  process.env.INTERHUBZ_TEST_STORE = 'postgres';
  t.teardown(() => {
    if (before === undefined) delete process.env.INTERHUBZ_TEST_STORE;
    else process.env.INTERHUBZ_TEST_STORE = before;
  });
  const switched = await buildTestApp(t, { startScheduler: false });
  t.equal(switched.daemon.db.dialect, 'postgres');
  t.throws(() => switched.daemon.db.sqlite.prepare('SELECT 1'), /reads the SQLite handle \(db\.sqlite\).*runs on SQLite only/, "reading the SQLite handle says the test is SQLite-only");
  t.ok(await switched.daemon.db.kysely.selectFrom('connections').select('id').execute(), 'kysely is the PostgreSQL one');

  const pinned = await buildTestApp(t, { store: 'sqlite', startScheduler: false });
  t.equal(pinned.daemon.db.dialect, 'sqlite');
  t.same(pinned.daemon.db.sqlite.prepare('SELECT 1 AS one').get(), { one: 1 });

  process.env.INTERHUBZ_TEST_STORE = 'mysql';
  await t.rejects(buildTestApp(t), /INTERHUBZ_TEST_STORE must be sqlite or postgres/);
});
