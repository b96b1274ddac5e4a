// Webhooks to any replica (issue #21 item 3): a vendor that sends one delivery twice may reach two
// replicas. Each has its own recorder (src/webhooks/record-deliveries.ts) on the shared database;
// the unique index of migrations/0003 lets one of them record it and queue its job, and the other
// count a duplicate. On SQLite (two handles on one file) and PostgreSQL (two pools on one database).
import t from 'tap';
import { openDb, type Db } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres/open-postgres.ts';
import { createDeliveryRecorder } from '../../src/webhooks/record-deliveries.ts';
import { commitDeliveriesWithKysely } from '../../src/webhooks/record-deliveries-postgres.ts';
import { replyDelivery } from '../helpers/deliveries.ts';
import { eachStore } from '../helpers/postgres.ts';
import type { Teardownable } from '../helpers/server.ts';

const T0 = Date.UTC(2026, 11, 4, 12);

/** The recorder a replica builds on its handle (as src/context.ts does). */
const recorderOn = (db: Db) =>
  createDeliveryRecorder({ db: db.kysely, clock: () => T0, maxAttempts: 5, notify: () => {}, ...(db.dialect === 'sqlite' ? { sqlite: db.sqlite } : { commit: commitDeliveriesWithKysely }) });

async function twoReplicas(t: Teardownable, db: Db) {
  // The test server trusts its clients, so the URL without a password still connects.
  const other = db.dialect === 'sqlite' ? openDb(db.path) : openPostgres(db.url);
  t.teardown(() => other.close());
  await db.kysely.insertInto('connections').values({ id: 'c1', name: 'One', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'ws-1' }).execute();
  const count = async (table: 'webhook_deliveries' | 'jobs') => Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { a: recorderOn(db), b: recorderOn(other), count };
}

const delivery = (id: string) => replyDelivery(id, T0 - 1000);

eachStore(t, 'one delivery reaching two replicas at once: one delivery row, one job', async (t, store) => {
  const { a, b, count } = await twoReplicas(t, store);
  const results = await Promise.all([a.record([delivery('n1')]), b.record([delivery('n1')])]);
  t.same(results.map((result) => result.accepted).sort(), [0, 1], 'one replica accepts it');
  t.same(results.map((result) => result.duplicates).sort(), [0, 1], 'the other counts a duplicate');
  t.equal(await count('webhook_deliveries'), 1);
  t.equal(await count('jobs'), 1);
});

eachStore(t, "a vendor's retry to the other replica later is a duplicate too; a new delivery is not", async (t, store) => {
  const { a, b, count } = await twoReplicas(t, store);
  t.same(await a.record([delivery('n2')]), { accepted: 1, duplicates: 0, unrouted: 0 });
  t.same(await b.record([delivery('n2'), delivery('n3')]), { accepted: 1, duplicates: 1, unrouted: 0 });
  t.equal(await count('webhook_deliveries'), 2);
  t.equal(await count('jobs'), 2);
});
