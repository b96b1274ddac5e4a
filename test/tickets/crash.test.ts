// Exactly one ticket when the process dies between HubSpot's answer to the ticket create and the
// local commit, when that answer is lost on the way back, and when the process dies one step later
// at the note create (DESIGN.md §2, invariant 2; the note's twin is test/capture/crash.test.ts). The daemon runs as a child process (`node src/main.ts`)
// against both simulators running standalone in this process; tickets are on through the
// connection's stored settings (routing sends every conversation to contact, company and ticket),
// and the capture is a job in the database, which is what survives a SIGKILL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Db } from '../../src/db/database.ts';
import { freePort, runDaemon, type DaemonProcess } from '../helpers/daemon-process.ts';
import { enqueueCapture, insertSimConnection, openDataDb, seedConversation, seedCustomer, startCaptureSims, TEST_SECRET_KEY, type CaptureSims } from '../helpers/capture-sims.ts';
import { makeDataDir } from '../helpers/server.ts';

const BODIES = { first: 'The export button does nothing.', reply: 'Which browser are you on?', second: 'Firefox, latest.' };

/** The ticket create as the HubSpot client sends it (src/integrations/hubspot/calls/objects.ts). */
const TICKET_CREATE = { method: 'POST', pathPrefix: '/crm/objects/2026-09/tickets' } as const;

const CONFIG = ['sandbox:', '  enabled: false', 'jobs:', '  leaseSeconds: 2', '  backoffBaseSeconds: 1', '  maxSleepSeconds: 1', ''].join('\n');

interface Setup {
  sims: CaptureSims;
  db: Db;
  connectionId: string;
  conversationId: string;
  jobId: number;
  env: Record<string, string>;
}

async function setup(t: Test): Promise<Setup> {
  const sims = await startCaptureSims();
  t.teardown(() => sims.close());
  const customer = seedCustomer(sims, { email: 'ada.lovelace@acme.test', name: 'Ada Lovelace', company: { name: 'Acme GmbH', website: 'https://www.acme.test' } });
  const conversationId = seedConversation(sims, customer.contactId, BODIES);

  const dataDir = makeDataDir(t);
  const configDir = makeDataDir(t);
  const configFile = join(configDir, 'config.yaml');
  writeFileSync(configFile, CONFIG);
  const db = openDataDb(dataDir);
  t.teardown(() => db.close());
  const row = await insertSimConnection(db, sims, Date.now(), { tickets: true });
  const jobId = await enqueueCapture(db, row.id, conversationId);
  const env = {
    DATA_DIR: dataDir, INTERHUBZ_CONFIG: configFile, INTERHUBZ_SECRET_KEY: TEST_SECRET_KEY, PORT: String(await freePort()),
    INTERHUBZ_ADMIN_PASSWORD: 'crash-test-password', LOG_LEVEL: 'debug',
  };
  return { sims, db, connectionId: row.id, conversationId, jobId, env };
}

