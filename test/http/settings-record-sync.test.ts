// PUT/GET /api/connections/:id/settings with recordSync (#17 items 2, 4, 5): saved and answered like
// the other sections; an enabled object's mappings checked against the live accounts (a mismatch is a
// 400 naming the key, nothing saved), its `create: true` fields made; saved with a notice when the
// accounts cannot be reached; read-only for a YAML-managed connection.
import t from 'tap';
import { captureScenario } from '../helpers/capture-scenario.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const storedRecordSync = async (s: Awaited<ReturnType<typeof captureScenario>>) => (await s.row()).settings.recordSync;

t.test('recordSync is saved with its defaults and answered by GET; other sections stay', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'Support' })).body?.id);
  await api('PUT', `/api/connections/${id}/settings`, { timeZone: 'Europe/Berlin' });
  const put = await api('PUT', `/api/connections/${id}/settings`, {
    recordSync: { companies: { mappings: [{ intercom: 'custom.tier', hubspot: 'tier', direction: 'both' }] } },
  });
  t.equal(put.status, 200, JSON.stringify(put.body));
  t.match(put.body?.settings, {
    timeZone: 'Europe/Berlin',
    recordSync: {
      contacts: { enabled: false, mappings: [{ intercom: 'email', hubspot: 'email' }] },
      companies: { enabled: false, mappings: [{ intercom: 'name', hubspot: 'name' }, { intercom: 'website', hubspot: 'domain' }, { intercom: 'custom.tier', hubspot: 'tier', direction: 'both', onConflict: 'newest_wins' }] },
    },
  });
  t.same(put.body?.recordSyncCheck, { checked: [], created: [], notices: [] }, 'nothing enabled, nothing to check');
  const got = await api('GET', `/api/connections/${id}/settings`);
  t.same(got.body?.settings.recordSync, put.body?.settings.recordSync);
  t.notOk('recordSyncCheck' in (got.body ?? {}), 'only a PUT that sent recordSync says what the check found');

  const bad = await api('PUT', `/api/connections/${id}/settings`, { recordSync: { contacts: { mappings: [{ intercom: 'email', hubspot: 'email', direction: 'sideways' }] } } });
  t.equal(bad.status, 400);
  t.match(bad.body?.error.details, [{ path: 'recordSync.contacts.mappings.0.direction', message: /must be one of/ }]);
});

t.test('an enabled object whose mappings do not fit the accounts is a 400 by key, and nothing is saved', async (t) => {
  const s = await captureScenario(t);
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'plan_type', model: 'contact', dataType: 'string' });
  const before = await storedRecordSync(s);
  const put = await s.api('PUT', `/api/connections/${s.connectionId}/settings`, {
    recordSync: {
      contacts: {
        enabled: true,
        mappings: [
          { intercom: 'email', hubspot: 'email', direction: 'to_hubspot' },
          { intercom: 'custom.plan_type', hubspot: 'numberofseats', direction: 'to_hubspot' },
          { intercom: 'custom.plan_type', hubspot: 'createdate', direction: 'to_intercom' },
        ],
      },
    },
  });
  t.equal(put.status, 400, JSON.stringify(put.body));
  // The list as saved starts with the always-mapped fields the request left out (name, phone).
  t.match(put.body?.error, {
    code: 'mapping_mismatch',
    message: /Nothing was saved/,
    details: [
      { path: 'recordSync.contacts.mappings[3].hubspot', message: /no property 'numberofseats' \(create: true would create it\)/ },
      { path: 'recordSync.contacts.mappings[4].hubspot', message: /HubSpot datetime value cannot go into an Intercom string.*would work: Intercom date/ },
    ],
  });
  t.same(await storedRecordSync(s), before, 'nothing saved');
  t.equal(s.records('contacts').length, 0);
});

t.test('create: true fields are made at save time, in the Interhubz group, and the answer lists them', async (t) => {
  const s = await captureScenario(t);
  s.intercom.control.dataAttributes.create(s.workspaceId, { name: 'plan_type', model: 'contact', dataType: 'string', options: ['free', 'pro'] });
  const recordSync = {
    contacts: {
      enabled: true,
      mappings: [
        { intercom: 'custom.plan_type', hubspot: 'intercom_plan', direction: 'to_hubspot', create: true },
        { intercom: 'custom.hubspot_lifecycle_stage', hubspot: 'lifecyclestage', direction: 'to_intercom', create: true },
      ],
    },
  };
  const put = await s.api('PUT', `/api/connections/${s.connectionId}/settings`, { recordSync });
  t.equal(put.status, 200, JSON.stringify(put.body));
  t.same(put.body?.recordSyncCheck, {
    checked: ['contacts'],
    created: [
      { mapping: 'recordSync.contacts.mappings[3]', vendor: 'hubspot', name: 'intercom_plan', type: 'enumeration' },
      { mapping: 'recordSync.contacts.mappings[4]', vendor: 'intercom', name: 'hubspot_lifecycle_stage', type: 'string' },
    ],
    notices: [],
  });
  t.equal((await storedRecordSync(s)).contacts.enabled, true, 'saved');
  const property = s.hubspot.control.requests().entries.filter((entry) => entry.method === 'POST' && /\/properties\/[^/]+\/contacts$/.test(entry.path));
  t.equal(property.length, 1, 'one property created');

  const again = await s.api('PUT', `/api/connections/${s.connectionId}/settings`, { recordSync });
  t.equal(again.status, 200);
  t.same(again.body?.recordSyncCheck.created, [], 'created once: saving again finds them');
});

t.test('when the accounts cannot be reached the settings are saved, and the answer says so', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'Not connected yet' })).body?.id);
  const put = await api('PUT', `/api/connections/${id}/settings`, {
    recordSync: { companies: { enabled: true, mappings: [{ intercom: 'custom.tier', hubspot: 'intercom_tier', direction: 'to_hubspot', create: true }] } },
  });
  t.equal(put.status, 200, JSON.stringify(put.body));
  t.match(put.body?.recordSyncCheck, { checked: [], created: [], notices: [/The companies mappings were saved unchecked: the connection is not connected to both accounts yet.*created when companies first sync/] });
  t.equal(put.body?.settings.recordSync.companies.enabled, true);
  t.equal((await api('GET', `/api/connections/${id}/settings`)).body?.settings.recordSync.companies.enabled, true, 'saved');
});

t.test('a connection declared in the YAML file keeps its recordSync read-only', async (t) => {
  const server = await buildTestApp(t, {
    startScheduler: false,
    config: { connections: [{ name: 'Support', recordSync: { companies: { mappings: [{ intercom: 'industry', hubspot: 'description', direction: 'to_hubspot' }] } } }] },
  });
  const api = sessionApi(server, await signIn(server));
  const { id } = await server.daemon.db.kysely.selectFrom('connections').select('id').where('name', '=', 'Support').executeTakeFirstOrThrow();
  const got = await api('GET', `/api/connections/${id}/settings`);
  t.match(got.body?.settings.recordSync.companies.mappings, [{ intercom: 'name' }, { intercom: 'website' }, { intercom: 'industry', hubspot: 'description' }], 'from the YAML');
  const put = await api('PUT', `/api/connections/${id}/settings`, { recordSync: { companies: { enabled: true } } });
  t.equal(put.status, 409);
  t.match(put.body, { error: { code: 'managed_by_config' } });
});
