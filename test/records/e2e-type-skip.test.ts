// Types converted, never guessed (#17 item 4), end to end: a value that cannot be converted skips
// that field only — the record's other fields still sync — and the activity entry names the field,
// the types and the rule, never the value (#17 item 10).
import t, { type Test } from 'tap';
import type { Scenario } from '../helpers/capture-scenario.ts';
import { ACTIVE, activity, detailOf, hubspotRecord, intercomContact, pairedContact, settled, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

async function hubspotProperty(s: Scenario, body: Record<string, unknown>): Promise<void> {
  const hubspot = s.server.daemon.clients.hubspot(await s.row());
  const created = await hubspot.http.send({ method: 'POST', path: '/crm/v3/properties/contacts', body: { groupName: 'contactinformation', ...body } });
  if (created.status !== 201) throw new Error(`property ${String(body['name'])}: ${created.status}`);
}

/**
 * Intercom list `tier` → HubSpot enumeration lacking one option; Intercom text → HubSpot number;
 * HubSpot number → Intercom integer; HubSpot text → Intercom list `region` lacking one option.
 */
async function typedScenario(t: Test) {
  const s = await syncScenario(t);
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'tier', model: 'contact', dataType: 'string', options: ['gold', 'silver', 'platinum'] });
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'seats_text', model: 'contact', dataType: 'string' });
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'licences', model: 'contact', dataType: 'integer' });
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'region', model: 'contact', dataType: 'string', options: ['emea', 'amer'] });
  await hubspotProperty(s, { name: 'tier', label: 'Tier', type: 'enumeration', fieldType: 'select', options: [{ label: 'Gold', value: 'gold' }, { label: 'Silver', value: 'silver' }] });
  await hubspotProperty(s, { name: 'seat_count', label: 'Seats', type: 'number', fieldType: 'number' });
  await hubspotProperty(s, { name: 'licences', label: 'Licences', type: 'number', fieldType: 'number' });
  await hubspotProperty(s, { name: 'sales_region', label: 'Sales region', type: 'string', fieldType: 'text' });
  // Written straight into the settings: the save-time check would refuse text → number (check-record-sync.ts),
  // and a stored mapping can still meet it (e.g. the property's type changed in HubSpot since).
  await s.setSettings((settings) => {
    settings['recordSync'].contacts.mappings.push(
      { intercom: 'custom.tier', hubspot: 'tier', direction: 'to_hubspot', create: false },
      { intercom: 'custom.seats_text', hubspot: 'seat_count', direction: 'to_hubspot', create: false },
      { intercom: 'custom.licences', hubspot: 'licences', direction: 'to_intercom', create: false },
      { intercom: 'custom.region', hubspot: 'sales_region', direction: 'to_intercom', create: false },
    );
  });
  return s;
}

const VALUES = ['platinum', 'about twelve', '2.5', 'apac'];

/**
 * A value counts as held where it stands on its own: not inside a longer word or number. Short values
 * otherwise turn up by chance in what the entry must hold: `2.5` in a timestamp's `:12.534Z`, three
 * letters in a hexadecimal Intercom id (a CI run failed on `abc` that way).
 */
function holds(text: string, value: string): boolean {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.])${escaped}(?![\\w])`).test(text);
}

function assertNoValues(t: Test, entry: unknown) {
  const text = JSON.stringify(entry);
  for (const value of VALUES) t.notOk(holds(text, value), `the activity entry does not hold the value ${value}`);
}

t.test('Intercom → HubSpot: an option the enumeration lacks and text for a number skip those fields only; the name still syncs', async (t) => {
  const s = await typedScenario(t);
  const pair = await pairedContact(s, { email: 'typed@acme.test', name: 'Tia Typed', customAttributes: { tier: 'gold' } });
  t.equal(hubspotRecord(s, 'contacts', pair.hubspotId)?.properties['tier'], 'gold', 'a value HubSpot has an option for is written');

  s.intercom.control.contacts.update(pair.intercomId, { name: 'Tia Retyped', customAttributes: { tier: 'platinum', seats_text: 'about twelve' } });
  await until('the new name in HubSpot', () => hubspotRecord(s, 'contacts', pair.hubspotId)?.properties['lastname'] === 'Retyped', ACTIVE);
  await settled(s);
  const properties = hubspotRecord(s, 'contacts', pair.hubspotId)?.properties ?? {};
  t.equal(properties['tier'], 'gold', 'the option HubSpot lacks was not written, nor a near one');
  t.notOk(properties['seat_count'], 'text was not written into the number');

  const entries = await activity(s, 'contact');
  const entry = entries.findLast((candidate) => (detailOf(candidate).written ?? []).some((field) => field.intercom === 'name'));
  t.ok(entry, 'an entry for the sync that wrote the name');
  const detail = detailOf(entry ?? { detail: null });
  t.same(detail.written?.map((field) => `${field.intercom} ${field.direction}`), ['name to_hubspot']);
  t.same(detail.skipped?.map(({ intercom, hubspot, rule, types }) => ({ intercom, hubspot, rule, types })), [
    { intercom: 'custom.tier', hubspot: 'tier', rule: 'type_conversion', types: 'Intercom string ↔ HubSpot enumeration' },
    { intercom: 'custom.seats_text', hubspot: 'seat_count', rule: 'type_conversion', types: 'Intercom string ↔ HubSpot number' },
  ]);
  assertNoValues(t, entries);

  // The dry run (live, stored nowhere) says why, value and all.
  const dry = await s.api('POST', `/api/connections/${s.connectionId}/records/contacts/intercom/${pair.intercomId}/sync`, { dryRun: true });
  const fields = (dry.body?.['pairs'] as Array<{ fields: Array<Record<string, unknown>> }> | undefined)?.[0]?.fields ?? [];
  t.match(fields.find((field) => field['intercom'] === 'custom.tier'), { action: 'skipped', rule: 'type_conversion', reason: /"platinum" is not one of the options/ });
});

t.test('HubSpot → Intercom: a fraction for an Intercom integer and an option the Intercom list lacks skip those fields only; the phone still syncs', async (t) => {
  const s = await typedScenario(t);
  const pair = await pairedContact(s, { email: 'licences@acme.test', name: 'Lee Cense' });

  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspotId, properties: { phone: '+4915112345678', licences: '2.5', sales_region: 'apac' } });
  await until('the phone in Intercom', () => intercomContact(s, pair.intercomId)?.['phone'] === '+4915112345678', ACTIVE);
  await settled(s);
  const custom = (intercomContact(s, pair.intercomId)?.['custom_attributes'] ?? {}) as Record<string, unknown>;
  t.notOk(custom['licences'], 'the fraction was neither written nor rounded');
  t.notOk(custom['region'], 'the option the list lacks was not written');

  const entries = await activity(s, 'contact');
  const detail = detailOf(entries.findLast((candidate) => (detailOf(candidate).written ?? []).some((field) => field.intercom === 'phone')) ?? { detail: null });
  t.same(detail.written?.map((field) => `${field.intercom} ${field.direction}`), ['phone to_intercom']);
  t.same(detail.skipped?.map(({ intercom, rule, types }) => ({ intercom, rule, types })), [
    { intercom: 'custom.licences', rule: 'type_conversion', types: 'Intercom integer ↔ HubSpot number' },
    { intercom: 'custom.region', rule: 'type_conversion', types: 'Intercom string ↔ HubSpot string' },
  ]);
  assertNoValues(t, entries);
});
