// The record sweeps (#17 items 6 and 11): a change whose webhook never came is brought over by the
// next sweep; Intercom's changed records are decided in batches, with HubSpot's batch read and
// batch update, and a record whose values are as last settled costs nothing more.
import t from 'tap';
import { RECORD_SWEEP_TASK } from '../../src/records/record-sweep.ts';
import { clearRequests, holdSweeps, hubspotRecord, intercomContact, pairedCompany, pairedContact, settled, syncScenario, ACTIVE } from '../helpers/record-sync-scenario.ts';
import type { Scenario } from '../helpers/capture-scenario.ts';
import { until } from '../helpers/until.ts';

async function sweep(s: Scenario, object: 'contacts' | 'companies', side: 'intercom' | 'hubspot'): Promise<void> {
  const db = s.server.daemon.db.kysely;
  const before = await db.selectFrom('record_sweep_state').select('last_run_at').where('connection_id', '=', s.connectionId).where('side', '=', side).executeTakeFirst();
  await s.server.daemon.jobs.cancelByKey(`record-sweep:${s.connectionId}:${object}:${side}`);
  await s.server.daemon.jobs.enqueue({ task: RECORD_SWEEP_TASK, payload: { object, side }, connectionId: s.connectionId, key: `record-sweep:${s.connectionId}:${object}:${side}` });
  await until(`the ${side} ${object} sweep to run`, async () => {
    const state = await db.selectFrom('record_sweep_state').select('last_run_at').where('connection_id', '=', s.connectionId).where('side', '=', side).executeTakeFirst();
    return state !== undefined && state.last_run_at !== before?.last_run_at;
  }, ACTIVE);
  await settled(s);
}

t.test('Intercom changes whose webhooks were lost reach HubSpot in one batch read and one batch update', async (t) => {
  const s = await syncScenario(t);
  await holdSweeps(s);
  const people = [];
  for (const name of ['Ada Byron', 'Bo Chen', 'Cy Diaz']) people.push(await pairedContact(s, { email: `${name.split(' ')[0]?.toLowerCase()}@acme.test`, name }));
  // Every Intercom delivery from now on is lost.
  s.intercom.control.webhooks.setFaultRates({ drop: 1 });
  s.intercom.control.contacts.update(people[0]!.intercomId, { name: 'Ada Lovelace' });
  s.intercom.control.contacts.update(people[1]!.intercomId, { name: 'Bo Chen-Li' });
  clearRequests(s);
  await sweep(s, 'contacts', 'intercom');

  t.equal(hubspotRecord(s, 'contacts', people[0]!.hubspotId)?.properties['lastname'], 'Lovelace');
  t.equal(hubspotRecord(s, 'contacts', people[1]!.hubspotId)?.properties['lastname'], 'Chen-Li');
  const calls = s.hubspot.control.requests().entries.filter((entry) => entry.path.includes('/objects/2026-09/contacts') && !entry.path.endsWith('/search')).map((entry) => `${entry.method} ${entry.path.replace(/.*\/contacts/, '/contacts')}`);
  t.same(calls, ['POST /contacts/batch/read', 'POST /contacts/batch/update'], 'the two changed contacts in one read and one write; the unchanged one costs nothing');
  const entries = await s.server.daemon.db.kysely.selectFrom('activity').select(['outcome', 'detail']).where('connection_id', '=', s.connectionId).where('kind', '=', 'contact').execute();
  t.equal(entries.filter((entry) => entry.outcome === 'updated' && (JSON.parse(entry.detail) as { trigger?: string }).trigger === 'sweep').length, 2, 'one activity entry per contact the sweep updated');

  clearRequests(s);
  await sweep(s, 'contacts', 'intercom');
  t.same(s.hubspot.control.requests().entries.filter((entry) => entry.path.includes('/objects/2026-09/contacts') && !entry.path.endsWith('/search')), [], 'a second sweep finds nothing new to write');
});

t.test("a HubSpot change whose webhook was lost reaches Intercom through the HubSpot sweep; our own writes are passed over", async (t) => {
  const s = await syncScenario(t);
  await holdSweeps(s);
  const ana = await pairedContact(s, { email: 'ana@acme.test', name: 'Ana Ruiz' });
  const ben = await pairedContact(s, { email: 'ben@acme.test', name: 'Ben Ode' });
  s.hubspot.control.unsubscribeWebhooks(s.hubId);
  // HubSpot's search shows a change after a moment (hubspot-api.md §10); the sweep's overlap covers
  // that in production, here the index is made immediate.
  s.hubspot.control.setSettings({ searchIndexDelayMs: 0 });
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: ana.hubspotId, properties: { phone: '+34911222333' } });
  clearRequests(s);
  await sweep(s, 'contacts', 'hubspot');
  await until('Intercom to have the phone', () => intercomContact(s, ana.intercomId)?.['phone'] === '+34911222333', ACTIVE);
  const reads = s.intercom.control.requests.counts();
  t.equal(reads['PUT /contacts/:contact_id'], 1, 'one write to Intercom');
  t.equal(reads['GET /contacts/:contact_id'], 1, 'only the changed contact is read (Ben, unchanged since it was synced, costs nothing)');
  t.equal(intercomContact(s, ben.intercomId)?.['name'], 'Ben Ode');
});

