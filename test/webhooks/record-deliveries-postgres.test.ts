// The webhook intake's group commit on each store: SQLite's synchronous prepared statements
// (src/webhooks/record-deliveries.ts) and PostgreSQL's Kysely transaction
// (src/webhooks/record-deliveries-postgres.ts) write the same rows and answer the same counts.
import { sql } from 'kysely';
import t from 'tap';
import type { Db } from '../../src/db/database.ts';
import { insertConnection } from '../../src/db/repos/connections.ts';
import { createDeliveryRecorder, type RoutedDelivery } from '../../src/webhooks/record-deliveries.ts';
import { commitDeliveriesWithKysely } from '../../src/webhooks/record-deliveries-postgres.ts';
import { eachStore } from '../helpers/postgres.ts';

const T0 = Date.UTC(2026, 11, 4, 12);

async function setup(db: Db) {
  for (const [id, status, portal] of [['c1', 'active', 111], ['c2', 'needs_reauth', 222]] as const) {
    await insertConnection(db.kysely, {
      id, name: id, status, createdAt: 0, intercomWorkspaceId: 'ws-1', intercomRegion: 'us', hubspotPortalId: portal,
      intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: 'token',
    });
  }
  const woken: number[] = [];
  const recorder = createDeliveryRecorder({
    db: db.kysely, clock: () => T0, maxAttempts: 5, notify: (runAt) => woken.push(runAt),
    ...(db.dialect === 'sqlite' ? { sqlite: db.sqlite } : { commit: commitDeliveriesWithKysely }),
  });
  return { recorder, woken };
}

const delivery = (id: string, route: RoutedDelivery['route'] = { account: 'ws-1', onlyConnection: null }, provider: 'intercom' | 'hubspot' = 'intercom'): RoutedDelivery => ({
  provider,
  deliveryId: id,
  accountId: String(route.account),
  topic: provider === 'intercom' ? 'conversation.user.replied' : 'contact.propertyChange',
  objectId: '42',
  occurredAt: T0 - 1000,
  route,
});

const jobsOf = (db: Db) =>
  db.kysely.selectFrom('jobs').select(['task', 'connection_id', 'status', 'payload', 'max_attempts', 'run_at', 'key', 'priority', 'attempts']).orderBy('connection_id').orderBy('id').execute();

eachStore(t, 'a routed delivery: a delivery row and an event job per connection, parked for one needing re-authorisation', async (t, db) => {
  const { recorder, woken } = await setup(db);
  t.same(await recorder.record([delivery('n1')]), { accepted: 2, duplicates: 0, unrouted: 0 });
  const jobs = await jobsOf(db);
  t.match(jobs, [
    { task: 'intercom.event', connection_id: 'c1', status: 'queued', max_attempts: 5, run_at: T0, key: null, priority: 0, attempts: 0 },
    { task: 'intercom.event', connection_id: 'c2', status: 'parked' },
  ]);
  const ids = await db.kysely.selectFrom('webhook_deliveries').select(['id', 'connection_id', 'received_at', 'status']).orderBy('connection_id').execute();
  t.match(ids, [{ connection_id: 'c1', received_at: T0, status: 'accepted' }, { connection_id: 'c2' }]);
  t.same(JSON.parse(String(jobs[0]?.payload)), { deliveryId: ids[0]?.id, topic: 'conversation.user.replied', objectId: '42', occurredAt: T0 - 1000 });
  t.same(woken, [T0], 'the scheduler is woken once, after the commit');
  t.same(await recorder.record([delivery('n1')]), { accepted: 0, duplicates: 2, unrouted: 0 }, 'a repeat adds nothing');
  t.equal((await jobsOf(db)).length, 2);
});

eachStore(t, 'HubSpot portals route by number; an unknown account is only counted, per provider and day', async (t, db) => {
  const { recorder } = await setup(db);
  t.same(await recorder.record([delivery('h1', { account: 222, onlyConnection: null }, 'hubspot')]), { accepted: 1, duplicates: 0, unrouted: 0 });
  t.same(await recorder.record([delivery('u1', { account: 'ws-unknown', onlyConnection: null }), delivery('u2', { account: 'ws-unknown', onlyConnection: null })]), { accepted: 0, duplicates: 0, unrouted: 2 });
  t.same(await recorder.record([delivery('u3', { account: 'ws-unknown', onlyConnection: null })]), { accepted: 0, duplicates: 0, unrouted: 1 });
  t.same(await recorder.record([delivery('h2', { account: 'not-a-portal', onlyConnection: null }, 'hubspot')]), { accepted: 0, duplicates: 0, unrouted: 1 }, 'a portal id that is no number routes nowhere');
  t.same(await db.kysely.selectFrom('webhook_unrouted_counts').selectAll().orderBy('provider').execute(), [
    { provider: 'hubspot', day: '2026-12-04', count: 1 },
    { provider: 'intercom', day: '2026-12-04', count: 3 },
  ]);
  t.match(await jobsOf(db), [{ task: 'hubspot.event', connection_id: 'c2', status: 'parked' }]);
});

eachStore(t, 'requests committed together: one job per connection with every event in arrival order; a copy within the batch is a duplicate', async (t, db) => {
  const { recorder } = await setup(db);
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
  const jobs = await jobsOf(db);
  t.same(jobs.map((job) => [job.connection_id, job.status]), [['c1', 'queued'], ['c2', 'parked']], 'one job per connection');
  const c1 = await db.kysely.selectFrom('webhook_deliveries').select(['id', 'delivery_id']).where('connection_id', '=', 'c1').orderBy('id').execute();
  t.same(c1.map((row) => row.delivery_id), ['b1', 'b2']);
  t.match(JSON.parse(String(jobs[0]?.payload)), { events: c1.map((row) => ({ deliveryId: row.id })) }, "c1's two events, in arrival order");
});

eachStore(t, 'a failed commit answers every request of the batch with the error and keeps nothing of it', async (t, db) => {
  const { recorder } = await setup(db);
  // A provider the table's CHECK refuses stands in for a full disk: the second request's unrouted count fails to insert.
  const bad = { ...delivery('n6', { account: 'ws-unknown', onlyConnection: null }), provider: 'nobody' } as unknown as RoutedDelivery;
  const results = await Promise.allSettled([recorder.record([delivery('n5')]), recorder.record([bad])]);
  t.match(results, [{ status: 'rejected' }, { status: 'rejected' }]);
  const left = await sql<{ d: number; j: number }>`SELECT (SELECT count(*) FROM webhook_deliveries) AS d, (SELECT count(*) FROM jobs) AS j`.execute(db.kysely);
  t.same(left.rows.map((row) => [Number(row.d), Number(row.j)]), [[0, 0]]);
});
