// Where the vault's key comes from: INTERHUBZ_SECRET_KEY, else the configured key file, else a key
// generated once into the data directory (mode 0600). The key id is derived from the key itself, so
// a ciphertext names the key that made it and a wrong key is recognised before anything is decrypted.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../startup-error.ts';

export const GENERATED_KEY_FILE = 'secret.key';

export interface SecretKey {
  key: Buffer;
  id: string;
  source: 'environment' | 'file' | 'generated';
  file?: string;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('interhubz-key-id').update(key).digest('hex').slice(0, 12);
}

function decodeKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, '')) {
    throw new StartupError(
      `${origin} must be the base64 encoding of exactly 32 random bytes (make one with: openssl rand -base64 32).`,
    );
  }
  return key;
}

export function loadSecretKey(options: {
  envKey: string | undefined;
  keyFile: string;
  dataDir: string;
  /** The database beside the key: when it exists, a missing key is lost, not new. */
  databaseFile?: string;
  /** The database is PostgreSQL (database.url), shared by every replica: the key must be given. */
  sharedDatabase?: boolean;
}): SecretKey {
  if (options.envKey) {
    const key = decodeKey(options.envKey, 'INTERHUBZ_SECRET_KEY');
    return { key, id: keyIdOf(key), source: 'environment' };
  }
  const explicit = options.keyFile !== '';
  // A shared database needs one key on every replica. A key generated here would live in this
  // replica's data directory only: a second replica starting beside it would generate another
  // (and, racing on an empty database, either could seal the marker first), and a container whose
  // data directory is not kept would lose it. Even the first start of an empty database is refused:
  // "empty" is only true for whichever replica looks first, and the key is unrecoverable later —
  // an operator who sets it once up front loses nothing. Reading a secret.key an earlier SQLite
  // install left in the data directory is refused too, for the same reason: name it in vault.keyFile.
  if (options.sharedDatabase && !explicit) {
    throw new StartupError(
      'With database.url (PostgreSQL) every replica must use the same secret key, so it is never generated: ' +
        'set INTERHUBZ_SECRET_KEY to the key (make one with: openssl rand -base64 32), or set vault.keyFile to a file holding it ' +
        'mounted into each replica (for a key an earlier SQLite install made, the secret.key of its data directory).',
    );
  }
  const file = explicit ? options.keyFile : join(options.dataDir, GENERATED_KEY_FILE);
  try {
    const key = decodeKey(readFileSync(file, 'utf8'), `The key file ${file}`);
    return { key, id: keyIdOf(key), source: 'file', file };
  } catch (error) {
    if (error instanceof StartupError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || explicit) {
      throw new StartupError(`The key file ${file} cannot be read (${code ?? String(error)}); check vault.keyFile and its permissions.`);
    }
  }
  // A database with no key beside it was made with a key that is now missing (deleted, not copied
  // with a backup, or given by INTERHUBZ_SECRET_KEY before). A new key could never open its
  // credentials and would be written next to it, so stop before writing anything.
  if (options.databaseFile !== undefined && existsSync(options.databaseFile)) {
    throw new StartupError(
      `The database ${options.databaseFile} exists but its secret key is missing: ${file} does not exist and INTERHUBZ_SECRET_KEY is not set. ` +
        'Put the original secret.key back in the data directory, or set INTERHUBZ_SECRET_KEY to the original key. ' +
        'Nothing was written; a new key would not open the stored credentials.',
    );
  }
  const key = randomBytes(32);
  // 'wx' refuses to overwrite a key another process wrote in the meantime.
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, id: keyIdOf(key), source: 'generated', file };
}
