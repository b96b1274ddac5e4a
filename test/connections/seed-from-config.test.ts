import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseConfig } from '../../src/config/load.ts';
import { TOKEN_KIND } from '../../src/connections/seed-from-config.ts';
import type { Db } from '../../src/db/database.ts';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { allRowsText } from '../helpers/rows.ts';
import { makeDataDir, type Teardownable } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const yaml = (extra = '') => `
connections:
  - name: Support EU
    timeZone: Europe/Berlin
    intercom:
      region: eu
      accessToken: \${IC_TOKEN}
    hubspot:
      accessToken: \${HS_TOKEN}
    conversations:
      capture:
        graceMinutes: 15
${extra}`;

const env = { IC_TOKEN: 'ic-token-5f2a-SECRET', HS_TOKEN: 'pat-na1-7c1e-SECRET' };

async function start(t: Teardownable, dataDir: string, text: string, variables: Record<string, string> = env) {
  const config = parseConfig(text, variables);
  return buildTestApp(t, { dataDir, config: { connections: config.connections, pruneConnections: config.pruneConnections } });
}

const connections = (s: TestApp): Promise<Array<Record<string, unknown>>> =>
  s.daemon.db.kysely.selectFrom('connections').select(['id', 'name', 'status', 'managed_by_config', 'intercom_region', 'settings', 'updated_at']).orderBy('name').execute();

/**
 * Where a stored token could be read in clear, as text: on SQLite the data directory's files (after a
 * checkpoint, so the WAL's pages are in the file too); on PostgreSQL, whose files are not the test's
 * to read, every row of every table (binary columns as latin1, like the files).
 */
async function storedTexts(db: Db, dataDir: string): Promise<Array<{ where: string; text: string }>> {
  if (db.dialect === 'sqlite') {
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return readdirSync(dataDir).map((file) => ({ where: file, text: readFileSync(join(dataDir, file)).toString('latin1') }));
  }
  return [{ where: 'the tables', text: await allRowsText(db) }];
}

t.test('declared connections are created, then left alone by a restart with the same file', async (t) => {
  const dataDir = makeDataDir(t);
  const first = await start(t, dataDir, yaml());
  const [row] = await connections(first);
  t.match(row, { name: 'Support EU', status: 'disconnected', managed_by_config: 1, intercom_region: 'eu' });
  t.match(JSON.parse(String(row?.settings)), { timeZone: 'Europe/Berlin', conversations: { capture: { graceMinutes: 15, mode: 'on_close' } } });
  const owner = connectionOwner(String(row?.id));
  t.same(await getCredential(first.daemon.db.kysely, first.daemon.vault, owner, TOKEN_KIND.intercom), { value: env.IC_TOKEN, version: 1 });
  t.same(await getCredential(first.daemon.db.kysely, first.daemon.vault, owner, TOKEN_KIND.hubspot), { value: env.HS_TOKEN, version: 1 });
  await first.daemon.close();

  const second = await start(t, dataDir, yaml());
  t.same(await connections(second), [row], 'same id, same row, not even updated_at moved');
  t.same(await getCredential(second.daemon.db.kysely, second.daemon.vault, owner, TOKEN_KIND.hubspot), { value: env.HS_TOKEN, version: 1 }, 'tokens not rewritten');
  const leaks = (await storedTexts(second.daemon.db, dataDir)).filter(({ text }) => /SECRET/.test(text)).map(({ where }) => where);
  t.same(leaks, [], 'the tokens are stored encrypted only');
  await second.daemon.close();

  const rotated = await start(t, dataDir, yaml().replace('graceMinutes: 15', 'graceMinutes: 5'), { ...env, HS_TOKEN: 'pat-na1-rotated' });
  const [changed] = await connections(rotated);
  t.equal(changed?.id, row?.id);
  t.match(JSON.parse(String(changed?.settings)), { conversations: { capture: { graceMinutes: 5 } } });
  t.same(await getCredential(rotated.daemon.db.kysely, rotated.daemon.vault, owner, TOKEN_KIND.hubspot), { value: 'pat-na1-rotated', version: 2 });
});

t.test('a connection removed from the file stays, UI-managed; with pruneConnections it is deleted', async (t) => {
  const dataDir = makeDataDir(t);
  const first = await start(t, dataDir, yaml());
  const id = String((await connections(first))[0]?.id);
  await enqueueJob(first.daemon.db.kysely, { task: 'x', payload: {}, connectionId: id, runAt: Date.now() + 3_600_000 }, { now: Date.now(), maxAttempts: 3 });
  await first.daemon.close();

  const released = await start(t, dataDir, 'connections: []');
  t.match(await connections(released), [{ id, managed_by_config: 0 }], 'kept, now managed in the UI');
  await released.daemon.db.kysely.updateTable('connections').set({ managed_by_config: 1 }).execute();
  await released.daemon.close();

  const pruned = await start(t, dataDir, 'pruneConnections: true\nconnections: []');
  t.same(await connections(pruned), []);
  t.same(await pruned.daemon.db.kysely.selectFrom('credentials').select('owner').where('owner', '=', connectionOwner(id)).execute(), [], 'its credentials are erased');
  t.match(await pruned.daemon.db.kysely.selectFrom('jobs').select('status').where('connection_id', '=', id).execute(), [{ status: 'cancelled' }], 'its pending jobs are cancelled');
});

t.test('maxConnections is checked against the file', async (t) => {
  t.throws(() => parseConfig(`maxConnections: 1\n${yaml()}  - name: Second\n`, env), { message: /connections \(line 4\): declares 2 connections, but maxConnections allows 1/ });
});
