// CRM objects, batch endpoints and associations: shapes, status codes and HubSpot's rules.
import t from 'tap';
import { harness, type Harness } from './helpers.ts';

const assoc = (id: string, typeId: number, category = 'HUBSPOT_DEFINED') => ({ to: { id }, types: [{ associationCategory: category, associationTypeId: typeId }] });

t.test('single-object endpoints', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const created = await h.call('POST', '/crm/objects/2026-09/contacts', { properties: { email: 'ana@acme.test', firstname: 'Ana', phone: 34600 } });
  t.equal(created.status, 201);
  t.equal(created.body.id, '10010000001', "deterministic numeric string ids, in the contacts' range of the first portal");
  const id = created.body.id as string;
  t.equal(created.body.properties.phone, '34600', 'values come back as strings');
  t.equal(created.body.createdAt, '2026-05-01T09:00:00Z', 'ISO timestamps drop a zero fraction');
  t.equal(created.headers.get('content-type'), 'application/json;charset=utf-8');

  const read = await h.call('GET', `/crm/v3/objects/contacts/${id}`);
  t.same(Object.keys(read.body.properties).sort(), ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
  t.equal(read.body.properties.lastname, null);
  const asked = await h.call('GET', `/crm/v3/objects/contacts/${id}?properties=phone,nonsense`);
  t.same(Object.keys(asked.body.properties).sort(), ['createdate', 'hs_object_id', 'lastmodifieddate', 'phone'], 'unknown requested properties are omitted');

  h.server.sim.control.clock.advance(1234);
  const patched = await h.call('PATCH', '/crm/v3/objects/contacts/ana%40acme.test?idProperty=email', { properties: { phone: '', lastname: 'Ruiz' } });
  t.equal(patched.status, 200);
  t.equal(patched.body.updatedAt, '2026-05-01T09:00:01.234Z');
  t.notOk('phone' in patched.body.properties, '"" clears a value');
  const unknown = await h.call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { favcolour: 'red' } });
  t.match(unknown, { status: 400, body: { category: 'VALIDATION_ERROR', errors: [{ code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['favcolour'] } }] } });
  t.match(unknown.body.message, /^Property values were not valid: \[/);
  t.match((await h.call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { hs_object_id: '5' } })).body.errors[0], { code: 'READ_ONLY_VALUE' });
  t.match((await h.call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { email: 'not an email' } })).body.errors[0], { code: 'INVALID_EMAIL' });
  t.match((await h.call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { lifecyclestage: 'wizard' } })).body.errors[0], { code: 'INVALID_OPTION' });

  t.match(await h.call('GET', '/crm/v3/objects/contacts/99999'), { status: 404, body: { message: 'resource not found' } });
  t.match(await h.call('GET', '/crm/v3/objects/contacts/abc'), { status: 404, body: { category: 'OBJECT_NOT_FOUND', context: { id: ['abc'] } } });
  // An object type the simulator does not serve (deals it does since #17).
  t.match(await h.call('GET', '/crm/v3/objects/line_items'), { status: 400, body: { message: 'Unable to infer object type from: line_items' } });
  const wrongMethod = await h.call('PUT', `/crm/v3/objects/contacts/${id}`, { properties: {} });
  t.equal(wrongMethod.status, 405);
  t.match(wrongMethod.headers.get('allow'), /PATCH/);
  t.equal(wrongMethod.body, undefined, '405 has an empty body');

  t.equal((await h.call('DELETE', `/crm/v3/objects/contacts/${id}`)).status, 204);
  t.equal((await h.call('GET', `/crm/v3/objects/contacts/${id}`)).status, 404, 'archived records are hidden');
  const archived = await h.call('GET', `/crm/v3/objects/contacts/${id}?archived=true`);
  t.match(archived.body, { archived: true, archivedAt: String });
  t.equal((await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ana@acme.test' } })).status, 201, 'an archived contact frees its email');
});