function start(t: Test, env: Record<string, string>): DaemonProcess {
  const daemon = runDaemon(env);
  t.teardown(() => {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
  });
  return daemon;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, explain: () => unknown = () => '', timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(await explain())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const tickets = (s: Setup) => s.sims.hubspot.sim.control.records({ hubId: s.sims.hubId, objectType: 'tickets' });
const notes = (s: Setup) => s.sims.hubspot.sim.control.records({ hubId: s.sims.hubId, objectType: 'notes' });
const ticketCreates = (s: Setup) => s.sims.hubspot.sim.control.requests().entries.filter((e) => e.method === 'POST' && e.path === TICKET_CREATE.pathPrefix).length;
const link = (s: Setup) =>
  s.db.kysely.selectFrom('ticket_links').selectAll().where('connection_id', '=', s.connectionId).where('conversation_id', '=', s.conversationId).executeTakeFirst();
const capture = (s: Setup) =>
  s.db.kysely.selectFrom('conversation_captures').selectAll().where('connection_id', '=', s.connectionId).where('conversation_id', '=', s.conversationId).executeTakeFirst();
const job = (s: Setup) => s.db.kysely.selectFrom('jobs').selectAll().where('id', '=', s.jobId).executeTakeFirstOrThrow();
const activity = (s: Setup) => s.db.kysely.selectFrom('activity').selectAll().where('connection_id', '=', s.connectionId).orderBy('id').execute();

async function jobFinished(s: Setup) {
  const row = await job(s);
  return row.status === 'succeeded' || row.status === 'failed' ? row : undefined;
}

async function explain(s: Setup, daemon: DaemonProcess) {
  const calls = s.sims.hubspot.sim.control.requests().entries.map((e) => `${e.method} ${e.path} ${e.status}`);
  return JSON.stringify({ job: await job(s), link: await link(s), capture: await capture(s), hubspot: calls }, null, 1) + `\nstdout:\n${daemon.stdout()}\nstderr:\n${daemon.stderr()}`;
}

async function stop(daemon: DaemonProcess) {
  daemon.child.kill('SIGTERM');
  return daemon.exited;
}

/** One ticket, linked, on the contact and the company, the transcript note on it; one create sent. */
async function assertOneTicket(t: Test, s: Setup) {
  const all = tickets(s);
  t.equal(all.length, 1, 'exactly one ticket in HubSpot');
  t.equal(ticketCreates(s), 1, 'and only one ticket create was ever sent');
  const ticket = all[0];
  const done = await link(s);
  t.equal(done?.ticket_id, ticket?.id, 'ticket_links records that ticket');
  t.equal(done?.pending_ref, null, 'no reference left pending');
  t.equal(done?.status, 'active');
  t.equal(done?.stage_id, ticket?.properties.hs_pipeline_stage, 'the link knows the stage the ticket was made in');
  t.equal(ticket?.associations.contacts?.length, 1, 'the ticket is on the contact');
  t.equal(ticket?.associations.companies?.length, 1, 'and on the company');
  const allNotes = notes(s);
  t.equal(allNotes.length, 1, 'one transcript note');
  t.same(allNotes[0]?.associations.tickets?.map((a) => a.id), [ticket?.id], 'the transcript note is on the ticket');
  t.equal((await capture(s))?.note_id, allNotes[0]?.id, 'the capture records the note');
  const captured = (await activity(s)).filter((e) => e.kind === 'capture' && e.outcome === 'captured');
  t.equal(captured.length, 1, "one 'captured' activity entry");
  t.match(JSON.parse(captured[0]?.detail ?? '{}'), { ticket: { id: ticket?.id }, noteId: allNotes[0]?.id });
  return ticket;
}

t.test('SIGKILL after HubSpot made the ticket but before the local commit: the restart finds it, one ticket', async (t) => {
  const s = await setup(t);
  s.sims.hubspot.sim.control.addFault({ kind: 'answer_held', ...TICKET_CREATE, count: 1 });

  const first = start(t, s.env);
  await until('the simulator to hold the ticket', () => (tickets(s).length > 0 ? true : undefined), () => explain(s, first));
  first.child.kill('SIGKILL');
  t.match(await first.exited, { signal: 'SIGKILL' });

  t.equal(tickets(s).length, 1, 'HubSpot holds the ticket the killed run created');
  const pending = await link(s);
  t.equal(pending?.ticket_id, null, 'the crash came before the local commit: no ticket id recorded');
  t.match(pending?.pending_ref, /^ihz-ticket-[0-9a-f]{8}-/, 'the reference was committed before the create');
  t.ok(tickets(s)[0]?.properties.content?.includes(pending?.pending_ref ?? '\0'), 'the ticket in HubSpot carries that reference');
  t.equal(notes(s).length, 0, 'no note yet: the run died at the ticket');
  t.match(await job(s), { status: 'running', attempts: 1 }, 'the killed run left its lease behind');

  const second = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), () => explain(s, second));
  t.match(finished, { status: 'succeeded', attempts: 2 }, JSON.stringify(finished));
  t.match(await stop(second), { code: 0 });

  const ticket = await assertOneTicket(t, s);
  const captured = (await activity(s)).filter((e) => e.kind === 'capture' && e.outcome === 'captured');
  t.match(JSON.parse(captured[0]?.detail ?? '{}'), { ticket: { id: ticket?.id, outcome: 'recovered' } }, 'the second run recovered the ticket by its reference');
});

t.test('the answer to the ticket create is lost: the retry finds the ticket instead of making a second', async (t) => {
  const s = await setup(t);
  s.sims.hubspot.sim.control.addFault({ kind: 'answer_lost', ...TICKET_CREATE, count: 1 });

  const daemon = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), () => explain(s, daemon));
  t.match(finished, { status: 'succeeded', attempts: 2 }, 'the first attempt failed on the lost answer, the retry succeeded');
  t.match(await stop(daemon), { code: 0 });

  const ticket = await assertOneTicket(t, s);
  const captured = (await activity(s)).filter((e) => e.kind === 'capture' && e.outcome === 'captured');
  t.match(JSON.parse(captured[0]?.detail ?? '{}'), { ticket: { id: ticket?.id, outcome: 'recovered' } }, 'the retry recovered the ticket by its reference');
});

t.test('SIGKILL at the note create, after the ticket was made and recorded: one ticket, the adopted note on it', async (t) => {
  const s = await setup(t);
  const NOTE_CREATE = { method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' } as const;
  s.sims.hubspot.sim.control.addFault({ kind: 'answer_held', ...NOTE_CREATE, count: 1 });

  const first = start(t, s.env);
  await until('the simulator to hold the note', () => (notes(s).length > 0 ? true : undefined), () => explain(s, first));
  first.child.kill('SIGKILL');
  t.match(await first.exited, { signal: 'SIGKILL' });
  const recorded = await link(s);
  t.equal(recorded?.ticket_id, tickets(s)[0]?.id, 'the ticket was recorded before the note create');
  t.equal((await capture(s))?.note_id, null, 'the note was not');

  const second = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), () => explain(s, second));
  t.match(finished, { status: 'succeeded', attempts: 2 }, JSON.stringify(finished));
  t.match(await stop(second), { code: 0 });

  await assertOneTicket(t, s);
  t.equal(s.sims.hubspot.sim.control.requests().entries.filter((e) => e.method === 'POST' && e.path === NOTE_CREATE.pathPrefix).length, 1, 'one note create was ever sent');
});
