// Deduplication of webhook deliveries with the index write taken out of a burst (SQLite:
// src/webhooks/deferred-dedupe.ts, migration 0037). A burst's rows wait outside the unique index with
// their keys in memory; a repeat must be told apart all along — before, while and after they are
// moved in, and after a restart — and every accepted delivery still has its row and job at once.
import t from 'tap';
import { createDeferredDedupe, deliveryKey } from '../../src/webhooks/deferred-dedupe.ts';
import { createDeliveryRecorder, type DeliveryRecorder } from '../../src/webhooks/record-deliveries.ts';
import type { SqliteDb } from '../../src/db/database.ts';
import { makeTestDb } from '../helpers/db.ts';
import { replyDelivery } from '../helpers/deliveries.ts';
import { EVENTS_IN_JOBS_SQL } from '../helpers/event-jobs.ts';
import { until } from '../helpers/until.ts';

const T0 = Date.UTC(2026, 11, 6, 6);

async function setup(t: Parameters<typeof makeTestDb>[0]) {
  const db = makeTestDb(t);
  await db.kysely.insertInto('connections').values([{ id: 'c1', name: 'One', status: 'active', managed_by_config: 0, created_at: 0, updated_at: 0, intercom_workspace_id: 'ws-1', hubspot_portal_id: 111 }]).execute();
  return db;
}

function recorderOn(t: Parameters<typeof makeTestDb>[0], db: SqliteDb, onError?: (error: unknown) => void): DeliveryRecorder {
  const recorder = createDeliveryRecorder({ db: db.kysely, clock: () => T0, maxAttempts: 5, notify: () => undefined, sqlite: db.sqlite, ...(onError ? { onError } : {}) });
  t.teardown(() => recorder.close());
  return recorder;
}

const delivery = (id: string) => replyDelivery(id, T0 - 1000);

/** Requests that arrive together: four or more in one commit are a burst (record-deliveries.ts). */
const burst = (recorder: DeliveryRecorder, ids: string[]) => Promise.all(ids.map((id) => recorder.record([delivery(id)])));

const dedupedOf = (db: SqliteDb) =>
  Object.fromEntries((db.sqlite.prepare('SELECT delivery_id, deduped FROM webhook_deliveries ORDER BY id').all() as Array<{ delivery_id: string; deduped: number }>).map((row) => [row.delivery_id, row.deduped]));

const ONE = { accepted: 1, duplicates: 0, unrouted: 0 };
const REPEAT = { accepted: 0, duplicates: 1, unrouted: 0 };

t.test("a burst's rows wait outside the index, and a repeat is told apart before, while and after they are moved in", async (t) => {
  const db = await setup(t);
  const recorder = recorderOn(t, db);
  t.same(await recorder.record([delivery('before')]), ONE, 'one at a time: no burst');
  t.same(dedupedOf(db), { before: 1 }, 'written into the index at once');

  t.same(await burst(recorder, ['a', 'b', 'c', 'before', 'a']), [ONE, ONE, ONE, REPEAT, REPEAT], 'a repeat of an older delivery (in the index) and of one in the same commit');
  t.same(dedupedOf(db), { before: 1, a: 0, b: 0, c: 0 }, "the burst's rows wait outside the index, one each");
  t.equal(recorder.dedupeWaiting(), 3, 'three keys wait (the metrics gauge reads this)');
  t.equal(db.sqlite.prepare(EVENTS_IN_JOBS_SQL("task = 'intercom.event'")).pluck().get(), 4, 'every accepted delivery has its event job at once');

  t.same(await recorder.record([delivery('b')]), REPEAT, 'a repeat while its first waits');
  await until('the waiting rows are moved into the index', () => Object.values(dedupedOf(db)).every((deduped) => deduped === 1));
  t.equal(recorder.dedupeWaiting(), 0);
  t.same(await recorder.record([delivery('c')]), REPEAT, 'a repeat once its first is in the index');
  t.same(await burst(recorder, ['a', 'b', 'c', 'd']), [REPEAT, REPEAT, REPEAT, ONE], 'and in the next burst');
  t.equal(db.sqlite.prepare('SELECT count(*) FROM webhook_deliveries').pluck().get(), 5, 'one row per delivery');
});

t.test("a burst's rows are written several to a statement: each event names its own row, in arrival order", async (t) => {
  const db = await setup(t);
  const recorder = recorderOn(t, db);
  // 40 requests in one commit: three INSERTs of up to 16 rows (record-deliveries.ts), with repeats
  // in between that must take no row and shift no id.
  const ids = Array.from({ length: 37 }, (_, index) => `m${index}`);
  const sent = [...ids.slice(0, 20), 'm3', ...ids.slice(20), 'm30', 'm0'];
  const results = await burst(recorder, sent);
  t.same(results, sent.map((_, index) => ([20, 38, 39].includes(index) ? REPEAT : ONE)), 'the three repeats, and only they, are duplicates');
  const rows = db.sqlite.prepare('SELECT id, delivery_id, deduped FROM webhook_deliveries ORDER BY id').all() as Array<{ id: number; delivery_id: string; deduped: number }>;
  t.same(rows.map((row) => row.delivery_id), ids, 'one row per delivery, in arrival order');
  t.ok(rows.every((row) => row.deduped === 0), 'all of them outside the index: a burst');
  const payloads = (db.sqlite.prepare("SELECT payload FROM jobs WHERE task = 'intercom.event' ORDER BY id").pluck().all() as string[]).map((text) => JSON.parse(text) as { events?: Array<{ deliveryId: number }>; deliveryId?: number });
  const eventIds = payloads.flatMap((payload) => payload.events?.map((event) => event.deliveryId) ?? [payload.deliveryId]);
  t.same(eventIds, rows.map((row) => row.id), "each event carries its own row's id, in arrival order");
});

