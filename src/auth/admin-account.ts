// The admin login: username from config, password from config/env (hashed here and never kept in
// plaintext), a configured scrypt hash, or — on a first start with neither — a generated password
// whose hash is stored in SQLite and which is printed exactly once.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import { getSetting, putSetting } from '../db/repos/settings.ts';
import type { Database } from '../db/schema.ts';
import { StartupError } from '../startup-error.ts';
import { hashPassword, isPasswordHash } from './password-hash.ts';

const SETTING = 'admin.generatedPasswordHash';

export interface AdminAccount {
  username: string;
  passwordHash: string;
  /** Set only on the start that generated the password, so main can print it once. */
  generatedPassword?: string;
  source: 'config' | 'generated' | 'stored';
}

export async function resolveAdminAccount(admin: Config['admin'], db: Kysely<Database>, now: number): Promise<AdminAccount> {
  const { username } = admin;
  if (admin.passwordHash) {
    if (!isPasswordHash(admin.passwordHash)) {
      throw new StartupError('admin.passwordHash is not a scrypt hash made by `npm run hash-password`; set it again or use admin.password.', 2);
    }
    return { username, passwordHash: admin.passwordHash, source: 'config' };
  }
  if (admin.password) return { username, passwordHash: await hashPassword(admin.password), source: 'config' };
  const stored = await getSetting(db, SETTING);
  if (stored) return { username, passwordHash: stored, source: 'stored' };
  const generatedPassword = randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(generatedPassword);
  await putSetting(db, SETTING, passwordHash, now);
  return { username, passwordHash, generatedPassword, source: 'generated' };
}
