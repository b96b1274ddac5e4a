// What a two-way contact and company sync needs from the simulator (#17 item 12): values checked
// against each property's type and options, single and batch updates that move the modified date,
// per-property history with its writer, and property-change webhooks that say who changed what.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { harness } from './helpers.ts';

t.test('values are checked against the property type and options', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const id = h.server.sim.control.seedRecord({ objectType: 'companies', properties: { name: 'Acme', domain: 'acme.test' } });
  const path = `/crm/objects/2026-09/companies/${id}`;

  const text = await h.call('PATCH', path, { properties: { numberofemployees: 'abc' } });
  t.match(text, { status: 400, body: { category: 'VALIDATION_ERROR', errors: [{ code: 'INVALID_INTEGER', message: 'abc was not a valid number.', context: { propertyName: ['numberofemployees'] } }] } });
  const items = JSON.parse(text.body.message.replace(/^Property values were not valid: /, ''));
  t.match(items, [{ isValid: false, error: 'INVALID_INTEGER', name: 'numberofemployees', propertyValue: 'abc', portalId: h.server.sim.control.defaultHubId() }], 'the message carries the refused value');
  t.match((await h.call('PATCH', path, { properties: { annualrevenue: '1e6' } })).body.errors, [{ code: 'INVALID_INTEGER' }], 'no exponent notation');
  t.equal((await h.call('PATCH', path, { properties: { numberofemployees: 250, annualrevenue: '1200000.50' } })).status, 200, 'numbers as JSON numbers or decimal strings');

  const option = await h.call('PATCH', path, { properties: { industry: 'WIZARDRY' } });
  t.match(option.body.errors, [{ code: 'INVALID_OPTION', context: { propertyName: ['industry'] } }]);
  t.match(option.body.errors[0].message, /^WIZARDRY was not one of the allowed options: \[ACCOUNTING, /);
  t.match((await h.call('PATCH', path, { properties: { plan_type: 'pro' } })).body.errors, [{ code: 'PROPERTY_DOESNT_EXIST' }]);
  const two = await h.call('PATCH', path, { properties: { numberofemployees: 'many', industry: 'nope', name: 'Acme Inc' } });
  t.same(two.body.errors.map((e: { code: string }) => e.code), ['INVALID_INTEGER', 'INVALID_OPTION'], 'every bad value is named');
  t.equal(h.server.sim.control.record({ objectType: 'companies', id })?.properties.name, 'Acme', 'and nothing is written');

  const contact = h.server.sim.control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  t.match((await h.call('PATCH', `/crm/v3/objects/contacts/${contact}`, { properties: { hs_lead_status: 'HOT' } })).body.errors, [{ code: 'INVALID_OPTION' }]);
});

t.test('single and batch update keep the modified date', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const { control } = h.server.sim;
  const contact = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test', firstname: 'Ana' } });
  const companies = [control.seedRecord({ objectType: 'companies', properties: { name: 'A' } }), control.seedRecord({ objectType: 'companies', properties: { name: 'B' } })];

  control.clock.advance(60_000);
  const patched = await h.call('PATCH', `/crm/objects/2026-09/contacts/${contact}`, { properties: { jobtitle: 'CTO' } });
  t.match(patched.body, { updatedAt: '2026-05-01T09:01:00Z', properties: { lastmodifieddate: '2026-05-01T09:01:00Z', jobtitle: 'CTO' } });

  control.clock.advance(60_000);
  const batch = await h.call('POST', '/crm/objects/2026-09/companies/batch/update', { inputs: companies.map((id, i) => ({ id, properties: { city: `City ${i}` } })) });
  t.equal(batch.status, 200);
  t.same(batch.body.results.map((r: { properties: { hs_lastmodifieddate: string } }) => r.properties.hs_lastmodifieddate), ['2026-05-01T09:02:00Z', '2026-05-01T09:02:00Z'], 'companies: hs_lastmodifieddate');
  t.match(batch.body, { status: 'COMPLETE', startedAt: String, completedAt: String });

  const bad = await h.call('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: companies[0], properties: { city: 'X' } }, { id: companies[1], properties: { numberofemployees: 'x' } }] });
  t.match(bad, { status: 400, body: { category: 'VALIDATION_ERROR', errors: [{ code: 'INVALID_INTEGER' }] } }, 'one bad input refuses the batch');
  t.equal(control.record({ objectType: 'companies', id: companies[0]! })?.properties.city, 'City 0', 'nothing written');

  const dup = await h.call('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: companies[0], properties: { city: 'X' } }, { id: companies[0], properties: { city: 'Y' } }] });
  t.match(dup, { status: 400, body: { category: 'VALIDATION_ERROR', message: `Duplicate IDs found in batch input: [${companies[0]}]. IDs must be unique`, context: { ids: [companies[0]] } } });
  const tooMany = await h.call('POST', '/crm/v3/objects/companies/batch/update', { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i + 1), properties: {} })) });
  t.match(tooMany, { status: 400, body: { category: 'VALIDATION_ERROR' } }, 'at most 100 inputs');
});

