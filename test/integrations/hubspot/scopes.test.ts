// The HubSpot scopes a connection needs: the product's own, plus what its record sync uses (#17 items
// 3, 5) — the schema write scope of an enabled object whose mappings create properties, the deals
// read scope when a mapping reads deals — each named with the mapping that needs it.
import t from 'tap';
import { missingScopes, recordSyncScopeNeeds, REQUIRED_SCOPES, requiredScopes, unmetScopeNeeds } from '../../../src/integrations/hubspot/scopes.ts';
import { RecordSyncSettings } from '../../../src/records/field-mapping.ts';

const CREATES_AND_READS_DEALS = RecordSyncSettings.parse({
  contacts: {
    enabled: true,
    mappings: [
      { intercom: 'custom.plan', hubspot: 'intercom_plan', direction: 'to_hubspot', create: true },
      { intercom: 'custom.seats', hubspot: 'intercom_seats', direction: 'both', create: true },
      { intercom: 'custom.open_deals', hubspot: '@deals.open_count', direction: 'to_intercom', create: true },
      { intercom: 'custom.stage', hubspot: 'lifecyclestage', direction: 'to_intercom', create: true },
    ],
  },
  companies: { enabled: false, mappings: [{ intercom: 'custom.tier', hubspot: 'intercom_tier', direction: 'to_hubspot', create: true }] },
});

t.test('the defaults need nothing beyond the product’s scopes', async (t) => {
  const defaults = RecordSyncSettings.parse({});
  t.same(recordSyncScopeNeeds(defaults), []);
  t.same(requiredScopes(defaults), [...REQUIRED_SCOPES]);
  t.same(requiredScopes(), [...REQUIRED_SCOPES]);
  const enabled = RecordSyncSettings.parse({ contacts: { enabled: true }, companies: { enabled: true } });
  t.same(recordSyncScopeNeeds(enabled), [], 'the default mapping creates nothing and reads no deals');
});

t.test('creating properties asks for the object’s schema scope, deals values for the deals read scope, each naming the mapping', async (t) => {
  t.same(recordSyncScopeNeeds(CREATES_AND_READS_DEALS), [
    { scope: 'crm.schemas.contacts.write', neededBy: 'recordSync.contacts.mappings[3] (custom.plan → intercom_plan, create: true)' },
    { scope: 'crm.schemas.contacts.write', neededBy: 'recordSync.contacts.mappings[4] (custom.seats → intercom_seats, create: true)' },
    { scope: 'crm.objects.deals.read', neededBy: 'recordSync.contacts.mappings[5] (@deals.open_count → custom.open_deals)' },
  ], 'to_intercom creates only Intercom attributes; a disabled object needs nothing yet');
  t.same(requiredScopes(CREATES_AND_READS_DEALS), [...REQUIRED_SCOPES, 'crm.schemas.contacts.write', 'crm.objects.deals.read'], 'each scope once');
});

t.test('what a grant lacks', async (t) => {
  const granted = [...REQUIRED_SCOPES, 'crm.objects.deals.read'];
  t.same(missingScopes(granted, CREATES_AND_READS_DEALS), ['crm.schemas.contacts.write']);
  t.same(missingScopes(granted), []);
  t.same(unmetScopeNeeds(granted, CREATES_AND_READS_DEALS).map((need) => need.neededBy), [
    'recordSync.contacts.mappings[3] (custom.plan → intercom_plan, create: true)',
    'recordSync.contacts.mappings[4] (custom.seats → intercom_seats, create: true)',
  ]);
  t.same(missingScopes(null, CREATES_AND_READS_DEALS), [], 'an unknown grant is not judged');
  t.same(unmetScopeNeeds(null, CREATES_AND_READS_DEALS), []);
});
