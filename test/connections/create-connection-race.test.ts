// Connections created at once — two admins, two replicas of a cluster, replicas starting together
// with one configuration file — stay within maxConnections and never fail on the unique name: every
// transaction that adds a connection enters one section (lockSection), which on PostgreSQL is an
// advisory lock and on SQLite the single writer's.
import t from 'tap';
import { parseConfig } from '../../src/config/load.ts';
import { createConnection } from '../../src/connections/create-connection.ts';
import { seedConnectionsFromConfig } from '../../src/connections/seed-from-config.ts';
import { createVault } from '../../src/vault/vault.ts';
import { TEST_SECRET_KEY } from '../helpers/capture-sims.ts';
import { eachStore } from '../helpers/postgres.ts';
import { countRows } from '../helpers/rows.ts';

const vault = createVault({ key: Buffer.from(TEST_SECRET_KEY, 'base64'), id: 'test' });

eachStore(t, 'two creations at once with room for one: one is made, the other refused', async (t, db) => {
  const results = await Promise.all([1, 2].map((n) => createConnection(db.kysely, { name: `Support ${n}`, maxConnections: 1, now: n })));
  t.same(results.map((result) => result.ok).sort(), [false, true]);
  t.match(results.find((result) => !result.ok), { reason: 'limit_reached' });
  t.equal(await countRows(db, 'connections'), 1, 'maxConnections holds');
});

eachStore(t, 'two creations of one name at once: one is made, the other told the name is taken', async (t, db) => {
  const results = await Promise.all([1, 2].map((n) => createConnection(db.kysely, { name: 'Support', maxConnections: 0, now: n })));
  t.same(results.map((result) => (result.ok ? 'ok' : result.reason)).sort(), ['name_taken', 'ok']);
  t.equal(await countRows(db, 'connections'), 1);
});

eachStore(t, 'replicas applying one configuration file at once create each connection once', async (t, db) => {
  const config = parseConfig(
    ['connections:', '  - name: Support EU', '    intercom: { accessToken: ic-token }', '    hubspot: { accessToken: pat-na1-token }', '  - name: Sales', '    intercom: { accessToken: ic-token-2 }'].join('\n'),
    {},
  );
  const results = await Promise.all([1, 2, 3].map(() => seedConnectionsFromConfig(db.kysely, vault, config, 1)));
  t.same(results.flatMap((result) => result.created).sort(), ['Sales', 'Support EU'], 'each created by one of them');
  t.same(results.flatMap((result) => result.unchanged).sort(), ['Sales', 'Sales', 'Support EU', 'Support EU'], 'the others find them made');
  t.equal(await countRows(db, 'connections'), 2);
  t.equal(await countRows(db, 'credentials'), 3, 'each token stored once');
});