t.test("an Intercom contact's paired company becomes its HubSpot company (memberships ↔ associations)", async (t) => {
  const s = await syncScenario(t, { contacts: true, companies: true });
  const company = await pairedCompany(s, { name: 'Umbrella Ltd', website: 'https://umbrella.test' });
  const person = await pairedContact(s, { email: 'eve@umbrella.test', name: 'Eve Moss' });
  s.intercom.control.contacts.attachCompany(person.intercomId, company.intercomId);
  const synced = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/intercom/${person.intercomId}/sync`, {});
  t.equal(synced.status, 200, JSON.stringify(synced.body));
  const companies = hubspotRecord(s, 'contacts', person.hubspotId)?.associations['companies'] ?? [];
  t.ok(companies.some((association) => association.id === company.hubspotId), 'the HubSpot contact is associated with the paired company');
  clearRequests(s);
  await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/intercom/${person.intercomId}/sync`, {});
  t.equal(s.hubspot.control.requests().entries.filter((entry) => entry.method === 'PUT' && entry.path.includes('/associations/')).length, 0, 'a confirmed association is not asked for again');
});

t.test('a HubSpot contact added to a paired company joins that company in Intercom', async (t) => {
  const s = await syncScenario(t, { contacts: true, companies: true });
  const company = await pairedCompany(s, { name: 'Initech', website: 'https://initech.test' });
  const person = await pairedContact(s, { email: 'peter@initech.test', name: 'Peter Gibbons' });
  // As an integration (or a person) would in HubSpot: the association fires contact.associationChange.
  await s.server.daemon.clients.hubspot(await s.row()).associations.createDefault('contacts', person.hubspotId, 'companies', company.hubspotId);
  await until('the Intercom contact to join the company', () => {
    const companies = (intercomContact(s, person.intercomId)?.['companies'] as { data?: Array<{ id: string }> } | undefined)?.data ?? [];
    return companies.some((entry) => entry.id === company.intercomId);
  }, ACTIVE);
  await settled(s);
  const entries = await s.server.daemon.db.kysely.selectFrom('activity').select(['reason', 'detail']).where('connection_id', '=', s.connectionId).where('kind', '=', 'contact').execute();
  t.ok(entries.some((entry) => (entry.reason ?? '').startsWith('joined 1 paired company in Intercom')), 'the activity says so');
  t.equal(s.intercom.control.requests.counts()['POST /contacts/:contact_id/companies'], 1, 'joined once');
});

t.test("the Intercom companies sweep stands aside while a companies backfill scrolls (Intercom keeps one scroll per app)", async (t) => {
  const s = await syncScenario(t, { contacts: true, companies: true });
  await holdSweeps(s);
  const db = s.server.daemon.db.kysely;
  // A running backfill, as far as the sweep can tell (no page job: the test only needs the row).
  const now = Date.now();
  await db.insertInto('backfills').values({ id: 'bf-1', connection_id: s.connectionId, kind: 'companies', direction: 'to_hubspot', state: 'running', started_at: now, updated_at: now }).execute();
  clearRequests(s);
  await sweep(s, 'companies', 'intercom');
  t.notOk(s.intercom.control.requests.counts()['GET /companies/scroll'], 'no scroll is opened beside the backfill\'s');

  await db.updateTable('backfills').set({ state: 'done', finished_at: now }).where('id', '=', 'bf-1').execute();
  clearRequests(s);
  await sweep(s, 'companies', 'intercom');
  t.ok(s.intercom.control.requests.counts()['GET /companies/scroll'], 'with the backfill done, the sweep scrolls again');
});

t.test('a company attached in Intercom whose webhook was lost: the sweep associates the paired contact with the paired company', async (t) => {
  const s = await syncScenario(t, { contacts: true, companies: true });
  await holdSweeps(s);
  const company = await pairedCompany(s, { name: 'Initech', website: 'https://initech.test' });
  const person = await pairedContact(s, { email: 'peter@initech.test', name: 'Peter Gibbons' });
  s.intercom.control.webhooks.setFaultRates({ drop: 1 });
  s.intercom.control.contacts.attachCompany(person.intercomId, company.intercomId);
  clearRequests(s);
  await sweep(s, 'contacts', 'intercom');
  const companies = hubspotRecord(s, 'contacts', person.hubspotId)?.associations['companies'] ?? [];
  t.ok(companies.some((association) => association.id === company.hubspotId), 'the HubSpot contact is associated with the paired company');
  clearRequests(s);
  await sweep(s, 'contacts', 'intercom');
  t.notOk(s.hubspot.control.requests().entries.some((entry) => entry.path.includes('/associate/')), 'a second sweep associates nothing again');
});
