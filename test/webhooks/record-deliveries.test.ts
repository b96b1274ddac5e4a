// The delivery recorder's group commit (src/webhooks/record-deliveries.ts): on SQLite a synchronous
// better-sqlite3 transaction on the connection Kysely also uses, on PostgreSQL a Kysely transaction
// (src/webhooks/record-deliveries-postgres.ts). It must never join a Kysely transaction that is open
// between its awaits, must route inside its own commit, and must say when requests queue up behind
// each other on a saturated thread (the scheduler steps back then). What both stores' recorders must
// write alike is in record-deliveries-postgres.test.ts; the tests here that it already runs on both
// stores stay SQLite-only, so as not to run them twice.
import t from 'tap';
import type { Db } from '../../src/db/database.ts';
import { BUSY_TIMEOUT_MS } from '../../src/db/write-lock.ts';
import { createDeliveryRecorder, eventJobPayloads, type RoutedDelivery } from '../../src/webhooks/record-deliveries.ts';
import { commitDeliveriesWithKysely } from '../../src/webhooks/record-deliveries-postgres.ts';
import { makeTestDb } from '../helpers/db.ts';
import { eachStore } from '../helpers/postgres.ts';
import { countRows } from '../helpers/rows.ts';
import { holdWriteLock } from '../helpers/write-lock-holder.ts';

const T0 = Date.UTC(2026, 11, 4, 12);

async function setup<D extends Db>(db: D) {
  await db.kysely.insertInto('connections').values([
    { id: 'c1', name: 'One', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'ws-1', hubspot_portal_id: 111 },
    { id: 'c2', name: 'Two', status: 'needs_reauth', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'ws-1', hubspot_portal_id: 222 },
  ]).execute();
  const woken: number[] = [];
  const recorder = createDeliveryRecorder({
    db: db.kysely, clock: () => T0, maxAttempts: 5, notify: (runAt) => woken.push(runAt),
    ...(db.dialect === 'sqlite' ? { sqlite: db.sqlite } : { commit: commitDeliveriesWithKysely }),
  });
  return { db, recorder, woken };
}

const sqliteSetup = (t: Parameters<typeof makeTestDb>[0]) => setup(makeTestDb(t));

const delivery = (id: string, route: RoutedDelivery['route'] = { account: 'ws-1', onlyConnection: null }): RoutedDelivery => ({
  provider: 'intercom',
  deliveryId: id,
  accountId: String(route.account),
  topic: 'conversation.user.replied',
  objectId: '42',
  occurredAt: T0 - 1000,
  route,
});

// Both stores: record-deliveries-postgres.test.ts.
t.test('a routed delivery becomes one delivery row and one event job per connection, in one commit', async (t) => {
  const { db, recorder, woken } = await sqliteSetup(t);
  t.same(await recorder.record([delivery('n1')]), { accepted: 2, duplicates: 0, unrouted: 0 });
  const jobs = await db.kysely.selectFrom('jobs').select(['task', 'connection_id', 'status', 'payload', 'max_attempts', 'run_at']).orderBy('connection_id').execute();
  t.match(jobs, [
    { task: 'intercom.event', connection_id: 'c1', status: 'queued', max_attempts: 5, run_at: T0 },
    // The same rule as the Kysely enqueue: a connection that needs re-authorising gets its job parked.
    { task: 'intercom.event', connection_id: 'c2', status: 'parked' },
  ]);
  t.match(JSON.parse(String(jobs[0]?.payload)), { topic: 'conversation.user.replied', objectId: '42', occurredAt: T0 - 1000 });
  t.same(woken, [T0], 'the scheduler is woken once, after the commit');
  t.same(await recorder.record([delivery('n1')]), { accepted: 0, duplicates: 2, unrouted: 0 }, 'a repeat adds nothing');
  t.equal(await countRows(db, 'jobs'), 2);
});

