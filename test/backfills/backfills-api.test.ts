// The backfills API (#18 items 3 and 5): start, list, pause/resume/cancel, and every bad input a
// clear 4xx naming the key, with nothing written and nothing queued.
import t, { type Test } from 'tap';
import { BACKFILL_PAGE_TASK } from '../../src/backfills/backfill-task.ts';
import { setPaused } from '../../src/db/repos/connections.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';

const base = (s: Scenario) => `/api/connections/${s.connectionId}/backfills`;

async function nothingQueued(t: Test, s: Scenario, label: string): Promise<void> {
  const db = s.server.daemon.db.kysely;
  const jobs = await db.selectFrom('jobs').select('id').where('task', '=', BACKFILL_PAGE_TASK).execute();
  const rows = await db.selectFrom('backfills').select('id').execute();
  t.same({ jobs: jobs.length, backfills: rows.length }, { jobs: 0, backfills: 0 }, `${label}: nothing queued, nothing stored`);
}

t.test('bad input: a 400 naming the key, nothing queued', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['no kind', {}, 'kind', /must be one of contacts, companies, conversations/],
    ['an unknown kind', { kind: 'deals', direction: 'to_hubspot' }, 'kind', /must be one of/],
    ['records without a direction', { kind: 'contacts' }, 'direction', /is required for a contacts backfill/],
    ['a bad direction', { kind: 'companies', direction: 'sideways' }, 'direction', /must be one of to_hubspot, to_intercom/],
    ['close dates on records', { kind: 'contacts', direction: 'to_hubspot', closedFrom: '2026-01-01' }, 'closedFrom', /only for a conversations backfill/],
    ['conversations without dates', { kind: 'conversations' }, 'closedFrom', /is required/],
    ['conversations without closedTo', { kind: 'conversations', closedFrom: '2026-01-01' }, 'closedTo', /is required/],
    ['a date that is no date', { kind: 'conversations', closedFrom: '2026-02-30', closedTo: '2026-03-01' }, 'closedFrom', /must be a date \(YYYY-MM-DD\)/],
    ['a date-time without its offset', { kind: 'conversations', closedFrom: '2026-02-01T10:00:00', closedTo: '2026-03-01' }, 'closedFrom', /must be a date/],
    ['a number for a date', { kind: 'conversations', closedFrom: 1760000000, closedTo: '2026-03-01' }, 'closedFrom', /must be a date/],
    ['dates the wrong way round', { kind: 'conversations', closedFrom: '2026-03-02', closedTo: '2026-03-01' }, 'closedTo', /^must not be before closedFrom$/],
    ['a direction on conversations', { kind: 'conversations', direction: 'to_hubspot', closedFrom: '2026-03-01', closedTo: '2026-03-01' }, 'direction', /only for contacts and companies/],
    ['an unknown field', { kind: 'conversations', closedFrom: '2026-03-01', closedTo: '2026-03-01', limit: 5 }, '(body)', /unknown field\(s\): limit/],
  ];
  for (const [label, body, key, message] of cases) {
    const answer = await s.api('POST', base(s), body);
    t.equal(answer.status, 400, label);
    t.equal(answer.body?.error.code, 'invalid_request', label);
    t.match(answer.body?.error.details, [{ path: key, message }], `${label}: names ${key}`);
  }
  await nothingQueued(t, s, 'after the bad bodies');
});

t.test('refusals: record sync off, connection not active, unknown connection — 4xx, nothing queued', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  const off = await s.api('POST', base(s), { kind: 'contacts', direction: 'to_hubspot' });
  t.match(off, { status: 409, body: { error: { code: 'record_sync_disabled', message: /^recordSync\.contacts\.enabled: /, details: [{ path: 'key', message: 'recordSync.contacts.enabled' }] } } });
  const offCompanies = await s.api('POST', base(s), { kind: 'companies', direction: 'to_intercom' });
  t.match(offCompanies, { status: 409, body: { error: { details: [{ message: 'recordSync.companies.enabled' }] } } });
  await setPaused(s.server.daemon.db.kysely, s.connectionId, true, Date.now());
  const paused = await s.api('POST', base(s), { kind: 'conversations', closedFrom: '2026-01-01', closedTo: '2026-01-31' });
  t.match(paused, { status: 409, body: { error: { code: 'connection_not_active', message: /is paused/ } } });
  t.match(await s.api('POST', '/api/connections/nope/backfills', { kind: 'conversations', closedFrom: '2026-01-01', closedTo: '2026-01-31' }), { status: 404, body: { error: { code: 'not_found' } } });
  t.match(await s.api('GET', '/api/connections/nope/backfills'), { status: 404 });
  await nothingQueued(t, s, 'after the refusals');
});

