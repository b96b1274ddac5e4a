// The vault key with a shared database (database.url, issue #21): every replica must hold the same
// key, so none is generated into a data directory; a replica given another key is stopped by the
// database's key marker with a sentence that says what to do.
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { StartupError } from '../../src/startup-error.ts';
import { GENERATED_KEY_FILE, keyIdOf, loadSecretKey } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { verifyKeyMatchesDatabase } from '../../src/vault/verify-key.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { makeDataDir } from '../helpers/server.ts';

t.test('no key given with a shared database: refused, naming INTERHUBZ_SECRET_KEY and vault.keyFile, nothing written', async (t) => {
  const dir = makeDataDir(t);
  const error = (() => {
    try {
      loadSecretKey({ envKey: undefined, keyFile: '', dataDir: dir, sharedDatabase: true });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  t.ok(error instanceof StartupError);
  t.match((error as Error).message, /database\.url/);
  t.match((error as Error).message, /INTERHUBZ_SECRET_KEY/);
  t.match((error as Error).message, /vault\.keyFile/);
  t.notOk(existsSync(join(dir, GENERATED_KEY_FILE)), 'no key was generated');
});

t.test("a secret.key an earlier SQLite install left in the data directory is not taken silently", async (t) => {
  const dir = makeDataDir(t);
  writeFileSync(join(dir, GENERATED_KEY_FILE), `${randomBytes(32).toString('base64')}\n`);
  t.throws(() => loadSecretKey({ envKey: undefined, keyFile: '', dataDir: dir, sharedDatabase: true }), { message: /vault\.keyFile/ });
});

t.test('a key from the environment or from vault.keyFile is used with a shared database', async (t) => {
  const dir = makeDataDir(t);
  const key = randomBytes(32).toString('base64');
  t.equal(loadSecretKey({ envKey: key, keyFile: '', dataDir: dir, sharedDatabase: true }).source, 'environment');
  const file = join(dir, 'shared.key');
  writeFileSync(file, `${key}\n`);
  const fromFile = loadSecretKey({ envKey: undefined, keyFile: file, dataDir: dir, sharedDatabase: true });
  t.equal(fromFile.source, 'file');
  t.equal(fromFile.id, keyIdOf(Buffer.from(key, 'base64')));
});

t.test('a replica given another key than the first one is stopped by the database', async (t) => {
  const db = await makeTestPgDb(t);
  const vaultOf = (key: Buffer) => createVault({ key, id: keyIdOf(key) });
  const shared = randomBytes(32);
  t.equal(await verifyKeyMatchesDatabase(db.kysely, vaultOf(shared), 1), 'created', 'the first replica seals the marker');
  t.equal(await verifyKeyMatchesDatabase(db.kysely, vaultOf(Buffer.from(shared)), 2), 'matched', 'a replica with the same key starts');
  const error = await verifyKeyMatchesDatabase(db.kysely, vaultOf(randomBytes(32)), 3).catch((e: unknown) => e);
  t.ok(error instanceof StartupError);
  t.match((error as Error).message, /is not the key this database was created with/);
  t.match((error as Error).message, /every replica must be given that same key/);
});
