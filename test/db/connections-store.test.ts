// The connections store (src/db/repos/connections.ts): a row comes out a Connection, read once.
import t from 'tap';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import {
  getConnection, insertConnection, listActiveConnections, listConnections, listConnectionsNamed, setPaused, updateConnectionSettings,
} from '../../src/db/repos/connections.ts';
import { eachStore } from '../helpers/postgres.ts';

const defaults = ConnectionSettings.parse({});

eachStore(t, 'a stored row reads as a Connection: camelCase, booleans, scopes and settings parsed (defaults for what the JSON lacks)', async (t, { kysely }) => {
  await kysely.insertInto('connections').values({
    id: 'c1', name: 'EU', status: 'needs_reauth', managed_by_config: 1, created_at: 10, updated_at: 20,
    intercom_workspace_id: 'ws1', intercom_region: 'eu', hubspot_portal_id: 42, settings: JSON.stringify({ timeZone: 'Europe/Berlin' }),
    intercom_base_url: null, hubspot_base_url: 'http://hubspot.test', intercom_auth: 'oauth', hubspot_auth: 'token',
    hubspot_scopes: JSON.stringify(['oauth', 'tickets']), intercom_refused: 0, hubspot_refused: 1,
  }).execute();
  t.same(await getConnection(kysely, 'c1'), {
    id: 'c1', name: 'EU', status: 'needs_reauth', managedByConfig: true, createdAt: 10, updatedAt: 20,
    intercomWorkspaceId: 'ws1', intercomRegion: 'eu', hubspotPortalId: 42, intercomBaseUrl: null, hubspotBaseUrl: 'http://hubspot.test',
    intercomAuth: 'oauth', hubspotAuth: 'token', hubspotScopes: ['oauth', 'tickets'], intercomRefused: false, hubspotRefused: true,
    settings: { ...defaults, timeZone: 'Europe/Berlin' },
  });
  t.equal(await getConnection(kysely, 'nope'), undefined);
});

eachStore(t, 'insertConnection stores `{}` when no settings are given, so the connection follows the defaults of each version', async (t, { kysely }) => {
  const base = { status: 'disconnected' as const, createdAt: 5, intercomWorkspaceId: null, intercomRegion: 'us' as const, hubspotPortalId: null, intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: null, hubspotAuth: null };
  const plain = await insertConnection(kysely, { ...base, id: 'a', name: 'A' });
  const tuned = await insertConnection(kysely, { ...base, id: 'b', name: 'B', settings: { ...defaults, timeZone: 'UTC' } });
  const stored = await kysely.selectFrom('connections').select(['id', 'settings', 'managed_by_config', 'updated_at']).orderBy('id').execute();
  t.same(stored, [
    { id: 'a', settings: '{}', managed_by_config: 0, updated_at: 5 },
    { id: 'b', settings: JSON.stringify({ ...defaults, timeZone: 'UTC' }), managed_by_config: 0, updated_at: 5 },
  ]);
  t.same(plain, await getConnection(kysely, 'a'), 'answers what a later read reads');
  t.same(tuned.settings, { ...defaults, timeZone: 'UTC' });
});

eachStore(t, 'the lists: all by name, by names, and the active ones with both sides connected', async (t, { kysely }) => {
  const row = (id: string, status: 'active' | 'paused', workspace: string | null, portal: number | null) =>
    ({ id, name: id.toUpperCase(), status, managed_by_config: 0 as const, created_at: 1, updated_at: 1, intercom_workspace_id: workspace, hubspot_portal_id: portal });
  await kysely.insertInto('connections').values([row('c', 'active', 'w', 1), row('a', 'active', null, 1), row('b', 'paused', 'w', 1), row('d', 'active', 'w', 2)]).execute();
  t.same((await listConnections(kysely)).map((c) => c.id), ['a', 'b', 'c', 'd']);
  t.same((await listConnectionsNamed(kysely, ['B', 'D'])).map((c) => c.id).sort(), ['b', 'd']);
  t.same(await listConnectionsNamed(kysely, []), []);
  t.same((await listActiveConnections(kysely)).map((c) => c.id).sort(), ['c', 'd']);
});

eachStore(t, 'setPaused and updateConnectionSettings write what the next read sees', async (t, { kysely }) => {
  await kysely.insertInto('connections').values({ id: 'c1', name: 'EU', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1 }).execute();
  await setPaused(kysely, 'c1', true, 2);
  t.match(await getConnection(kysely, 'c1'), { status: 'paused', updatedAt: 2 });
  await setPaused(kysely, 'c1', false, 3);
  t.match(await getConnection(kysely, 'c1'), { status: 'active', updatedAt: 3 });

  const saved = await updateConnectionSettings(kysely, 'c1', (current) => ({ ...current, timeZone: 'Asia/Tokyo' }), 4);
  t.same(saved, { ...defaults, timeZone: 'Asia/Tokyo' });
  t.match(await getConnection(kysely, 'c1'), { settings: saved, updatedAt: 4 });
  await t.rejects(updateConnectionSettings(kysely, 'c1', () => { throw new Error('refused'); }, 5), /refused/);
  t.match(await getConnection(kysely, 'c1'), { settings: saved, updatedAt: 4 }, 'a refused change writes nothing');
});
