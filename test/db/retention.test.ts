// Issue #14 item 6: delivery records are purged after their retention, unrouted deliveries are
// counts, and the WAL left by a burst is truncated once the database is idle.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { purgeOldDeliveries } from '../../src/webhooks/record-deliveries.ts';
import { testConfig } from '../helpers/config.ts';
import { makeDataDir } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const DAY = 86_400_000;

t.test('delivery records older than jobs.keepWebhookDeliveriesDays are purged, with their unrouted counts', async (t) => {
  t.equal(testConfig('/tmp/x').jobs.keepWebhookDeliveriesDays, 30, 'a month by default');
  const db = openDb(join(makeDataDir(t), 'interhubz.db'));
  t.teardown(() => db.close());
  migrate(db.sqlite);
  const now = Date.UTC(2026, 10, 23, 12);
  const insert = db.sqlite.prepare(
    "INSERT INTO webhook_deliveries (provider, delivery_id, connection_id, account_id, topic, received_at, status) VALUES ('intercom', ?, NULL, 'ws', 'conversation.admin.closed', ?, 'accepted')",
  );
  insert.run('old', now - 31 * DAY);
  insert.run('edge', now - 30 * DAY + 1);
  insert.run('new', now - DAY);
  const count = db.sqlite.prepare("INSERT INTO webhook_unrouted_counts (provider, day, count) VALUES ('hubspot', ?, 5)");
  count.run('2026-10-01');
  count.run('2026-11-22');

  t.equal(await purgeOldDeliveries(db.kysely, { now, keepDays: 30 }), 2);
  t.same(db.sqlite.prepare('SELECT delivery_id FROM webhook_deliveries ORDER BY id').pluck().all(), ['edge', 'new']);
  t.same(db.sqlite.prepare('SELECT day FROM webhook_unrouted_counts').pluck().all(), ['2026-11-22']);
});

t.test('migration 0015 turns stored unrouted deliveries into counts per provider and day', async (t) => {
  const { readMigrations } = await import('../../src/db/migrate.ts');
  const db = openDb(join(makeDataDir(t), 'interhubz.db'));
  t.teardown(() => db.close());
  const all = readMigrations();
  migrate(db.sqlite, all.filter((m) => m.id < '0015'));
  const insert = db.sqlite.prepare(
    "INSERT INTO webhook_deliveries (provider, delivery_id, connection_id, account_id, topic, received_at, status) VALUES (?, ?, NULL, 'ws', 't', ?, 'unrouted')",
  );
  const day = Date.UTC(2026, 10, 20, 8);
  insert.run('intercom', 'a', day);
  insert.run('intercom', 'b', day + 3_600_000);
  insert.run('hubspot', 'c', day + DAY);
  migrate(db.sqlite, all);
  t.same(db.sqlite.prepare('SELECT count(*) FROM webhook_deliveries').pluck().get(), 0);
  t.same(db.sqlite.prepare('SELECT provider, day, count FROM webhook_unrouted_counts ORDER BY provider').all(), [
    { provider: 'hubspot', day: '2026-11-21', count: 1 },
    { provider: 'intercom', day: '2026-11-20', count: 2 },
  ]);
});

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
