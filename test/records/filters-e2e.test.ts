// Record filters end to end (#18 items 2, 5) against the simulators: a filtered Intercom contact is
// never created in HubSpot and its activity entry names the filter; a pair filtered one way still
// syncs the other; the conversations switch keeps an excluded contact's conversation out of HubSpot;
// bad filters are refused by key with nothing saved; the preview counts a sample.
import t from 'tap';
import { captureScenario } from '../helpers/capture-scenario.ts';
import {
  ACTIVE, activity, clearRequests, hubspotRecord, hubspotWrites, INTERCOM_CONTACT_UPDATE, intercomContact, intercomWrites, pairOf, pairedContact, settled, syncScenario,
} from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

const EXCLUDE_INTERNAL = [{ field: 'email', operator: 'not_contains', value: '@internal.test' }];
const hubspotContactWith = (records: Array<{ properties: Record<string, string> }>, email: string) => records.find((record) => record.properties['email'] === email);
const parse = (detail: string | null) => JSON.parse(detail ?? '{}') as Record<string, unknown>;

t.test('an Intercom contact the toHubSpot filters exclude is never created in HubSpot; its activity entry names the filter', async (t) => {
  const s = await syncScenario(t);
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters = { toHubSpot: EXCLUDE_INTERNAL, toIntercom: [], conversations: false };
  });
  const excluded = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'QA.Bot@Internal.test', name: 'QA Bot' });
  const kept = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: 'ana@acme.test', name: 'Ana Ruiz' });
  await until('the kept contact to be paired', () => pairOf(s, String(kept.id)), ACTIVE);
  await until('the excluded contact to be judged', async () => (await activity(s, 'contact')).some((entry) => entry.subject_id === String(excluded.id)), ACTIVE);
  await settled(s);

  t.notOk(await pairOf(s, String(excluded.id)), 'not paired');
  t.notOk(hubspotContactWith(s.records('contacts'), 'qa.bot@internal.test') ?? hubspotContactWith(s.records('contacts'), 'QA.Bot@Internal.test'), 'no HubSpot contact (the filter compares case-insensitively)');
  t.ok(hubspotContactWith(s.records('contacts'), 'ana@acme.test'), 'the other contact is created');
  const entries = (await activity(s, 'contact')).filter((entry) => entry.subject_id === String(excluded.id));
  t.ok(entries.length > 0);
  for (const entry of entries) {
    t.equal(entry.outcome, 'skipped');
    t.equal(entry.reason, 'filtered out by recordSync.contacts.filters.toHubSpot[0] (email not_contains)');
    t.same(parse(entry.detail)['filtered'], { key: 'recordSync.contacts.filters.toHubSpot[0]', direction: 'to_hubspot' });
    t.notMatch(`${entry.reason} ${entry.detail}`, /qa\.bot/i, 'no value in the log');
  }
});

