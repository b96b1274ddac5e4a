// The live field catalogue: each account's custom Intercom attributes and HubSpot properties with
// their types and options, read through the real clients from the simulators, cached five minutes.
import t from 'tap';
import { z } from 'zod';
import { createFieldCatalogue, hubspotFieldType } from '../../src/records/field-catalogue.ts';
import { startFieldSims } from './field-sims.ts';

const MINUTE = 60_000;

t.test('the Intercom client lists data attributes and creates typed and list ones', async (t) => {
  const { row, clients } = await startFieldSims(t);
  const intercom = clients.intercom(row);
  const plain = await intercom.createDataAttribute({ name: 'seats', model: 'company', data_type: 'integer', description: 'Seats bought' });
  t.match(plain, { name: 'seats', data_type: 'integer', custom: true, model: 'company' });
  const list = await intercom.createDataAttribute({ name: 'tier', model: 'contact', data_type: 'string', options: ['gold', 'silver'] });
  t.match(list, { name: 'tier', data_type: 'string', options: ['gold', 'silver'], custom: true });

  const contact = await intercom.listDataAttributes('contact');
  t.ok(contact.some((a) => a.name === 'email' && a.custom === false), 'standard attributes are listed too');
  t.match(contact.find((a) => a.name === 'tier'), { custom: true, options: ['gold', 'silver'] });
  t.notOk(contact.some((a) => a.name === 'seats'), 'a company attribute is not a contact one');
});

t.test('fieldsOf gives custom Intercom attributes and HubSpot properties with types and options', async (t) => {
  const { sims, row, clients } = await startFieldSims(t);
  const control = sims.intercom.sim.control;
  control.dataAttributes.create(sims.workspaceId, { name: 'plan_type', model: 'contact', dataType: 'string', options: ['free', 'pro'] });
  control.dataAttributes.create(sims.workspaceId, { name: 'score', model: 'contact', dataType: 'float' });
  const gone = control.dataAttributes.create(sims.workspaceId, { name: 'old_field', model: 'contact', dataType: 'string' });
  await clients.intercom(row).upstream.json({ method: 'PUT', path: `/data_attributes/${String(gone.id)}`, body: { archived: true }, idempotent: true }, z.unknown());

  const catalogue = createFieldCatalogue({ clients, now: () => 0 });
  const fields = await catalogue.fieldsOf(row, 'contacts');
  t.same(fields.intercomCustom.get('plan_type'), { vendor: 'intercom', type: 'string', options: ['free', 'pro'] });
  t.same(fields.intercomCustom.get('score'), { vendor: 'intercom', type: 'float' });
  t.notOk(fields.intercomCustom.has('email'), 'standard attributes are not custom ones');
  t.notOk(fields.intercomCustom.has('old_field'), 'an archived attribute takes no values');

  t.same(fields.hubspot.get('email'), { vendor: 'hubspot', type: 'string' });
  t.same(fields.hubspot.get('phone'), { vendor: 'hubspot', type: 'phone_number' }, 'a string shown as phonenumber is a phone number');
  t.match(fields.hubspot.get('lifecyclestage'), { vendor: 'hubspot', type: 'enumeration', options: ['subscriber', 'lead'] });
  t.same(fields.hubspot.get('createdate'), { vendor: 'hubspot', type: 'datetime' });

  const companies = await catalogue.fieldsOf(row, 'companies');
  t.same(companies.hubspot.get('numberofemployees'), { vendor: 'hubspot', type: 'number' });
  t.notOk(companies.intercomCustom.has('plan_type'), 'per object type');
});

t.test('hubspotFieldType maps type and fieldType, and leaves out types it does not know', async (t) => {
  t.same(hubspotFieldType({ type: 'bool', fieldType: 'booleancheckbox', options: [{ label: 'Yes', value: 'true' }, { label: 'No', value: 'false' }] }), { vendor: 'hubspot', type: 'bool' });
  t.same(hubspotFieldType({ type: 'date', fieldType: 'date' }), { vendor: 'hubspot', type: 'date' });
  t.same(hubspotFieldType({ type: 'phone_number', fieldType: 'phonenumber' }), { vendor: 'hubspot', type: 'phone_number' });
  t.same(hubspotFieldType({ type: 'enumeration', fieldType: 'select', options: [{ label: 'A', value: 'a' }] }), { vendor: 'hubspot', type: 'enumeration', options: ['a'] });
  t.equal(hubspotFieldType({ type: 'object_coordinates', fieldType: 'text' }), undefined);
});

t.test('answers are cached five minutes per connection and object; forget drops them', async (t) => {
  const { sims, row, clients, calls } = await startFieldSims(t);
  let now = 1_000_000;
  const catalogue = createFieldCatalogue({ clients, now: () => now });
  const lists = () => calls().hubspot.filter((call) => /^GET \/crm\/properties\/[^/]+\/contacts$/.test(call)).length;

  const [first, second] = await Promise.all([catalogue.fieldsOf(row, 'contacts'), catalogue.fieldsOf(row, 'contacts')]);
  t.equal(first, second, 'callers asking at once share one read');
  t.equal(lists(), 1);
  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'late', model: 'contact', dataType: 'string' });
  now += 4 * MINUTE;
  t.notOk((await catalogue.fieldsOf(row, 'contacts')).intercomCustom.has('late'), 'still the cached answer');
  t.equal(lists(), 1);
  now += 2 * MINUTE;
  t.ok((await catalogue.fieldsOf(row, 'contacts')).intercomCustom.has('late'), 'read again after five minutes');
  t.equal(lists(), 2);

  sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: 'later', model: 'contact', dataType: 'string' });
  catalogue.forget(row.id);
  t.ok((await catalogue.fieldsOf(row, 'contacts')).intercomCustom.has('later'), 'read again after forget');
  t.equal(lists(), 3);
});

t.test('a failed read is not cached', async (t) => {
  const { row, clients } = await startFieldSims(t);
  let fail = true;
  const flaky = {
    intercom: clients.intercom,
    hubspot: (connection: typeof row) => ({
      properties: {
        list: (object: string) => (fail ? Promise.reject(new Error('no answer')) : clients.hubspot(connection).properties.list(object)),
      },
    }),
  };
  const catalogue = createFieldCatalogue({ clients: flaky, now: () => 0 });
  await t.rejects(catalogue.fieldsOf(row, 'contacts'), /no answer/);
  fail = false;
  t.ok((await catalogue.fieldsOf(row, 'contacts')).hubspot.has('email'));
});
