// Webhooks to any replica (issue #21 item 3): a vendor that sends one delivery twice may reach two
// replicas. Each has its own recorder (src/webhooks/record-deliveries.ts) on the shared database;
// the unique index of migrations/0003 lets one of them record it and queue its job, and the other
// count a duplicate.
import { join } from 'node:path';
import t from 'tap';
import { openDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createDeliveryRecorder, type RoutedDelivery } from '../../src/webhooks/record-deliveries.ts';
import { makeDataDir, type Teardownable } from '../helpers/server.ts';

const T0 = Date.UTC(2026, 11, 4, 12);

function twoReplicas(t: Teardownable) {
  const path = join(makeDataDir(t), 'test.db');
  const handles = [openDb(path), openDb(path)] as const;
  migrate(handles[0].sqlite);
  t.teardown(async () => {
    for (const handle of handles) await handle.close();
  });
  handles[0].sqlite.prepare("INSERT INTO connections (id, name, status, managed_by_config, created_at, updated_at, intercom_workspace_id) VALUES ('c1', 'One', 'active', 0, 0, 0, 'ws-1')").run();
  const [a, b] = handles.map((db) => createDeliveryRecorder({ db: db.kysely, sqlite: db.sqlite, clock: () => T0, maxAttempts: 5, notify: () => {} }));
  const count = (sql: string) => (handles[0].sqlite.prepare(sql).get() as { n: number }).n;
  return { a: a!, b: b!, count };
}

const delivery = (id: string): RoutedDelivery => ({
  provider: 'intercom',
  deliveryId: id,
  accountId: 'ws-1',
  topic: 'conversation.user.replied',
  objectId: '42',
  occurredAt: T0 - 1000,
  route: { account: 'ws-1', onlyConnection: null },
});

t.test('one delivery reaching two replicas at once: one delivery row, one job', async (t) => {
  const { a, b, count } = twoReplicas(t);
  const results = await Promise.all([a.record([delivery('n1')]), b.record([delivery('n1')])]);
  t.same(results.map((result) => result.accepted).sort(), [0, 1], 'one replica accepts it');
  t.same(results.map((result) => result.duplicates).sort(), [0, 1], 'the other counts a duplicate');
  t.equal(count("SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = 'n1'"), 1);
  t.equal(count("SELECT count(*) AS n FROM jobs WHERE task = 'intercom.event'"), 1);
});

t.test("a vendor's retry to the other replica later is a duplicate too; a new delivery is not", async (t) => {
  const { a, b, count } = twoReplicas(t);
  t.same(await a.record([delivery('n2')]), { accepted: 1, duplicates: 0, unrouted: 0 });
  t.same(await b.record([delivery('n2'), delivery('n3')]), { accepted: 1, duplicates: 1, unrouted: 0 });
  t.equal(count('SELECT count(*) AS n FROM webhook_deliveries'), 2);
  t.equal(count("SELECT count(*) AS n FROM jobs WHERE task = 'intercom.event'"), 2);
});