t.test('a pair filtered one way still syncs the other way', async (t) => {
  const s = await syncScenario(t);
  const pair = await pairedContact(s, { email: 'li@acme.test', name: 'Li Wei', phone: '+4930111' });
  // HubSpot → Intercom only for HubSpot contacts with a VIP email: this one is not.
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters = { toHubSpot: [], toIntercom: [{ field: 'email', operator: 'ends_with', value: '@vip.test' }], conversations: false };
  });

  s.intercom.control.contacts.update(pair.intercomId, { name: 'Li Wei Chen' });
  await until('HubSpot to have the new name', () => hubspotRecord(s, 'contacts', pair.hubspotId)?.properties['lastname'] === 'Wei Chen', ACTIVE);
  await settled(s);
  t.equal(hubspotWrites(s, 'contacts'), 1, 'Intercom → HubSpot passes (no toHubSpot filter)');

  clearRequests(s);
  const before = (await activity(s, 'contact')).length;
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspotId, properties: { phone: '+4930999' } });
  await until('the HubSpot change to be judged', async () => (await activity(s, 'contact')).slice(before).some((entry) => parse(entry.detail)['filtered'] !== undefined), ACTIVE);
  await settled(s);
  t.equal(intercomWrites(s, INTERCOM_CONTACT_UPDATE), 0, 'HubSpot → Intercom is filtered out');
  t.equal(intercomContact(s, pair.intercomId)?.['phone'], '+4930111', 'Intercom keeps its phone');
  const filtered = (await activity(s, 'contact')).slice(before).find((entry) => parse(entry.detail)['filtered'] !== undefined);
  t.equal(filtered?.outcome, 'skipped');
  t.equal(filtered?.reason, 'filtered out by recordSync.contacts.filters.toIntercom[0] (email ends_with)');
  t.same(parse(filtered?.detail ?? null)['filtered'], { key: 'recordSync.contacts.filters.toIntercom[0]', direction: 'to_intercom' });
  t.match(parse(filtered?.detail ?? null)['skipped'], [{ intercom: 'phone', hubspot: 'phone', rule: 'filtered' }]);

  // Once the HubSpot record passes, the change that waited flows (its baseline was kept).
  clearRequests(s);
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters.toIntercom = [{ field: 'email', operator: 'ends_with', value: '@acme.test' }];
  });
  const sync = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/hubspot/${pair.hubspotId}/sync`, {});
  t.equal(sync.status, 200, JSON.stringify(sync.body));
  t.equal(intercomContact(s, pair.intercomId)?.['phone'], '+4930999', 'the phone reaches Intercom now');
});

t.test('the conversations switch: an excluded contact\'s conversation creates nothing in HubSpot (guard record_filter); off by default', async (t) => {
  // Contacts sync is off: the switch applies to conversations on their own.
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters = { toHubSpot: EXCLUDE_INTERNAL, toIntercom: [] };
  });
  t.equal((await s.row()).settings.recordSync.contacts.filters.conversations, false, 'off by default');
  const before = s.conversation({ customer: 'tester@internal.test', company: { name: 'Internal QA', website: 'https://internal.test' } });
  const captured = await s.push(before.conversationId);
  t.equal(captured.status, 200, JSON.stringify(captured.body));
  t.equal(captured.body?.outcome, 'captured', 'with the switch off, the conversation is captured as before');
  t.ok(hubspotContactWith(s.records('contacts'), 'tester@internal.test'), 'its contact was created');

  await s.setSettings((settings) => {
    settings['recordSync'].contacts.filters.conversations = true;
  });
  const notes = s.notes().length;
  const contacts = s.records('contacts').length;
  const companies = s.records('companies').length;
  const { conversationId } = s.conversation({ customer: 'qa@internal.test', company: { name: 'QA Lab', website: 'https://qa-lab.test' } });
  const skipped = await s.push(conversationId);
  t.equal(skipped.status, 200, JSON.stringify(skipped.body));
  t.match(skipped.body, { outcome: 'skipped', guard: 'record_filter', reason: /recordSync\.contacts\.filters\.toHubSpot\[0\] \(email not_contains\)/ });
  t.equal(s.notes().length, notes, 'no note');
  t.equal(s.records('contacts').length, contacts, 'no contact');
  t.equal(s.records('companies').length, companies, 'no company');
  const entry = await s.server.daemon.db.kysely.selectFrom('activity').selectAll().where('connection_id', '=', s.connectionId).where('subject_id', '=', conversationId).executeTakeFirst();
  t.equal(entry?.outcome, 'skipped');
  t.equal(entry?.reason, 'record_filter', 'recorded like the noise guards, by the guard\'s name');
  const explained = await s.api('GET', `/api/connections/${s.connectionId}/conversations/${conversationId}/explain`);
  t.match(JSON.stringify(explained.body), /record_filter/, 'the explainer shows the guard');

  const kept = s.conversation({ customer: 'real.customer@acme.test' });
  t.equal((await s.push(kept.conversationId)).body?.outcome, 'captured', 'a contact that passes is captured');
});

t.test('settings: bad filters are refused by key (400 filter_invalid) and nothing is saved', async (t) => {
  const s = await captureScenario(t);
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'seats', model: 'contact', dataType: 'integer' });
  const url = `/api/connections/${s.connectionId}/settings`;
  const stored = async () => (await s.row()).settings.recordSync;
  const before = await stored();

  const schema = await s.api('PUT', url, { recordSync: { contacts: { filters: { toHubSpot: [{ field: 'email', operator: 'is_empty' }, { field: 'email', operator: 'greater_than', value: 'a' }] } } } });
  t.equal(schema.status, 400);
  t.equal(schema.body?.error.code, 'filter_invalid');
  t.match(schema.body?.error.details, [{ path: 'recordSync.contacts.filters.toHubSpot[1].operator', message: /'greater_than' does not apply to a text field \(email\)/ }]);

  const live = await s.api('PUT', url, {
    recordSync: {
      contacts: {
        filters: {
          toHubSpot: [{ field: 'custom.seats', operator: 'greater_than', value: 'abc' }, { field: 'custom.nope', operator: 'is_empty' }],
          toIntercom: [{ field: 'no_such_property', operator: 'is_not_empty' }],
        },
      },
    },
  });
  t.equal(live.status, 400, JSON.stringify(live.body));
  t.equal(live.body?.error.code, 'filter_invalid');
  t.match(live.body?.error.details, [
    { path: 'recordSync.contacts.filters.toHubSpot[0].value', message: /"abc" is not a number/ },
    { path: 'recordSync.contacts.filters.toHubSpot[1].field', message: /no data attribute 'nope'/ },
    { path: 'recordSync.contacts.filters.toIntercom[0].field', message: /no contact property 'no_such_property'/ },
  ]);
  t.same(await stored(), before, 'nothing was saved');

  const good = { toHubSpot: [{ field: 'custom.seats', operator: 'greater_than', value: 5 }], toIntercom: [{ field: 'email', operator: 'is_not_empty' }], conversations: true };
  const saved = await s.api('PUT', url, { recordSync: { contacts: { filters: good } } });
  t.equal(saved.status, 200, JSON.stringify(saved.body));
  t.same((await stored()).contacts.filters, good, 'valid filters are saved');
});

t.test('preview: "N of M records would sync" on the source side\'s newest records; bad filters refused by key', async (t) => {
  const s = await captureScenario(t);
  for (const email of ['a@acme.test', 'b@acme.test', 'x@internal.test', 'y@internal.test', 'z@Internal.Test']) {
    s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email, name: email });
  }
  const url = `/api/connections/${s.connectionId}/records/contacts/filters/preview`;
  const all = s.intercom.control.records(s.workspaceId).contacts.length;
  const toHubSpot = await s.api('POST', url, { direction: 'to_hubspot', filters: [...EXCLUDE_INTERNAL, { field: 'email', operator: 'is_not_empty' }] });
  t.equal(toHubSpot.status, 200, JSON.stringify(toHubSpot.body));
  t.same(toHubSpot.body, { direction: 'to_hubspot', sampled: all, passing: all - 3, total: all, byFilter: [{ index: 0, excluded: 3 }, { index: 1, excluded: 0 }] });

  // Seeded records stand for data already in the portal: searchable at once.
  s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'h@acme.test' } });
  s.hubspot.control.seedRecord({ hubId: s.hubId, objectType: 'contacts', properties: { email: 'i@nowhere.test' } });
  const hubspotContacts = s.records('contacts').length;
  const toIntercom = await s.api('POST', url, { direction: 'to_intercom', filters: [{ field: 'email', operator: 'ends_with', value: '@nowhere.test' }] });
  t.equal(toIntercom.status, 200, JSON.stringify(toIntercom.body));
  t.same(toIntercom.body, { direction: 'to_intercom', sampled: hubspotContacts, passing: 1, total: hubspotContacts, byFilter: [{ index: 0, excluded: hubspotContacts - 1 }] });
  t.ok(hubspotContacts >= 2);

  const bad = await s.api('POST', url, { direction: 'to_hubspot', filters: [{ field: 'email', operator: 'is_empty' }, { field: 'created_at', operator: 'contains', value: 'x' }, { field: 'email', operator: 'like' }] });
  t.equal(bad.status, 400);
  t.equal(bad.body?.error.code, 'filter_invalid');
  t.match(bad.body?.error.details, [{ path: 'filters[2].operator', message: /must be one of/ }]);
  const typed = await s.api('POST', url, { direction: 'to_hubspot', filters: [{ field: 'email', operator: 'is_empty' }, { field: 'created_at', operator: 'contains', value: 'x' }] });
  t.equal(typed.status, 400);
  t.match(typed.body?.error.details, [{ path: 'filters[1].operator', message: /does not apply to a date field \(created_at\)/ }]);
  const direction = await s.api('POST', url, { direction: 'sideways', filters: [] });
  t.match(direction.body?.error.details, [{ path: 'direction' }]);

  // It spends calls on both accounts to prepare a settings change: admins only, not read tokens.
  const { secret } = (await s.api('POST', '/api/tokens', { name: 'reader', scope: 'read' })).body as { secret: string };
  const reader = await s.server.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ direction: 'to_hubspot', filters: [] }) });
  t.equal(reader.status, 403);

  // Companies: Intercom's company list (companies with users), numbers compared as numbers.
  for (const [name, size] of [['Small Co', 9], ['Big Co', 500]] as const) {
    const company = s.intercom.control.companies.create(s.workspaceId, { name, website: `https://${name.replace(' ', '').toLowerCase()}.test`, size });
    s.intercom.control.contacts.create(s.workspaceId, { role: 'user', email: `boss@${name.replace(' ', '').toLowerCase()}.test`, name, companyIds: [String(company.id)] });
  }
  const companies = await s.api('POST', `/api/connections/${s.connectionId}/records/companies/filters/preview`, { direction: 'to_hubspot', filters: [{ field: 'size', operator: 'greater_than', value: 10 }] });
  t.equal(companies.status, 200, JSON.stringify(companies.body));
  t.same(companies.body, { direction: 'to_hubspot', sampled: 2, passing: 1, total: 2, byFilter: [{ index: 0, excluded: 1 }] }, '9 is not greater than 10 (as text it would be)');
});
