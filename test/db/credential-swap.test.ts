import { randomBytes } from 'node:crypto';
import t from 'tap';
import { markNeedsReauth, markReauthorised } from '../../src/connections/reauth.ts';
import { getConnection } from '../../src/db/repos/connections.ts';
import { getCredential, putCredential, swapCredential } from '../../src/db/repos/credentials.ts';
import { enqueueJob, getJob } from '../../src/jobs/queue.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { eachStore } from '../helpers/postgres.ts';

const key = randomBytes(32);
const vault = createVault({ key, id: keyIdOf(key) });

eachStore(t, 'compare-and-swap: a stale writer cannot overwrite a newer token', async (t, { kysely }) => {
  await putCredential(kysely, vault, { owner: 'connection:1', kind: 'hubspot.oauth', value: 'v1', now: 1 });
  const read = await getCredential(kysely, vault, 'connection:1', 'hubspot.oauth');
  t.equal(read?.version, 1);
  // Two refreshes both read version 1; the first to write wins.
  t.equal(await swapCredential(kysely, vault, { owner: 'connection:1', kind: 'hubspot.oauth', value: 'from refresh A', expectedVersion: 1, now: 2 }), 2);
  t.equal(await swapCredential(kysely, vault, { owner: 'connection:1', kind: 'hubspot.oauth', value: 'from refresh B', expectedVersion: 1, now: 3 }), null);
  t.same(await getCredential(kysely, vault, 'connection:1', 'hubspot.oauth'), { value: 'from refresh A', version: 2 });
});

eachStore(t, 'needs_reauth parks the connection\'s queued jobs; re-authorising resumes them', async (t, { kysely }) => {
  await kysely.insertInto('connections').values({ id: 'c1', name: 'EU', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1 }).execute();
  const job = await enqueueJob(kysely, { task: 'capture', payload: {}, connectionId: 'c1', runAt: 5 }, { now: 1, maxAttempts: 3 });
  const other = await enqueueJob(kysely, { task: 'capture', payload: {}, connectionId: 'c2' }, { now: 1, maxAttempts: 3 });
  await markNeedsReauth(kysely, 'c1', 'hubspot', 10);
  t.match(await getConnection(kysely, 'c1'), { status: 'needs_reauth' });
  t.match(await getJob(kysely, job.id), { status: 'parked' });
  t.match(await getJob(kysely, other.id), { status: 'queued' });
  const during = await enqueueJob(kysely, { task: 'capture', payload: {}, connectionId: 'c1' }, { now: 11, maxAttempts: 3 });
  t.equal(during.status, 'parked', 'new work for it waits too');
  await markReauthorised(kysely, 'c1', 20);
  t.match(await getConnection(kysely, 'c1'), { status: 'active' });
  t.match(await getJob(kysely, job.id), { status: 'queued', run_at: 20 });
  t.match(await getJob(kysely, during.id), { status: 'queued' });
});
