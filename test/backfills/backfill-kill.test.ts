// A conversations backfill survives SIGKILL (#18 item 3): the daemon is killed in the middle of a
// page, a new one goes on from the stored cursor, redoes only that page, and every conversation has
// exactly one note. The daemon runs as a child process against both simulators standalone here.
import t from 'tap';
import { startBackfill } from '../../src/backfills/backfill-control.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { insertSimConnection, seedConversation, seedCustomer, startCaptureSims, TEST_SECRET_KEY } from '../helpers/capture-sims.ts';
import { crashStoreFiles, startChild } from '../helpers/crash-harness.ts';
import { freePort } from '../helpers/daemon-process.ts';
import { until } from '../helpers/until.ts';

/** Short leases, so the restarted daemon takes up the killed run's page within seconds. */
const CONFIG = ['sandbox:', '  enabled: false', 'jobs:', '  leaseSeconds: 2', '  backoffBaseSeconds: 1', '  maxSleepSeconds: 1', ''].join('\n');
const CONVERSATIONS = 45;
const NOTE_CREATE = '/crm/objects/2026-09/notes';
const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

t.test('SIGKILL in the middle of a page: the restart redoes that page only, one note per conversation', async (t) => {
  const sims = await startCaptureSims();
  t.teardown(() => sims.close());
  sims.intercom.sim.control.settings.setIndexDelaySeconds(0);
  const customers = Array.from({ length: 5 }, (_, i) => seedCustomer(sims, { email: `customer${i}@acme.test`, company: null }));
  const bodies = { first: 'My invoice is wrong.', reply: 'Let me check.', second: 'Thanks.' };
  const conversationIds = Array.from({ length: CONVERSATIONS }, (_, i) => seedConversation(sims, customers[i % customers.length]?.contactId ?? '', bodies));
  const now = sims.intercom.sim.control.clock.now();

  // The data directory's SQLite file, or a PostgreSQL database with INTERHUBZ_TEST_STORE=postgres.
  const { dataDir, configFile, db } = await crashStoreFiles(t, CONFIG);
  const row = await insertSimConnection(db, sims, Date.now());
  const jobs = createJobQueue({ db: db.kysely, clock: Date.now, maxAttempts: 10, notify: () => undefined });
  const { id } = await startBackfill({ db: db.kysely, jobs, now: Date.now }, row.id, { kind: 'conversations', closedFrom: day(now - DAY), closedTo: day(now + DAY) });
  const env = {
    DATA_DIR: dataDir, INTERHUBZ_CONFIG: configFile, INTERHUBZ_SECRET_KEY: TEST_SECRET_KEY, PORT: String(await freePort()),
    INTERHUBZ_ADMIN_PASSWORD: 'backfill-kill-password', LOG_LEVEL: 'info',
  };
  const backfill = () => db.kysely.selectFrom('backfills').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const notes = () => sims.hubspot.sim.control.records({ hubId: sims.hubId, objectType: 'notes' });
  const noteCreates = () => sims.hubspot.sim.control.requests().entries.filter((entry) => entry.method === 'POST' && entry.path === NOTE_CREATE).length;
  // Slow enough that the kill lands inside the second page of 20.
  sims.hubspot.sim.control.setLatency({ ms: 60 });

  const first = startChild(t, env);
  const explain = async () => JSON.stringify({ backfill: await backfill(), notes: notes().length }) + `\n${first.stdout().slice(-3000)}\n${first.stderr().slice(-3000)}`;
  await until('the first page committed and the second under way', async () => ((await backfill()).pages === 1 && notes().length >= 25 ? true : undefined), { timeoutMs: 60_000, explain });
  first.child.kill('SIGKILL');
  t.match(await first.exited, { signal: 'SIGKILL' });
  const atKill = await backfill();
  // The first page's 20 conversations are all counted: created, or unchanged where another capture
  // got there first (the reconciliation sweep, on the minute, finds these freshly closed
  // conversations too). One note each, whoever wrote it, is checked at the end.
  t.match(atKill, { state: 'running', pages: 1 }, 'the first page is stored; the second was in flight');
  t.equal(atKill.created + atKill.updated + atKill.unchanged + atKill.skipped_by_filter, 20, `every conversation of the first page counted: ${JSON.stringify(atKill)}`);
  const writtenBeforeKill = notes().length;

  sims.hubspot.sim.control.setLatency(null);
  const second = startChild(t, env);
  await until('the backfill to finish after the restart', async () => ((await backfill()).state === 'done' ? true : undefined), { timeoutMs: 60_000, explain: async () => JSON.stringify(await backfill()) + `\n${second.stderr().slice(-3000)}` });
  const done = await backfill();
  t.match(done, { state: 'done', pages: 3, total: CONVERSATIONS, failed: 0 });
  t.equal(done.created + done.updated + done.unchanged + done.skipped_by_filter, CONVERSATIONS, 'every conversation counted once');
  // The page's conversations captured before the kill are found again, unchanged — all but the one in
  // flight, whose note HubSpot may have made before its capture was recorded: the rerun adopts that
  // note (create-once), and says captured.
  const redone = writtenBeforeKill - 20;
  const counts = JSON.stringify({ created: done.created, updated: done.updated, unchanged: done.unchanged, writtenBeforeKill });
  t.ok(done.unchanged >= redone - 1 && done.created <= CONVERSATIONS - (redone - 1), `the redone page left the ${redone} notes written before the kill as they were: ${counts}`);
  t.equal(notes().length, CONVERSATIONS, 'one note per conversation');
  t.equal(noteCreates(), CONVERSATIONS, 'no note created twice');
  const captured = await db.kysely.selectFrom('conversation_captures').select('conversation_id').where('connection_id', '=', row.id).execute();
  t.same(captured.map((c) => c.conversation_id).sort(), [...conversationIds].sort(), 'each conversation captured');
  second.child.kill('SIGTERM');
  await second.exited;
});
