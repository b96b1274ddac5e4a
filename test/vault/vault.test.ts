import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DATABASE_FILE, openDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { deleteCredentials, getCredential, putCredential } from '../../src/db/repos/credentials.ts';
import { StartupError } from '../../src/startup-error.ts';
import { GENERATED_KEY_FILE, keyIdOf, loadSecretKey } from '../../src/vault/secret-key.ts';
import { createVault, keyIdOfSealed } from '../../src/vault/vault.ts';
import { verifyKeyMatchesDatabase } from '../../src/vault/verify-key.ts';
import { makeDataDir } from '../helpers/server.ts';

const newKey = () => {
  const key = randomBytes(32);
  return { key, id: keyIdOf(key) };
};

t.test('seal and open round-trip; each ciphertext names its key and is fresh', async (t) => {
  const secret = newKey();
  const vault = createVault(secret);
  const a = vault.seal('pat-na1-token', 'connection:1/hubspot');
  const b = vault.seal('pat-na1-token', 'connection:1/hubspot');
  t.not(a, b, 'a random IV per value');
  t.equal(keyIdOfSealed(a), secret.id);
  t.notMatch(a, /pat-na1-token/);
  t.equal(vault.open(a, 'connection:1/hubspot'), 'pat-na1-token');
});

t.test('a ciphertext does not open under another context, another key, or after tampering', async (t) => {
  const vault = createVault(newKey());
  const sealed = vault.seal('secret', 'connection:1/hubspot');
  t.throws(() => vault.open(sealed, 'connection:2/hubspot'), /does not decrypt/);
  t.throws(() => createVault(newKey()).open(sealed, 'connection:1/hubspot'), /sealed with key/);
  const parts = sealed.split('.');
  const data = Buffer.from(parts[4] ?? '', 'base64url');
  data[0] = (data[0] ?? 0) ^ 1;
  parts[4] = data.toString('base64url');
  t.throws(() => vault.open(parts.join('.'), 'connection:1/hubspot'), /does not decrypt/);
});

t.test('a credential written through the vault is not in the raw database file', async (t) => {
  const dir = makeDataDir(t);
  const vault = createVault(newKey());
  const token = `pat-na1-${randomBytes(16).toString('hex')}`;
  const db = openDb(join(dir, DATABASE_FILE));
  migrate(db.sqlite);
  await putCredential(db.kysely, vault, { owner: 'connection:1', kind: 'hubspot', value: token, now: 1 });
  t.same(await getCredential(db.kysely, vault, 'connection:1', 'hubspot'), { value: token, version: 1 });
  await putCredential(db.kysely, vault, { owner: 'connection:1', kind: 'hubspot', value: `${token}-2`, now: 2 });
  t.same(await getCredential(db.kysely, vault, 'connection:1', 'hubspot'), { value: `${token}-2`, version: 2 }, 'a rewrite bumps the version');
  // Read every file SQLite wrote (main file, WAL, shared memory) while open and after closing.
  const grep = () => readdirSync(dir).filter((file) => readFileSync(join(dir, file)).includes(token));
  t.same(grep(), [], 'not in the database, its WAL or its shm while open');
  await db.close();
  t.same(grep(), [], 'not in any file after close');
  t.ok(readFileSync(join(dir, DATABASE_FILE)).includes(Buffer.from(`v1.${vault.keyId}.`)), 'the sealed value, naming its key, is');
});

t.test('deleting an owner\'s credentials erases them', async (t) => {
  const db = openDb(join(makeDataDir(t), DATABASE_FILE));
  t.teardown(() => db.close());
  migrate(db.sqlite);
  const vault = createVault(newKey());
  await putCredential(db.kysely, vault, { owner: 'connection:1', kind: 'hubspot', value: 'a', now: 1 });
  await putCredential(db.kysely, vault, { owner: 'connection:1', kind: 'intercom', value: 'b', now: 1 });
  await putCredential(db.kysely, vault, { owner: 'connection:2', kind: 'hubspot', value: 'c', now: 1 });
  t.equal(await deleteCredentials(db.kysely, 'connection:1'), 2);
  t.equal(await getCredential(db.kysely, vault, 'connection:1', 'hubspot'), undefined);
  t.same(await getCredential(db.kysely, vault, 'connection:2', 'hubspot'), { value: 'c', version: 1 });
});

t.test('key sources: environment, key file, or generated once with mode 0600', async (t) => {
  const dir = makeDataDir(t);
  const envKey = randomBytes(32).toString('base64');
  t.equal(loadSecretKey({ envKey, keyFile: '', dataDir: dir }).source, 'environment');

  const generated = loadSecretKey({ envKey: undefined, keyFile: '', dataDir: dir });
  t.equal(generated.source, 'generated');
  const file = join(dir, GENERATED_KEY_FILE);
  t.equal(statSync(file).mode & 0o777, 0o600);
  const again = loadSecretKey({ envKey: undefined, keyFile: '', dataDir: dir });
  t.equal(again.source, 'file');
  t.equal(again.id, generated.id, 'the second start reads the same key');

  const keyFile = join(dir, 'my.key');
  writeFileSync(keyFile, `${envKey}\n`);
  t.equal(loadSecretKey({ envKey: undefined, keyFile, dataDir: dir }).id, keyIdOf(Buffer.from(envKey, 'base64')));
});

t.test('a malformed key is refused with a sentence that says how to make one', async (t) => {
  const dir = makeDataDir(t);
  t.throws(() => loadSecretKey({ envKey: 'too-short', keyFile: '', dataDir: dir }), {
    message: /INTERHUBZ_SECRET_KEY must be the base64 encoding of exactly 32 random bytes \(make one with: openssl rand -base64 32\)/,
  });
  t.throws(() => loadSecretKey({ envKey: undefined, keyFile: join(dir, 'missing.key'), dataDir: dir }), { message: /vault\.keyFile/ });
});

t.test('a wrong key for an existing database stops the start', async (t) => {
  const db = openDb(join(makeDataDir(t), DATABASE_FILE));
  t.teardown(() => db.close());
  migrate(db.sqlite);
  const original = createVault(newKey());
  t.equal(await verifyKeyMatchesDatabase(db.kysely, original, 1), 'created');
  t.equal(await verifyKeyMatchesDatabase(db.kysely, original, 2), 'matched');
  const wrong = createVault(newKey());
  const error = await verifyKeyMatchesDatabase(db.kysely, wrong, 3).catch((e: unknown) => e);
  t.ok(error instanceof StartupError);
  t.match((error as Error).message, `not the key this database was created with (key id ${original.keyId})`);
});
