// Deals in the HubSpot simulator (#17 item 3): the object at the classic and 2026-09 paths, the
// stage-derived hs_is_closed / hs_is_closed_won, the default sales pipeline, the deal associations
// with HubSpot's type ids, and the deals scope.
import t from 'tap';
import { harness } from './helpers.ts';

const assoc = (id: string, typeId: number) => ({ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }] });

t.test('a deal is created, read and updated at both path forms; the closed flags follow its stage', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  const companyId = control.seedRecord({ objectType: 'companies', properties: { name: 'Acme' } });

  const created = await h.call('POST', '/crm/objects/2026-09/deals', {
    properties: { dealname: 'Renewal', amount: 1500.5, dealstage: 'appointmentscheduled', closedate: '2026-06-30T00:00:00Z' },
    associations: [assoc(contactId, 3), assoc(companyId, 341)],
  });
  t.equal(created.status, 201);
  t.match(created.body.id, /^5001\d{7}$/, "ids in the deals' own range");
  t.match(created.body.properties, { dealname: 'Renewal', amount: '1500.5', pipeline: 'default', dealstage: 'appointmentscheduled' }, 'the pipeline defaults to "default"');
  const id = created.body.id as string;

  const read = await h.call('GET', `/crm/v3/objects/deals/${id}`);
  t.same(Object.keys(read.body.properties).sort(), ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
    "the search guide's default deal properties");
  const flags = async () => (await h.call('GET', `/crm/objects/2026-09/deals/${id}?properties=hs_is_closed,hs_is_closed_won`)).body.properties;
  t.match(await flags(), { hs_is_closed: 'false', hs_is_closed_won: 'false' }, 'an open stage');

  t.equal((await h.call('PATCH', `/crm/objects/2026-09/deals/${id}`, { properties: { dealstage: 'closedwon' } })).status, 200);
  t.match(await flags(), { hs_is_closed: 'true', hs_is_closed_won: 'true' }, 'closed won: closed, at probability 1.0');
  await h.call('PATCH', `/crm/v3/objects/deals/${id}`, { properties: { dealstage: 'closedlost' } });
  t.match(await flags(), { hs_is_closed: 'true', hs_is_closed_won: 'false' }, 'closed lost: closed, not won');
  await h.call('PATCH', `/crm/v3/objects/deals/${id}`, { properties: { dealstage: 'contractsent' } });
  t.match(await flags(), { hs_is_closed: 'false', hs_is_closed_won: 'false' }, 'reopened');

  const history = await h.call('GET', `/crm/v3/objects/deals/${id}?propertiesWithHistory=hs_is_closed`);
  t.match(history.body.propertiesWithHistory.hs_is_closed[0], { value: 'false', sourceType: 'CALCULATED' }, 'HubSpot writes the flags itself');

  const batch = await h.call('POST', '/crm/objects/2026-09/deals/batch/read', { inputs: [{ id }], properties: ['amount', 'hs_is_closed'] });
  t.match(batch, { status: 200, body: { results: [{ id, properties: { amount: '1500.5', hs_is_closed: 'false' } }] } });
});

t.test('deal writes HubSpot refuses', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const noStage = await h.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'No stage' } });
  t.match(noStage, { status: 400, body: { category: 'VALIDATION_ERROR', message: 'Error creating DEAL.  Some required properties were not set.', context: { properties: ['dealstage'] } } });
  const otherPipeline = await h.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'x', dealstage: 'appointmentscheduled', pipeline: '0' } });
  t.match(otherPipeline.body.errors[0], { code: 'INVALID_OPTION', context: { propertyName: ['pipeline'] } }, "a ticket pipeline's id is no deal pipeline");
  const badStage = await h.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'x', dealstage: 'won' } });
  t.match(badStage.body.errors[0], { code: 'INVALID_OPTION', context: { propertyName: ['dealstage'] } });
  const badAmount = await h.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'x', dealstage: 'qualifiedtobuy', amount: 'lots' } });
  t.match(badAmount.body.errors[0], { code: 'INVALID_INTEGER', context: { propertyName: ['amount'] } });
  const calculated = await h.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'x', dealstage: 'qualifiedtobuy', hs_is_closed: 'true' } });
  t.match(calculated.body.errors[0], { code: 'READ_ONLY_VALUE', context: { propertyName: ['hs_is_closed'] } });
  const wrongType = await h.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'x', dealstage: 'qualifiedtobuy' }, associations: [assoc('10010000001', 4)] });
  t.equal(wrongType.status, 400, 'contact→deal (4) is not a type from a deal');
  t.equal(h.server.sim.control.records({ objectType: 'deals' }).length, 0, 'nothing was created');
});

