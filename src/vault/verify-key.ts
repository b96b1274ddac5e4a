// Catches a wrong INTERHUBZ_SECRET_KEY at start, before anything tries to decrypt a credential:
// the database keeps a sealed marker made with the key it was created with.
import type { Kysely } from 'kysely';
import { getSetting, putSetting } from '../db/repos/settings.ts';
import type { Database } from '../db/schema.ts';
import { StartupError } from '../startup-error.ts';
import { keyIdOfSealed, type Vault } from './vault.ts';

const SETTING = 'vault.keyCheck';
const CONTEXT = 'vault-key-check';
const MARKER = 'interhubz';

export async function verifyKeyMatchesDatabase(db: Kysely<Database>, vault: Vault, now: number): Promise<'created' | 'matched'> {
  const sealed = await getSetting(db, SETTING);
  if (sealed === undefined) {
    await putSetting(db, SETTING, vault.seal(MARKER, CONTEXT), now);
    return 'created';
  }
  let opened: string | undefined;
  try {
    opened = vault.open(sealed, CONTEXT);
  } catch {
    opened = undefined;
  }
  if (opened !== MARKER) {
    throw new StartupError(
      `The secret key (key id ${vault.keyId}) is not the key this database was created with (key id ${keyIdOfSealed(sealed) ?? 'unknown'}). ` +
        'Set INTERHUBZ_SECRET_KEY to the original key, or put the original secret.key back in the data directory (or name its file in vault.keyFile). ' +
        'With database.url (PostgreSQL), every replica must be given that same key.',
    );
  }
  return 'matched';
}
