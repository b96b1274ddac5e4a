// Three replicas, one killed (issue #21 item 5): three real daemons (`node src/main.ts`, each its own
// port and data directory) on one PostgreSQL database, capturing from simulators in this process.
// Closed conversations' webhooks go to the replicas in turn, as a load balancer without stickiness
// sends them, some of them to two replicas at once (Intercom delivers at least once); one replica is
// SIGKILLed while it runs captures, and the rest of the webhooks go to the two left. Afterwards:
// every delivery accepted is recorded once and carried by an event job; every conversation is one
// note in HubSpot (none missing, none twice); no job is left due or running past its lease; and a
// job ran more than once only if the killed replica held it when it died (its lease ran out and a
// survivor took it: the contract of src/jobs/claim.ts).
import t from 'tap';
import { CAPTURE_TASK } from '../../src/capture/capture-task.ts';
import { insertSimConnection, seedConversation, seedCustomer, startCaptureSims } from '../helpers/capture-sims.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { auditJobs, deliver, intercomDelivery, killWhileHolding, lastJobId, notesPerMarker, startReplicas, sweepNow, type DeliveryAnswer } from '../helpers/replicas.ts';
import { until } from '../helpers/until.ts';

const CONVERSATIONS = 60;
const CUSTOMERS = 20;
const COMPANIES = 5;
/** Every tenth delivery also goes to the next replica at the same moment. */
const DUPLICATE_EVERY = 10;
const LEASE_SECONDS = 5;