t.test('start, a second of the same kind refused, list newest first, pause/resume/cancel, unknown id', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  await s.setSettings((settings) => {
    settings.recordSync.contacts.enabled = true;
  });
  const conversations = await s.api('POST', base(s), { kind: 'conversations', closedFrom: '2026-01-01', closedTo: '2026-01-31' });
  t.equal(conversations.status, 202);
  t.match(conversations.body?.backfill, {
    kind: 'conversations', direction: null, closedFrom: '2026-01-01', closedTo: '2026-01-31', state: 'running', total: null, totalIsEstimate: false,
    done: 0, created: 0, updated: 0, unchanged: 0, skippedByFilter: 0, failed: 0, ratePerMinute: null, etaSeconds: null, finishedAt: null, lastError: null,
  });
  const id = String(conversations.body?.backfill.id);
  const again = await s.api('POST', base(s), { kind: 'conversations', closedFrom: '2025-01-01', closedTo: '2025-12-31' });
  t.match(again, { status: 409, body: { error: { code: 'backfill_running', message: new RegExp(id), details: [{ path: 'backfillId', message: id }] } } });

  const contacts = await s.api('POST', base(s), { kind: 'contacts', direction: 'to_hubspot' });
  t.equal(contacts.status, 202, 'another kind runs beside it');
  const list = await s.api('GET', base(s));
  t.match(list.body?.backfills.map((b: { kind: string }) => b.kind), ['contacts', 'conversations'], 'newest first');
  const db = s.server.daemon.db.kysely;
  t.equal((await db.selectFrom('jobs').select('id').where('task', '=', BACKFILL_PAGE_TASK).where('status', '=', 'queued').execute()).length, 2, 'one page job each; the refused one queued none');

  t.match(await s.api('POST', `${base(s)}/${id}/pause`), { status: 200, body: { backfill: { id, state: 'paused' } } });
  t.match(await s.api('POST', base(s), { kind: 'conversations', closedFrom: '2025-01-01', closedTo: '2025-12-31' }), { status: 409, body: { error: { code: 'backfill_running' } } }, 'a paused one holds its kind too');
  t.match(await s.api('POST', `${base(s)}/${id}/resume`), { status: 200, body: { backfill: { state: 'running' } } });
  t.match(await s.api('POST', `${base(s)}/${id}/cancel`), { status: 200, body: { backfill: { state: 'cancelled', finishedAt: Number } } });
  t.match(await s.api('POST', `${base(s)}/${id}/pause`), { status: 409, body: { error: { code: 'backfill_finished', message: /is cancelled: it cannot be paused/ } } });
  t.match(await s.api('POST', `${base(s)}/nope/pause`), { status: 404, body: { error: { code: 'not_found' } } });
  t.match(await s.api('POST', `${base(s)}/${id}/restart`), { status: 404 });
  t.match((await s.api('GET', base(s))).body?.backfills, [{ kind: 'contacts', state: 'running' }, { id, state: 'cancelled' }], 'the cancelled one stays listed');

  const audit = await db.selectFrom('audit_log').select(['action', 'actor_name', 'target_kind', 'target_id', 'target_name']).where('action', 'like', 'backfill.%').orderBy('id').execute();
  t.match(audit, [
    { action: 'backfill.start', actor_name: 'admin', target_kind: 'backfill', target_id: id, target_name: 'conversations backfill' },
    { action: 'backfill.start', target_name: 'contacts backfill to HubSpot' },
    { action: 'backfill.pause', target_id: id },
    { action: 'backfill.resume', target_id: id },
    { action: 'backfill.cancel', target_id: id },
  ], 'who started, paused, resumed and cancelled what; the refused requests left no entry');
  t.equal(audit.length, 5);

  // A read token may look, not start.
  const token = await s.api('POST', '/api/tokens', { name: 'reader', scope: 'read' });
  const headers = { authorization: `Bearer ${String(token.body?.secret)}`, 'content-type': 'application/json' };
  t.equal((await s.server.fetch(base(s), { headers })).status, 200);
  const refused = await s.server.fetch(base(s), { method: 'POST', headers, body: JSON.stringify({ kind: 'companies', direction: 'to_hubspot' }) });
  t.equal(refused.status, 403);
});

t.test('deleting the connection removes its backfills', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  t.equal((await s.api('POST', base(s), { kind: 'conversations', closedFrom: '2026-01-01', closedTo: '2026-01-31' })).status, 202);
  t.equal((await s.api('DELETE', `/api/connections/${s.connectionId}`)).status, 204);
  const db = s.server.daemon.db.kysely;
  t.same(await db.selectFrom('backfills').select('id').execute(), []);
  t.match(await db.selectFrom('jobs').select('status').where('task', '=', BACKFILL_PAGE_TASK).execute(), [{ status: 'cancelled' }]);
});

t.test('a contacts backfill through the daemon: the record pages run to done and the list shows the counts', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  s.intercom.control.settings.setIndexDelaySeconds(0);
  await s.setSettings((settings) => {
    settings.recordSync.contacts.enabled = true;
  });
  // Contacts that existed before go-live: no webhook tells the daemon of them (a live sync queued for
  // a contact would have the backfill leave it to that sync).
  s.intercom.control.webhooks.addFault({ kind: 'drop', count: 3, topic: 'contact.user.created' });
  for (let i = 0; i < 3; i++) s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: `person${i}@example.test`, name: `Person ${i}` });
  const started = await s.api('POST', base(s), { kind: 'contacts', direction: 'to_hubspot' });
  t.equal(started.status, 202);
  await s.server.daemon.scheduler.drain();
  const [backfill] = (await s.api('GET', base(s))).body?.backfills ?? [];
  t.match(backfill, { kind: 'contacts', direction: 'to_hubspot', state: 'done', total: 3, done: 3, created: 3, failed: 0, finishedAt: Number });
  t.same(s.records('contacts').map((record) => record.properties.email).sort(), ['person0@example.test', 'person1@example.test', 'person2@example.test']);
});