t.test('list paging', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  for (let i = 0; i < 12; i++) h.server.sim.control.seedRecord({ objectType: 'companies', properties: { name: `C${i}` } });
  const first = await h.call('GET', '/crm/v3/objects/companies');
  t.equal(first.body.results.length, 10, 'limit defaults to 10');
  t.equal(first.body.paging.next.after, '20010000011', 'the next page starts at the 11th company');
  const second = await h.call('GET', `/crm/v3/objects/companies?limit=10&after=${first.body.paging.next.after}`);
  t.same(second.body.results.map((r: { properties: { name: string } }) => r.properties.name), ['C10', 'C11']);
  t.notOk('paging' in second.body);
  t.equal((await h.call('GET', '/crm/v3/objects/companies?limit=101')).status, 400);
});

t.test('tickets and notes rules', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const noStage = await h.call('POST', '/crm/v3/objects/tickets', { properties: { subject: 'x' } });
  t.match(noStage, { status: 400, body: { category: 'VALIDATION_ERROR', context: { properties: ['hs_pipeline_stage'] } } });
  t.match((await h.call('POST', '/crm/v3/objects/tickets', { properties: { subject: 'x', hs_pipeline_stage: '9' } })).body.errors[0], { code: 'INVALID_OPTION' });
  const ticket = await h.call('POST', '/crm/v3/objects/tickets', { properties: { subject: 'x', hs_pipeline_stage: '1' } });
  t.match(ticket.body.properties, { hs_pipeline: '0', hs_ticket_id: ticket.body.id, hs_object_source: 'API' });
  const note = await h.call('POST', '/crm/v3/objects/notes', { properties: { hs_note_body: 'x' } });
  t.equal(note.body.message, 'Error creating NOTE.  Some required properties were not set.');
  const stamped = await h.call('POST', '/crm/v3/objects/notes', { properties: { hs_timestamp: String(Date.UTC(2026, 0, 1)), hs_note_body: 'x' } });
  t.equal(stamped.body.properties.hs_timestamp, '2026-01-01T00:00:00Z', 'epoch ms stored as ISO');
  const long = await h.call('POST', '/crm/v3/objects/notes', { properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_note_body: 'x'.repeat(65_537) } });
  t.equal(long.status, 400, 'note body over 65,536 characters');
});

t.test('batch endpoints', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const tooMany = await h.call('POST', '/crm/v3/objects/contacts/batch/create', { inputs: Array.from({ length: 101 }, (_, i) => ({ properties: { email: `x${i}@a.test` } })) });
  t.match(tooMany, { status: 400, body: { category: 'VALIDATION_ERROR' } });

  const allOrNothing = await h.call('POST', '/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { email: 'ok@a.test' } }, { properties: { nope: '1' } }] });
  t.equal(allOrNothing.status, 400);
  t.equal(h.server.sim.control.records({ objectType: 'contacts' }).length, 0, 'nothing written when one input fails');

  const partial = await h.call('POST', '/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { email: 'ok@a.test' }, objectWriteTraceId: 't1' }, { properties: { nope: '1' }, objectWriteTraceId: 't2' }] });
  t.equal(partial.status, 207, 'distinct trace ids enable partial success');
  t.equal(partial.body.results.length, 1);
  t.match(partial.body, { numErrors: 1, errors: [{ status: 'error', category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['t2'] } }] });
  const dated = await h.call('POST', '/crm/objects/2026-09/contacts/batch/create', { inputs: [{ properties: { email: 'ok2@a.test' }, objectWriteTraceId: 'a' }, { properties: { email: 'ok@a.test' }, objectWriteTraceId: 'b' }] });
  t.equal(dated.status, 201, '2026-09 keeps 201 and reports errors in the body');
  t.match(dated.body.errors[0], { category: 'CONFLICT', message: /Existing ID: \d+/ });

  const read = await h.call('POST', '/crm/v3/objects/contacts/batch/read', { properties: ['email'], inputs: [{ id: 'ok@a.test' }, { id: 'ghost@a.test' }], idProperty: 'email' });
  t.equal(read.status, 207);
  t.match(read.body.errors[0], { category: 'OBJECT_NOT_FOUND', context: { ids: ['ghost@a.test'] } });

  const byEmail = await h.call('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: 'ok@a.test', idProperty: 'email', properties: { firstname: 'X' } }] });
  t.match(byEmail, { status: 400, body: { message: 'Unable to perform update/upsert by non-unique 0-1 property' } });
  const upsert = await h.call('POST', '/crm/v3/objects/companies/batch/upsert', { inputs: [{ id: 'acme.test', idProperty: 'domain', properties: { name: 'Acme' } }] });
  t.equal(upsert.status, 400, 'domain is not a unique property');

  t.equal((await h.call('POST', '/crm/v3/objects/contacts/batch/archive', { inputs: [{ id: partial.body.results[0].id }] })).status, 204);
});

async function records(h: Harness) {
  const contact = (await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'c@a.test' } })).body.id as string;
  const a = (await h.call('POST', '/crm/v3/objects/companies', { properties: { name: 'A' } })).body.id as string;
  const b = (await h.call('POST', '/crm/v3/objects/companies', { properties: { name: 'B' } })).body.id as string;
  return { contact, a, b };
}