eachStore(t, "a connection's own app secret routes only to that connection; an unknown account is only counted", async (t, store) => {
  const { db, recorder } = await setup(store);
  t.same(await recorder.record([delivery('n2', { account: 'ws-1', onlyConnection: 'c2' })]), { accepted: 1, duplicates: 0, unrouted: 0 });
  t.same(await recorder.record([delivery('n3', { account: 'ws-unknown', onlyConnection: null })]), { accepted: 0, duplicates: 0, unrouted: 1 });
  t.equal(await countRows(db, 'webhook_deliveries', { connection_id: 'c1' }), 0);
  t.equal((await db.kysely.selectFrom('webhook_unrouted_counts').select('count').execute()).reduce((sum, row) => sum + row.count, 0), 1);
});

eachStore(t, 'a Kysely transaction open between its awaits neither swallows nor is swallowed by a group commit', async (t, store) => {
  const { db, recorder } = await setup(store);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  // Someone else's transaction: writes, then waits (as a handler awaiting its next query would), then fails.
  const other = db.kysely
    .transaction()
    .execute(async (trx) => {
      await trx.updateTable('connections').set({ name: 'renamed' }).where('id', '=', 'c1').execute();
      entered();
      await held;
      throw new Error('the other transaction rolls back');
    })
    .catch((error: unknown) => error);
  await inside;
  const recorded = recorder.record([delivery('n4')]);
  // Let the recorder's flush run while the other transaction is still open.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (db.dialect === 'sqlite') {
    // The raw handle: Kysely's one SQLite connection is the open transaction's until it ends, and this
    // read, on that same connection, would see what the recorder wrote into it. (On PostgreSQL the
    // recorder's commit is on a pool connection of its own: it cannot write into another's transaction.)
    t.equal(db.sqlite.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = 'n4'").pluck().get(), 0, 'nothing is written into the open transaction');
  }
  release();
  t.match(await other, { message: 'the other transaction rolls back' });
  t.same(await recorded, { accepted: 2, duplicates: 0, unrouted: 0 }, 'the delivery commits after it, on its own');
  t.equal(await countRows(db, 'webhook_deliveries', { delivery_id: 'n4' }), 2, 'and stays when the other rolls back');
  t.equal(await countRows(db, 'connections', { name: 'renamed' }), 0, 'the rolled-back write did not ride on the commit');
});

// Both stores: record-deliveries-postgres.test.ts.
t.test("requests committed together: one event job per connection carrying all of their events, each request counted apart", async (t) => {
  const { db, recorder } = await sqliteSetup(t);
  const results = await Promise.all([
    recorder.record([delivery('b1')]),
    recorder.record([delivery('b2', { account: 'ws-1', onlyConnection: 'c1' })]),
    recorder.record([delivery('b1')]),
    recorder.record([delivery('b3', { account: 'ws-unknown', onlyConnection: null })]),
  ]);
  t.same(results, [
    { accepted: 2, duplicates: 0, unrouted: 0 },
    { accepted: 1, duplicates: 0, unrouted: 0 },
    { accepted: 0, duplicates: 2, unrouted: 0 },
    { accepted: 0, duplicates: 0, unrouted: 1 },
  ]);
  const jobs = await db.kysely.selectFrom('jobs').select(['connection_id', 'status', 'payload']).orderBy('connection_id').execute();
  t.same(jobs.map((job) => [job.connection_id, job.status]), [['c1', 'queued'], ['c2', 'parked']], 'one job per connection');
  const deliveryIds = async (connection: string) =>
    (await db.kysely.selectFrom('webhook_deliveries').select('id').where('connection_id', '=', connection).orderBy('id').execute()).map((row) => row.id);
  t.match(JSON.parse(jobs[0]?.payload ?? '{}'), { events: (await deliveryIds('c1')).map((deliveryId) => ({ deliveryId, topic: 'conversation.user.replied', objectId: '42' })) }, "c1's two events, in arrival order");
  t.match(JSON.parse(jobs[1]?.payload ?? '{}'), { deliveryId: (await deliveryIds('c2'))[0], topic: 'conversation.user.replied' }, 'a single event keeps the plain shape');
});

