// Fidelity: HubSpot's official Node SDK, pointed at the simulator with `basePath`, performs the
// operations the product uses; the SDK's own deserialisers and status-code checks must accept
// every answer, and the parsed values are checked.
import t from 'tap';
import { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/AssociationSpec.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { startHubSpotSimulator } from '../../../src/sandbox/hubspot/index.ts';

const HUBSPOT_DEFINED = AssociationSpecAssociationCategoryEnum.HubspotDefined;

t.test('the official SDK drives the simulator', async (t) => {
  // About the SDK's (de)serialisers, not matching: search sees a write at once (the default lags 3 s).
  const server = await startHubSpotSimulator({ burstLimitPer10s: Infinity, searchLimitPerSecond: Infinity, searchIndexDelayMs: 0 });
  t.teardown(() => server.close());
  const token = server.sim.control.createStaticToken();
  const client = new Client({ accessToken: token, basePath: server.url });

  const contact = await client.crm.contacts.basicApi.create({ properties: { email: 'ana@acme.test', firstname: 'Ana', lastname: 'Ruiz' }, associations: [] });
  t.match(contact.id, /^\d+$/);
  t.equal(contact.properties.email, 'ana@acme.test');
  t.ok(contact.createdAt instanceof Date, 'createdAt parses as a date');
  t.equal(contact.archived, false);

  await t.test('409 on a duplicate email carries the existing id', async (t) => {
    const error = await client.crm.contacts.basicApi.create({ properties: { email: 'ana@acme.test' }, associations: [] }).then(() => null, (e: unknown) => e as { code: number; body: { message: string; category: string } });
    t.equal(error?.code, 409);
    t.equal(error?.body.category, 'CONFLICT');
    t.equal(/Existing ID: (\d+)/.exec(error?.body.message ?? '')?.[1], contact.id);
  });

  const company = await client.crm.companies.basicApi.create({
    properties: { name: 'Acme', domain: 'acme.test' },
    associations: [{ to: { id: contact.id }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 280 }] }],
  });
  const ticket = await client.crm.tickets.basicApi.create({
    properties: { subject: 'Refund', hs_pipeline: '0', hs_pipeline_stage: '1', hs_ticket_priority: 'HIGH' },
    associations: [{ to: { id: contact.id }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 16 }] }],
  });
  t.equal(ticket.properties.hs_pipeline_stage, '1');
  const note = await client.crm.objects.notes.basicApi.create({
    properties: { hs_timestamp: '2026-05-02T10:11:12Z', hs_note_body: '<p>Conversation</p>' },
    associations: [
      { to: { id: contact.id }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 202 }] },
      { to: { id: ticket.id }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 228 }] },
    ],
  });
  t.equal(note.properties.hs_timestamp, '2026-05-02T10:11:12Z');

  await t.test('get with associations, update, get by email', async (t) => {
    const read = await client.crm.contacts.basicApi.getById(contact.id, ['email', 'phone'], undefined, ['companies', 'notes', 'tickets']);
    t.equal(read.properties.phone, null, 'requested but unset is null');
    t.same(read.associations?.companies?.results.map((r) => r.id), [company.id]);
    t.same(read.associations?.notes?.results.map((r) => r.id), [note.id]);
    t.same(read.associations?.tickets?.results.map((r) => r.id), [ticket.id]);
    const updated = await client.crm.contacts.basicApi.update(contact.id, { properties: { phone: '+34 600' } });
    t.equal(updated.properties.phone, '+34 600');
    const byEmail = await client.crm.contacts.basicApi.getById('ana@acme.test', ['phone'], undefined, undefined, false, 'email');
    t.equal(byEmail.id, contact.id);
  });

  await t.test('search', async (t) => {
    const found = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: 'ANA@acme.test' }] }],
      properties: ['email', 'firstname'], sorts: [], limit: 10, after: '0',
    });
    t.equal(found.total, 1);
    t.equal(found.results[0]?.id, contact.id);
    t.equal(found.results[0]?.properties.firstname, 'Ana');
    const none = await client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: 'x@y.z' }] }], properties: [], sorts: [], limit: 10, after: '0' });
    t.equal(none.total, 0);
    t.same(none.results, []);
  });

  await t.test('batch create, read, update, upsert', async (t) => {
    const created = await client.crm.contacts.batchApi.create({ inputs: [{ properties: { email: 'b1@acme.test' }, associations: [] }, { properties: { email: 'b2@acme.test' }, associations: [] }] });
    t.equal(created.status, 'COMPLETE');
    t.equal(created.results.length, 2);
    const ids = created.results.map((r) => r.id);
    const read = await client.crm.contacts.batchApi.read({ inputs: ids.map((id) => ({ id })), properties: ['email'], propertiesWithHistory: [] });
    t.same(read.results.map((r) => r.properties.email).sort(), ['b1@acme.test', 'b2@acme.test']);
    const updated = await client.crm.contacts.batchApi.update({ inputs: [{ id: ids[0]!, properties: { firstname: 'Bea' } }] });
    t.equal(updated.results[0]?.properties.firstname, 'Bea');
    const upserted = await client.crm.contacts.batchApi.upsert({
      inputs: [{ id: 'b1@acme.test', idProperty: 'email', properties: { lastname: 'One' } }, { id: 'new@acme.test', idProperty: 'email', properties: { lastname: 'New' } }],
    });
    const byEmail = new Map(upserted.results.map((r) => [r.properties.email, r]));
    t.equal(byEmail.get('b1@acme.test')?._new, false);
    t.equal(byEmail.get('b1@acme.test')?.id, ids[0]);
    t.equal(byEmail.get('new@acme.test')?._new, true);
  });

  await t.test('associations v4', async (t) => {
    const other = await client.crm.companies.basicApi.create({ properties: { name: 'Other' }, associations: [] });
    const labelled = await client.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', other.id, [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 1 }]);
    t.equal(labelled.toObjectId, Number(other.id));
    t.same(labelled.labels, ['Primary']);
    const page = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    const types = new Map(page.results.map((r) => [String(r.toObjectId), r.associationTypes.map((a) => a.typeId).sort((a, b) => a - b)]));
    t.same(types.get(other.id), [1, 279], 'primary implies unlabeled');
    t.same(types.get(company.id), [279]);
    const def = await client.crm.associations.v4.basicApi.createDefault('notes', note.id, 'companies', company.id);
    t.equal(def.status, 'COMPLETE');
    const batch = await client.crm.associations.v4.batchApi.getPage('contacts', 'notes', { inputs: [{ id: contact.id }] });
    t.same(batch.results[0]?.to.map((x) => String(x.toObjectId)), [note.id]);
    await client.crm.associations.v4.basicApi.archive('contacts', contact.id, 'companies', other.id);
    const after = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    t.same(after.results.map((r) => String(r.toObjectId)), [company.id]);
  });

  await t.test('pipelines, owners, properties', async (t) => {
    const pipelines = await client.crm.pipelines.pipelinesApi.getAll('tickets');
    t.equal(pipelines.results[0]?.id, '0');
    t.same(pipelines.results[0]?.stages.map((s) => [s.id, s.metadata?.ticketState]), [['1', 'OPEN'], ['2', 'OPEN'], ['3', 'OPEN'], ['4', 'CLOSED']]);
    const owners = await client.crm.owners.ownersApi.getPage('agent@sim.test');
    t.equal(owners.results.length, 1);
    t.equal(owners.results[0]?.email, 'agent@sim.test');
    const owner = await client.crm.owners.ownersApi.getById(Number(owners.results[0]?.id));
    t.equal(owner.id, owners.results[0]?.id);
    const group = await client.crm.properties.groupsApi.create('contacts', { name: 'intercom_sync', label: 'Intercom sync', displayOrder: -1 });
    t.equal(group.name, 'intercom_sync');
    const property = await client.crm.properties.coreApi.create('contacts', {
      groupName: 'intercom_sync', name: 'intercom_user_id', label: 'Intercom user ID',
      type: 'string' as never, fieldType: 'text' as never, hasUniqueValue: true,
    });
    t.equal(property.hasUniqueValue, true);
    const all = await client.crm.properties.coreApi.getAll('contacts');
    t.ok(all.results.some((p) => p.name === 'intercom_user_id'));
    const withId = await client.crm.contacts.basicApi.create({ properties: { email: 'u@acme.test', intercom_user_id: 'u_1' }, associations: [] });
    const byUnique = await client.crm.contacts.basicApi.getById('u_1', ['email'], undefined, undefined, false, 'intercom_user_id');
    t.equal(byUnique.id, withId.id);
  });

  await t.test('notes update and archive', async (t) => {
    const updated = await client.crm.objects.notes.basicApi.update(note.id, { properties: { hs_note_body: '<p>v2</p>' } });
    t.equal(updated.properties.hs_note_body, '<p>v2</p>');
    await client.crm.objects.notes.basicApi.archive(note.id);
    const error = await client.crm.objects.notes.basicApi.getById(note.id).then(() => null, (e: unknown) => e as { code: number });
    t.equal(error?.code, 404);
  });
});

t.test('OAuth refresh and introspection through the SDK', async (t) => {
  const server = await startHubSpotSimulator();
  t.teardown(() => server.close());
  const { refreshToken } = server.sim.control.issueOAuthTokens({ scopes: ['crm.objects.contacts.read'] });
  const client = new Client({ basePath: server.url });
  const tokens = await client.oauth.tokensApi.create('refresh_token', undefined, undefined, 'sim-client-id', 'sim-client-secret', refreshToken);
  t.equal(tokens.expiresIn, 1800);
  t.equal(tokens.refreshToken, refreshToken, 'no rotation by default');
  const info = await client.oauth.accessTokensApi.get(tokens.accessToken);
  t.equal(info.hubId, server.sim.control.defaultHubId());
  t.ok(info.scopes.includes('crm.objects.contacts.read'));
  client.setAccessToken(tokens.accessToken);
  const page = await client.crm.contacts.basicApi.getPage();
  t.same(page.results, []);
  server.sim.control.revokeRefreshToken(refreshToken);
  const error = await client.oauth.tokensApi.create('refresh_token', undefined, undefined, 'sim-client-id', 'sim-client-secret', refreshToken).then(() => null, (e: unknown) => e as { code: number });
  t.equal(error?.code, 400);
});
