// The admin login. Whatever gives the password — admin.password / INTERHUBZ_ADMIN_PASSWORD, a
// configured scrypt hash, or a password generated on the first start — its hash is kept in SQLite,
// so every source behaves alike across restarts: removing the variable keeps the stored password,
// and setting it again (to anything) replaces it. A generated password is printed exactly once.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import { getSetting, putSetting, putSettingIfAbsent } from '../db/repos/settings.ts';
import type { Database } from '../db/schema.ts';
import { StartupError } from '../startup-error.ts';
import { DEFAULT_SCRYPT_COST, hashPassword, isPasswordHash, needsRehash, verifyPassword } from './password-hash.ts';

/** The setting's historic name: it first held only generated passwords. */
const SETTING = 'admin.generatedPasswordHash';

export interface AdminAccount {
  username: string;
  /**
   * This start's view of the hash, replaced in place when a sign-in upgrades a weaker hash. Checks
   * of a password use currentHash(): another replica may have changed it since.
   */
  passwordHash: string;
  /**
   * The hash as stored now (issue #21): a password changed on another replica of the install
   * counts here at once. Until this start has persisted its own decision, that decision.
   */
  currentHash(): Promise<string>;
  /** Set only on the start that generated the password, so it can be printed once. */
  generatedPassword?: string;
  source: 'config' | 'generated' | 'stored';
  /** True when the configured admin.passwordHash is weaker than the current scrypt cost. */
  weakConfiguredHash: boolean;
  /**
   * Writes what this start decided (a new or changed hash). The daemon calls it only once it holds
   * its port, so a start that fails to listen does not use up a generated password.
   */
  persist(now: number): Promise<void>;
  /** After a successful sign-in: replaces a hash made with a lower cost. Resolves true when it did. */
  upgradeHash(password: string, now: number): Promise<boolean>;
  /** scrypt's N for every password hashed from now on (the other accounts' too). */
  readonly passwordCost: number;
  /**
   * A password chosen in the UI (own change, or a reset link). Only for a password the file does
   * not give: a configured one would replace it again at the next start.
   */
  replacePassword(passwordHash: string, now: number): Promise<void>;
}

export async function resolveAdminAccount(
  admin: Config['admin'],
  db: Kysely<Database>,
  options: { cost?: number } = {},
): Promise<AdminAccount> {
  const cost = options.cost ?? DEFAULT_SCRYPT_COST;
  const { username } = admin;
  const stored = await getSetting(db, SETTING);
  let pending: string | undefined;
  const account = (passwordHash: string, source: AdminAccount['source'], extra: Partial<AdminAccount> = {}): AdminAccount => {
    const self: AdminAccount = {
      username,
      passwordHash,
      source,
      weakConfiguredHash: false,
      ...extra,
      async persist(now) {
        if (pending === undefined) return;
        if (self.source !== 'generated') await putSetting(db, SETTING, pending, now);
        else if (!(await putSettingIfAbsent(db, SETTING, pending, now))) {
          // Another replica's first start stored its generated password first (issue #21): that one
          // is the password, printed by that replica; this start's is dropped and never shown.
          delete self.generatedPassword;
          self.source = 'stored';
          self.passwordHash = (await getSetting(db, SETTING)) ?? self.passwordHash;
        }
        pending = undefined;
      },
      passwordCost: cost,
      async currentHash() {
        if (pending !== undefined) return self.passwordHash;
        const now = await getSetting(db, SETTING);
        if (now !== undefined) self.passwordHash = now;
        return self.passwordHash;
      },
      async replacePassword(passwordHash, now) {
        if (self.source === 'config') throw new Error('the admin password is set by the configuration file');
        self.passwordHash = passwordHash;
        pending = undefined;
        await putSetting(db, SETTING, passwordHash, now);
      },
      async upgradeHash(password, now) {
        if (!needsRehash(self.passwordHash, cost)) return false;
        self.passwordHash = await hashPassword(password, cost);
        await putSetting(db, SETTING, self.passwordHash, now);
        return true;
      },
    };
    return self;
  };

  if (admin.passwordHash) {
    if (!isPasswordHash(admin.passwordHash)) {
      throw new StartupError('admin.passwordHash is not a scrypt hash made by `npm run hash-password`; set it again or use admin.password.', 2);
    }
    if (stored !== admin.passwordHash) pending = admin.passwordHash;
    return account(admin.passwordHash, 'config', { weakConfiguredHash: needsRehash(admin.passwordHash, cost) });
  }
  if (admin.password) {
    // Re-hashing on every start would write a new salt each time; keep the stored hash while it
    // still matches the configured password and is strong enough.
    if (stored && !needsRehash(stored, cost) && (await verifyPassword(admin.password, stored))) return account(stored, 'config');
    pending = await hashPassword(admin.password, cost);
    return account(pending, 'config');
  }
  if (stored) return account(stored, 'stored');
  const generatedPassword = randomBytes(18).toString('base64url');
  pending = await hashPassword(generatedPassword, cost);
  return account(pending, 'generated', { generatedPassword });
}
