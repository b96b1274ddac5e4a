// Issue #14 item 6: delivery records are purged after their retention, unrouted deliveries are
// counts, and the WAL left by a burst is truncated once the database is idle.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import t, { type Test } from 'tap';
import { openDb, type Db } from '../../src/db/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { migratePostgres } from '../../src/db/postgres/migrate-postgres.ts';
import type { Database } from '../../src/db/schema.ts';
import { purgeOldDeliveries } from '../../src/webhooks/record-deliveries.ts';
import { testConfig } from '../helpers/config.ts';
import { eachStore, makeTestPgDb } from '../helpers/postgres.ts';
import { makeTestDb } from '../helpers/db.ts';
import { countRows } from '../helpers/rows.ts';
import { makeDataDir } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const DAY = 86_400_000;

eachStore(t, 'delivery records older than jobs.keepWebhookDeliveriesDays are purged, with their unrouted counts', async (t, db) => {
  t.equal(testConfig('/tmp/x').jobs.keepWebhookDeliveriesDays, 30, 'a month by default');
  const now = Date.UTC(2026, 10, 23, 12);
  const row = (delivery_id: string, received_at: number, connection_id: string | null = null) =>
    ({ provider: 'intercom' as const, delivery_id, connection_id, account_id: 'ws', topic: 'conversation.admin.closed', received_at, status: 'accepted' as const });
  // Rows of several connections (one deleted since: no connections row) and legacy rows of none:
  // the purge goes connection by connection (migration 0038), and misses none of them.
  await db.kysely.insertInto('webhook_deliveries').values([
    row('old', now - 31 * DAY), row('edge', now - 30 * DAY + 1), row('new', now - DAY),
    row('a-old', now - 40 * DAY, 'conn-a'), row('a-new', now - DAY, 'conn-a'),
    row('gone-old', now - 31 * DAY, 'conn-deleted'), row('gone-old-2', now - 32 * DAY, 'conn-deleted'),
    row('z-new', now, 'conn-z'),
  ]).execute();
  await db.kysely.insertInto('webhook_unrouted_counts').values([{ provider: 'hubspot', day: '2026-10-01', count: 5 }, { provider: 'hubspot', day: '2026-11-22', count: 5 }]).execute();

  t.equal(await purgeOldDeliveries(db.kysely, { now, keepDays: 30 }), 5);
  t.same((await db.kysely.selectFrom('webhook_deliveries').select('delivery_id').orderBy('id').execute()).map((r) => r.delivery_id), ['edge', 'new', 'a-new', 'z-new']);
  t.same((await db.kysely.selectFrom('webhook_unrouted_counts').select('day').execute()).map((r) => r.day), ['2026-11-22']);
});

t.test("the purge seeks each connection's rows along webhook_deliveries_by_connection: no statement scans the table", async (t) => {
  const db = makeTestDb(t);
  const insert = db.sqlite.prepare(
    `INSERT INTO webhook_deliveries (provider, delivery_id, connection_id, account_id, topic, received_at, status) VALUES ('intercom', ?, ?, 'ws', 'conversation.user.replied', ?, 'accepted')`,
  );
  db.sqlite.transaction(() => {
    for (let i = 0; i < 20_000; i++) insert.run(`notif_${i}`, `conn-${i % 20}`, i * DAY / 500);
  })();
  db.sqlite.exec('ANALYZE');
  // The same handle, its queries recorded as Kysely compiles them (not destroyed: that would close the handle).
  const queries: CompiledQuery[] = [];
  const logged = new Kysely<Database>({ dialect: new SqliteDialect({ database: db.sqlite }), log: (event) => void queries.push(event.query) });
  const purged = await purgeOldDeliveries(logged, { now: 40 * DAY, keepDays: 30 });
  t.equal(purged, 5_000, 'the rows received in the first 10 days, of every connection');
  t.equal(db.sqlite.prepare('SELECT count(DISTINCT connection_id) FROM webhook_deliveries').pluck().get(), 20);
  const deliveryStatements = queries.filter((query) => query.sql.includes('webhook_deliveries'));
  t.equal(deliveryStatements.length, 22, 'the connections looked up once, then one DELETE for rows of none and one a connection');
  for (const query of deliveryStatements) {
    const plan = (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[]).map((row) => row.detail).join(' | ');
    t.notMatch(plan, /SCAN webhook_deliveries(?! USING)|SCAN webhook_deliveries USING (?!COVERING INDEX webhook_deliveries_by_connection)/, `no full scan: ${plan}`);
    t.match(plan, /webhook_deliveries_by_connection/, 'along webhook_deliveries_by_connection');
  }
});

