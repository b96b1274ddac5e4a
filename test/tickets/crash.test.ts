// Exactly one ticket when the process dies between HubSpot's answer to the ticket create and the
// local commit, when that answer is lost on the way back, and when the process dies one step later
// at the note create (DESIGN.md §2, invariant 2; the note's twin is test/capture/crash.test.ts). The daemon runs as a child process (`node src/main.ts`)
// against both simulators running standalone in this process; tickets are on through the
// connection's stored settings (routing sends every conversation to contact, company and ticket),
// and the capture is a job in the database, which is what survives a SIGKILL.
import t, { type Test } from 'tap';
import { activityRows, captureRow, crashSetup, creates, explain, jobFinished, jobRow, records, startChild, stopChild, ticketLink, type CrashSetup } from '../helpers/crash-harness.ts';
import { until } from '../helpers/until.ts';

const BODIES = { first: 'The export button does nothing.', reply: 'Which browser are you on?', second: 'Firefox, latest.' };

/** The ticket create as the HubSpot client sends it (src/integrations/hubspot/calls/objects.ts). */
const TICKET_CREATE = { method: 'POST', pathPrefix: '/crm/objects/2026-09/tickets' } as const;

const setup = (t: Test) => crashSetup(t, { customer: { email: 'ada.lovelace@acme.test', name: 'Ada Lovelace' }, bodies: BODIES, tickets: true });
const start = startChild;
const stop = stopChild;
const tickets = (s: CrashSetup) => records(s, 'tickets');
const notes = (s: CrashSetup) => records(s, 'notes');
const ticketCreates = (s: CrashSetup) => creates(s, TICKET_CREATE.pathPrefix);
const link = ticketLink;
const capture = captureRow;
const job = jobRow;
const activity = activityRows;

/** One ticket, linked, on the contact and the company, the transcript note on it; one create sent. */
async function assertOneTicket(t: Test, s: CrashSetup) {
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
  await until('the simulator to hold the ticket', () => (tickets(s).length > 0 ? true : undefined), { explain: () => explain(s, first) });
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
  const finished = await until('the capture job to finish', () => jobFinished(s), { explain: () => explain(s, second) });
  t.match(finished, { status: 'succeeded', runs: 2 }, JSON.stringify(finished));
  t.match(await stop(second), { code: 0 });

  const ticket = await assertOneTicket(t, s);
  const captured = (await activity(s)).filter((e) => e.kind === 'capture' && e.outcome === 'captured');
  t.match(JSON.parse(captured[0]?.detail ?? '{}'), { ticket: { id: ticket?.id, outcome: 'recovered' } }, 'the second run recovered the ticket by its reference');
});

t.test('the answer to the ticket create is lost: the retry finds the ticket instead of making a second', async (t) => {
  const s = await setup(t);
  s.sims.hubspot.sim.control.addFault({ kind: 'answer_lost', ...TICKET_CREATE, count: 1 });

  const daemon = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), { explain: () => explain(s, daemon) });
  t.match(finished, { status: 'succeeded', runs: 2 }, 'the first attempt failed on the lost answer, the retry succeeded');
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
  await until('the simulator to hold the note', () => (notes(s).length > 0 ? true : undefined), { explain: () => explain(s, first) });
  first.child.kill('SIGKILL');
  t.match(await first.exited, { signal: 'SIGKILL' });
  const recorded = await link(s);
  t.equal(recorded?.ticket_id, tickets(s)[0]?.id, 'the ticket was recorded before the note create');
  t.equal((await capture(s))?.note_id, null, 'the note was not');

  const second = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), { explain: () => explain(s, second) });
  t.match(finished, { status: 'succeeded', runs: 2 }, JSON.stringify(finished));
  t.match(await stop(second), { code: 0 });

  await assertOneTicket(t, s);
  t.equal(s.sims.hubspot.sim.control.requests().entries.filter((e) => e.method === 'POST' && e.path === NOTE_CREATE.pathPrefix).length, 1, 'one note create was ever sent');
});
