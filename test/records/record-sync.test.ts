// Contact and company sync end to end against the simulators (#17 items 1, 6, 7, 8, 9, 13): a change
// on one side reaches the other through the webhook, a keyed job and one update call, and our own
// write coming back is recognised and not written again.
import t from 'tap';
import { ACTIVE, activity, holdSweeps, hubspotWrites, intercomContact, intercomWrites, INTERCOM_CONTACT_UPDATE, pairOf, settled, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

t.test('a new Intercom user becomes a paired HubSpot contact, and a name change there is one HubSpot write and none back', async (t) => {
  const s = await syncScenario(t);
  await holdSweeps(s);
  const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'rosa@acme.test', name: 'Rosa Diaz', phone: '+4930123456' });
  const contactId = String(contact.id);
  const pair = await until('the contact to be paired', () => pairOf(s, contactId), ACTIVE);
  const hubspotContact = s.hubspot.control.record({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspot_id });
  t.equal(hubspotContact?.properties['email'], 'rosa@acme.test');
  t.equal(hubspotContact?.properties['firstname'], 'Rosa');
  t.equal(hubspotContact?.properties['lastname'], 'Diaz');
  await settled(s);

  s.hubspot.control.clearRequests();
  s.intercom.control.requests.clear();
  s.intercom.control.contacts.update(contactId, { name: 'Rosa María Diaz' });
  await until('HubSpot to have the new name', () => s.hubspot.control.record({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspot_id })?.properties['lastname'] === 'María Diaz', ACTIVE);
  await settled(s);
  t.equal(hubspotWrites(s, 'contacts'), 1, 'one write to HubSpot');
  t.equal(intercomWrites(s, INTERCOM_CONTACT_UPDATE), 0, 'nothing written back to Intercom');
  // The record sweeps (a chore queues them every minute) search; the change itself reads and writes by id.
  const contactCalls = s.hubspot.control.requests().entries.filter((entry) => entry.path.includes('/objects/2026-09/contacts') && !entry.path.endsWith('/search'));
  t.same(contactCalls.map((entry) => entry.method), ['GET', 'PATCH'], 'one read and one write; the echo of the write costs no HubSpot call');
  const entries = await activity(s, 'contact');
  const updated = entries.filter((entry) => entry.outcome === 'updated');
  t.ok(updated.length >= 1, 'an activity entry says the contact was updated');
  const detail = JSON.parse(updated.at(-1)?.detail ?? '{}') as { written?: Array<{ intercom: string; direction: string }>; hubspotId?: string };
  t.same(detail.written?.map((field) => `${field.intercom} ${field.direction}`), ['name to_hubspot']);
  t.equal(detail.hubspotId, pair.hubspot_id);
});

t.test('a phone changed in HubSpot by a person reaches Intercom once, and the echo is not written back', async (t) => {
  const s = await syncScenario(t);
  await holdSweeps(s);
  const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'li@acme.test', name: 'Li Wei' });
  const contactId = String(contact.id);
  const pair = await until('the contact to be paired', () => pairOf(s, contactId), ACTIVE);
  await settled(s);
  s.hubspot.control.clearRequests();
  s.intercom.control.requests.clear();

  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspot_id, properties: { phone: '+441234567890' } });
  await until('Intercom to have the phone', () => intercomContact(s, contactId)?.['phone'] === '+441234567890', ACTIVE);
  await settled(s);
  t.equal(intercomWrites(s, INTERCOM_CONTACT_UPDATE), 1, 'one write to Intercom');
  t.equal(hubspotWrites(s, 'contacts'), 0, 'nothing written back to HubSpot');
  const { 'POST /contacts/search': _swept, ...byId } = s.intercom.control.requests.counts();
  t.same(byId, { 'GET /contacts/:contact_id': 1, 'PUT /contacts/:contact_id': 1 }, 'one read and one write; the echo of the write costs no Intercom call');
});

t.test('dry run: field by field what would be written, and nothing is', async (t) => {
  const s = await syncScenario(t);
  const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'noor@acme.test', name: 'Noor Haddad' });
  const contactId = String(contact.id);
  const pair = await until('the contact to be paired', () => pairOf(s, contactId), ACTIVE);
  await settled(s);
  // Changed in HubSpot with its webhook lost: only the dry run looks.
  s.hubspot.control.unsubscribeWebhooks(s.hubId);
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspot_id, properties: { lastname: 'Haddad-Said' } });
  s.hubspot.control.clearRequests();
  const path = `/api/connections/${s.connectionId}/records/contacts/hubspot/${pair.hubspot_id}/sync`;
  const dry = await s.api('POST', path, { dryRun: true });
  t.equal(dry.status, 200, JSON.stringify(dry.body));
  const fields = (dry.body?.['pairs'] as Array<{ fields: Array<Record<string, unknown>> }>)[0]?.fields ?? [];
  const name = fields.find((field) => field['intercom'] === 'name');
  t.same({ action: name?.['action'], from: name?.['from'], to: name?.['to'] }, { action: 'write_intercom', from: 'Noor Haddad', to: 'Noor Haddad-Said' });
  t.equal(hubspotWrites(s, 'contacts'), 0, 'the dry run wrote nothing to HubSpot');

  const unknown = await s.api('POST', `/api/connections/${s.connectionId}/records/deals/hubspot/1/sync`, { dryRun: true });
  t.equal(unknown.status, 404);
  const bad = await s.api('POST', path, { dryRun: 'yes' });
  t.equal(bad.status, 400);
});

t.test("a person's Intercom change in the same second as Interhubz's own write is synced, not taken for its echo", async (t) => {
  const s = await syncScenario(t);
  await holdSweeps(s);
  const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'sam@acme.test', name: 'Sam Same' });
  const contactId = String(contact.id);
  const pair = await until('the contact to be paired', () => pairOf(s, contactId), ACTIVE);
  await settled(s);
  // Intercom's updated_at counts seconds: with its clock held, our write and the person's edit share one.
  s.intercom.control.clock.set(s.intercom.control.clock.now());
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspot_id, properties: { phone: '+4915112345678' } });
  await until('Interhubz to write the phone to Intercom', () => intercomContact(s, contactId)?.['phone'] === '+4915112345678', ACTIVE);
  const writtenAt = intercomContact(s, contactId)?.['updated_at'];
  s.intercom.control.contacts.update(contactId, { name: 'Sam Second' });
  t.equal(intercomContact(s, contactId)?.['updated_at'], writtenAt, 'the same updated_at as our write');
  await until("HubSpot to have the person's new name", () => s.hubspot.control.record({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspot_id })?.properties['lastname'] === 'Second', ACTIVE);
  t.pass('synced live');
});
