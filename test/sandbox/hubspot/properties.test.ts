// Properties and property groups: the routes record sync uses to find and create its fields
// (hubspot-api.md §13), on the classic and the 2026-09 paths.
import t from 'tap';
import { harness } from './helpers.ts';

const prop = (name: string, type: string, fieldType: string, extra: Record<string, unknown> = {}) =>
  ({ name, label: name, type, fieldType, groupName: 'interhubz', ...extra });

t.test('groups: create, list, read, update, archive', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const created = await h.call('POST', '/crm/properties/2026-09/contacts/groups', { name: 'interhubz', label: 'Interhubz' });
  t.match(created, { status: 201, body: { name: 'interhubz', label: 'Interhubz', displayOrder: -1, archived: false } });
  t.match(await h.call('POST', '/crm/v3/properties/contacts/groups', { name: 'interhubz', label: 'Again' }), { status: 409, body: { category: 'CONFLICT' } });
  const listed = await h.call('GET', '/crm/v3/properties/0-1/groups');
  t.same(listed.body.results.map((g: { name: string }) => g.name).sort(), ['contactinformation', 'interhubz']);
  t.equal((await h.call('GET', '/crm/v3/properties/companies/groups/interhubz')).status, 404, 'groups belong to one object type');
  t.match(await h.call('PATCH', '/crm/properties/2026-09/contacts/groups/interhubz', { label: 'Interhubz sync' }), { status: 200, body: { label: 'Interhubz sync' } });

  await h.call('POST', '/crm/v3/properties/contacts', prop('plan', 'string', 'text'));
  t.match(await h.call('DELETE', '/crm/v3/properties/contacts/groups/interhubz'), { status: 400, body: { category: 'VALIDATION_ERROR' } }, 'a group with live properties stays');
  await h.call('DELETE', '/crm/v3/properties/contacts/plan');
  t.equal((await h.call('DELETE', '/crm/properties/2026-09/contacts/groups/interhubz')).status, 204);
  t.equal((await h.call('GET', '/crm/v3/properties/contacts/groups/interhubz')).status, 404);
});

