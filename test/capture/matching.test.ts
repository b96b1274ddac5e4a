// Matching against the simulated HubSpot: phone with a tie-break said in the activity log, leads
// without email by their own rule, companies without a website, free-mail domains never a company,
// a remembered record deleted in HubSpot, and a lead merged into a user in Intercom.
import t from 'tap';
import { captureScenario } from '../helpers/capture-scenario.ts';

t.test('phone strategy: two HubSpot contacts share the number; the oldest wins and the activity says so', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.matching.contacts.strategies = [
      { type: 'phone', enabled: true, defaultCountry: 'DE' },
      { type: 'email', enabled: false },
    ];
  });
  const older = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'old@elsewhere.test', phone: '+49301234567' } });
  s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'new@elsewhere.test', phone: '+49301234567' } });
  const customer = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'caller@acme.test', name: 'Caller', phone: '030 1234567' });
  const { conversationId } = s.conversation({ contactId: String(customer.id) });
  const result = await s.push(conversationId);
  t.match(result.body, { outcome: 'captured', contact: { id: older, how: 'phone', tieBreak: /2 HubSpot contacts match/ } });
  const activity = await s.api('GET', `/api/connections/${s.connectionId}/activity`);
  t.match(activity.body?.entries[0].detail, { contact: { id: older, tieBreak: /chose/ } });
});

t.test('leads without email: match_only skips with the rule named; create makes a contact from name and phone', async (t) => {
  const s = await captureScenario(t);
  const lead = s.intercom.control.contacts.create(s.workspaceId, { role: 'lead', name: 'Anonymous Visitor', phone: '+4915112345678' });
  const { conversationId } = s.conversation({ contactId: String(lead.id) });
  const skipped = await s.push(conversationId);
  t.match(skipped.body, { outcome: 'skipped', contact: { id: null, skipped: /leadsWithoutEmail is 'match_only'/ } });
  await s.setSettings((settings) => void (settings.matching.contacts.leadsWithoutEmail = 'create'));
  const created = await s.push(conversationId);
  t.match(created.body, { outcome: 'captured', contact: { how: 'created' } });
  t.match(s.records('contacts')[0]?.properties, { firstname: 'Anonymous', lastname: 'Visitor', phone: '+4915112345678' });
});

t.test('a company without a website takes its domain from the customer email; a free-mail domain never', async (t) => {
  const s = await captureScenario(t);
  const work = s.conversation({ customer: 'lea@initech.test', company: { name: 'Initech', website: null } });
  t.match((await s.push(work.conversationId)).body, { outcome: 'captured', company: { how: 'created' } });
  t.match(s.records('companies')[0]?.properties, { name: 'Initech', domain: 'initech.test' });
  const gmail = s.conversation({ customer: 'someone@gmail.com', company: { name: 'Freelancer Co', website: null } });
  t.match((await s.push(gmail.conversationId)).body, { outcome: 'captured', company: { how: 'created' } });
  const freelancer = s.records('companies').find((company) => company.properties.name === 'Freelancer Co');
  t.notOk(freelancer?.properties.domain, 'gmail.com is not the company domain');
});

t.test('a contact deleted in HubSpot after it was linked: the next capture matches afresh', async (t) => {
  const s = await captureScenario(t);
  const first = s.conversation({ customer: 'mia@acme.test' });
  const captured = await s.push(first.conversationId);
  const oldContact = captured.body?.contact.id as string;
  const client = s.server.daemon.clients.hubspot(await s.row());
  await client.http.send({ method: 'DELETE', path: `/crm/objects/2026-09/contacts/${oldContact}` });
  const second = s.conversation({ contactId: first.contactId });
  const result = await s.push(second.conversationId);
  t.equal(result.status, 200, JSON.stringify(result.body));
  t.match(result.body, { outcome: 'captured', contact: { how: 'created' } });
  t.not(result.body?.contact.id, oldContact, 'a new contact, not the deleted one');
  t.equal(s.notes().filter((note) => note.associations.contacts?.[0]?.id === result.body?.contact.id).length, 1);
});

t.test('a lead merged into a user in Intercom: the conversation lands on the user', async (t) => {
  const s = await captureScenario(t);
  const lead = s.intercom.control.contacts.create(s.workspaceId, { role: 'lead', email: 'visitor@acme.test', name: 'Visitor' });
  const user = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'known.user@acme.test', name: 'Known User' });
  const { conversationId } = s.conversation({ contactId: String(lead.id) });
  s.intercom.control.contacts.merge(String(lead.id), String(user.id));
  const result = await s.push(conversationId);
  t.match(result.body, { outcome: 'captured', contact: { created: true } });
  t.equal(s.records('contacts')[0]?.properties.email, 'known.user@acme.test');
});

t.test('external id strategy: an Intercom attribute matched against a HubSpot property', async (t) => {
  const s = await captureScenario(t);
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  await hubspot.properties.create('contacts', { name: 'customer_number', label: 'Customer number', type: 'string', fieldType: 'text', groupName: 'contactinformation' });
  const known = s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'billing@another-domain.test', customer_number: 'C-4711' } });
  await s.setSettings((settings) => {
    settings.matching.contacts.strategies = [
      { type: 'external_id', enabled: true, pairs: [{ intercom: 'custom_attributes.customer_number', hubspot: 'customer_number' }] },
      { type: 'email', enabled: true },
    ];
  });
  const customer = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'new.person@acme.test', name: 'New Person', customAttributes: { customer_number: 'C-4711' } });
  const { conversationId } = s.conversation({ contactId: String(customer.id) });
  const result = await s.push(conversationId);
  t.match(result.body, { outcome: 'captured', contact: { id: known, how: 'external_id', created: false } });
  t.equal(s.records('contacts').length, 1, 'no contact created for the new email: the customer number found them');
});
