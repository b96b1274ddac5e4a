// Capture under pressure: 20 captures of one new customer at once (while HubSpot's search lags),
// a storm of 429s and 5xx, 503s on the contact–company association, a lost answer to a company
// create while search lags, a conversation over Intercom's 500-part cap, hostile and multilingual
// message bodies — and afterwards no message text in the store (its rows and, on SQLite, its file) or the logs.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { until } from '../helpers/until.ts';
import { CAPTURE_TASK, captureKey } from '../../src/capture/capture-task.ts';
import { DATABASE_FILE } from '../../src/db/database.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { allRowsText } from '../helpers/rows.ts';

const logs = captureLogs();
const bodies: string[] = [];
/** A message body that must never be stored or logged. */
const secretBody = (label: string) => {
  const marker = `Zebra-${label}-${bodies.length}-confidential`;
  bodies.push(marker);
  return marker;
};
/** The SQLite files' data directories (searched byte by byte at the end), when the suite runs on SQLite. */
const dataDirs: string[] = [];
/** Every row of each scenario's store as its test ended (a PostgreSQL database is dropped then). */
const storeContents: string[] = [];

async function scenario(t: Parameters<typeof captureScenario>[0]): Promise<Scenario> {
  const s = await captureScenario(t, { logDestination: logs, logLevel: 'debug', config: { jobs: { backoffBaseSeconds: 1 } } });
  if (s.server.daemon.db.dialect === 'sqlite') dataDirs.push(s.server.dataDir);
  // Registered after the daemon's start: runs before it closes and before its database is dropped.
  t.teardown(async () => void storeContents.push(await allRowsText(s.server.daemon.db)));
  return s;
}

/** The capture jobs, oldest first. */
const captureJobs = (s: Scenario) =>
  s.server.daemon.db.kysely.selectFrom('jobs').select(['status', 'attempts', 'last_error']).where('task', '=', CAPTURE_TASK).orderBy('id').execute();
const captureJobEnded = async (s: Scenario, ended: string[] = ['succeeded', 'failed']) => (await captureJobs(s)).some((job) => ended.includes(job.status));


t.test('20 conversations of one new customer captured at once: one contact, one company, 20 notes', async (t) => {
  const s = await scenario(t);
  // HubSpot's search does not see a new record for 5 s: matching must not depend on it.
  s.hubspot.control.setSettings({ searchIndexDelayMs: 5000 });
  const first = s.conversation({ customer: 'new.customer@globex.test', company: { name: 'Globex', website: 'https://globex.test' }, body: `<p>${secretBody('c')}</p>` });
  const conversations = [first.conversationId];
  for (let i = 1; i < 20; i++) conversations.push(s.conversation({ contactId: first.contactId, body: `<p>${secretBody('c')}</p>` }).conversationId);
  const results = await Promise.all(conversations.map((id) => s.push(id)));
  t.same(results.map((r) => r.status), Array(20).fill(200));
  t.same(results.map((r) => r.body?.outcome), Array(20).fill('captured'));
  t.equal(s.records('contacts').length, 1, 'one contact');
  t.equal(s.records('companies').length, 1, 'one company');
  const contactId = s.records('contacts')[0]?.id;
  const notes = s.notes();
  t.equal(notes.length, 20, 'a note per conversation');
  t.ok(notes.every((note) => note.associations.contacts?.[0]?.id === contactId), 'all on that contact');
});

t.test('a storm of 429s and 5xx: the capture job waits, retries and writes one note', async (t) => {
  const s = await scenario(t);
  // Only the job below captures: the close webhook schedules nothing in manual mode.
  await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
  const { conversationId } = s.conversation({ body: `<p>${secretBody('s')}</p>` });
  s.hubspot.control.addFault({ kind: '429', count: 4, retryAfterSeconds: 1 });
  s.hubspot.control.addFault({ kind: '503', count: 4 });
  s.hubspot.control.addFault({ kind: '500', count: 3, method: 'POST' });
  s.intercom.control.faults.add({ kind: '500', count: 3 });
  await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'manual' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
  await until('the capture job to finish', () => captureJobEnded(s), { timeoutMs: 60_000 });
  t.match((await captureJobs(s))[0], { status: 'succeeded' });
  t.equal(s.notes().length, 1, 'exactly one note');
  t.equal(s.records('contacts').length, 1, 'exactly one contact');
  t.equal(s.records('companies').length, 1, 'exactly one company');
});

t.test('an unanswered note create (the answer lost) is found again, not repeated', async (t) => {
  const s = await scenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
  const { conversationId } = s.conversation({ body: `<p>${secretBody('l')}</p>` });
  s.hubspot.control.addFault({ kind: 'answer_lost', count: 1, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });
  await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'manual' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
  await until('the capture job to succeed', () => captureJobEnded(s, ['succeeded']), { timeoutMs: 60_000 });
  t.equal(s.notes().length, 1, 'one note, though the first create was never answered');
  const capture = await s.server.daemon.db.kysely.selectFrom('conversation_captures').select(['note_id', 'pending_ref']).where('conversation_id', '=', conversationId).executeTakeFirst();
  t.match(capture, { note_id: s.notes()[0]?.id, pending_ref: null });
});

/** A capture job for the conversation (trigger 'manual': no grace window); resolves when it finished. */
async function runCaptureJob(s: Scenario, conversationId: string) {
  await s.server.daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'manual' }, connectionId: s.connectionId, key: captureKey(s.connectionId, conversationId) });
  await until('the capture job to finish', () => captureJobEnded(s), { timeoutMs: 60_000 });
  return (await captureJobs(s))[0];
}