t.test('associations', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const { contact, a, b } = await records(h);
  const types = async (from: string, id: string, to: string) =>
    Object.fromEntries((await h.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`)).body.results.map((r: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [r.toObjectId, r.associationTypes.map((x) => x.typeId).sort((m, n) => m - n)]));

  const primaryA = await h.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${a}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
  t.equal(primaryA.status, 201);
  t.same(primaryA.body, { fromObjectTypeId: '0-1', fromObjectId: Number(contact), toObjectTypeId: '0-2', toObjectId: Number(a), labels: ['Primary'] });
  t.same(await types('companies', a, 'contacts'), { [contact]: [2, 280] }, 'the inverse edge exists');
  await h.call('PUT', `/crm/objects/2026-09/contacts/${contact}/associations/companies/${b}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
  t.same(await types('contacts', contact, 'companies'), { [a]: [279], [b]: [1, 279] }, 'a new primary moves off the old one');
  t.same(await types('companies', a, 'contacts'), { [contact]: [280] });

  await h.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${b}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }]);
  t.same(await types('contacts', contact, 'companies'), { [a]: [279], [b]: [279] }, 'labelled PUT replaces the labels');

  const wrong = await h.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${a}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 280 }]);
  t.match(wrong, { status: 400, body: { message: 'invalid from object type 0-1 for associations to be created. expected: 0-2' } });
  t.match(await h.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${a}`), { status: 400, body: { message: 'Invalid JSON input: a request body was expected, but none found' } });
  const ghost = await h.call('POST', '/crm/v3/objects/notes', { properties: { hs_timestamp: '2026-01-01T00:00:00Z' }, associations: [{ to: { id: '424242' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }] });
  t.match(ghost, { status: 400, body: { message: 'One or more associations are invalid' } });

  const label = await h.call('POST', '/crm/v4/associations/contacts/companies/labels', { name: 'billing', label: 'Billing contact', inverseLabel: 'Billed company' });
  const typeId = label.body.results[0].typeId as number;
  t.match(label.body.results[0], { category: 'USER_DEFINED', label: 'Billing contact' });
  await h.call('POST', '/crm/v4/associations/contacts/companies/batch/create', { inputs: [{ from: { id: contact }, to: { id: a }, types: [assoc(a, typeId, 'USER_DEFINED').types[0]] }] });
  t.same(await types('contacts', contact, 'companies'), { [a]: [279, typeId].sort((m, n) => m - n), [b]: [279] });
  const labels = await h.call('GET', '/crm/associations/v4/contacts/companies/labels');
  t.ok(labels.body.results.some((l: { typeId: number }) => l.typeId === typeId));

  await h.call('POST', '/crm/v4/associations/contacts/companies/batch/labels/archive', { inputs: [{ from: { id: contact }, to: { id: a }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }] });
  t.same(await types('contacts', contact, 'companies'), { [b]: [279] }, 'archiving the unlabeled type removes all');
  t.equal((await h.call('DELETE', `/crm/v4/objects/contacts/${contact}/associations/companies/${b}`)).status, 204);
  t.same(await types('companies', b, 'contacts'), {}, 'both directions go');

  const batchRead = await h.call('POST', '/crm/v4/associations/contacts/companies/batch/read', { inputs: [{ id: contact }] });
  t.equal(batchRead.status, 207, 'an id with nothing associated is an error');
  const def = await h.call('POST', '/crm/associations/2026-09/companies/contacts/batch/associate/default', { inputs: [{ from: { id: a }, to: { id: contact } }] });
  t.equal(def.status, 200);
  t.match(def.body.results[0], { associationSpec: { associationTypeId: 280 } });
  const again = await h.call('POST', '/crm/v4/associations/contacts/companies/batch/read', { inputs: [{ id: contact }] });
  t.match(again, { status: 200, body: { results: [{ from: { id: contact }, to: [{ toObjectId: Number(a) }] }] } });
  t.same(h.server.sim.control.record({ objectType: 'contacts', id: contact })?.associations, { companies: [{ id: a, typeIds: [279] }] });
});

t.test("ids of different object types and portals never collide, and another type's id is refused where one type's belongs", async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const { contact, a: company } = await records(h);
  const note = (await h.call('POST', '/crm/objects/2026-09/notes', { properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_note_body: 'n' } })).body.id as string;
  const ticket = (await h.call('POST', '/crm/objects/2026-09/tickets', { properties: { subject: 'x', hs_pipeline_stage: '1' } })).body.id as string;
  t.equal(new Set([contact, company, note, ticket]).size, 4, 'the first record of each type has its own id');
  for (const id of [contact, company, note, ticket]) t.match(id, /^\d+$/, 'ids stay numeric strings');
  const other = h.server.sim.control.createPortal();
  const elsewhere = h.server.sim.control.seedRecord({ hubId: other.hubId, objectType: 'contacts', properties: { email: 'c@a.test' } });
  t.not(elsewhere, contact, "another portal's first contact has another id");

  // A note put on a company by the contact's id: the contact is no company, so HubSpot's 400 for ids that do not exist (hubspot-api.md §11.4).
  const inline = await h.call('POST', '/crm/objects/2026-09/notes', { properties: { hs_timestamp: '2026-01-01T00:00:00Z' }, associations: [assoc(contact, 190)] });
  t.match(inline, { status: 400, body: { message: 'One or more associations are invalid', errors: [{ code: 'INVALID_OBJECT_IDS', context: { ids: [contact] } }] } });
  const put = await h.call('PUT', `/crm/objects/2026-09/notes/${note}/associations/default/companies/${contact}`);
  t.match(put, { status: 400, body: { message: 'One or more associations are invalid' } });
  const swappedFrom = await h.call('PUT', `/crm/objects/2026-09/companies/${contact}/associations/default/notes/${note}`);
  t.equal(swappedFrom.status, 400, 'a contact id as the company end is refused too');
  const batch = await h.call('POST', '/crm/associations/2026-09/notes/companies/batch/associate/default', { inputs: [{ from: { id: note }, to: { id: ticket } }] });
  t.equal(batch.status, 400, "a ticket's id as a company in a batch");
  t.same(h.server.sim.control.record({ objectType: 'notes', id: note })?.associations ?? {}, {}, 'nothing was associated');

  await h.call('PUT', `/crm/objects/2026-09/notes/${note}/associations/default/contacts/${contact}`);
  const read = await h.call('POST', '/crm/associations/2026-09/companies/notes/batch/read', { inputs: [{ id: contact }] });
  t.equal(read.status, 200, '2026-09 reports errors in a 200 body');
  t.same(read.body.results, [], "a contact's id read as a company finds nothing, although that contact has a note");
  t.match(read.body.errors, [{ category: 'OBJECT_NOT_FOUND', context: { fromObjectId: [contact] } }]);
});