t.test('a batch is split so that no job payload outgrows the job table limit', async (t) => {
  const event = (deliveryId: number) => ({ deliveryId, topic: 'contact.propertyChange', objectId: String(1e12 + deliveryId), occurredAt: T0, hint: { propertyName: 'firstname', valueDigest: 'x'.repeat(64) } });
  const events = Array.from({ length: 100 }, (_, i) => event(i));
  const payloads = eventJobPayloads(events, 3_500);
  t.ok(payloads.length > 1, `${payloads.length} payloads`);
  for (const payload of payloads) t.ok(Buffer.byteLength(JSON.stringify(payload)) <= 3_500, `${Buffer.byteLength(JSON.stringify(payload))} bytes`);
  t.same(payloads.flatMap((payload) => ('events' in payload ? payload.events : [payload])), events, 'every event once, in order');
  t.same(eventJobPayloads([event(1)], 3_500), [event(1)]);
});

// SQLite only (a SQLite trigger); both stores, with another stand-in: record-deliveries-postgres.test.ts.
t.test('a failed commit answers every request of the batch with the error and keeps nothing of it', async (t) => {
  const { db, recorder } = await sqliteSetup(t);
  // A trigger stands in for a full disk: the second delivery of the batch fails to insert.
  db.sqlite.exec("CREATE TRIGGER fail_n6 BEFORE INSERT ON webhook_deliveries WHEN NEW.delivery_id = 'n6' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  const results = await Promise.allSettled([recorder.record([delivery('n5')]), recorder.record([delivery('n6')])]);
  t.match(results, [{ status: 'rejected' }, { status: 'rejected' }]);
  t.equal(await countRows(db, 'webhook_deliveries'), 0);
  t.equal(await countRows(db, 'jobs'), 0);
});

eachStore(t, 'busy: requests queueing up while the thread is saturated; not while it has room', async (t, store) => {
  const { recorder } = await setup(store);
  await recorder.record([delivery('n7')]);
  t.equal(recorder.busy(), false, 'one request per commit');
  let n = 100;
  const four = () => Promise.all([0, 1, 2, 3].map(() => recorder.record([delivery(`n${(n += 1)}`)])));
  for (let round = 0; round < 5; round += 1) {
    await four();
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  t.equal(recorder.busy(), false, 'requests came together, but the loop was mostly idle: the jobs need not wait');
  // The loop saturated (a stand-in for HTTP parsing and signature checks) while requests queue: it
  // spins in turns of 20 ms the whole time, also while a commit waits for PostgreSQL's answer.
  const until = performance.now() + 400;
  const spinning = (async () => {
    while (performance.now() < until) {
      const spinUntil = performance.now() + 20;
      while (performance.now() < spinUntil);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  // Read as each batch's commit begins: a PostgreSQL commit on a loaded machine may outlast the hold.
  let busy = false;
  while (performance.now() < until) {
    const requests = four();
    await new Promise((resolve) => setImmediate(resolve));
    busy = recorder.busy();
    await requests;
  }
  await spinning;
  t.equal(busy, true, 'four requests waited for each commit of a saturated loop');
});

t.test('a group commit waits for a write lock held elsewhere on a timer: the thread goes on meanwhile', async (t) => {
  const { db, recorder } = await sqliteSetup(t);
  // Another connection (as the checkpoint worker's RESTART does) holds the write lock for 300 ms.
  const { released } = await holdWriteLock(db.path, 300);

  // Waiting in SQLite's busy handler, the thread slept until the lock was free: no timer fired.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const recorded = await recorder.record([delivery('n-held')]);
  clearInterval(ticker);
  t.same(recorded, { accepted: 2, duplicates: 0, unrouted: 0 }, 'committed once the lock was free');
  t.ok(ticks >= 5, `the thread ran timers while it waited (${ticks} ticks of 10 ms)`);
  t.equal(await released, 0, 'the other connection committed first');
  t.equal(await countRows(db, 'webhook_deliveries'), 2, 'one row for each connection');
  t.equal(db.sqlite.pragma('busy_timeout', { simple: true }), BUSY_TIMEOUT_MS, "the connection's own busy timeout is back for everyone else");
});
