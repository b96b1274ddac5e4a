// The delivery recorder's group commit (src/webhooks/record-deliveries.ts): a synchronous
// better-sqlite3 transaction on the connection Kysely also uses. It must never join a Kysely
// transaction that is open between its awaits, must route inside its own commit, and must say when
// requests queue up behind each other on a saturated thread (the scheduler steps back then).
import t from 'tap';
import { createDeliveryRecorder, eventJobPayloads, type RoutedDelivery } from '../../src/webhooks/record-deliveries.ts';
import { makeTestDb } from '../helpers/db.ts';

const T0 = Date.UTC(2026, 11, 4, 12);

function setup(t: Parameters<typeof makeTestDb>[0]) {
  const db = makeTestDb(t);
  db.sqlite.prepare("INSERT INTO connections (id, name, status, managed_by_config, created_at, updated_at, intercom_workspace_id, hubspot_portal_id) VALUES ('c1', 'One', 'active', 0, 0, 0, 'ws-1', 111), ('c2', 'Two', 'needs_reauth', 0, 0, 0, 'ws-1', 222)").run();
  const woken: number[] = [];
  const recorder = createDeliveryRecorder({ db: db.kysely, sqlite: db.sqlite, clock: () => T0, maxAttempts: 5, notify: (runAt) => woken.push(runAt) });
  return { db, recorder, woken };
}

const delivery = (id: string, route: RoutedDelivery['route'] = { account: 'ws-1', onlyConnection: null }): RoutedDelivery => ({
  provider: 'intercom',
  deliveryId: id,
  accountId: String(route.account),
  topic: 'conversation.user.replied',
  objectId: '42',
  occurredAt: T0 - 1000,
  route,
});

const count = (db: ReturnType<typeof makeTestDb>, sql: string) => (db.sqlite.prepare(sql).get() as { n: number }).n;

t.test('a routed delivery becomes one delivery row and one event job per connection, in one commit', async (t) => {
  const { db, recorder, woken } = setup(t);
  t.same(await recorder.record([delivery('n1')]), { accepted: 2, duplicates: 0, unrouted: 0 });
  const jobs = db.sqlite.prepare('SELECT task, connection_id, status, payload, max_attempts, run_at FROM jobs ORDER BY connection_id').all() as Array<Record<string, unknown>>;
  t.match(jobs, [
    { task: 'intercom.event', connection_id: 'c1', status: 'queued', max_attempts: 5, run_at: T0 },
    // The same rule as the Kysely enqueue: a connection that needs re-authorising gets its job parked.
    { task: 'intercom.event', connection_id: 'c2', status: 'parked' },
  ]);
  t.match(JSON.parse(String(jobs[0]?.payload)), { topic: 'conversation.user.replied', objectId: '42', occurredAt: T0 - 1000 });
  t.same(woken, [T0], 'the scheduler is woken once, after the commit');
  t.same(await recorder.record([delivery('n1')]), { accepted: 0, duplicates: 2, unrouted: 0 }, 'a repeat adds nothing');
  t.equal(count(db, 'SELECT count(*) AS n FROM jobs'), 2);
});

t.test("a connection's own app secret routes only to that connection; an unknown account is only counted", async (t) => {
  const { db, recorder } = setup(t);
  t.same(await recorder.record([delivery('n2', { account: 'ws-1', onlyConnection: 'c2' })]), { accepted: 1, duplicates: 0, unrouted: 0 });
  t.same(await recorder.record([delivery('n3', { account: 'ws-unknown', onlyConnection: null })]), { accepted: 0, duplicates: 0, unrouted: 1 });
  t.equal(count(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE connection_id = 'c1'"), 0);
  t.equal(count(db, 'SELECT sum(count) AS n FROM webhook_unrouted_counts'), 1);
});

t.test('a Kysely transaction open between its awaits neither swallows nor is swallowed by a group commit', async (t) => {
  const { db, recorder } = setup(t);
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
  t.equal(count(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = 'n4'"), 0, 'nothing is written into the open transaction');
  release();
  t.match(await other, { message: 'the other transaction rolls back' });
  t.same(await recorded, { accepted: 2, duplicates: 0, unrouted: 0 }, 'the delivery commits after it, on its own');
  t.equal(count(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = 'n4'"), 2, 'and stays when the other rolls back');
  t.equal(count(db, "SELECT count(*) AS n FROM connections WHERE name = 'renamed'"), 0, 'the rolled-back write did not ride on the commit');
});

t.test("requests committed together: one event job per connection carrying all of their events, each request counted apart", async (t) => {
  const { db, recorder } = setup(t);
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
  const jobs = db.sqlite.prepare('SELECT connection_id, status, payload FROM jobs ORDER BY connection_id').all() as Array<{ connection_id: string; status: string; payload: string }>;
  t.same(jobs.map((job) => [job.connection_id, job.status]), [['c1', 'queued'], ['c2', 'parked']], 'one job per connection');
  const deliveryIds = (connection: string) =>
    db.sqlite.prepare('SELECT id FROM webhook_deliveries WHERE connection_id = ? ORDER BY id').pluck().all(connection) as number[];
  t.match(JSON.parse(jobs[0]?.payload ?? '{}'), { events: deliveryIds('c1').map((deliveryId) => ({ deliveryId, topic: 'conversation.user.replied', objectId: '42' })) }, "c1's two events, in arrival order");
  t.match(JSON.parse(jobs[1]?.payload ?? '{}'), { deliveryId: deliveryIds('c2')[0], topic: 'conversation.user.replied' }, 'a single event keeps the plain shape');
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

t.test('a failed commit answers every request of the batch with the error and keeps nothing of it', async (t) => {
  const { db, recorder } = setup(t);
  // A trigger stands in for a full disk: the second delivery of the batch fails to insert.
  db.sqlite.exec("CREATE TRIGGER fail_n6 BEFORE INSERT ON webhook_deliveries WHEN NEW.delivery_id = 'n6' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  const results = await Promise.allSettled([recorder.record([delivery('n5')]), recorder.record([delivery('n6')])]);
  t.match(results, [{ status: 'rejected' }, { status: 'rejected' }]);
  t.equal(count(db, 'SELECT count(*) AS n FROM webhook_deliveries'), 0);
  t.equal(count(db, 'SELECT count(*) AS n FROM jobs'), 0);
});

t.test('busy: requests queueing up while the thread is saturated; not while it has room', async (t) => {
  const { recorder } = setup(t);
  await recorder.record([delivery('n7')]);
  t.equal(recorder.busy(), false, 'one request per commit');
  let n = 100;
  const four = () => Promise.all([0, 1, 2, 3].map(() => recorder.record([delivery(`n${(n += 1)}`)])));
  for (let round = 0; round < 5; round += 1) {
    await four();
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  t.equal(recorder.busy(), false, 'requests came together, but the loop was mostly idle: the jobs need not wait');
  // The loop saturated (a stand-in for HTTP parsing and signature checks) while requests queue.
  const until = performance.now() + 400;
  while (performance.now() < until) {
    const spinUntil = performance.now() + 20;
    while (performance.now() < spinUntil);
    await four();
  }
  t.equal(recorder.busy(), true, 'four requests waited for each commit of a saturated loop');
});