/** A store migrated up to (not including) `id`, and the step that applies the rest: each store its own migrations. */
async function migratedBefore(t: Test, dialect: Db['dialect'], id: string): Promise<{ db: Db; migrateRest(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const db = openDb(join(makeDataDir(t), 'interhubz.db'));
    t.teardown(() => db.close());
    const all = readMigrations();
    migrate(db.sqlite, all.filter((m) => m.id < id));
    return { db, migrateRest: async () => void migrate(db.sqlite, all) };
  }
  const db = await makeTestPgDb(t, { migrated: false });
  const all = readMigrations(undefined, 'postgres');
  await migratePostgres(db.pool, all.filter((m) => m.id < id));
  return { db, migrateRest: async () => void (await migratePostgres(db.pool, all)) };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  t.test(`migration 0015 turns stored unrouted deliveries into counts per provider and day [${dialect}]`, async (t) => {
    const { db, migrateRest } = await migratedBefore(t, dialect, '0015');
    const row = (provider: 'intercom' | 'hubspot', delivery_id: string, received_at: number) =>
      ({ provider, delivery_id, connection_id: null, account_id: 'ws', topic: 't', received_at, status: 'unrouted' as const });
    const day = Date.UTC(2026, 10, 20, 8);
    await db.kysely.insertInto('webhook_deliveries').values([row('intercom', 'a', day), row('intercom', 'b', day + 3_600_000), row('hubspot', 'c', day + DAY)]).execute();
    await migrateRest();
    t.same(await countRows(db, 'webhook_deliveries'), 0);
    t.same(await db.kysely.selectFrom('webhook_unrouted_counts').select(['provider', 'day', 'count']).orderBy('provider').execute(), [
      { provider: 'hubspot', day: '2026-11-21', count: 1 },
      { provider: 'intercom', day: '2026-11-20', count: 2 },
    ]);
  });
}

// SQLite only: the write-ahead log and its checkpoint worker are SQLite's own.
t.test('the WAL a burst leaves behind is truncated once the database is idle', async (t) => {
  const path = join(makeDataDir(t), 'interhubz.db');
  const db = openDb(path, { idleTruncateAfterMs: 300 });
  t.teardown(() => db.close());
  db.sqlite.exec('CREATE TABLE burst (data BLOB)');
  t.equal(db.checkpointing(), false, 'a small WAL needs no checkpoint worker');
  const insert = db.sqlite.prepare('INSERT INTO burst VALUES (randomblob(65536))');
  // 6 MB: past the 4 MB (SQLite's own automatic checkpoint size) at which the worker wakes.
  for (let i = 0; i < 96; i++) insert.run();
  t.ok(statSync(`${path}-wal`).size > 4_096_000, 'the burst grew the WAL');
  await until('the checkpoint worker to start', () => db.checkpointing());
  await until('the WAL to be truncated', () => statSync(`${path}-wal`).size === 0, { timeoutMs: 20_000 });
  t.equal(statSync(`${path}-wal`).size, 0, 'truncated to nothing while idle');
  t.equal(db.sqlite.prepare('SELECT count(*) FROM burst').pluck().get(), 96, 'nothing was lost');
  await until('the worker to exit once the WAL is truncated', () => !db.checkpointing());
  // A second burst wakes it again.
  for (let i = 0; i < 96; i++) insert.run();
  await until('the WAL to be truncated after the second burst', () => statSync(`${path}-wal`).size === 0, { timeoutMs: 20_000 });
  t.equal(db.sqlite.prepare('SELECT count(*) FROM burst').pluck().get(), 192, 'nothing was lost');
});
