import { randomBytes } from 'node:crypto';
import t from 'tap';
import { ConfigSchema } from '../../src/config/schema.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { createSigningSecrets, webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { eachStore } from '../helpers/postgres.ts';

eachStore(t, 'secrets: the configured app and each connection\'s own; reloads are rate-limited', async (t, db) => {
  const key = randomBytes(32);
  const vault = createVault({ key, id: keyIdOf(key) });
  let now = 1_000_000;
  const apps = ConfigSchema.parse({ apps: { intercom: { clientSecret: 'oauth-app' } } }).apps;
  const secrets = createSigningSecrets({ db: db.kysely, vault, apps, clock: () => now });
  t.same(await secrets.list('intercom'), [{ clientSecret: 'oauth-app', connectionId: null }]);
  t.same(await secrets.list('hubspot'), []);

  await putCredential(db.kysely, vault, { owner: connectionOwner('c1'), kind: webhookSecretKind('intercom'), value: 'own-app', now });
  now += 1000;
  secrets.reload();
  t.equal((await secrets.list('intercom')).length, 1, 'a reload within seconds of the last is ignored (forged deliveries cannot force vault reads)');
  now += 5000;
  secrets.reload();
  t.same(await secrets.list('intercom'), [{ clientSecret: 'oauth-app', connectionId: null }, { clientSecret: 'own-app', connectionId: 'c1' }]);
});
