// The pure half of the configuration export (src/config/export-config.ts): variable names derived
// from connection names, deterministic and unique; a literal ${…} kept literal; sandbox connections
// left out; OAuth sides named for re-consent, never given a placeholder.
import t from 'tap';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { exportConfigYaml, type ExportedConnection } from '../../src/config/export-config.ts';
import { parseConfig } from '../../src/config/load.ts';

const settings = ConnectionSettings.parse({});
const connection = (name: string, extra: Partial<ExportedConnection> = {}): ExportedConnection => ({
  name, intercomRegion: 'us', settings,
  credentials: { intercom: 'token', hubspot: 'none' }, webhookSecrets: { intercom: false, hubspot: false }, sandbox: false, ...extra,
});

t.test('variable names: upper case, other characters as _, unique in list order', async (t) => {
  const { variables } = exportConfigYaml([connection('Support EU'), connection('support-eu'), connection('support eu!'), connection('42 shop'), connection('日本')], 0);
  t.same(variables, ['SUPPORT_EU_INTERCOM_TOKEN', 'SUPPORT_EU_2_INTERCOM_TOKEN', 'SUPPORT_EU_3_INTERCOM_TOKEN', 'C_42_SHOP_INTERCOM_TOKEN', 'CONNECTION_5_INTERCOM_TOKEN']);
  t.same(exportConfigYaml([connection('Support EU'), connection('support-eu')], 99).variables, exportConfigYaml([connection('Support EU'), connection('support-eu')], 0).variables, 'the same list gives the same names');
});

t.test('secrets, OAuth and sandbox connections', async (t) => {
  const { yaml, variables } = exportConfigYaml(
    [
      connection('Shop', { credentials: { intercom: 'oauth', hubspot: 'token' }, webhookSecrets: { intercom: true, hubspot: false } }),
      connection('Sandbox', { sandbox: true }),
    ],
    Date.UTC(2026, 11, 4),
  );
  t.same(variables, ['SHOP_INTERCOM_WEBHOOK_SECRET', 'SHOP_HUBSPOT_TOKEN'], 'an OAuth side gets no token variable; its webhook secret still does');
  t.match(yaml, /^# Interhubz configuration export, 2026-12-04T00:00:00\.000Z\.$/m);
  t.match(yaml, /^#\s+Shop: Intercom$/m, 'the OAuth side is named for re-consent');
  t.match(yaml, /^# Left out: .*: Sandbox\.$/m);
  const parsed = parseConfig(yaml, { SHOP_HUBSPOT_TOKEN: 'pat-na1-11111111-2222-3333-4444-555555555555', SHOP_INTERCOM_WEBHOOK_SECRET: 'w' });
  t.same(parsed.connections.map((c) => [c.name, c.intercom.accessToken, c.intercom.webhookSecret]), [['Shop', '', 'w']]);
});

t.test('a stored ${…} or $${…} comes back as it was', async (t) => {
  const odd = ConnectionSettings.parse({ tickets: { subjectTemplate: '${A} $${B} $$ {subject}' }, users: { defaultOwner: '${OWNER}' } });
  const { yaml } = exportConfigYaml([connection('X', { settings: odd, credentials: { intercom: 'none', hubspot: 'none' } })], 0);
  const parsed = parseConfig(yaml, {});
  t.equal(parsed.connections[0]?.tickets.subjectTemplate, '${A} $${B} $$ {subject}');
  t.equal(parsed.connections[0]?.users.defaultOwner, '${OWNER}');
});
