// The Fields tab's API (#18 item 1) against the sandbox: both accounts' live fields with types,
// custom ones marked; a mapping list checked by index and key before it is saved; a per-field
// preview against a sample record that stores nothing.
import t from 'tap';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';

type Field = { name: string; label: string; type: string; custom: boolean; options?: string[]; writable?: boolean; readOnly?: boolean };

async function withCustomFields(s: Scenario): Promise<void> {
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'plan_tier', model: 'contact', dataType: 'string', options: ['free', 'pro'] });
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'seats', model: 'contact', dataType: 'integer' });
  await s.server.daemon.clients.hubspot(await s.row()).properties.create('contacts', { name: 'renewal_date', label: 'Renewal date', type: 'date', fieldType: 'date', groupName: 'contactinformation' });
}

t.test('GET …/fields lists both sides live: standard and custom fields, typed, custom ones marked', async (t) => {
  const s = await captureScenario(t);
  await withCustomFields(s);
  const answer = await s.api('GET', `/api/connections/${s.connectionId}/records/contacts/fields`);
  t.equal(answer.status, 200);
  const intercom = answer.body?.intercom as Field[];
  const hubspot = answer.body?.hubspot as Field[];
  t.equal(answer.body?.unavailable, undefined, 'both accounts were read');
  t.match(intercom.find((field) => field.name === 'email'), { type: 'string', custom: false, writable: true, label: 'Email' });
  t.match(intercom.find((field) => field.name === 'location.country'), { custom: false, writable: false }, 'read-only in Intercom');
  t.match(intercom.find((field) => field.name === 'custom.plan_tier'), { type: 'string', custom: true, options: ['free', 'pro'] });
  t.match(intercom.find((field) => field.name === 'custom.seats'), { type: 'integer', custom: true });
  t.notOk(intercom.some((field) => field.name === 'role' || field.name === 'id'), 'only attributes a mapping can name');

  t.match(hubspot.find((field) => field.name === 'renewal_date'), { type: 'date', custom: true, readOnly: false, label: 'Renewal date' });
  t.match(hubspot.find((field) => field.name === 'email'), { type: 'string', custom: false });
  t.match(hubspot.find((field) => field.name === 'lifecyclestage'), { type: 'enumeration', custom: false, options: ['subscriber', 'lead'] });
  t.match(hubspot.find((field) => field.name === 'lastmodifieddate'), { readOnly: true });
  t.match(hubspot[0], { name: 'firstname+lastname' }, 'the full name stands first');
  t.ok((answer.body?.derived as Field[]).some((field) => field.name === '@owner.name' && field.type === 'string'));
  t.same(answer.body?.alwaysMapped, [{ intercom: 'email', hubspot: 'email' }, { intercom: 'name', hubspot: 'firstname+lastname' }, { intercom: 'phone', hubspot: 'phone' }]);

  const companies = await s.api('GET', `/api/connections/${s.connectionId}/records/companies/fields`);
  t.ok((companies.body?.intercom as Field[]).some((field) => field.name === 'plan'), "a company's plan by its mapping name");
  t.notOk((companies.body?.intercom as Field[]).some((field) => field.name === 'custom.plan_tier'), 'per object type');
  t.same(companies.body?.alwaysMapped, [{ intercom: 'name', hubspot: 'name' }, { intercom: 'website', hubspot: 'domain' }]);

  t.match(await s.api('GET', `/api/connections/${s.connectionId}/records/deals/fields`), { status: 404 });
  t.match(await s.api('GET', `/api/connections/nope/records/contacts/fields`), { status: 404 });
  t.match(await s.api('GET', `/api/connections/${s.connectionId}/records/contacts/fields?fresh=yes`), { status: 400, body: { error: { code: 'invalid_query' } } });
});

t.test('GET …/fields still answers the standard fields, saying why, when an account cannot be read', async (t) => {
  const s = await captureScenario(t);
  s.hubspot.control.addFault({ kind: '503', count: 50, pathPrefix: '/crm/properties' });
  const answer = await s.api('GET', `/api/connections/${s.connectionId}/records/contacts/fields`);
  t.equal(answer.status, 200);
  t.match(answer.body?.unavailable, /could not be read now/);
  t.ok((answer.body?.intercom as Field[]).some((field) => field.name === 'email' && !field.custom));
  t.ok((answer.body?.hubspot as Field[]).some((field) => field.name === 'email'), "HubSpot's default properties");

  const { body: created } = await s.api('POST', '/api/connections', { name: 'not connected' });
  const bare = await s.api('GET', `/api/connections/${String(created?.id)}/records/companies/fields`);
  t.equal(bare.status, 200);
  t.match(bare.body?.unavailable, /not connected to both/);
  t.ok((bare.body?.intercom as Field[]).some((field) => field.name === 'website'));
});

t.test('POST …/mappings/check refuses by index and key: incompatible types, a read-only direction; writes nothing', async (t) => {
  const s = await captureScenario(t);
  await withCustomFields(s);
  const before = s.hubspot.control.requests().entries.filter((entry) => entry.method !== 'GET' && !entry.path.includes('/search')).length;
  const check = (mappings: unknown[]) => s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/check`, { mappings });

  const good = await check([
    { intercom: 'custom.seats', hubspot: 'numberofemployees_missing', direction: 'to_hubspot', create: true },
    { intercom: 'location.city', hubspot: 'city', direction: 'to_hubspot' },
  ]);
  t.same(good.body, { ok: true, problems: [] });

  const bad = await check([
    { intercom: 'location.city', hubspot: 'city', direction: 'to_hubspot' },
    { intercom: 'custom.plan_tier', hubspot: 'renewal_date', direction: 'to_hubspot' },
    { intercom: 'location.country', hubspot: 'country', direction: 'both' },
    { intercom: 'custom.nope', hubspot: 'state', direction: 'to_hubspot' },
    { intercom: 'custom.seats', hubspot: 'city', direction: 'to_hubspot' },
  ]);
  t.equal(bad.status, 200);
  t.equal(bad.body?.ok, false);
  const problems = bad.body?.problems as Array<{ index: number; key: string; message: string }>;
  t.match(problems.find((problem) => problem.index === 1), { key: 'hubspot', message: /Intercom string.*cannot go into a HubSpot date/ }, 'incompatible types, by index and key');
  t.match(problems.find((problem) => problem.index === 2), { key: 'direction', message: /read-only in Intercom/ });
  t.match(problems.find((problem) => problem.index === 3), { key: 'intercom', message: /no data attribute 'nope'/ });
  t.match(problems.find((problem) => problem.index === 4), { key: 'hubspot', message: /already written by mappings\[0\]/ }, 'one source per field, across the list');
  t.notOk(problems.some((problem) => problem.index === 0), 'a good mapping has no problem');

  const malformed = await check([{ intercom: 'email', hubspot: 'email', direction: 'to_hubspot', colour: 'red' }]);
  t.match(malformed, { status: 400, body: { error: { code: 'invalid_request', message: /mappings\.0: unknown field\(s\): colour/ } } });
  t.match(await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/check`, { mappings: 'email' }), { status: 400, body: { error: { details: [{ path: 'mappings' }] } } });

  const after = s.hubspot.control.requests().entries.filter((entry) => entry.method !== 'GET' && !entry.path.includes('/search')).length;
  t.equal(after, before, 'no HubSpot write');
  const row = await s.row();
  t.notOk(row.settings.recordSync.contacts.mappings.some((mapping) => mapping.intercom === 'custom.plan_tier'), 'nothing saved');
});
