// Exactly one note when the process dies between HubSpot's answer and the local commit (DESIGN.md
// §2, invariant 2), and when the answer is lost on the way back; the contact–company association
// made even when the process dies during that call; and no message text at rest or in the logs
// (invariant 3). The daemon runs as a child process (`node src/main.ts`) against both
// simulators running standalone in this process; the capture is a job in the database, which is
// what survives a SIGKILL.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { activityRows, captureRow, crashSetup, creates, explain, jobFinished, jobRow, records, startChild, stopChild, type CrashSetup } from '../helpers/crash-harness.ts';
import { until } from '../helpers/until.ts';
import type { DaemonProcess } from '../helpers/daemon-process.ts';
import { allRowsText } from '../helpers/rows.ts';

/** Unique sentences used as message bodies: none may be found in the database files or the logs. */
const BODIES = { first: 'Zebra-7 invoice mismatch on the March statement.', reply: 'Quokka-3 refund approved by finance.', second: 'Narwhal-9 amount still looks wrong.' };
const MARKERS = ['Zebra-7 invoice mismatch', 'Quokka-3 refund approved', 'Narwhal-9 amount'];

/** The note create as the HubSpot client sends it (src/integrations/hubspot/calls/objects.ts). */
const NOTE_CREATE = { method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' } as const;

const setup = (t: Test) => crashSetup(t, { customer: { email: 'grace.hopper@acme.test', name: 'Grace Hopper' }, bodies: BODIES });
const start = startChild;
const stop = stopChild;
const notes = (s: CrashSetup) => records(s, 'notes');
const noteCreates = (s: CrashSetup) => creates(s, NOTE_CREATE.pathPrefix);
const capture = captureRow;
const job = jobRow;
const activity = activityRows;

/**
 * No message text in the store: on SQLite the database and its -wal / -shm files, as bytes; on
 * PostgreSQL (whose files are not the test's to read) every row of every table.
 */
async function assertNoContentStored(t: Test, s: CrashSetup, when: string) {
  if (s.db.dialect === 'postgres') {
    const rows = await allRowsText(s.db);
    t.match(rows, /conversation_captures: \[\{/, `${when}: the PostgreSQL rows checked hold the capture`);
    for (const marker of MARKERS) t.notOk(rows.includes(marker), `${when}: no PostgreSQL row contains "${marker}"`);
    return;
  }
  const dataDir = s.dataDir;
  const files = readdirSync(dataDir).filter((file) => file.startsWith('interhubz.db'));
  t.ok(files.includes('interhubz.db'), `${when}: database files checked: ${files.join(', ')}`);
  for (const file of files) {
    const bytes = readFileSync(join(dataDir, file));
    for (const marker of MARKERS) t.equal(bytes.indexOf(marker), -1, `${when}: ${file} (${bytes.length} bytes) does not contain "${marker}"`);
  }
}

/** Invariant 3: the message bodies went to HubSpot and nowhere else. */
async function assertNoContentAtRest(t: Test, s: CrashSetup, daemons: DaemonProcess[]) {
  const body = notes(s)[0]?.properties.hs_note_body ?? '';
  for (const marker of MARKERS) t.ok(body.includes(marker), `the note carries "${marker}" (the check below is meaningful)`);
  // SQLite: closed first, so that what is checked is the file as the last run's writes left it.
  if (s.db.dialect === 'sqlite') await s.db.close();
  await assertNoContentStored(t, s, 'after the last run');
  daemons.forEach((daemon, i) => {
    const output = daemon.stdout() + daemon.stderr();
    t.ok(output.length > 0, `daemon run ${i + 1} logged something`);
    for (const marker of MARKERS) t.notOk(output.includes(marker), `daemon run ${i + 1}'s stdout/stderr do not contain "${marker}"`);
  });
}

t.test('SIGKILL after HubSpot made the note but before the local commit: the restart adopts it, one note', async (t) => {
  const s = await setup(t);
  s.sims.hubspot.sim.control.addFault({ kind: 'answer_held', ...NOTE_CREATE, count: 1 });

  const first = start(t, s.env);
  await until('the note to exist in HubSpot', () => (notes(s).length > 0 ? true : undefined), { explain: () => explain(s, first) });
  first.child.kill('SIGKILL');
  t.match(await first.exited, { signal: 'SIGKILL' });

  t.equal(notes(s).length, 1, 'HubSpot holds the note the killed run created');
  const pending = await capture(s);
  t.equal(pending?.note_id, null, 'the crash came before the local commit: no note id recorded');
  t.match(pending?.pending_ref, /^ihz-[0-9a-f]{8}-/, 'the reference was committed before the create');
  t.ok(notes(s)[0]?.properties.hs_note_body?.includes(pending?.pending_ref ?? '\0'), 'the note in HubSpot carries that reference');
  t.match(await job(s), { status: 'running', attempts: 1 }, 'the killed run left its lease behind');
  // What the killed process left behind, its write-ahead log included (this process holds the
  // database open, so the -wal file is not checkpointed away by a clean close).
  await assertNoContentStored(t, s, 'right after the kill');

  const second = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), { explain: () => explain(s, second) });
  t.match(finished, { status: 'succeeded', runs: 2 }, JSON.stringify(finished));
  t.match(await stop(second), { code: 0 });

  const all = notes(s);
  t.equal(all.length, 1, 'exactly one note in HubSpot');
  t.equal(noteCreates(s), 1, 'and only one create was ever sent');
  const note = all[0];
  const done = await capture(s);
  t.equal(done?.note_id, note?.id, 'the capture records the adopted note');
  t.equal(done?.pending_ref, null, 'no reference left pending');
  t.equal(done?.notes_created, 1);
  t.equal(note?.associations.contacts?.length, 1, 'the note is on the contact');
  t.equal(note?.associations.companies?.length, 1, 'and on the company');
  const entries = await activity(s);
  const captured = entries.filter((e) => e.kind === 'capture' && e.outcome === 'captured');
  t.equal(captured.length, 1, `one 'captured' activity entry (${entries.map((e) => e.outcome).join(', ')})`);
  t.match(JSON.parse(captured[0]?.detail ?? '{}'), { noteId: note?.id });
  t.equal(captured[0]?.subject_id, s.conversationId);

  await assertNoContentAtRest(t, s, [first, second]);
});

t.test('the answer to the create is lost: the retry finds the note instead of making a second', async (t) => {
  const s = await setup(t);
  s.sims.hubspot.sim.control.addFault({ kind: 'answer_lost', ...NOTE_CREATE, count: 1 });

  const daemon = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), { explain: () => explain(s, daemon) });
  t.match(finished, { status: 'succeeded', runs: 2 }, 'the first attempt failed on the lost answer, the retry succeeded');
  t.match(await stop(daemon), { code: 0 });

  const all = notes(s);
  t.equal(all.length, 1, 'exactly one note in HubSpot');
  t.equal(noteCreates(s), 1, 'one create sent; the retry looked the note up');
  const done = await capture(s);
  t.equal(done?.note_id, all[0]?.id);
  t.equal(done?.pending_ref, null);
  const captured = (await activity(s)).filter((e) => e.kind === 'capture' && e.outcome === 'captured');
  t.equal(captured.length, 1, "one 'captured' activity entry");

  await assertNoContentAtRest(t, s, [daemon]);
});

