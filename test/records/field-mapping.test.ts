// The record-sync settings schema (#17 item 2): always-mapped fields, refusals by key, defaults, and
// that YAML and stored settings take it without changing anything else.
import t from 'tap';
import { ConnectionSettings, parseStoredSettings, pickSettings } from '../../src/config/connection-settings.ts';
import { parseConfig } from '../../src/config/load.ts';
import { RecordSyncSettings, needsDealsScope } from '../../src/records/field-mapping.ts';
import { ENRICHMENT_PRESETS } from '../../src/records/default-mapping.ts';
import { ConfigError } from '../../src/startup-error.ts';

function problemsOf(yaml: string): string[] {
  try {
    parseConfig(yaml, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const pairs = (mappings: { intercom: string; hubspot: string }[]) => mappings.map((m) => `${m.intercom}→${m.hubspot}`);

t.test('off by default, with the default mapping and the always-mapped fields', async (t) => {
  const settings = RecordSyncSettings.parse(undefined);
  t.equal(settings.contacts.enabled, false);
  t.equal(settings.companies.enabled, false);
  t.same(pairs(settings.contacts.mappings).slice(0, 3), ['email→email', 'name→firstname+lastname', 'phone→phone']);
  t.ok(pairs(settings.contacts.mappings).includes('location.city→city'));
  t.same(pairs(settings.companies.mappings).slice(0, 2), ['name→name', 'website→domain']);
  t.ok(pairs(settings.companies.mappings).includes('size→numberofemployees'));
  t.equal(settings.contacts.mappings.find((m) => m.intercom === 'phone')?.onConflict, 'newest_wins', 'both defaults to newest_wins');
});

t.test('a list without the always-mapped fields still holds them; a given one keeps its direction', async (t) => {
  const settings = RecordSyncSettings.parse({
    contacts: {
      enabled: true,
      mappings: [
        { intercom: 'phone', hubspot: 'phone', direction: 'to_hubspot' },
        { intercom: 'custom.plan_type', hubspot: 'plan_type', direction: 'both', onConflict: 'intercom_wins' },
      ],
    },
  });
  t.same(pairs(settings.contacts.mappings), ['email→email', 'name→firstname+lastname', 'phone→phone', 'custom.plan_type→plan_type']);
  t.equal(settings.contacts.mappings.find((m) => m.intercom === 'phone')?.direction, 'to_hubspot');
  t.equal(settings.contacts.mappings.at(-1)?.onConflict, 'intercom_wins');
  t.same(RecordSyncSettings.parse(settings), settings, 'the normalised settings parse to themselves (stored and exported settings)');
});

t.test('errors name the key path', async (t) => {
  const yaml = (mappings: string) => `connections:\n  - name: A\n    recordSync:\n      contacts:\n        mappings:\n${mappings}`;
  t.match(problemsOf(yaml('          - {intercom: custom.a, hubspot: a, direction: sideways}\n')), [/connections\[0\]\.recordSync\.contacts\.mappings\[0\]\.direction \(line \d+\): must be one of 'to_hubspot'/]);
  t.match(problemsOf(yaml('          - {intercom: custom.a, hubspot: a, direction: both}\n          - {intercom: email, hubspot: work_email, direction: both}\n')), [
    /mappings\[1\]\.hubspot \(line \d+\): email ↔ email is always mapped/,
  ]);
  t.doesNotThrow(() => parseConfig(yaml('          - {intercom: email, hubspot: work_email, direction: to_hubspot}\n'), {}), 'copying an always-mapped value elsewhere is fine');
  t.match(problemsOf(yaml('          - {intercom: custom.a, hubspot: email, direction: both}\n')), [/mappings\[0\]\.intercom \(line \d+\): email ↔ email is always mapped/]);
  t.match(problemsOf(yaml('          - {intercom: favourite_colour, hubspot: a, direction: both}\n')), [/mappings\[0\]\.intercom \(line \d+\): 'favourite_colour' is not a standard Intercom contact attribute/]);
  t.match(problemsOf(yaml('          - {intercom: custom.a, hubspot: a, direction: to_hubspot, onConflict: hubspot_wins}\n')), [/mappings\[0\]\.onConflict \(line \d+\): only applies to direction 'both'/]);
  t.match(problemsOf(yaml('          - {intercom: location.city, hubspot: city, direction: both}\n')), [/mappings\[0\]\.direction \(line \d+\): 'location.city' is read-only in Intercom/]);
  t.match(problemsOf(yaml('          - {intercom: custom.a, hubspot: "@owner.name", direction: both}\n')), [/mappings\[0\]\.direction \(line \d+\): '@owner.name' cannot be written in HubSpot/]);
  t.match(problemsOf(yaml('          - {intercom: custom.a, hubspot: x, direction: to_hubspot}\n          - {intercom: custom.b, hubspot: x, direction: both}\n')), [/mappings\[1\]\.hubspot \(line \d+\): 'x' is already written by mappings\[0\]/]);
  t.match(problemsOf(yaml('          - {intercom: custom.a, hubspot: lastname, direction: to_hubspot}\n')), [/mappings\[0\]\.hubspot \(line \d+\): 'lastname' is written by the always-mapped name/]);
});

t.test('company attributes are their own list', async (t) => {
  const parsed = RecordSyncSettings.safeParse({ companies: { mappings: [{ intercom: 'monthly_spend', hubspot: 'mrr', direction: 'to_hubspot' }] } });
  t.ok(parsed.success);
  const wrong = RecordSyncSettings.safeParse({ companies: { mappings: [{ intercom: 'signed_up_at', hubspot: 'x', direction: 'to_hubspot' }] } });
  t.notOk(wrong.success, 'a contact attribute is not a company attribute');
});

t.test('enrichment presets are valid mappings; the deals ones ask for the deals scope', async (t) => {
  const settings = RecordSyncSettings.parse({ contacts: { enabled: true, mappings: Object.values(ENRICHMENT_PRESETS) } });
  t.equal(settings.contacts.mappings.length, 3 + Object.keys(ENRICHMENT_PRESETS).length);
  t.equal(needsDealsScope(settings), true);
  const { open_deals_count: _count, open_deals_amount: _amount, ...withoutDeals } = ENRICHMENT_PRESETS;
  t.equal(needsDealsScope(RecordSyncSettings.parse({ contacts: { enabled: true, mappings: Object.values(withoutDeals) } })), false);
});

t.test('connection settings carry recordSync, and an older stored row gets it off', async (t) => {
  const defaults = ConnectionSettings.parse({});
  t.equal(defaults.recordSync.contacts.enabled, false);
  const { recordSync: _omitted, ...older } = defaults;
  t.same(parseStoredSettings(JSON.stringify(older)), defaults);
  const enabled = ConnectionSettings.parse({ recordSync: { companies: { enabled: true } } });
  t.same(parseStoredSettings(JSON.stringify(pickSettings(enabled))).recordSync, enabled.recordSync);
});
