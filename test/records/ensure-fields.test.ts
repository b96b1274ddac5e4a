// Missing fields created on request (#17 item 5), against both simulators through the real clients:
// the HubSpot property in the "Interhubz" group with the counterpart type and options, the Intercom
// data attribute likewise; once; a lost race is success; a missing scope is named.
import t from 'tap';
import { ensureMappedFields, PROPERTY_GROUP } from '../../src/records/ensure-fields.ts';
import { createFieldCatalogue } from '../../src/records/field-catalogue.ts';
import type { FieldMapping } from '../../src/records/field-mapping.ts';
import { UpstreamError } from '../../src/integrations/upstream-error.ts';
import { scopesWithout, startFieldSims } from './field-sims.ts';

const map = (intercom: string, hubspot: string, direction: FieldMapping['direction'], create = true): FieldMapping =>
  direction === 'both' ? { intercom, hubspot, direction, onConflict: 'newest_wins', create } : { intercom, hubspot, direction, create };

t.test('a missing HubSpot property is created in the Interhubz group with the counterpart type and options', async (t) => {
  const { sims, row, clients } = await startFieldSims(t);
  const control = sims.intercom.sim.control;
  control.dataAttributes.create(sims.workspaceId, { name: 'plan_type', model: 'contact', dataType: 'string', options: ['free', 'pro'] });
  control.dataAttributes.create(sims.workspaceId, { name: 'seats', model: 'contact', dataType: 'integer' });
  control.dataAttributes.create(sims.workspaceId, { name: 'trial', model: 'contact', dataType: 'boolean' });
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const mappings = [
    map('email', 'email', 'to_hubspot', false),
    map('custom.plan_type', 'intercom_plan', 'to_hubspot'),
    map('custom.seats', 'intercom_seats', 'both'),
    map('custom.trial', 'intercom_trial', 'to_hubspot'),
    map('signed_up_at', 'intercom_signed_up', 'to_hubspot'),
    map('custom.plan_type', 'city', 'to_hubspot'),
  ];
  const result = await ensureMappedFields({ clients, catalogue }, row, 'contacts', mappings);
  t.same(result.problems, []);
  t.same(result.created.map((c) => [c.index, c.vendor, c.name, c.type.type]), [
    [1, 'hubspot', 'intercom_plan', 'enumeration'],
    [2, 'hubspot', 'intercom_seats', 'number'],
    [3, 'hubspot', 'intercom_trial', 'bool'],
    [4, 'hubspot', 'intercom_signed_up', 'datetime'],
  ], 'only missing fields, each with the type that matches Intercom\'s');

  const properties = new Map((await clients.hubspot(row).properties.list('contacts')).map((p) => [p.name, p]));
  t.match(properties.get('intercom_plan'), { type: 'enumeration', fieldType: 'select', groupName: PROPERTY_GROUP.name, label: 'Intercom plan', options: [{ value: 'free' }, { value: 'pro' }] });
  t.match(properties.get('intercom_seats'), { type: 'number', fieldType: 'number', groupName: 'interhubz' });
  t.match(properties.get('intercom_trial'), { type: 'bool', fieldType: 'booleancheckbox' });
  t.match(properties.get('intercom_signed_up'), { type: 'datetime', fieldType: 'date' });
  const groups = await clients.hubspot(row).properties.listGroups('contacts');
  t.match(groups.find((g) => g.name === 'interhubz'), { label: 'Interhubz' }, 'the group was created');

  const fields = await catalogue.fieldsOf(row, 'contacts');
  t.ok(fields.hubspot.has('intercom_plan'), 'the catalogue forgot its stale answer');
  const again = await ensureMappedFields({ clients, catalogue }, row, 'contacts', mappings);
  t.same(again, { created: [], problems: [] }, 'created once: a second run finds them all');
});

t.test('a missing Intercom attribute is created, a list one from an enumeration, and for a derived value', async (t) => {
  const { row, clients } = await startFieldSims(t);
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const result = await ensureMappedFields({ clients, catalogue }, row, 'contacts', [
    map('custom.hubspot_lifecycle_stage', 'lifecyclestage', 'to_intercom'),
    map('custom.hubspot_owner_name', '@owner.name', 'to_intercom'),
    map('custom.hubspot_created', 'createdate', 'to_intercom'),
  ]);
  t.same(result.problems, []);
  t.same(result.created.map((c) => [c.vendor, c.name, c.type.type]), [
    ['intercom', 'hubspot_lifecycle_stage', 'string'],
    ['intercom', 'hubspot_owner_name', 'string'],
    ['intercom', 'hubspot_created', 'date'],
  ]);
  const attributes = new Map((await clients.intercom(row).listDataAttributes('contact')).map((a) => [a.name, a]));
  t.match(attributes.get('hubspot_lifecycle_stage'), { data_type: 'string', custom: true, options: ['subscriber', 'lead'] });
  t.match(attributes.get('hubspot_created'), { data_type: 'date' });
  t.equal((await clients.intercom(row).listDataAttributes('company')).filter((a) => a.custom).length, 0, 'contact attributes, not company ones');
});

