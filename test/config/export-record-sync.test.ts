// The configuration export carries recordSync (#17 item 2): mappings away from the defaults — an
// enabled object, custom attributes, create: true, a conflict rule, derived HubSpot values — come back
// the same when the exported file is loaded.
import t from 'tap';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { exportConfigYaml } from '../../src/config/export-config.ts';
import { parseConfig } from '../../src/config/load.ts';

t.test('recordSync survives export and load unchanged', async (t) => {
  const settings = ConnectionSettings.parse({
    recordSync: {
      contacts: {
        enabled: true,
        mappings: [
          { intercom: 'phone', hubspot: 'phone', direction: 'to_hubspot' },
          { intercom: 'custom.plan_type', hubspot: 'intercom_plan', direction: 'both', onConflict: 'hubspot_wins', create: true },
          { intercom: 'custom.hubspot_owner_name', hubspot: '@owner.name', direction: 'to_intercom', create: true },
        ],
      },
      companies: { mappings: [{ intercom: 'size', hubspot: 'numberofemployees', direction: 'both' }] },
    },
  });
  const { yaml } = exportConfigYaml(
    [{ name: 'Support', intercomRegion: 'eu', settings, credentials: { intercom: 'none', hubspot: 'none' }, webhookSecrets: { intercom: false, hubspot: false }, sandbox: false }],
    0,
  );
  t.match(yaml, /recordSync:/);
  const [loaded] = parseConfig(yaml, {}).connections;
  t.same(loaded?.recordSync, settings.recordSync);
  t.match(loaded?.recordSync.contacts.mappings, [
    { intercom: 'email', hubspot: 'email' },
    { intercom: 'name', hubspot: 'firstname+lastname' },
    { intercom: 'phone', hubspot: 'phone', direction: 'to_hubspot' },
    { intercom: 'custom.plan_type', onConflict: 'hubspot_wins', create: true },
    { hubspot: '@owner.name' },
  ], 'the always-mapped fields are written out once and read back once');
});
