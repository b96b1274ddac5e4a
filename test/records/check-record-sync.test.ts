// checkRecordSync: what saving recordSync does before anything is stored (#17 items 4, 5) — type
// problems by key (400), fields created, a field that cannot be created for lack of a scope (409,
// naming the scope and the mapping), and accounts out of reach (saved, with a notice).
import t from 'tap';
import { checkRecordSync } from '../../src/records/check-record-sync.ts';
import { createFieldCatalogue } from '../../src/records/field-catalogue.ts';
import { RecordSyncSettings } from '../../src/records/field-mapping.ts';
import { UpstreamError } from '../../src/integrations/upstream-error.ts';
import { scopesWithout, startFieldSims } from './field-sims.ts';

const settings = (input: unknown) => RecordSyncSettings.parse(input);

t.test('only enabled objects are checked; a type mismatch names the key and nothing is created', async (t) => {
  const { sims, row, clients, calls } = await startFieldSims(t);
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'seats', model: 'company', dataType: 'integer' });
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const disabled = await checkRecordSync({ catalogue, clients }, row, settings({ companies: { mappings: [{ intercom: 'custom.seats', hubspot: 'nope', direction: 'to_hubspot' }] } }));
  t.same(disabled, { ok: true, checked: [], created: [], notices: [] }, 'a disabled object is not checked');

  const result = await checkRecordSync({ catalogue, clients }, row, settings({
    companies: {
      enabled: true,
      mappings: [
        { intercom: 'custom.seats', hubspot: 'name', direction: 'to_intercom' },
        { intercom: 'custom.seats', hubspot: 'intercom_seats', direction: 'to_hubspot', create: true },
      ],
    },
  }));
  t.match(result, {
    ok: false, status: 400, code: 'mapping_mismatch',
    problems: [{ path: 'recordSync.companies.mappings[2].hubspot', message: /HubSpot string value cannot go into an Intercom integer/ }],
    created: [],
  });
  t.notOk(calls().hubspot.some((call) => call.startsWith('POST')), 'no field created when a mapping does not fit');
});

t.test('a save is judged by the accounts as they are now, not by a cached list', async (t) => {
  const { sims, row, clients } = await startFieldSims(t);
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  await catalogue.fieldsOf(row, 'contacts');
  // Added in Intercom's settings just before saving.
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'plan', model: 'contact', dataType: 'string' });
  const result = await checkRecordSync({ catalogue, clients }, row, settings({ contacts: { enabled: true, mappings: [{ intercom: 'custom.plan', hubspot: 'jobtitle', direction: 'to_hubspot' }] } }));
  t.match(result, { ok: true, checked: ['contacts'] });
});

t.test('a property that needs a missing scope is a 409 naming the scope and the mapping', async (t) => {
  const { sims, row, clients } = await startFieldSims(t, { hubspotScopes: scopesWithout('crm.schemas.contacts.write') });
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'plan', model: 'contact', dataType: 'string' });
  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const result = await checkRecordSync({ catalogue, clients }, row, settings({
    contacts: {
      enabled: true,
      mappings: [
        { intercom: 'custom.hubspot_stage', hubspot: 'lifecyclestage', direction: 'to_intercom', create: true },
        { intercom: 'custom.plan', hubspot: 'intercom_plan', direction: 'to_hubspot', create: true },
      ],
    },
  }));
  t.match(result, {
    ok: false, status: 409, code: 'missing_scope',
    message: /recordSync\.contacts\.mappings\[4\]\.hubspot: .*crm\.schemas\.contacts\.write/,
    problems: [{ path: 'recordSync.contacts.mappings[4].hubspot', message: /'intercom_plan'.*crm\.schemas\.contacts\.write/ }],
    created: [{ mapping: 'recordSync.contacts.mappings[3]', vendor: 'intercom', name: 'hubspot_stage' }],
  });
});

t.test('accounts out of reach: saved with a notice, for reading and for creating alike', async (t) => {
  const { sims, row, clients } = await startFieldSims(t);
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'plan', model: 'contact', dataType: 'string' });
  const down = (path: string) => new UpstreamError({ service: 'hubspot', kind: 'network', status: null, method: 'GET', path });
  const unreadable = { intercom: clients.intercom, hubspot: () => ({ properties: { list: () => Promise.reject(down('/crm/properties')) } }) };
  const mappings = [{ intercom: 'custom.plan', hubspot: 'intercom_plan', direction: 'to_hubspot', create: true }];
  const read = await checkRecordSync({ catalogue: createFieldCatalogue({ clients: unreadable, now: () => 0 }), clients }, row, settings({ contacts: { enabled: true, mappings } }));
  t.match(read, { ok: true, checked: [], created: [], notices: [/contacts mappings could not be checked against the accounts now/] });

  const unwritable = {
    intercom: clients.intercom,
    hubspot: (connection: typeof row) => ({ properties: { ...clients.hubspot(connection).properties, create: () => Promise.reject(down('/crm/properties/contacts')) } }),
  };
  const write = await checkRecordSync({ catalogue: createFieldCatalogue({ clients, now: () => 0 }), clients: unwritable }, row, settings({ contacts: { enabled: true, mappings } }));
  t.match(write, { ok: true, checked: ['contacts'], created: [], notices: [/^recordSync\.contacts\.mappings\[3\]: creating the HubSpot contact property 'intercom_plan' could not be done now/] });

  // The list read for the check, but not again when the fields are to be made.
  const real = createFieldCatalogue({ clients, now: () => 0 });
  let reads = 0;
  const flaky = { forget: real.forget, fieldsOf: (connection: typeof row, object: 'contacts' | 'companies') => (++reads > 1 ? Promise.reject(down('/crm/properties')) : real.fieldsOf(connection, object)) };
  const late = await checkRecordSync({ catalogue: flaky, clients }, row, settings({ contacts: { enabled: true, mappings } }));
  t.match(late, { ok: true, checked: ['contacts'], created: [], notices: [/fields the contacts mappings create could not be made now/] });
});
