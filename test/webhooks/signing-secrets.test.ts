import { randomBytes } from 'node:crypto';
import t from 'tap';
import { ConfigSchema } from '../../src/config/schema.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { createSigningSecrets, webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { eachStore } from '../helpers/postgres.ts';

eachStore(t, "secrets: the configured app and each connection's own; a miss reloads at once after a write here, else at most every 5 s", async (t, db) => {
  const key = randomBytes(32);
  const plain = createVault({ key, id: keyIdOf(key) });
  let opened = 0;
  const vault = { ...plain, open: (sealed: string, context: string) => (opened++, plain.open(sealed, context)) };
  let now = 1_000_000;
  const apps = ConfigSchema.parse({ apps: { intercom: { clientSecret: 'oauth-app' } } }).apps;
  const secrets = createSigningSecrets({ db: db.kysely, vault, apps, clock: () => now });
  t.same(await secrets.list('intercom'), [{ clientSecret: 'oauth-app', connectionId: null }]);
  t.same(await secrets.list('hubspot'), []);

  // A secret stored by this process (a sandbox connection just made) is found by the next miss.
  await putCredential(db.kysely, vault, { owner: connectionOwner('c1'), kind: webhookSecretKind('intercom'), value: 'own-app', now });
  now += 1000;
  secrets.reload();
  t.same(await secrets.list('intercom'), [{ clientSecret: 'oauth-app', connectionId: null }, { clientSecret: 'own-app', connectionId: 'c1' }], 'found at once');

  // Misses with nothing stored since (forged deliveries) decrypt nothing for 5 s.
  const openedBefore = opened;
  for (let i = 0; i < 10; i++) {
    now += 400;
    secrets.reload();
    await secrets.list('intercom');
  }
  t.equal(opened, openedBefore, 'misses within 5 s of the last load, with no credential written since, read nothing (forged deliveries cannot force vault reads)');
  now += 1000;
  secrets.reload();
  await secrets.list('intercom');
  t.equal(opened, openedBefore + 1, 'after 5 s a miss reloads (a secret another replica stored is found)');
});
