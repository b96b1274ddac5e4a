// Issue #16 item 10: GET /api/config/export writes every connection's settings in the configuration
// file's own format, secrets as ${VAR} placeholders, and that file — loaded on a fresh install with
// the variables set — recreates the same settings. Admins only.
import t from 'tap';
import { hashPassword } from '../../src/auth/password-hash.ts';
import { parseConfig } from '../../src/config/load.ts';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { listConnections } from '../../src/db/repos/connections.ts';
import { STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../../src/integrations/intercom/auth.ts';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { sessionApi, signIn, TEST_PASSWORD_HASH_COST } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

type Api = ReturnType<typeof sessionApi>;

/** Every settings section away from its default, as a person would set them in the tabs. */
const SUPPORT_SETTINGS = {
  timeZone: 'Europe/Berlin',
  conversations: {
    capture: { mode: 'realtime', graceMinutes: 3, realtimeDebounceMinutes: 5, rollingHours: 12 },
    guards: { minCustomerMessages: 1, minDurationMinutes: 0, requireHumanTeammate: false, excludeTags: ['spam', 'test: ignore'], skipBotOnly: false },
    routing: {
      rules: [
        { name: 'VIP to tickets', when: { tags: ['vip'], priority: 'priority' }, destinations: ['ticket', 'contact'], ticketPolicy: 'reuse_open' },
        { name: 'Billing team', when: { teams: ['123'], attribute: { name: 'plan', equals: 42 } }, destinations: [] },
      ],
      defaultDestinations: ['contact'],
    },
    content: { includeInternalNotes: true, includeBotMessages: false, referenceNotesForParticipants: true },
    notePolicy: 'always_new',
  },
  matching: {
    contacts: {
      strategies: [
        { type: 'external_id', enabled: true, pairs: [{ intercom: 'custom_attributes.crm_id', hubspot: 'crm_id' }] },
        { type: 'phone', enabled: true, defaultCountry: 'DE' },
        { type: 'email', enabled: true },
      ],
      email: { stripPlusTag: false, ignoreGmailDots: false, roleAddresses: 'ignore', disposableDomains: 'match' },
      onNoMatch: 'skip',
      leadsWithoutEmail: 'create',
      tieBreakEngagementDays: 7,
    },
    companies: { strategies: [{ type: 'name', enabled: true }, { type: 'id_property', enabled: true, property: 'ic_company' }], onNoMatch: 'skip', associateContact: false },
  },
  tickets: {
    policy: 'reuse_open',
    createWhen: 'first_customer_message',
    pipeline: 'Support pipeline',
    stages: { open: 'New', snoozed: 'Waiting', closed: 'Closed', reopened: 'New' },
    // A literal ${…} in a stored value must come back literal, not as a variable to set.
    subjectTemplate: '[${plan}] {subject} — costs $5',
    descriptionTemplate: 'From {customer}: {link}',
    priorities: { priority: 'URGENT', notPriority: 'LOW' },
    whenClosedInHubSpot: 'note',
    reopenInIntercom: false,
  },
};
const SUPPORT_USERS = { defaultOwner: 'owner@example.com', overrides: [{ intercomAdmin: 'ana@example.com', hubspotOwner: '777' }] };

async function createConnection(api: Api, name: string): Promise<string> {
  const created = await api('POST', '/api/connections', { name });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  return String(created.body?.id);
}

async function exportAs(server: TestApp, headers: Record<string, string>): Promise<Response> {
  return server.fetch('/api/config/export', { headers });
}

t.test('export → fresh install with the file → every connection has the same settings; no secret in the file', async (t) => {
  const intercom = await startIntercomSimulator();
  t.teardown(() => intercom.close());
  const hubspot = await startHubSpotSimulator({ port: 0 });
  t.teardown(() => hubspot.close());

  const server = await buildTestApp(t, { startScheduler: false });
  const session = await signIn(server);
  const api = sessionApi(server, session);
  const db = server.daemon.db.kysely;

  // 1. Both sides connected with tokens (and webhook secrets), every section changed.
  const support = await createConnection(api, 'Support EU');
  await db.updateTable('connections').set({ intercom_base_url: intercom.url, hubspot_base_url: hubspot.url }).where('id', '=', support).execute();
  const intercomToken = intercom.sim.control.createAccessToken();
  const hubspotToken = hubspot.sim.control.createStaticToken({ hubId: hubspot.sim.control.defaultHubId() });
  t.equal((await api('POST', `/api/connections/${support}/intercom/token`, { accessToken: intercomToken, region: 'eu', webhookSecret: 'intercom-hook-secret-1' })).status, 200);
  t.equal((await api('POST', `/api/connections/${support}/hubspot/token`, { accessToken: hubspotToken, webhookSecret: 'hubspot-hook-secret-1' })).status, 200);
  // The simulators stood in for the vendors' own APIs: from here on it is an ordinary connection.
  await db.updateTable('connections').set({ intercom_base_url: null, hubspot_base_url: null }).where('id', '=', support).execute();
  const saved = await api('PUT', `/api/connections/${support}/settings`, SUPPORT_SETTINGS);
  t.equal(saved.status, 200, 'the settings are saved');
  t.equal((await api('PUT', `/api/connections/${support}/users/settings`, SUPPORT_USERS)).status, 200);

  // 2. A connection with nothing connected yet and a few settings; 3. one whose HubSpot side is OAuth.
  const sales = await createConnection(api, 'sales & success (US)');
  t.equal((await api('PUT', `/api/connections/${sales}/settings`, { timeZone: 'America/New_York', tickets: { policy: 'none' } })).status, 200);
  const oauth = await createConnection(api, 'OAuth shop');
  await db.updateTable('connections').set({ hubspot_auth: 'oauth', hubspot_portal_id: 99 }).where('id', '=', oauth).execute();
  // 4. A sandbox connection (its vendors are this install's simulators) is left out.
  const sandbox = await createConnection(api, 'Sandbox');
  await db.updateTable('connections').set({ intercom_base_url: 'http://127.0.0.1:1/sandbox/intercom' }).where('id', '=', sandbox).execute();

  const response = await exportAs(server, { cookie: session.cookie });
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^application\/yaml/);
  t.match(response.headers.get('content-disposition'), /^attachment; filename="interhubz-config-\d{4}-\d{2}-\d{2}\.yaml"$/);
  const yaml = await response.text();

  for (const secret of [intercomToken, hubspotToken, 'intercom-hook-secret-1', 'hubspot-hook-secret-1']) {
    t.notOk(yaml.includes(secret), `the secret ${secret.slice(0, 8)}… is not in the file`);
  }
  const variables = {
    SUPPORT_EU_INTERCOM_TOKEN: intercomToken,
    SUPPORT_EU_INTERCOM_WEBHOOK_SECRET: 'intercom-hook-secret-1',
    SUPPORT_EU_HUBSPOT_TOKEN: hubspotToken,
    SUPPORT_EU_HUBSPOT_WEBHOOK_SECRET: 'hubspot-hook-secret-1',
  };
  for (const name of Object.keys(variables)) {
    t.match(yaml, new RegExp(`^#\\s+${name}\\s+Support EU: `, 'm'), `the header lists ${name}`);
    t.match(yaml, new RegExp(`: \\$\\{${name}\\}$`, 'm'), `and the entry refers to it`);
  }
  t.match(yaml, /^#\s+OAuth shop: HubSpot$/m, 'the OAuth side that needs re-consent is named');
  t.match(yaml, /^# Left out: sandbox connections.*: Sandbox\.$/m);

  // A forgotten variable stops the start with its name, instead of an empty token.
  t.throws(() => parseConfig(yaml, {}), /environment variable SUPPORT_EU_INTERCOM_TOKEN is not set/);
  const parsed = parseConfig(yaml, variables, 'the export');
  t.same(parsed.connections.map((c) => c.name), ['OAuth shop', 'Support EU', 'sales & success (US)'], 'the file validates with the config schema and names the connections');

  // A fresh install (new data directory, new database) started with the exported connections.
  const fresh = await buildTestApp(t, { startScheduler: false, config: { connections: parsed.connections } });
  const before = new Map((await listConnections(db)).map((c) => [c.name, c.settings]));
  const after = await listConnections(fresh.daemon.db.kysely);
  t.same(after.map((c) => c.name), ['OAuth shop', 'Support EU', 'sales & success (US)']);
  for (const connection of after) t.same(connection.settings, before.get(connection.name), `${connection.name}: the same settings`);
  t.equal(after.find((c) => c.name === 'Support EU')?.settings.tickets.subjectTemplate, '[${plan}] {subject} — costs $5');
  t.equal(after.find((c) => c.name === 'Support EU')?.intercomRegion, 'eu');

  const owner = connectionOwner(String(after.find((c) => c.name === 'Support EU')?.id));
  const { vault } = fresh.daemon;
  const freshDb = fresh.daemon.db.kysely;
  t.equal((await getCredential(freshDb, vault, owner, INTERCOM_TOKEN_KIND))?.value, intercomToken, 'the tokens came from the variables');
  t.equal((await getCredential(freshDb, vault, owner, STATIC_TOKEN_KIND))?.value, hubspotToken);
  t.equal((await getCredential(freshDb, vault, owner, webhookSecretKind('hubspot')))?.value, 'hubspot-hook-secret-1');
  const oauthOwner = connectionOwner(String(after.find((c) => c.name === 'OAuth shop')?.id));
  t.equal(await getCredential(freshDb, vault, oauthOwner, STATIC_TOKEN_KIND), undefined, 'nothing is made up for the OAuth side');

  // Exporting the fresh install gives the same connections again.
  const again = await (await exportAs(fresh, { cookie: (await signIn(fresh)).cookie })).text();
  t.same(parseConfig(again, variables).connections, parsed.connections, 'a second export of the new install reads the same');
});

t.test('the export is for admins: anonymous 401, a viewer 403, a read token 403, an admin token 200', async (t) => {
  const passwordHash = await hashPassword('vera the viewer', TEST_PASSWORD_HASH_COST);
  const server = await buildTestApp(t, { startScheduler: false, config: { admin: { users: [{ username: 'vera', role: 'viewer', passwordHash }] } } });
  const api = sessionApi(server, await signIn(server));
  await createConnection(api, 'Support');

  t.equal((await exportAs(server, {})).status, 401);
  const viewer = await signIn({ ...server, username: 'vera', password: 'vera the viewer' });
  const refused = await exportAs(server, { cookie: viewer.cookie });
  t.equal(refused.status, 403);
  t.match(await refused.json(), { error: { code: 'admin_only' } });

  const token = async (scope: string) => String((await api('POST', '/api/tokens', { name: `${scope} token`, scope })).body?.secret);
  const read = await exportAs(server, { authorization: `Bearer ${await token('read')}` });
  t.equal(read.status, 403);
  t.match(await read.json(), { error: { code: 'insufficient_scope' } });
  const admin = await exportAs(server, { authorization: `Bearer ${await token('admin')}` });
  t.equal(admin.status, 200);
  t.match(await admin.text(), /^connections:\n {2}- name: Support$/m);
});