t.test('a create that lost a race counts as done and the catalogue is refreshed', async (t) => {
  const { sims, row, clients } = await startFieldSims(t);
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'tier', model: 'company', dataType: 'string' });
  await catalogue.fieldsOf(row, 'companies');
  // Someone else creates both fields after the catalogue read: our creates meet "already exists".
  await clients.hubspot(row).properties.createGroup('companies', { name: 'interhubz', label: 'Interhubz' });
  await clients.hubspot(row).properties.create('companies', { name: 'intercom_tier', label: 'Tier', type: 'string', fieldType: 'text', groupName: 'interhubz' });
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'hs_revenue', model: 'company', dataType: 'float' });
  const result = await ensureMappedFields({ clients, catalogue }, row, 'companies', [
    map('custom.tier', 'intercom_tier', 'to_hubspot'),
    map('custom.hs_revenue', 'annualrevenue', 'to_intercom'),
  ]);
  t.same(result, { created: [], problems: [] }, 'HubSpot 409 and Intercom\'s "You already have" are success');
  const fields = await catalogue.fieldsOf(row, 'companies');
  t.ok(fields.hubspot.has('intercom_tier') && fields.intercomCustom.has('hs_revenue'), 'forgotten, so read again');
});

t.test('an Intercom name taken by the other model\'s attribute is a refusal, not this field existing', async (t) => {
  const { sims, row, clients } = await startFieldSims(t);
  // Intercom's names are unique across contacts and companies (S14 POST /data_attributes examples).
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'tier', model: 'company', dataType: 'string' });
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const result = await ensureMappedFields({ clients, catalogue }, row, 'contacts', [map('custom.tier', 'lifecyclestage', 'to_intercom')]);
  t.same(result.created, []);
  t.match(result.problems, [{ index: 0, vendor: 'intercom', kind: 'refused', message: /'tier' was refused: You already have 'tier' in your company data/ }]);
});

t.test('a missing schema scope is named on the mapping; nothing is created', async (t) => {
  const { sims, row, clients } = await startFieldSims(t, { hubspotScopes: scopesWithout('crm.schemas.companies.write') });
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'tier', model: 'company', dataType: 'string' });
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const result = await ensureMappedFields({ clients, catalogue }, row, 'companies', [map('name', 'name', 'both', false), map('custom.tier', 'intercom_tier', 'to_hubspot')]);
  t.same(result.created, []);
  t.match(result.problems, [{ index: 1, vendor: 'hubspot', kind: 'missing_scope', scope: 'crm.schemas.companies.write', message: /intercom_tier.*crm\.schemas\.companies\.write/ }]);
});

t.test('a field with no other side to take its type from, and a refusal, are problems of their mapping', async (t) => {
  const { row, clients } = await startFieldSims(t);
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const result = await ensureMappedFields({ clients, catalogue }, row, 'contacts', [
    map('custom.nowhere', 'nothing_here', 'both'),
    map('custom.bad name!', 'lifecyclestage', 'to_intercom'),
    map('custom.fine', 'email', 'to_intercom'),
  ]);
  t.match(result.problems, [
    { index: 0, kind: 'no_type', message: /neither 'custom\.nowhere'.*nor 'nothing_here'/ },
    { index: 1, vendor: 'intercom', kind: 'refused', message: /'bad name!' was refused: .*alphanumeric/ },
  ]);
  t.same(result.created.map((c) => c.index), [2], 'the others are still created');
});

t.test('no answer from a vendor is an unreachable problem, not a refusal', async (t) => {
  const { row, clients } = await startFieldSims(t);
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const down = new UpstreamError({ service: 'intercom', kind: 'network', status: null, method: 'POST', path: '/data_attributes' });
  const writers = { hubspot: clients.hubspot, intercom: () => ({ createDataAttribute: () => Promise.reject(down) }) };
  const result = await ensureMappedFields({ clients: writers, catalogue }, row, 'contacts', [map('custom.owner', '@owner.email', 'to_intercom')]);
  t.match(result.problems, [{ index: 0, vendor: 'intercom', kind: 'unreachable' }]);
});