t.test('create: each documented type/fieldType pair, and the refused ones', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  await h.call('POST', '/crm/v3/properties/companies/groups', { name: 'interhubz', label: 'Interhubz' });
  const options = [{ label: 'Pro', value: 'pro' }, { label: 'Free', value: 'free' }];
  const good = [
    prop('plan_note', 'string', 'text'), prop('notes_long', 'string', 'textarea'), prop('seats', 'number', 'number'),
    prop('is_paying', 'bool', 'booleancheckbox'), prop('renewal_day', 'date', 'date'), prop('last_seen', 'datetime', 'date'),
    prop('plan', 'enumeration', 'select', { options }), prop('support_phone', 'phone_number', 'phonenumber'),
  ];
  for (const body of good) {
    const answer = await h.call('POST', '/crm/properties/2026-09/companies', body);
    t.match(answer, { status: 201, body: { name: body.name, type: body.type, fieldType: body.fieldType, hubspotDefined: false, archived: false } }, `${body.type}/${body.fieldType}`);
  }
  t.same((await h.call('GET', '/crm/v3/properties/companies/plan')).body.options.map((o: { value: string }) => o.value), ['pro', 'free']);

  const badPair = await h.call('POST', '/crm/v3/properties/companies', prop('seats2', 'number', 'text'));
  t.match(badPair, { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', correlationId: String } });
  t.match(badPair.body.message, /fieldType "text" for type "number"/);
  t.match(await h.call('POST', '/crm/v3/properties/companies', prop('x', 'money', 'number')), { status: 400, body: { category: 'VALIDATION_ERROR' } }, 'unknown type');
  t.match(await h.call('POST', '/crm/v3/properties/companies', prop('y', 'enumeration', 'select')), { status: 400 }, 'an enumeration needs options');
  t.match(await h.call('POST', '/crm/v3/properties/companies', { ...prop('z', 'string', 'text'), groupName: 'nowhere' }), { status: 400 }, 'the group must exist');
  t.match(await h.call('POST', '/crm/v3/properties/companies', prop('plan', 'string', 'text')), { status: 409, body: { category: 'CONFLICT' } });
  t.match(await h.call('POST', '/crm/v3/properties/companies', { name: 'w', label: 'w', type: 'string' }), { status: 400 }, 'fieldType and groupName are required');
  t.match(await h.call('DELETE', '/crm/v3/properties/companies/name'), { status: 400 }, 'HubSpot-defined properties are not archivable');
  t.match(await h.call('PATCH', '/crm/v3/properties/companies/numberofemployees', { type: 'string', fieldType: 'text' }), { status: 400 }, 'nor retyped');

  const widened = await h.call('PATCH', '/crm/properties/2026-09/companies/plan', { options: [...options, { label: 'Team', value: 'team' }] });
  t.equal(widened.status, 200, 'a created enumeration takes new options');
  const company = h.server.sim.control.seedRecord({ objectType: 'companies', properties: { name: 'Acme' } });
  t.equal((await h.call('PATCH', `/crm/v3/objects/companies/${company}`, { properties: { plan: 'team', seats: '12', is_paying: true, renewal_day: '2026-07-01' } })).status, 200, 'values of created properties are accepted');
  t.match((await h.call('PATCH', `/crm/v3/objects/companies/${company}`, { properties: { is_paying: 'yes' } })).body.errors, [{ code: 'INVALID_BOOLEAN' }]);
  t.match((await h.call('PATCH', `/crm/v3/objects/companies/${company}`, { properties: { renewal_day: '2026-07-01T10:00:00Z' } })).body.errors, [{ code: 'INVALID_DATE' }], 'a date property takes a date');
  t.match((await h.call('PATCH', `/crm/v3/objects/companies/${company}`, { properties: { plan: 'enterprise' } })).body.errors, [{ code: 'INVALID_OPTION' }]);
});

t.test('batch create, read, archive', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  await h.call('POST', '/crm/v3/properties/contacts/groups', { name: 'interhubz', label: 'Interhubz' });
  const classic = await h.call('POST', '/crm/v3/properties/contacts/batch/create', { inputs: [prop('a1', 'string', 'text'), prop('a2', 'bool', 'text')] });
  t.equal(classic.status, 207, 'classic path: partial success is 207');
  t.same(classic.body.results.map((p: { name: string }) => p.name), ['a1']);
  t.match(classic.body, { status: 'COMPLETE', numErrors: 1, errors: [{ status: 'error', category: 'VALIDATION_ERROR', context: { name: ['a2'] } }] });
  const dated = await h.call('POST', '/crm/properties/2026-09/contacts/batch/create', { inputs: [prop('b1', 'number', 'number'), prop('a1', 'string', 'text')] });
  t.match(dated, { status: 201, body: { numErrors: 1, errors: [{ category: 'CONFLICT' }] } }, '2026-09 keeps 201 and reports errors in the body');

  const read = await h.call('POST', '/crm/properties/2026-09/contacts/batch/read', { inputs: [{ name: 'a1' }, { name: 'email' }, { name: 'ghost' }], archived: false });
  t.same(read.body.results.map((p: { name: string }) => p.name).sort(), ['a1', 'email']);
  t.match(read.body.errors, [{ category: 'OBJECT_NOT_FOUND', context: { names: ['ghost'] } }]);
  t.equal((await h.call('POST', '/crm/v3/properties/contacts/batch/read', { inputs: [{ name: 'a1' }], archived: false })).status, 200);

  t.equal((await h.call('POST', '/crm/v3/properties/contacts/batch/archive', { inputs: [{ name: 'a1' }, { name: 'ghost' }] })).status, 204, 'unknown names are fine');
  t.equal((await h.call('GET', '/crm/v3/properties/contacts/a1')).status, 404);
  t.equal((await h.call('GET', '/crm/v3/properties/contacts/a1?archived=true')).status, 200);
  const write = await h.call('PATCH', `/crm/v3/objects/contacts/${h.server.sim.control.seedRecord({ objectType: 'contacts', properties: {} })}`, { properties: { a1: 'x' } });
  t.match(write.body.errors, [{ code: 'PROPERTY_DOESNT_EXIST' }], 'an archived property takes no values');
});

t.test('schema writes need the schema scope', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const reader = h.server.sim.control.createStaticToken({ scopes: ['crm.objects.contacts.read', 'crm.schemas.contacts.read'] });
  t.equal((await h.call('GET', '/crm/v3/properties/contacts', undefined, reader)).status, 200);
  t.match(await h.call('POST', '/crm/v3/properties/contacts/groups', { name: 'g', label: 'g' }, reader), { status: 403, body: { category: 'MISSING_SCOPES' } });
});