const companiesOf = (s: Scenario, contactId: string | undefined) =>
  (s.hubspot.control.record({ hubId: s.hubId, objectType: 'contacts', id: contactId ?? '' })?.associations.companies ?? []).map((a) => a.id);

t.test('503s on the association call outlast the client\'s tries: the retry still associates the contact with its company', async (t) => {
  const s = await scenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
  // The company is in HubSpot already (found by domain), so it needs the association call.
  const company = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'companies', properties: { name: 'Acme GmbH', domain: 'acme.test' } });
  const { conversationId } = s.conversation({ body: `<p>${secretBody('a')}</p>` });
  // The client tries a PUT 3 times (upstream.maxAttemptsPerCall): the first job attempt fails there,
  // after the contact and the company were both found and remembered.
  s.hubspot.control.addFault({ kind: '503', count: 3, method: 'PUT', pathPrefix: '/crm/objects/2026-09/contacts/' });
  const job = await runCaptureJob(s, conversationId);
  t.match(job, { status: 'succeeded', attempts: 2 }, 'the first attempt failed on the association, the retry succeeded');
  const contact = s.records('contacts')[0]?.id;
  t.same(companiesOf(s, contact), [company], 'the contact is associated with its company');
  t.equal(s.notes().length, 1, 'one note');
  t.same(s.hubspot.control.pendingFaults(), [], 'the 503s were all served');
});

t.test('the answer to the company create is lost while search lags 8 s: the retry adopts that company, no second one', async (t) => {
  const s = await scenario(t);
  await s.setSettings((settings) => void (settings.conversations.capture.mode = 'manual'));
  s.hubspot.control.setSettings({ searchIndexDelayMs: 8_000 });
  const { conversationId } = s.conversation({ customer: 'buyer@globex.test', company: { name: 'Globex', website: 'https://globex.test' }, body: `<p>${secretBody('g')}</p>` });
  s.hubspot.control.addFault({ kind: 'answer_lost', count: 1, method: 'POST', pathPrefix: '/crm/objects/2026-09/companies$' });
  const job = await runCaptureJob(s, conversationId);
  t.match(job, { status: 'succeeded', attempts: 2 }, 'the first attempt failed on the lost answer; the retry came within the index lag');
  const companies = s.records('companies');
  t.equal(companies.length, 1, 'one company');
  t.same(companiesOf(s, s.records('contacts')[0]?.id), [companies[0]?.id], 'the contact is associated with it');
  t.equal(s.notes()[0]?.associations.companies?.[0]?.id, companies[0]?.id, 'and the note sits on it');
});

t.test('over 500 parts: the note says Intercom returned only the latest 500', async (t) => {
  const s = await scenario(t);
  const { conversationId, contactId } = s.conversation({ close: false, body: `<p>${secretBody('p')}</p>` });
  for (let i = 0; i < 260; i++) {
    s.intercom.control.actAsAdmin.reply({ conversationId, adminId: s.adminId, body: `<p>${secretBody('p')}</p>` });
    s.intercom.control.actAsCustomer.reply({ conversationId, contactId, body: `<p>${secretBody('p')}</p>` });
  }
  s.intercom.control.actAsAdmin.close({ conversationId, adminId: s.adminId });
  const result = await s.push(conversationId);
  t.match(result.body, { outcome: 'captured' });
  const body = s.notes()[0]?.properties.hs_note_body ?? '';
  t.match(body, /500 most recent/i, 'the cap is said');
  t.ok(body.length <= 65_536, 'within the note size limit');
});

t.test('script, event handlers, RTL text and emoji: escaped and intact in the note', async (t) => {
  const s = await scenario(t);
  const rtl = 'مرحبا بالعالم — שלום עולם';
  const emoji = '👩‍👩‍👧‍👦 🇩🇪 ✅';
  const { conversationId } = s.conversation({ body: `<p>Hi <script>alert("x")</script><img src="x" onerror="alert(1)"> ${rtl} ${emoji} <a href="javascript:alert(2)">click</a> ${secretBody('x')}</p>` });
  t.match((await s.push(conversationId)).body, { outcome: 'captured' });
  const body = s.notes()[0]?.properties.hs_note_body ?? '';
  t.notMatch(body, /<script/i);
  t.notMatch(body, /\son\w+\s*=/i);
  t.notMatch(body, /javascript:/i);
  t.ok(body.includes(rtl), 'RTL text intact');
  t.ok(body.includes(emoji), 'emoji intact');
});

t.test('afterwards: no message body in the store (any row; on SQLite, its files) or in the logs', async (t) => {
  t.ok(bodies.length > 500, `${bodies.length} distinct bodies were sent through`);
  t.ok(storeContents.length > 0 && storeContents.every((text) => text.length > 0), 'the stores were read');
  t.notOk(storeContents.some((text) => bodies.some((body) => text.includes(body))), 'no row of any table holds a message body');
  const logText = logs.text();
  t.ok(logText.length > 0, 'the logs were captured');
  for (const dir of dataDirs) {
    for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
      const path = join(dir, file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1');
      t.notOk(bodies.some((body) => bytes.includes(body)), `${file} of ${dir} holds no message body`);
    }
  }
  t.notOk(bodies.some((body) => logText.includes(body)), 'the logs hold no message body');
});