t.test('the default deal pipeline', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const list = await h.call('GET', '/crm/pipelines/2026-09/deals');
  t.equal(list.status, 200);
  t.equal(list.body.results.length, 1);
  const pipeline = list.body.results[0];
  t.match(pipeline, { id: 'default', label: 'Sales Pipeline', createdAt: '1970-01-01T00:00:00Z' });
  t.same(pipeline.stages.map((s: { id: string; metadata: Record<string, string> }) => [s.id, s.metadata.isClosed, s.metadata.probability]), [
    ['appointmentscheduled', 'false', '0.2'], ['qualifiedtobuy', 'false', '0.4'], ['presentationscheduled', 'false', '0.6'],
    ['decisionmakerboughtin', 'false', '0.8'], ['contractsent', 'false', '0.9'], ['closedwon', 'true', '1.0'], ['closedlost', 'true', '0.0'],
  ]);
  t.equal((await h.call('GET', '/crm/v3/pipelines/deals/default/stages/closedwon')).body.label, 'Closed Won');
  t.equal((await h.call('GET', '/crm/v3/pipelines/tickets')).body.results[0].id, '0', 'ticket pipelines stay apart');
  t.equal((await h.call('GET', '/crm/v3/pipelines/deals/0')).status, 404, "the ticket pipeline's id is no deal pipeline");
});

t.test('deal associations: default type ids both ways, batch read at 2026-09', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  const companyId = control.seedRecord({ objectType: 'companies', properties: { name: 'Acme' } });
  const first = control.seedDeal({ properties: { dealname: 'One', dealstage: 'qualifiedtobuy' }, contactIds: [contactId], companyIds: [companyId] });
  const second = control.seedDeal({ properties: { dealname: 'Two', dealstage: 'closedwon' }, contactIds: [contactId] });
  t.same(control.record({ objectType: 'deals', id: first })?.associations, {
    contacts: [{ id: contactId, typeIds: [3] }], companies: [{ id: companyId, typeIds: [341] }],
  });

  const fromContact = await h.call('POST', '/crm/associations/2026-09/contacts/deals/batch/read', { inputs: [{ id: contactId }] });
  t.equal(fromContact.status, 200);
  t.same(fromContact.body.results[0].to, [
    { toObjectId: Number(first), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 4, label: null }] },
    { toObjectId: Number(second), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 4, label: null }] },
  ], 'contact→deal is type 4');
  const fromCompany = await h.call('POST', '/crm/associations/2026-09/companies/deals/batch/read', { inputs: [{ id: companyId }] });
  t.same(fromCompany.body.results[0].to, [{ toObjectId: Number(first), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 342, label: null }] }], 'company→deal is type 342');

  const primary = await h.call('PUT', `/crm/v4/objects/deals/${second}/associations/companies/${companyId}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }]);
  t.match(primary, { status: 201, body: { labels: ['Primary'] } }, 'deal→company primary is type 5');
  t.same(control.record({ objectType: 'companies', id: companyId })?.associations.deals?.find((a) => a.id === second)?.typeIds.sort((a, b) => a - b), [6, 342], 'its inverse is 6, with the unlabeled 342');

  const byDefault = await h.call('PUT', `/crm/objects/2026-09/companies/${companyId}/associations/default/deals/${second}`);
  t.equal(byDefault.status, 200);
  const wrong = await h.call('PUT', `/crm/v4/objects/contacts/${contactId}/associations/deals/${first}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }]);
  t.equal(wrong.status, 400, 'deal→contact (3) is not a type from a contact');
  t.equal((await h.call('GET', '/crm/v3/objects/deals?associations=contacts')).body.results[0].associations.contacts.results[0].type, 'deal_to_contact');
});

t.test('the deals scope is enforced like the other object scopes', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  const contactId = control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  const dealId = control.seedDeal({ properties: { dealname: 'One', dealstage: 'qualifiedtobuy' }, contactIds: [contactId] });
  const contactsOnly = control.createStaticToken({ scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
  const missing = { status: 403, body: { category: 'MISSING_SCOPES', errors: [{ context: { requiredGranularScopes: ['crm.objects.deals.read', 'crm.objects.deals.write'] } }] } };
  t.match(await h.call('GET', `/crm/objects/2026-09/deals/${dealId}`, undefined, contactsOnly), missing);
  t.match(await h.call('POST', '/crm/objects/2026-09/deals/batch/read', { inputs: [{ id: dealId }] }, contactsOnly), missing);
  t.match(await h.call('POST', '/crm/associations/2026-09/contacts/deals/batch/read', { inputs: [{ id: contactId }] }, contactsOnly), missing,
    'reading a contact\'s deals needs the deals scope too');
  t.match(await h.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'x', dealstage: 'qualifiedtobuy' } }, control.createStaticToken({ scopes: ['crm.objects.deals.read'] })),
    { status: 403, body: { errors: [{ context: { requiredGranularScopes: ['crm.objects.deals.write'] } }] } });
  const dealsRead = control.createStaticToken({ scopes: ['crm.objects.contacts.read', 'crm.objects.deals.read'] });
  t.equal((await h.call('POST', '/crm/associations/2026-09/contacts/deals/batch/read', { inputs: [{ id: contactId }] }, dealsRead)).status, 200);
  t.equal((await h.call('GET', '/crm/pipelines/2026-09/deals', undefined, dealsRead)).status, 200);
});

t.test('search finds open deals by the calculated flag', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const control = h.server.sim.control;
  const open = control.seedDeal({ properties: { dealname: 'Open', dealstage: 'presentationscheduled' } });
  control.seedDeal({ properties: { dealname: 'Won', dealstage: 'closedwon' } });
  const found = await h.call('POST', '/crm/objects/2026-09/deals/search', { filterGroups: [{ filters: [{ propertyName: 'hs_is_closed', operator: 'EQ', value: 'false' }] }] });
  t.match(found, { status: 200, body: { total: 1, results: [{ id: open }] } });
});