t.test('a restart reads the keys still waiting back from the rows, and moves them in', async (t) => {
  const db = await setup(t);
  const first = recorderOn(t, db);
  t.same(await burst(first, ['a', 'b', 'c', 'd']), [ONE, ONE, ONE, ONE]);
  // The process ends before they were moved in: the keys in its memory are gone.
  first.close();
  t.same(dedupedOf(db), { a: 0, b: 0, c: 0, d: 0 });
  const second = recorderOn(t, db);
  t.same(await second.record([delivery('a')]), REPEAT, 'a retry after the restart is still a repeat');
  t.same(await burst(second, ['b', 'c', 'e', 'f']), [REPEAT, REPEAT, ONE, ONE]);
  await until('the rows of both runs are in the index', () => Object.values(dedupedOf(db)).every((deduped) => deduped === 1));
  t.same(await second.record([delivery('d')]), REPEAT);
});

t.test('a commit that rolls back leaves no key waiting: the vendor resends and the delivery is accepted', async (t) => {
  const db = await setup(t);
  const recorder = recorderOn(t, db);
  // A trigger stands in for a full disk: one delivery of the burst fails, and the whole commit with it.
  db.sqlite.exec("CREATE TRIGGER fail_x BEFORE INSERT ON webhook_deliveries WHEN NEW.delivery_id = 'x' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  const settled = await Promise.allSettled(['a', 'b', 'x', 'c'].map((id) => recorder.record([delivery(id)])));
  t.same(settled.map((result) => result.status), ['rejected', 'rejected', 'rejected', 'rejected']);
  db.sqlite.exec('DROP TRIGGER fail_x');
  t.same(await recorder.record([delivery('a')]), ONE, 'not taken for a repeat of the rolled-back row');
  t.same(await burst(recorder, ['b', 'x', 'c', 'a']), [ONE, ONE, ONE, REPEAT]);
});

t.test('moving rows in that keeps failing is told once, not every 50 ms, and resumes once it can', async (t) => {
  const db = await setup(t);
  const errors: string[] = [];
  const recorder = recorderOn(t, db, (error) => errors.push((error as Error).message));
  // A trigger stands in for a disk that refuses writes for a while.
  db.sqlite.exec("CREATE TRIGGER refuse BEFORE UPDATE OF deduped ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
  t.same(await burst(recorder, ['a', 'b', 'c', 'd']), [ONE, ONE, ONE, ONE]);
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.same(errors, ['disk I/O error'], 'one report for ten failed tries and more');
  t.same(await recorder.record([delivery('a')]), REPEAT, 'the keys still wait');
  db.sqlite.exec('DROP TRIGGER refuse');
  await until('the rows are moved in', () => Object.values(dedupedOf(db)).every((deduped) => deduped === 1));
  t.equal(errors.length, 1);
});

t.test('a row accepted twice (a second process on the database) is kept out of the index, not moved in forever', async (t) => {
  const db = await setup(t);
  const insert = db.sqlite.prepare(
    "INSERT INTO webhook_deliveries (provider, delivery_id, connection_id, account_id, topic, received_at, status, deduped) VALUES ('intercom', ?, 'c1', 'ws-1', 'conversation.user.replied', 0, 'accepted', ?)",
  );
  insert.run('twice', 1);
  insert.run('twice', 0);
  insert.run('once', 0);
  const recorder = recorderOn(t, db);
  await until('nothing waits', () => db.sqlite.prepare('SELECT count(*) FROM webhook_deliveries WHERE deduped = 0').pluck().get() === 0);
  t.same(db.sqlite.prepare('SELECT delivery_id, deduped FROM webhook_deliveries ORDER BY id').all(), [
    { delivery_id: 'twice', deduped: 1 },
    { delivery_id: 'twice', deduped: 2 },
    { delivery_id: 'once', deduped: 1 },
  ]);
  t.same(await recorder.record([delivery('twice')]), REPEAT);
});

t.test('no more keys wait in memory than the bound: past it, rows go into the index at once', async (t) => {
  const db = await setup(t);
  const dedupe = createDeferredDedupe(db.sqlite, { maxWaitingKeys: 2 });
  t.ok(dedupe.canDefer());
  dedupe.add(deliveryKey('intercom', 'a', 'c1'));
  dedupe.add(deliveryKey('intercom', 'b', 'c1'));
  t.notOk(dedupe.canDefer(), 'two keys wait: the next commit writes into the index');
  t.ok(dedupe.waiting(deliveryKey('intercom', 'a', 'c1')));
  dedupe.remove([deliveryKey('intercom', 'a', 'c1')]);
  t.ok(dedupe.canDefer());
});
