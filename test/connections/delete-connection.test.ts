import { randomBytes } from 'node:crypto';
import t from 'tap';
import { deleteConnection } from '../../src/connections/delete-connection.ts';
import { storeOAuthTokens, storeStaticToken } from '../../src/integrations/hubspot/auth.ts';
import { connectionCredentials } from '../../src/connections/connection-credentials.ts';
import { INTERCOM_TOKEN_KIND } from '../../src/integrations/intercom/auth.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { enqueueJob, getJob } from '../../src/jobs/queue.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { eachStore } from '../helpers/postgres.ts';

eachStore(t, 'deleting a connection cancels its jobs and erases every credential the clients and intake use', async (t, db) => {
  const key = randomBytes(32);
  const vault = createVault({ key, id: keyIdOf(key) });
  for (const id of ['c1', 'c2']) {
    await db.kysely.insertInto('connections').values({ id, name: id, status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1 }).execute();
    await storeStaticToken(connectionCredentials({ db: db.kysely, vault }, id), `pat-${id}`, 1);
    await storeOAuthTokens(connectionCredentials({ db: db.kysely, vault }, id), { accessToken: `a-${id}`, refreshToken: `r-${id}`, expiresAt: 2 }, 1);
    await putCredential(db.kysely, vault, { owner: connectionOwner(id), kind: INTERCOM_TOKEN_KIND, value: `ic-${id}`, now: 1 });
    await putCredential(db.kysely, vault, { owner: connectionOwner(id), kind: webhookSecretKind('intercom'), value: `ws-${id}`, now: 1 });
  }
  const job = await enqueueJob(db.kysely, { task: 'x', payload: {}, connectionId: 'c1', runAt: 99 }, { now: 1, maxAttempts: 3 });
  t.same(await deleteConnection(db.kysely, 'c1', 5), { cancelledJobs: 1, erasedCredentials: 4 });
  t.same(await db.kysely.selectFrom('credentials').select('owner').distinct().execute(), [{ owner: 'connection:c2' }], 'nothing of c1 is left that could call out');
  t.match(await getJob(db.kysely, job.id), { status: 'cancelled' });
  t.same(await db.kysely.selectFrom('connections').select('id').execute(), [{ id: 'c2' }]);
});