t.test('propertiesWithHistory: each value with its time and writer, newest first', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const { control } = h.server.sim;
  const created = await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ana@acme.test', firstname: 'Ana' } });
  const id = created.body.id as string;
  control.clock.advance(1000);
  await h.call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { firstname: 'Anna' } });
  control.clock.advance(1000);
  const owner = control.addOwner({ email: 'rep@sim.test', firstName: 'Rep' });
  const asUser = control.updateRecordAsUser({ objectType: 'contacts', id, properties: { firstname: 'Annabel' }, ownerEmail: 'rep@sim.test' });
  t.equal(asUser.properties.firstname, 'Annabel');
  t.equal(asUser.properties.lastmodifieddate, '2026-05-01T09:00:02Z', 'a person’s edit moves the modified date too');

  const read = await h.call('GET', `/crm/objects/2026-09/contacts/${id}?propertiesWithHistory=firstname,email,lastname,ghost`);
  const appId = String(read.body.propertiesWithHistory.email[0].sourceId);
  t.match(appId, /^\d+$/, 'an app writes as INTEGRATION with its app id');
  t.same(read.body.propertiesWithHistory.firstname, [
    { value: 'Annabel', timestamp: '2026-05-01T09:00:02Z', sourceType: 'CRM_UI', sourceId: `userId:${owner.userId}`, updatedByUserId: owner.userId },
    { value: 'Anna', timestamp: '2026-05-01T09:00:01Z', sourceType: 'INTEGRATION', sourceId: appId },
    { value: 'Ana', timestamp: '2026-05-01T09:00:00Z', sourceType: 'INTEGRATION', sourceId: appId },
  ]);
  t.same(read.body.propertiesWithHistory.lastname, [], 'an unset property has no versions');
  t.notOk('ghost' in read.body.propertiesWithHistory, 'unknown names are left out');
  t.same(Object.keys(read.body.properties).sort(), ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'], 'properties keep their defaults');

  const batch = await h.call('POST', '/crm/v3/objects/contacts/batch/read', { properties: ['firstname'], propertiesWithHistory: ['firstname'], inputs: [{ id }] });
  t.same(batch.body.results[0].propertiesWithHistory.firstname.map((v: { value: string }) => v.value), ['Annabel', 'Anna', 'Ana']);
  const many = Array.from({ length: 51 }, () => ({ id }));
  t.match(await h.call('POST', '/crm/v3/objects/contacts/batch/read', { propertiesWithHistory: ['firstname'], inputs: many }), { status: 400, body: { category: 'VALIDATION_ERROR', message: /for property histories is 50/ } }, 'histories: at most 50 inputs');
  t.equal((await h.call('POST', '/crm/v3/objects/contacts/batch/read', { properties: ['firstname'], inputs: many })).status, 200, 'without histories, up to 100');
  const list = await h.call('GET', '/crm/v3/objects/contacts?propertiesWithHistory=firstname');
  t.equal(list.body.results[0].propertiesWithHistory.firstname.length, 3);
  t.notOk('propertiesWithHistory' in (await h.call('GET', `/crm/v3/objects/contacts/${id}`)).body, 'only when asked');

  control.clock.advance(5000);
  const search = await h.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: id }] }], propertiesWithHistory: ['firstname'] });
  t.equal(search.body.results.length, 1);
  t.notOk('propertiesWithHistory' in search.body.results[0], 'search does not return history');
});

