// Sync status counts (#18 item 4) against the sandbox: records on each side, paired, in step,
// skipped by a filter and failed in the last 24 h, the last change synced and the latest jobs; the
// totals null when an account refuses; who may read them.
import t from 'tap';
import { recordActivity } from '../../src/activity/activity-log.ts';
import { ACTIVE, activity, pairedContact, settled, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

const HOUR = 3_600_000;

t.test('GET …/records/status counts pairs, in step, filtered skips and failures of the day, and lists the latest jobs', async (t) => {
  // The daemon's clock, moved past the caches between the two reads.
  let shift = 0;
  const s = await syncScenario(t, { contacts: true }, { clock: () => Date.now() + shift });
  const ana = await pairedContact(s, { email: 'ana.ruiz@acme.test', name: 'Ana Ruiz' });
  const ben = await pairedContact(s, { email: 'ben.ode@acme.test', name: 'Ben Ode' });
  const cy = await pairedContact(s, { email: 'cy.lam@acme.test', name: 'Cy Lam' });
  const url = `/api/connections/${s.connectionId}/records/status`;
  // HubSpot's search sees a new record a few seconds after it was written (the simulator's index delay).
  s.hubspot.control.clock.advance(10_000);

  const first = await s.api('GET', url);
  t.equal(first.status, 200);
  const contacts = first.body?.objects.contacts;
  t.match(contacts, { enabled: true, paired: 3, inStep: 3, skippedByFilter24h: 0, failed24h: 0 });
  t.equal(contacts.intercom.total, 3, "Intercom's total_count");
  t.equal(contacts.hubspot.total, 3, "HubSpot's search total");
  t.type(contacts.lastSyncedAt, 'number');
  t.ok(contacts.recentJobs.length > 0 && contacts.recentJobs.every((job: { task: string }) => job.task === 'records.sync' || job.task === 'records.sweep'), 'the latest record jobs');
  t.match(contacts.recentJobs[0], { id: String, task: String, state: String, at: Number });
  t.match(first.body?.objects.companies, { enabled: false, paired: 0, inStep: 0, lastSyncedAt: null, recentJobs: [] });

  // A failure after Ben's last sync, a filter keeping Cy out, and a failure of two days ago.
  const db = s.server.daemon.db.kysely;
  const now = Date.now();
  await recordActivity(db, { connectionId: s.connectionId, at: now, kind: 'contact', subjectId: ben.intercomId, outcome: 'failed', reason: 'hubspot 500 server_error', detail: { side: 'intercom', id: ben.intercomId } });
  await recordActivity(db, { connectionId: s.connectionId, at: now, kind: 'contact', subjectId: cy.intercomId, outcome: 'skipped', reason: 'filter', detail: { filtered: { key: 'recordSync.contacts.filters.toHubSpot[0]', direction: 'to_hubspot' } } });
  await recordActivity(db, { connectionId: s.connectionId, at: now, kind: 'company', subjectId: 'other', outcome: 'failed', reason: 'another type', detail: {} });
  await db.updateTable('activity').set({ at: now - 48 * HOUR }).where('subject_id', '=', ana.intercomId).execute();
  await recordActivity(db, { connectionId: s.connectionId, at: now - 48 * HOUR, kind: 'contact', subjectId: 'old', outcome: 'failed', reason: 'long ago', detail: {} });

  const cached = (await s.api('GET', url)).body?.objects;
  t.match(cached.contacts, { inStep: 3, failed24h: 1, skippedByFilter24h: 1 }, "the pair counts are kept a few seconds; the day's counts are live");
  shift = 20_000;
  const second = (await s.api('GET', url)).body?.objects;
  t.match(second.contacts, { paired: 3, inStep: 1, failed24h: 1, skippedByFilter24h: 1 }, 'Ben failed and Cy was filtered since their last sync; only Ana is in step');
  t.equal(second.companies.failed24h, 1, 'per object type');
  t.equal(second.contacts.intercom.total, 3, 'totals are kept a minute');
});

t.test('totals are null when the accounts refuse, the rest still answers; reads need a caller, a read token may', async (t) => {
  const s = await syncScenario(t, { contacts: true });
  await pairedContact(s, { email: 'dee@acme.test', name: 'Dee' });
  s.hubspot.control.addFault({ kind: '503', count: 50, pathPrefix: '/crm/objects/2026-09/contacts/search' });
  s.hubspot.control.addFault({ kind: '503', count: 50, pathPrefix: '/crm/objects/2026-09/companies/search' });
  s.intercom.control.faults.add({ kind: '503', count: 50, method: 'GET', pathPrefix: '/contacts' });
  const url = `/api/connections/${s.connectionId}/records/status`;
  const answer = await s.api('GET', url);
  t.equal(answer.status, 200);
  t.match(answer.body?.objects.contacts, { intercom: { total: null }, hubspot: { total: null }, paired: 1, inStep: 1 });
  t.equal(answer.body?.objects.companies.hubspot.total, null);

  t.equal((await s.server.fetch(url)).status, 401, 'no caller');
  const token = (await s.api('POST', '/api/tokens', { name: 'reader', scope: 'read' })).body?.secret as string;
  const asReader = (path: string, init: RequestInit = {}) => s.server.fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  t.equal((await asReader(url)).status, 200, 'a read token reads the counts');
  t.equal((await asReader(`/api/connections/${s.connectionId}/records/contacts/fields`)).status, 200, 'and the fields');
  const check = await asReader(`/api/connections/${s.connectionId}/records/contacts/mappings/check`, { method: 'POST', body: JSON.stringify({ mappings: [] }) });
  t.equal(check.status, 403, 'but not the mapping check (a POST)');
});

t.test('a record a filter keeps out is counted once as skipped by filter, and is not paired', async (t) => {
  const s = await syncScenario(t, { contacts: true });
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters = { toHubSpot: [{ field: 'email', operator: 'not_contains', value: '@internal.test' }], toIntercom: [], conversations: false };
  });
  await pairedContact(s, { email: 'kept@acme.test', name: 'Kept In' });
  const internal = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'qa@internal.test', name: 'QA Bot' });
  await until('the filtered sync to be recorded', async () => (await activity(s, 'contact')).find((entry) => entry.subject_id === String(internal.id) && entry.outcome === 'skipped'), ACTIVE);
  await settled(s);
  const contacts = (await s.api('GET', `/api/connections/${s.connectionId}/records/status`)).body?.objects.contacts;
  t.match(contacts, { paired: 1, inStep: 1, skippedByFilter24h: 1, failed24h: 0 }, 'the filtered contact is counted, unpaired');
});
