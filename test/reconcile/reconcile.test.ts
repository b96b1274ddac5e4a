// The reconciliation sweep finds what the webhooks missed: conversations are changed in the
// simulated Intercom with no webhook delivered at all, and the sweep feeds them into the same path.
import t from 'tap';
import type { Db } from '../../src/db/database.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { INTERCOM_TOKEN_KIND } from '../../src/integrations/intercom/auth.ts';
import { ensureSweepsScheduled, RECONCILE_TASK, SWEPT_TOPIC } from '../../src/reconcile/reconcile-task.ts';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { createSimClock } from '../../src/sandbox/shared/clock.ts';
import { signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

/**
 * How many webhook events the intercom.event jobs carry: a job holds one event, or several committed
 * together (`{ events: [...] }`, src/webhooks/event-tasks.ts). Counted here rather than in SQL, whose
 * JSON functions differ between the stores (test/helpers/event-jobs.ts has SQLite's).
 */
async function eventsInJobs(db: Pick<Db, 'kysely'>): Promise<number> {
  const jobs = await db.kysely.selectFrom('jobs').select('payload').where('task', '=', 'intercom.event').execute();
  return jobs.reduce((sum, { payload }) => {
    const events = (JSON.parse(payload) as { events?: unknown }).events;
    return sum + (Array.isArray(events) ? events.length : 1);
  }, 0);
}

t.test('a sweep records changed conversations once per version, then schedules the next', async (t) => {
  const start = Date.UTC(2026, 10, 23, 12);
  const simClock = createSimClock(start);
  const intercom = await startIntercomSimulator({ port: 0, clock: simClock });
  t.teardown(() => intercom.close());
  let now = start;
  const server = await buildTestApp(t, { startScheduler: false, clock: () => now });
  const { db, vault } = server.daemon;
  const workspaceId = intercom.sim.defaults?.workspaceId ?? '';
  await db.kysely.insertInto('connections').values({
    id: 'c1', name: 'Support', status: 'active', managed_by_config: 0, created_at: start, updated_at: start,
    intercom_workspace_id: workspaceId, intercom_base_url: intercom.url,
  }).execute();
  await putCredential(db.kysely, vault, { owner: connectionOwner('c1'), kind: INTERCOM_TOKEN_KIND, value: intercom.sim.control.createAccessToken(workspaceId), now });

  // Two conversations start in Intercom; no webhook reaches the daemon.
  const customer = intercom.sim.control.contacts.create(workspaceId, { email: 'ada@example.com', role: 'user' });
  simClock.advance(30_000);
  const first = intercom.sim.control.actAsCustomer.startConversation({ contactId: String(customer.id), body: 'SWEEP-BODY-1 my order is late' });
  intercom.sim.control.actAsCustomer.startConversation({ contactId: String(customer.id), body: 'SWEEP-BODY-2 and another thing' });

  t.equal(await ensureSweepsScheduled({ db: db.kysely, jobs: server.daemon.jobs }), 1, 'the chore schedules a sweep');
  t.equal(await ensureSweepsScheduled({ db: db.kysely, jobs: server.daemon.jobs }), 0, 'and only one');
  now += 60_000;
  await server.daemon.scheduler.drain();

  const deliveries = () => db.kysely.selectFrom('webhook_deliveries').select(['delivery_id', 'object_id', 'topic']).orderBy('id').execute();
  t.equal((await deliveries()).length, 2);
  t.ok((await deliveries()).every((d) => d.topic === SWEPT_TOPIC));
  const events = () => eventsInJobs(db);
  t.equal(await events(), 2, 'each became an event for the event jobs, like a webhook');
  t.match(await db.kysely.selectFrom('reconcile_state').selectAll().executeTakeFirst(), { connection_id: 'c1', last_found: 2 });
  t.match(await db.kysely.selectFrom('jobs').select(['run_at', 'status']).where('task', '=', RECONCILE_TASK).where('status', '=', 'queued').executeTakeFirst(), { run_at: now + 5 * 60_000 }, 'the next sweep is due in 5 minutes');

  // One conversation changes; the next sweep finds that version only.
  simClock.advance(120_000);
  intercom.sim.control.actAsCustomer.reply({ conversationId: String(first.id), body: 'SWEEP-BODY-3 hello?' });
  now += 5 * 60_000;
  await server.daemon.scheduler.drain();
  t.equal((await deliveries()).length, 3);
  t.equal((await deliveries())[2]?.object_id, String(first.id));
  t.equal(await events(), 3, 'the unchanged conversation is not fed again');
  t.notMatch(JSON.stringify(await db.kysely.selectFrom('jobs').selectAll().execute()) + JSON.stringify(await deliveries()), /SWEEP-BODY/, 'ids only');

  // Closed within the same second as the version the last sweep saw (updated_at is in whole
  // seconds), its webhook lost: the next sweep must still see a new version (a chaos run lost one
  // such close, test/chaos: the version was keyed by updated_at alone).
  const admin = intercom.sim.control.admins.create(workspaceId, { name: 'Ana', email: 'ana@support.test' });
  intercom.sim.control.actAsAdmin.close({ conversationId: String(first.id), adminId: String(admin.id) });
  now += 5 * 60_000;
  await server.daemon.scheduler.drain();
  t.equal((await deliveries()).length, 4, 'the closed version is a new one, though updated_at is the same second');
  t.equal(await events(), 4);
});

t.test('an active connection whose webhooks stay silent shows a warning; the sweep does not hide it', async (t) => {
  let now = Date.UTC(2026, 10, 23, 12);
  const server = await buildTestApp(t, { startScheduler: false, clock: () => now });
  await server.daemon.db.kysely.insertInto('connections').values({ id: 'c1', name: 'Support', status: 'active', managed_by_config: 0, created_at: now, updated_at: now, intercom_workspace_id: 'ws' }).execute();
  // Signed in afresh each time: a day later the session would have expired.
  const warnings = async () => {
    const { cookie } = await signIn(server);
    return ((await (await server.fetch('/api/connections/c1', { headers: { cookie } })).json()) as { warnings: string[] }).warnings;
  };
  t.same(await warnings(), []);
  now += 25 * 3_600_000;
  await server.daemon.db.kysely.insertInto('webhook_deliveries')
    .values({ provider: 'intercom', delivery_id: 'sweep:1:1', connection_id: 'c1', account_id: 'ws', topic: SWEPT_TOPIC, received_at: now, status: 'accepted' })
    .execute();
  t.match(await warnings(), [/^No Intercom webhook has arrived in the 25 hours since this connection was made/]);
});