t.test('three replicas on one PostgreSQL database, one SIGKILLed while capturing: no delivery lost, no conversation captured twice', { timeout: 300_000 }, async (t) => {
  // No rate limit in the way: what is under test is the sharing of work, not the budgets (P4's).
  const sims = await startCaptureSims({ hubspot: { burstLimitPer10s: Infinity, searchLimitPerSecond: Infinity } });
  t.teardown(() => sims.close());
  const db = await makeTestPgDb(t);
  const connection = await insertSimConnection(db, sims, Date.now(), { intercomWebhooks: true });
  const secret = sims.intercom.sim.defaults?.clientSecret ?? '';
  t.ok(secret, 'the Intercom app has a client secret to sign with');

  const replicas = await startReplicas(t, {
    count: 3,
    databaseUrl: db.url,
    config: {
      sandbox: { enabled: false },
      // A short lease: the killed replica's jobs are taken over seconds after it died.
      jobs: { leaseSeconds: LEASE_SECONDS },
      upstream: { hubspot: { burstPer10s: 10_000, searchPerSecond: 1_000 } },
    },
  });
  const [first, victim, third] = replicas;
  if (!first || !victim || !third) throw new Error('three replicas');
  const sinceJobId = await lastJobId(db);

  // Seeded once the replicas run, so their start-up sweep does not capture them before the webhooks come.
  const customers = Array.from({ length: CUSTOMERS }, (_, i) =>
    seedCustomer(sims, { email: `customer${i}@company${i % COMPANIES}.test`, company: { name: `Company ${i % COMPANIES}`, website: `https://www.company${i % COMPANIES}.test` } }));
  // A marker per conversation (delimited: zqc1z is no part of zqc11z) ties each note to its conversation.
  const conversations = Array.from({ length: CONVERSATIONS }, (_, i) => {
    const marker = `zqc${i}z`;
    const customer = customers[i % CUSTOMERS];
    if (!customer) throw new Error('customer');
    const id = seedConversation(sims, customer.contactId, { first: `My invoice is wrong (${marker}).`, reply: 'Let me check.', second: `Thanks (${marker}).` });
    return { marker, id };
  });
  // Slow note creation: captures are still running when the replica dies, some with the note sent.
  sims.hubspot.sim.control.setLatency({ ms: 150, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });

  const deliveries = conversations.map((conversation, i) =>
    intercomDelivery(secret, { id: `notif_replicas_${i}`, workspaceId: sims.workspaceId, topic: 'conversation.admin.closed', conversationId: conversation.id }));
  const accepted: string[] = [];
  const answers: Array<{ id: string; replica: number; answer: DeliveryAnswer }> = [];
  const send = async (targets: typeof replicas, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const delivery = deliveries[i];
      if (!delivery) continue;
      const target = targets[i % targets.length];
      const twin = targets[(i + 1) % targets.length];
      if (!target || !twin) continue;
      const sent = [target, ...(i % DUPLICATE_EVERY === 0 ? [twin] : [])];
      const results = await Promise.all(sent.map(async (replica) => ({ id: delivery.id, replica: replica.index, answer: await deliver(replica, delivery) })));
      answers.push(...results);
      if (results.some((r) => r.answer.status === 200)) accepted.push(delivery.id);
    }
  };

  // Half the webhooks over all three replicas; the victim dies holding a running capture.
  const half = CONVERSATIONS / 2;
  await send(replicas, 0, half);
  const heldAtKill = await killWhileHolding(db, victim, CAPTURE_TASK);
  // A survivor sweeps at once, while the dead replica's leases hold: newer captures of its conversations.
  await sweepNow(db);
  t.ok(heldAtKill.size > 0, `the killed replica held ${heldAtKill.size} running job(s) when it died`);
  // The rest over the two left, as the balancer does once its health check fails.
  await send([first, third], half, CONVERSATIONS);

  t.same(answers.filter((a) => a.answer.status !== 200), [], 'every delivery was answered 200, the duplicates too');
  const duplicateAnswers = answers.filter((a) => (a.answer.duplicates ?? 0) > 0).length;
  t.equal(duplicateAnswers, Math.ceil(CONVERSATIONS / DUPLICATE_EVERY), 'of each delivery sent to two replicas, one answer names it a duplicate');
  t.equal(accepted.length, CONVERSATIONS, 'every delivery accepted');

  const markers = conversations.map((c) => c.marker);
  const notes = () => notesPerMarker(sims.hubspot.sim.control.records({ objectType: 'notes' }), markers);
  await until('a note for every conversation', () => [...notes().values()].every((count) => count > 0), {
    timeoutMs: 120_000,
    explain: () => JSON.stringify([...notes()].filter(([, count]) => count === 0).map(([marker]) => marker)),
  });
  // Settled: nothing of this run still due or running (the killed replica's leases ran out and were taken).
  await until('the job table settles', async () => {
    const open = await db.kysely.selectFrom('jobs').select('id').where('id', '>', sinceJobId)
      .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', Date.now())])])).execute();
    return open.length === 0;
  }, { timeoutMs: 60_000 });

  const audit = await auditJobs(db, { accepted, heldAtKill, sinceJobId });
  t.same(audit.unrecorded, [], 'every accepted delivery is recorded');
  t.same(audit.recordedTwice, [], 'a delivery sent to two replicas is recorded once');
  t.same(audit.withoutJob, [], 'every accepted delivery is in the job table (an event job carries it)');
  t.same(audit.unfinished, [], 'no job left due or running past its lease');
  t.same(audit.notSucceeded, [], 'no job failed, was parked or cancelled (a superseded run: unless the newer job of its key succeeded)');
  t.same(audit.doubleRuns, [], 'no job ran twice unless the killed replica held it');
  t.comment(`jobs the killed replica held: ${heldAtKill.size}; run again by a survivor: ${audit.rerunAfterKill}; done by a newer job of their key: ${audit.supersededAfterKill}`);

  const counts = notes();
  t.same([...counts].filter(([, count]) => count !== 1), [], 'every conversation is exactly one note');
  const captures = await db.kysely.selectFrom('conversation_captures').select(['conversation_id', 'notes_created', 'note_id']).where('connection_id', '=', connection.id).execute();
  t.equal(captures.length, CONVERSATIONS, 'one capture row per conversation');
  t.same(captures.filter((c) => c.notes_created !== 1 || c.note_id === null), [], 'each capture made one note');
  // Matching across replicas: 20 customers at 5 companies. Two replicas matching one new company at
  // once would both create it while HubSpot's search does not show the first yet, had the keyed locks
  // of src/conversations/keyed-lock.ts been per process: on PostgreSQL they hold across replicas
  // (src/db/postgres/cluster-locks.ts). Contacts have HubSpot's own guard too (409 on an email).
  t.equal(sims.hubspot.sim.control.records({ objectType: 'contacts' }).length, CUSTOMERS, 'one HubSpot contact per customer');
  t.equal(sims.hubspot.sim.control.records({ objectType: 'companies' }).length, COMPANIES, 'one HubSpot company per company');
  t.ok(!victim.alive() && first.alive() && third.alive(), 'the two survivors ran to the end');
});
