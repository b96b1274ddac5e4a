// HubSpot → Intercom enrichment (#17 item 3), end to end: the ready-made ENRICHMENT_PRESETS saved
// through the settings API create their Intercom custom attributes (create: true), and a person's
// change in HubSpot brings lifecycle stage, owner name and email, the record's URL and the open
// deals' count and amount into the Intercom contact.
import t from 'tap';
import { ENRICHMENT_PRESETS } from '../../src/records/default-mapping.ts';
import { ACTIVE, activity, detailOf, intercomContact, pairedContact, settled, subscribeNeededHubSpotWebhooks, syncScenario } from '../helpers/record-sync-scenario.ts';
import { until } from '../helpers/until.ts';

t.test('the enrichment presets, saved through the API, bring lifecycle stage, owner, URL and open deals to the Intercom contact', async (t) => {
  const s = await syncScenario(t);
  const put = await s.api('PUT', `/api/connections/${s.connectionId}/settings`, {
    recordSync: { contacts: { enabled: true, mappings: Object.values(ENRICHMENT_PRESETS) } },
  });
  t.equal(put.status, 200, JSON.stringify(put.body));
  const created = JSON.stringify(put.body?.['recordSyncCheck']?.created ?? []);
  for (const preset of Object.values(ENRICHMENT_PRESETS)) {
    t.match(created, preset.intercom.slice('custom.'.length), `${preset.intercom} was created at save time`);
  }

  await subscribeNeededHubSpotWebhooks(s);

  const owner = s.hubspot.control.addOwner({ hubId: s.hubId, email: 'olga.owner@sales.test', firstName: 'Olga', lastName: 'Owner' });
  const pair = await pairedContact(s, { email: 'enrich@acme.test', name: 'Enno Rich' });
  // Two open deals and a won one (not open) on the contact, already in the portal.
  s.hubspot.control.seedDeal({ hubId: s.hubId, properties: { dealname: 'Seats', dealstage: 'qualifiedtobuy', amount: '1200.50' }, contactIds: [pair.hubspotId] });
  s.hubspot.control.seedDeal({ hubId: s.hubId, properties: { dealname: 'Add-on', dealstage: 'presentationscheduled', amount: '300' }, contactIds: [pair.hubspotId] });
  s.hubspot.control.seedDeal({ hubId: s.hubId, properties: { dealname: 'Last year', dealstage: 'closedwon', amount: '9000' }, contactIds: [pair.hubspotId] });

  // A person in HubSpot moves the contact on and gives it an owner: the propertyChange webhooks start the sync.
  s.hubspot.control.updateRecordAsUser({ hubId: s.hubId, objectType: 'contacts', id: pair.hubspotId, properties: { lifecyclestage: 'opportunity', hubspot_owner_id: String(owner.id) } });
  const custom = () => (intercomContact(s, pair.intercomId)?.['custom_attributes'] ?? {}) as Record<string, unknown>;
  await until('the enrichment in Intercom', () => custom()['hubspot_lifecycle_stage'] === 'opportunity' && custom()['hubspot_owner_name'] !== undefined, { ...ACTIVE, explain: async () => JSON.stringify({ custom: custom(), subs: s.hubspot.control.webhookSubscriptions(s.hubId).map((x) => [x.eventType, (x as Record<string, unknown>)['propertyName']]), deliveries: s.hubspot.control.webhookDeliveries().length, activity: await activity(s, 'contact') }) });
  await settled(s);

  t.equal(custom()['hubspot_lifecycle_stage'], 'opportunity');
  t.equal(custom()['hubspot_owner_name'], 'Olga Owner');
  t.equal(custom()['hubspot_owner_email'], 'olga.owner@sales.test');
  t.match(String(custom()['hubspot_record_url']), new RegExp(`^https://[^/]+/contacts/${s.hubId}/record/0-1/${pair.hubspotId}$`));
  t.equal(custom()['hubspot_open_deals'], 2, 'the won deal is not open');
  t.equal(custom()['hubspot_open_deals_amount'], 1500.5);

  const written = (await activity(s, 'contact')).flatMap((entry) => detailOf(entry).written ?? []).filter((field) => field.direction === 'to_intercom').map((field) => field.intercom);
  for (const preset of Object.values(ENRICHMENT_PRESETS)) t.ok(written.includes(preset.intercom), `the activity names ${preset.intercom} written to Intercom`);
});