async function receiver() {
  const bodies: Array<Array<Record<string, unknown>>> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<Record<string, unknown>>);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, events: () => bodies.flat(), close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

t.test('property-change webhooks say who changed the value, in both subscription forms', async (t) => {
  const target = await receiver();
  t.teardown(target.close);
  const h = await harness();
  t.teardown(() => h.server.close());
  const { control } = h.server.sim;
  control.subscribeWebhooks({
    targetUrl: target.url,
    subscriptions: [
      { eventType: 'contact.propertyChange', propertyName: 'jobtitle' },
      { eventType: 'object.propertyChange', objectTypeId: '0-2', propertyName: 'city' },
      { eventType: 'contact.creation' }, { eventType: 'object.creation', objectTypeId: '0-2' },
      { eventType: 'contact.merge' }, { eventType: 'object.merge', objectTypeId: '0-2' },
    ],
  });
  const contact = (await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ana@acme.test' } })).body.id as string;
  const other = (await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ana2@acme.test' } })).body.id as string;
  const company = (await h.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme' } })).body.id as string;
  const company2 = (await h.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme 2' } })).body.id as string;
  await h.call('PATCH', `/crm/v3/objects/contacts/${contact}`, { properties: { jobtitle: 'CTO' } });
  await h.call('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: company, properties: { city: 'Lisbon' } }] });
  control.updateRecordAsUser({ objectType: 'contacts', id: contact, properties: { jobtitle: 'CEO' } });
  control.updateRecordAsUser({ objectType: 'companies', id: company, properties: { city: 'Porto' } });
  await h.call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: contact, objectIdToMerge: other });
  await h.call('POST', '/crm/v3/objects/companies/merge', { primaryObjectId: company, objectIdToMerge: company2 });
  await control.webhooksIdle();

  const events = target.events();
  const byType = (type: string) => events.filter((e) => e.subscriptionType === type);
  t.equal(byType('contact.creation').length, 2);
  t.match(byType('object.creation'), [{ objectTypeId: '0-2', objectId: Number(company), changeFlag: 'CREATED', changeSource: 'INTEGRATION' }, { objectId: Number(company2) }]);

  // updateRecordAsUser edits as the portal's first owner unless told otherwise.
  const firstUser = [...h.server.sim.state.portals.get(control.defaultHubId())!.owners.values()][0]!;
  t.match(byType('contact.propertyChange'), [
    { objectId: Number(contact), propertyName: 'jobtitle', propertyValue: 'CTO', changeSource: 'INTEGRATION', sourceId: /^\d+$/ },
    { objectId: Number(contact), propertyName: 'jobtitle', propertyValue: 'CEO', changeSource: 'CRM_UI', sourceId: `userId:${firstUser.userIdIncludingInactive}` },
  ]);
  t.notOk(byType('contact.propertyChange').some((e) => e.propertyName === 'email'), 'only the subscribed property');
  t.match(byType('object.propertyChange'), [
    { objectTypeId: '0-2', objectId: Number(company), propertyName: 'city', propertyValue: 'Lisbon', changeSource: 'INTEGRATION' },
    { objectTypeId: '0-2', objectId: Number(company), propertyName: 'city', propertyValue: 'Porto', changeSource: 'CRM_UI' },
  ]);
  t.match(byType('contact.merge'), [{ primaryObjectId: Number(contact), mergedObjectIds: [Number(other)], newObjectId: Number(contact) }]);
  t.match(byType('object.merge'), [{ objectTypeId: '0-2', primaryObjectId: Number(company), mergedObjectIds: [Number(company2)] }]);
});

t.test('records created as a person, and values HubSpot derives itself', async (t) => {
  const target = await receiver();
  t.teardown(target.close);
  const h = await harness();
  t.teardown(() => h.server.close());
  const { control } = h.server.sim;
  control.subscribeWebhooks({ targetUrl: target.url, subscriptions: [{ eventType: 'contact.creation' }, { eventType: 'contact.propertyChange', propertyName: 'notes_last_updated' }] });
  const made = control.createRecordAsUser({ objectType: 'contacts', properties: { email: 'ana@acme.test', firstname: 'Ana' } });
  const note = await h.call('POST', '/crm/v3/objects/notes', {
    properties: { hs_timestamp: '2026-05-01T08:00:00Z', hs_note_body: 'x' },
    associations: [{ to: { id: made.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
  });
  t.equal(note.status, 201);
  await control.webhooksIdle();
  const events = target.events();
  t.match(events.find((e) => e.subscriptionType === 'contact.creation'), { objectId: Number(made.id), changeSource: 'CRM_UI', sourceId: /^userId:\d+$/ });
  t.match(events.find((e) => e.subscriptionType === 'contact.propertyChange'), { propertyName: 'notes_last_updated', changeSource: 'CALCULATED' }, 'a logged note dates the contact as HubSpot, not as the app');
  const read = await h.call('GET', `/crm/v3/objects/contacts/${made.id}?propertiesWithHistory=firstname,notes_last_updated`);
  t.match(read.body.propertiesWithHistory, { firstname: [{ value: 'Ana', sourceType: 'CRM_UI' }], notes_last_updated: [{ value: '2026-05-01T08:00:00Z', sourceType: 'CALCULATED' }] });
  t.equal((await h.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ana@acme.test' }] }] })).body.total, 0, 'a fresh write waits for the search index');
});

t.test('association changes between contacts and companies fire on both sides', async (t) => {
  const target = await receiver();
  t.teardown(target.close);
  const h = await harness();
  t.teardown(() => h.server.close());
  const { control } = h.server.sim;
  control.subscribeWebhooks({ targetUrl: target.url, subscriptions: [{ eventType: 'contact.associationChange' }, { eventType: 'object.associationChange', objectTypeId: '0-2' }] });
  const contact = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  const company = control.seedRecord({ objectType: 'companies', properties: { name: 'Acme' } });
  await h.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/companies/${company}`);
  await h.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${company}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
  await h.call('DELETE', `/crm/v4/objects/contacts/${contact}/associations/companies/${company}`);
  await h.call('DELETE', `/crm/v4/objects/contacts/${contact}/associations/companies/${company}`);
  await h.call('POST', '/crm/v3/objects/notes', {
    properties: { hs_timestamp: '2026-05-01T08:00:00Z', hs_note_body: 'x' },
    associations: [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
  });
  await control.webhooksIdle();
  const events = target.events();
  const contactSide = events.filter((e) => e.subscriptionType === 'contact.associationChange');
  t.match(contactSide, [
    { associationType: 'CONTACT_TO_COMPANY', fromObjectId: Number(contact), toObjectId: Number(company), associationRemoved: false, isPrimaryAssociation: false, changeSource: 'INTEGRATION' },
    { associationType: 'CONTACT_TO_COMPANY', associationRemoved: false, isPrimaryAssociation: true },
    { associationType: 'CONTACT_TO_COMPANY', associationRemoved: true },
  ]);
  t.equal(contactSide.length, 3, 'removing a pair that is gone fires nothing; a note fires nothing');
  t.notOk('objectId' in contactSide[0]!, 'the two ends replace objectId');
  t.match(events.filter((e) => e.subscriptionType === 'object.associationChange'), [
    { objectTypeId: '0-2', associationType: 'COMPANY_TO_CONTACT', fromObjectId: Number(company), toObjectId: Number(contact), associationRemoved: false },
    { objectTypeId: '0-2', associationType: 'COMPANY_TO_CONTACT' },
    { objectTypeId: '0-2', associationType: 'COMPANY_TO_CONTACT', associationRemoved: true },
  ]);
});

t.test('the control API edits as a person over HTTP', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const { control } = h.server.sim;
  const id = control.seedRecord({ objectType: 'companies', properties: { name: 'Acme' } });
  const hub = control.defaultHubId();
  const edit = (body: unknown) => fetch(`${h.server.url}/_sim/portals/${hub}/records/companies/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ok = await edit({ properties: { industry: 'BANKING' } });
  t.equal(ok.status, 200);
  t.match(await ok.json(), { properties: { industry: 'BANKING' } });
  t.equal((await edit({ properties: { industry: 'WIZARDRY' } })).status, 400, 'the UI refuses what the API refuses');
  const history = await h.call('GET', `/crm/v3/objects/companies/${id}?propertiesWithHistory=industry`);
  t.match(history.body.propertiesWithHistory.industry, [{ value: 'BANKING', sourceType: 'CRM_UI', sourceId: /^userId:\d+$/ }]);
});
