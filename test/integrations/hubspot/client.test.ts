// Typed calls against the simulator on the 2026-09 paths: objects, search paging, batches, notes
// and tickets with associations, pipelines, owners, properties, error descriptions.
import t from 'tap';
import { describeHubSpotError, existingIdOf } from '../../../src/integrations/hubspot/errors.ts';
import { collect } from '../../../src/integrations/hubspot/paginate.ts';
import { CrmObject, Owner } from '../../../src/integrations/hubspot/schemas.ts';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';
import { assertLogClean, log, setup } from './helpers.ts';

const BODY_MARKER = 'note-body-text-7f1e2d';

t.test('contacts and companies: create, get, search with paging, batch read/upsert/create/update', async (t) => {
  // About the client's calls, not matching: search sees a write at once (the default lags 3 s).
  const env = await setup(t, { sim: { searchIndexDelayMs: 0 } });
  await env.storeOAuth();
  const hs = env.client();
  const control = env.sim.sim.control;
  for (let i = 0; i < 25; i++) control.seedRecord({ objectType: 'contacts', properties: { email: `p${i}@paging.test`, firstname: `P${i}` } });

  const ana = await hs.contacts.create({ properties: { email: 'ana@acme.test', firstname: 'Ana' } });
  t.match(ana, { id: /^\d+$/, properties: { email: 'ana@acme.test' } });
  t.equal((await hs.contacts.get(ana.id, { properties: ['email', 'firstname'] })).properties.firstname, 'Ana');
  t.equal((await hs.contacts.get('ana@acme.test', { idProperty: 'email' })).id, ana.id, 'get by idProperty');

  control.clearRequests();
  const found = await collect(hs.contacts.search({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@paging.test' }] }], limit: 10 }));
  t.equal(found.length, 25, 'the async iterator follows `after` across pages');
  t.equal(control.requests().entries.filter((e) => e.path === '/crm/objects/2026-09/contacts/search').length, 3, 'three pages, dated path');
  const firstTwo = await collect(hs.contacts.search({ limit: 2 }), 2);
  t.equal(firstTwo.length, 2, 'stopping early fetches no further page');

  const listed = await collect(hs.contacts.list({ limit: 10 }));
  t.equal(listed.length, 26);

  const read = await hs.contacts.batchRead([ana.id, '999999'], { properties: ['email'] });
  t.equal(read.results.length, 1);
  t.equal(read.results[0]?.properties.email, 'ana@acme.test');

  const upserted = await hs.contacts.batchUpsert([
    { id: 'ana@acme.test', idProperty: 'email', properties: { lastname: 'Ruiz' } },
    { id: 'new@acme.test', idProperty: 'email', properties: { firstname: 'New' } },
  ]);
  t.equal(upserted.results.length, 2);
  t.same(upserted.results.map((r) => r.new).sort(), [false, true], 'upsert reports which are new');

  const companies = await hs.companies.batchCreate([{ properties: { name: 'Acme', domain: 'acme.test' } }, { properties: { name: 'Beta', domain: 'beta.test' } }]);
  t.equal(companies.results.length, 2);
  const updated = await hs.companies.batchUpdate(companies.results.map((c) => ({ id: c.id, properties: { name: `${c.properties.name} Ltd` } })));
  t.same(updated.results.map((c) => c.properties.name).sort(), ['Acme Ltd', 'Beta Ltd']);
  const acme = await hs.companies.update(companies.results[0]!.id, { domain: 'acme.example' });
  t.equal(acme.properties.domain, 'acme.example');
  t.equal((await hs.companies.get(acme.id)).id, acme.id);
  const byDomain = await collect(hs.companies.search({ filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: 'acme.example' }] }] }));
  t.same(byDomain.map((c) => c.id), [acme.id]);

  // 409 duplicate: kind conflict, the existing id readable, HubSpot's words kept.
  const duplicate = await hs.contacts.create({ properties: { email: 'ana@acme.test' } }).catch((e: unknown) => e);
  t.ok(duplicate instanceof UpstreamError);
  t.match((duplicate as UpstreamError).details, { kind: 'conflict', status: 409, code: 'CONFLICT', vendorMessage: /Existing ID: \d+/, requestId: /\S+/ });
  t.equal(existingIdOf(duplicate), ana.id);
  // As a job handler would: the error, serialised whole, goes to the log.
  log.warn({ err: duplicate }, 'contact create refused');

  const missing = await hs.contacts.get('123456789').catch((e: unknown) => e);
  t.match((missing as UpstreamError).details, { kind: 'not_found', status: 404 });
});