t.test('SIGKILL while the contact–company association call is in flight: the restart makes it', async (t) => {
  const s = await setup(t);
  // Captured as soon as the job runs, with no grace window to wait out (the kill is the point here).
  await s.db.kysely.updateTable('jobs').set({ payload: JSON.stringify({ conversationId: s.conversationId, trigger: 'manual' }) }).where('id', '=', s.jobId).execute();
  const { control } = s.sims.hubspot.sim;
  // The company is in HubSpot already, so the contact needs the association call; HubSpot holds that
  // call without doing anything, and the daemon dies while it waits.
  const company = control.seedRecord({ hubId: s.sims.hubId, objectType: 'companies', properties: { name: 'Acme GmbH', domain: 'acme.test' } });
  control.addFault({ kind: 'timeout', method: 'PUT', pathPrefix: '/crm/objects/2026-09/contacts/' });
  const associationCalls = () => control.requests().entries.filter((e) => e.method === 'PUT' && /\/associations\/default\/companies\//.test(e.path)).length;
  const contactCompanies = () => {
    const contact = control.records({ hubId: s.sims.hubId, objectType: 'contacts' })[0];
    return (contact?.associations.companies ?? []).map((a) => a.id);
  };

  const first = start(t, s.env);
  await until('the association call to reach HubSpot', () => (associationCalls() > 0 ? true : undefined), { explain: () => explain(s, first) });
  first.child.kill('SIGKILL');
  t.match(await first.exited, { signal: 'SIGKILL' });
  t.same(contactCompanies(), [], 'the killed run never got the contact associated');
  t.equal(notes(s).length, 0, 'nor wrote the note');

  const second = start(t, s.env);
  const finished = await until('the capture job to finish', () => jobFinished(s), { explain: () => explain(s, second) });
  t.match(finished, { status: 'succeeded' }, JSON.stringify(finished));
  t.match(await stop(second), { code: 0 });
  t.same(contactCompanies(), [company], 'the restart associated the contact with its company');
  t.equal(control.records({ hubId: s.sims.hubId, objectType: 'companies' }).length, 1, 'one company');
  t.equal(notes(s).length, 1, 'one note');
});
