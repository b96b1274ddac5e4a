// Data attributes (S14 #/paths/~1data_attributes): standard and custom per model, creation with
// types and list options, updates, and S14's example refusals.
import t from 'tap';
import { startHarness } from './helpers.ts';

t.test('GET /data_attributes lists the standard attributes of a model, then its custom ones', async (t) => {
  const h = await startHarness(t);
  h.sim.control.contacts.create(h.workspaceId, { customAttributes: { plan_tier: 'pro', seats: 3 } });
  const contact = await h.api('GET', '/data_attributes?model=contact');
  t.equal(contact.status, 200);
  t.equal(contact.body.type, 'list');
  const byName = new Map(contact.body.data.map((a: { full_name: string }) => [a.full_name, a]));
  t.match(byName.get('email'), { type: 'data_attribute', name: 'email', data_type: 'string', custom: false, api_writable: true, model: 'contact' });
  t.notOk('id' in (byName.get('email') as object), 'standard attributes have no id (S14)');
  t.match(byName.get('custom_attributes.plan_tier'), { name: 'plan_tier', data_type: 'string', custom: true, archived: false, model: 'contact' });
  t.match(byName.get('custom_attributes.seats'), { data_type: 'integer', custom: true });
  t.type((byName.get('custom_attributes.seats') as { id: unknown }).id, 'number', 'custom attribute ids are integers');

  const company = await h.api('GET', '/data_attributes?model=company');
  const names = company.body.data.map((a: { full_name: string }) => a.full_name);
  t.ok(names.includes('plan.name') && names.includes('monthly_spend'), 'company standard attributes as in S14');
  t.notOk(names.includes('custom_attributes.plan_tier'), 'a contact attribute is not a company one');
  t.match(company.body.data.find((a: { full_name: string }) => a.full_name === 'monthly_spend'), { data_type: 'float', api_writable: true });
  t.equal((await h.api('GET', '/data_attributes?model=ticket')).status, 400);
});

t.test('POST /data_attributes creates typed and list attributes; PUT updates options and archives', async (t) => {
  const h = await startHarness(t);
  const made = await h.api('POST', '/data_attributes', { name: 'Mithril Shirt', model: 'company', data_type: 'string' });
  t.equal(made.status, 200);
  t.match(made.body, { type: 'data_attribute', name: 'Mithril Shirt', full_name: 'custom_attributes.Mithril Shirt', data_type: 'string', custom: true, model: 'company', admin_id: h.adminId });
  t.notOk('options' in made.body);

  const list = await h.api('POST', '/data_attributes', { name: 'tier', model: 'contact', data_type: 'options', options: [{ value: 'gold' }, { value: 'silver' }] });
  t.match(list.body, { data_type: 'string', options: ['gold', 'silver'], model: 'contact' });

  const updated = await h.api('PUT', `/data_attributes/${list.body.id}`, { options: [{ value: 'gold' }, { value: 'silver' }, { value: 'bronze' }], description: 'Support tier' });
  t.match(updated.body, { id: list.body.id, options: ['gold', 'silver', 'bronze'], description: 'Support tier' });

  await h.api('PUT', `/data_attributes/${made.body.id}`, { archived: true });
  const active = await h.api('GET', '/data_attributes?model=company');
  t.notOk(active.body.data.some((a: { name: string }) => a.name === 'Mithril Shirt'), 'archived attributes are left out by default');
  const all = await h.api('GET', '/data_attributes?model=company&include_archived=true');
  t.match(all.body.data.find((a: { name: string }) => a.name === 'Mithril Shirt'), { archived: true });
});

t.test('POST and PUT /data_attributes refuse as S14 examples show', async (t) => {
  const h = await startHarness(t);
  await h.api('POST', '/data_attributes', { name: 'The One Ring', model: 'company', data_type: 'string' });
  const error = (message: string) => ({ type: 'error.list', errors: [{ code: 'parameter_invalid', message }] });
  t.match(await h.api('POST', '/data_attributes', { name: 'The One Ring', model: 'contact', data_type: 'integer' }), {
    status: 400,
    body: error("You already have 'The One Ring' in your company data. To save this as new people data, use a different name."),
  });
  t.match(await h.api('POST', '/data_attributes', { name: 'The One Ring', model: 'company', data_type: 'string' }), {
    status: 400,
    body: error("You already have 'The One Ring' in your company data. To save this as new company data, use a different name."),
  });
  t.match(await h.api('POST', '/data_attributes', { name: '!nv@l!d n@me', model: 'company', data_type: 'string' }), {
    status: 400,
    body: error('Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens'),
  });
  t.match(await h.api('POST', '/data_attributes', { name: 'The Second Ring', model: 'company', data_type: 'mithril' }), { status: 400, body: error("Data Type isn't an option") });
  t.match(await h.api('POST', '/data_attributes', { name: 'Ring', model: 'conversation', data_type: 'string' }), {
    status: 400,
    body: error('The Data Attribute model field must be either contact or company'),
  });
  t.equal((await h.api('POST', '/data_attributes', { name: 'one', model: 'contact', data_type: 'options', options: [{ value: '1-10' }] })).status, 400, 'a list needs two options');

  t.match(await h.api('PUT', '/data_attributes/999999', { description: 'x' }), {
    status: 404,
    body: { errors: [{ code: 'field_not_found', message: "We couldn't find that data attribute to update" }] },
  });
  const list = await h.api('POST', '/data_attributes', { name: 'size band', model: 'company', data_type: 'options', options: [{ value: '1-10' }, { value: '11-20' }] });
  t.match(await h.api('PUT', `/data_attributes/${list.body.id}`, { options: { value: '1-10' } }), { status: 400, body: error("Options isn't an array") });
  t.equal((await h.api('PUT', `/data_attributes/${list.body.id}`, { data_type: 'integer' })).status, 400, 'the type cannot change through the API');
});