t.test('notes, tickets, associations, pipelines', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hs = env.client();
  const contact = await hs.contacts.create({ properties: { email: 'tess@acme.test' } });
  const company = await hs.companies.create({ properties: { name: 'Acme' } });

  const pipelines = await hs.pipelines.list();
  t.ok(pipelines.length >= 1);
  const pipeline = pipelines[0]!;
  const stages = await hs.pipelines.stages(pipeline.id);
  t.ok(stages.length >= 2);
  t.equal((await hs.pipelines.get(pipeline.id)).id, pipeline.id);

  // hubspot-api.md §11.3: ticket→contact 16; §9: note→contact 202, note→ticket 228.
  const ticket = await hs.tickets.create({
    properties: { subject: 'Refund', hs_pipeline: pipeline.id, hs_pipeline_stage: stages[0]!.id },
    associations: [{ to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 16 }] }],
  });
  const moved = await hs.tickets.update(ticket.id, { hs_pipeline_stage: stages[1]!.id });
  t.equal(moved.properties.hs_pipeline_stage, stages[1]!.id);

  const note = await hs.notes.create({
    properties: { hs_timestamp: new Date().toISOString(), hs_note_body: `<p>${BODY_MARKER}</p>` },
    associations: [
      { to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] },
      { to: { id: ticket.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 228 }] },
    ],
  });
  const edited = await hs.notes.update(note.id, { hs_note_body: `<p>${BODY_MARKER} edited</p>` });
  t.match(edited.properties.hs_note_body, /edited/);
  const record = env.sim.sim.control.record({ objectType: 'notes', id: note.id });
  t.same(Object.keys(record?.associations ?? {}).sort(), ['contacts', 'tickets'], 'note created with its associations');

  const def = await hs.associations.createDefault('contacts', contact.id, 'companies', company.id);
  t.equal(def.status, 'COMPLETE');
  const labelled = await hs.associations.createLabelled('contacts', contact.id, 'companies', company.id, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
  t.equal(labelled.toObjectId, company.id);
  const linked = await collect(hs.associations.list('contacts', contact.id, 'companies'));
  t.equal(linked[0]?.toObjectId, company.id);
  t.ok(linked[0]?.associationTypes.some((a) => a.typeId === 1), 'labelled type listed');
  const fromTicket = await collect(hs.associations.list('tickets', ticket.id, 'contacts'));
  t.same(fromTicket.map((a) => a.toObjectId), [contact.id]);
  await hs.associations.batchCreateDefault('tickets', 'companies', [{ from: ticket.id, to: company.id }]);
  t.same((await collect(hs.associations.list('tickets', ticket.id, 'companies'))).map((a) => a.toObjectId), [company.id]);
});

t.test('owners (active and archived), properties and groups', async (t) => {
  const env = await setup(t);
  await env.storeOAuth();
  const hs = env.client();
  const control = env.sim.sim.control;
  for (let i = 0; i < 3; i++) control.addOwner({ email: `agent${i}@acme.test`, firstName: `A${i}` });
  control.addOwner({ email: 'gone@acme.test', archived: true });

  const active = await collect(hs.owners.list());
  t.ok(active.some((o) => o.email === 'agent2@acme.test'));
  t.notOk(active.some((o) => o.email === 'gone@acme.test'));
  const all = await collect(hs.owners.listAll());
  const gone = all.find((o) => o.email === 'gone@acme.test');
  t.ok(gone?.archived, 'archived owners listed too');
  t.equal((await hs.owners.get(gone!.id, { archived: true })).email, 'gone@acme.test');
  t.equal((await collect(hs.owners.list({ email: 'agent1@acme.test' }))).length, 1);

  const groups = await hs.properties.listGroups('contacts');
  t.ok(groups.length > 0);
  const group = await hs.properties.createGroup('contacts', { name: 'intercom_sync', label: 'Intercom sync' });
  t.equal(group.name, 'intercom_sync');
  const prop = await hs.properties.create('contacts', { name: 'intercom_user_id', label: 'Intercom user ID', type: 'string', fieldType: 'text', groupName: 'intercom_sync', hasUniqueValue: true });
  t.equal(prop.name, 'intercom_user_id');
  t.ok((await hs.properties.list('contacts')).some((p) => p.name === 'intercom_user_id'));
  const again = await hs.properties.create('contacts', { name: 'intercom_user_id', label: 'x', type: 'string', fieldType: 'text', groupName: 'intercom_sync' }).catch((e: unknown) => e);
  t.match((again as UpstreamError).details, { kind: 'conflict', code: 'CONFLICT' });
});

t.test('vendor enum values we do not know never fail validation', async (t) => {
  t.ok(Owner.safeParse({ id: '1', type: 'ROBOT', archived: false, createdAt: 'x', updatedAt: 'y' }).success);
  t.ok(CrmObject.safeParse({ id: '1', properties: { a: null }, createdAt: 'x', updatedAt: 'y', archived: false, newField: { deep: true } }).success);
});

t.test('error descriptions: 429 policy, OAuth refusals, scopes, bodies of any shape', async (t) => {
  t.match(describeHubSpotError(429, { 'x-hubspot-correlation-id': 'c-1' }, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING', correlationId: 'c-2' }),
    { code: 'TEN_SECONDLY_ROLLING', requestId: 'c-1', vendorMessage: /ten_secondly_rolling/ });
  t.match(describeHubSpotError(400, {}, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked', status: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid, expired or revoked' }),
    { kind: 'unauthorized', code: 'BAD_REFRESH_TOKEN' });
  t.match(describeHubSpotError(403, {}, { status: 'error', message: 'no', correlationId: 'c', category: 'MISSING_SCOPES', errors: [{ message: 'x', context: { requiredGranularScopes: ['tickets', 'crm.objects.owners.read'] } }] }),
    { code: 'MISSING_SCOPES', missingScopes: ['tickets', 'crm.objects.owners.read'] });
  t.match(describeHubSpotError(400, {}, { status: 'error', message: 'Property values were not valid', category: 'VALIDATION_ERROR', subCategory: 'SOMETHING_NEW', errors: 'not-an-array' }),
    { code: 'VALIDATION_ERROR', vendorMessage: 'Property values were not valid' });
  t.same(describeHubSpotError(502, {}, { unparsed: '<html>Bad Gateway</html>' }), { requestId: undefined, vendorMessage: '<html>Bad Gateway</html>' });
  t.same(describeHubSpotError(500, {}, undefined), { requestId: undefined, vendorMessage: undefined });
});

t.test('the captured log of this file holds no token, secret or body text', async (t) => {
  assertLogClean(t, [BODY_MARKER]);
});
