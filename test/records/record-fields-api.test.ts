// The Fields tab's API (#18 item 1) against the sandbox: both accounts' live fields with types,
// custom ones marked; a mapping list checked by index and key before it is saved; a per-field
// preview against a sample record that stores nothing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { allWrites, clearRequests, pairedContact, settled, syncScenario } from '../helpers/record-sync-scenario.ts';

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

  // Read up to five minutes ago unless asked for afresh (an attribute just added in Intercom).
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'late_one', model: 'contact', dataType: 'boolean' });
  const cachedList = await s.api('GET', `/api/connections/${s.connectionId}/records/contacts/fields`);
  t.notOk((cachedList.body?.intercom as Field[]).some((field) => field.name === 'custom.late_one'), 'the list read a moment ago');
  const fresh = await s.api('GET', `/api/connections/${s.connectionId}/records/contacts/fields?fresh=true`);
  t.match((fresh.body?.intercom as Field[]).find((field) => field.name === 'custom.late_one'), { type: 'boolean', custom: true }, 'fresh=true reads the accounts again');

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
  const check = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/check`, {
    mappings: [{ intercom: 'location.city', hubspot: 'city', direction: 'both' }, { intercom: 'custom.x', hubspot: 'y', direction: 'to_hubspot' }],
  });
  t.match(check.body, { ok: false, problems: [{ index: 0, key: 'direction' }], unavailable: /types were not checked/ }, 'the shape is checked, the types are said to be unchecked');
  t.equal((check.body?.problems as unknown[]).length, 1);

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

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

type PreviewField = { intercom: string; hubspot: string; direction: string; action: string; from?: string | null; to?: string | null; reason?: string };

t.test('POST …/mappings/preview shows old → new per field on the pair synced last, and stores and logs none of it', async (t) => {
  const logs = captureLogs();
  const s = await syncScenario(t, { contacts: true }, { logDestination: logs, logLevel: 'debug' });
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'stage', model: 'contact', dataType: 'string' });
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'nickname', model: 'contact', dataType: 'string' });
  await pairedContact(s, { email: 'ben.ode@acme.test', name: 'Ben Ode' });
  const ana = await pairedContact(s, { email: 'ana.ruiz@acme.test', name: 'Ana Ruiz', customAttributes: { stage: 'customer', nickname: 'ZQ-PREVIEW-7731' } });
  await s.server.daemon.clients.hubspot(await s.row()).contacts.update(ana.hubspotId, { lifecyclestage: 'lead' });
  await settled(s);
  clearRequests(s);
  const db = s.server.daemon.db.kysely;
  const before = { activity: (await db.selectFrom('activity').select('id').execute()).length, baselines: (await db.selectFrom('record_field_baselines').select('field').execute()).length };

  const answer = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/preview`, {
    mappings: [
      { intercom: 'custom.stage', hubspot: 'lifecyclestage', direction: 'to_hubspot' },
      { intercom: 'custom.nickname', hubspot: 'nickname_x', direction: 'to_hubspot', create: true },
      { intercom: 'location.city', hubspot: 'city', direction: 'to_hubspot' },
    ],
  });
  t.equal(answer.status, 200);
  t.same(answer.body?.sample, { intercomId: ana.intercomId, hubspotId: ana.hubspotId, label: 'Ana Ruiz' }, 'the pair synced last');
  const fields = answer.body?.fields as PreviewField[];
  t.match(fields.find((field) => field.hubspot === 'lifecyclestage'), { intercom: 'custom.stage', direction: 'to_hubspot', action: 'write_hubspot', from: 'lead', to: 'customer' }, 'lifecycle stage lead → customer');
  t.match(fields.find((field) => field.hubspot === 'nickname_x'), { action: 'write_hubspot', from: null, to: 'ZQ-PREVIEW-7731' }, 'a property create: true would make, as it would be filled');
  t.match(fields.find((field) => field.hubspot === 'email'), { action: 'unchanged' }, 'the always-mapped fields are previewed too');
  // f608224: an unchanged row once carried no value, and the Fields tab showed "(empty) Already the same".
  t.match(fields.find((field) => field.hubspot === 'email'), { action: 'unchanged', to: 'ana.ruiz@acme.test' }, 'an unchanged field shows the value both sides hold');
  t.same(fields.slice(0, 3).map((field) => field.hubspot), ['email', 'firstname+lastname', 'phone'], 'in the order the settings would hold them');

  const other = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/preview`, { mappings: [], intercomId: ana.intercomId });
  t.equal(other.body?.sample.label, 'Ana Ruiz', 'a sample asked for by id');
  t.match(await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/preview`, { mappings: [], intercomId: 'nope' }), { status: 404 });

  t.equal(allWrites(s), 0, 'nothing written to either account');
  t.same({ activity: (await db.selectFrom('activity').select('id').execute()).length, baselines: (await db.selectFrom('record_field_baselines').select('field').execute()).length }, before, 'no activity entry, no baseline');
  t.notOk(s.hubspot.control.requests().entries.some((entry) => entry.method === 'POST' && entry.path.includes('/properties')), 'no property created');
  const holding = filesUnder(s.server.dataDir).filter((file) => readFileSync(file).includes('ZQ-PREVIEW-7731'));
  t.same(holding, [], 'the value read is in no data file');
  t.notOk(logs.text().includes('ZQ-PREVIEW-7731'), 'nor in the log');
});

t.test('POST …/mappings/preview on an unpaired record shows what a new HubSpot record would get; refused mappings are shown skipped', async (t) => {
  const s = await captureScenario(t);
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'tier', model: 'contact', dataType: 'string' });
  const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'new.one@acme.test', name: 'New One', customAttributes: { tier: 'gold' } });
  const answer = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/preview`, {
    intercomId: String(contact.id),
    mappings: [
      { intercom: 'custom.tier', hubspot: 'jobtitle', direction: 'to_hubspot' },
      { intercom: 'custom.tier', hubspot: 'company', direction: 'to_intercom' },
      { intercom: 'location.city', hubspot: 'city', direction: 'both' },
    ],
  });
  t.equal(answer.status, 200);
  t.same(answer.body?.sample, { intercomId: String(contact.id), hubspotId: null, label: 'New One' });
  const fields = answer.body?.fields as PreviewField[];
  t.match(fields.find((field) => field.hubspot === 'jobtitle'), { action: 'write_hubspot', from: null, to: 'gold' });
  t.match(fields.find((field) => field.hubspot === 'email'), { action: 'write_hubspot', to: 'new.one@acme.test' });
  t.match(fields.find((field) => field.hubspot === 'company'), { action: 'skipped', reason: /no HubSpot record yet/ });
  t.match(fields.find((field) => field.hubspot === 'city'), { action: 'skipped', reason: /direction: .*read-only in Intercom/ }, 'a refused mapping, with its problem');
  t.same(s.records('contacts').filter((record) => record.properties['email'] === 'new.one@acme.test'), [], 'no HubSpot contact created');
  t.match(await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/mappings/preview`, { mappings: [], extra: 1 }), { status: 400 });
});
