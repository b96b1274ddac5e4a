// What people do with their accounts, as functions over the database: sign-in's password check,
// accepting a one-time link, changing a password. The routes stay thin; the audit trail is written
// by them, from what these return.
import type { Kysely } from 'kysely';
import type { AdminUserRow, Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import type { AdminAccount } from './admin-account.ts';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.ts';
import { consumeInvitation, endSessionsOf, findUsableInvitation, findUserById, findUserByUsername, insertUser, updateUser } from './people-store.ts';

/** How long an invitation or reset link works. */
export const ONE_TIME_LINK_TTL_MS = 7 * 86_400_000;

/** The password hash that signs `user` in: the bootstrap admin's lives in settings, read fresh (another replica may have changed it). */
async function hashOf(user: AdminUserRow, admin: AdminAccount): Promise<string> {
  return user.source === 'bootstrap' ? admin.currentHash() : (user.password_hash ?? admin.passwordHash);
}

/** True when the password of `user` comes from the YAML and cannot be changed in the UI. */
export function passwordManagedByConfig(user: AdminUserRow, admin: AdminAccount): boolean {
  return user.source === 'config' || (user.source === 'bootstrap' && admin.source === 'config');
}

/**
 * Checks a sign-in. scrypt always runs (against the bootstrap admin's hash when the name is
 * unknown or disabled), so the answer's timing does not tell whether an account exists.
 */
export async function checkSignIn(db: Kysely<Database>, admin: AdminAccount, username: string, password: string): Promise<{ user: AdminUserRow | undefined; verify: () => Promise<boolean> }> {
  const found = await findUserByUsername(db, username);
  const user = found && found.disabled_at === null ? found : undefined;
  const hash = user ? await hashOf(user, admin) : admin.passwordHash;
  return { user, verify: async () => (await verifyPassword(password, hash)) && user !== undefined };
}

/** After a successful sign-in: a hash made with a lower scrypt cost is replaced. */
export async function upgradePasswordHash(db: Kysely<Database>, admin: AdminAccount, user: AdminUserRow, password: string, now: number): Promise<boolean> {
  if (user.source === 'bootstrap') return admin.upgradeHash(password, now);
  if (user.source === 'config' || user.password_hash === null || !needsRehash(user.password_hash, admin.passwordCost)) return false;
  await updateUser(db, user.id, { password_hash: await hashPassword(password, admin.passwordCost) }, now);
  return true;
}

export type AcceptOutcome =
  | { ok: true; user: AdminUserRow; purpose: 'invite' | 'reset' }
  | { ok: false; reason: 'invalid' | 'username_taken' | 'managed_by_config' };

/** Uses a one-time link: an invitation creates its account, a reset link sets the password. Single use, even when raced. */
export async function acceptInvitation(db: Kysely<Database>, admin: AdminAccount, token: string, password: string, now: number): Promise<AcceptOutcome> {
  const invitation = await findUsableInvitation(db, token, now);
  if (!invitation) return { ok: false, reason: 'invalid' };
  const passwordHash = await hashPassword(password, admin.passwordCost);
  const outcome = await withTransaction(db, async (trx): Promise<AcceptOutcome> => {
    if (!(await consumeInvitation(trx, invitation.id, now))) return { ok: false, reason: 'invalid' };
    if (invitation.purpose === 'invite') {
      if (await findUserByUsername(trx, invitation.username)) return { ok: false, reason: 'username_taken' };
      const user = await insertUser(trx, { username: invitation.username, displayName: '', role: invitation.role, passwordHash, source: 'invited' }, now);
      return { ok: true, user, purpose: 'invite' };
    }
    const user = invitation.user_id === null ? undefined : await findUserById(trx, invitation.user_id);
    if (!user || user.disabled_at !== null) return { ok: false, reason: 'invalid' };
    if (passwordManagedByConfig(user, admin)) return { ok: false, reason: 'managed_by_config' };
    if (user.source !== 'bootstrap') await updateUser(trx, user.id, { password_hash: passwordHash }, now);
    await endSessionsOf(trx, user.username);
    return { ok: true, user, purpose: 'reset' };
  });
  // The bootstrap admin's hash lives in settings, outside that transaction.
  if (outcome.ok && outcome.user.source === 'bootstrap') await admin.replacePassword(passwordHash, now);
  return outcome;
}

/** Sets a password chosen in the UI; the caller has checked who may. Ends the account's other sessions. */
export async function setPassword(db: Kysely<Database>, admin: AdminAccount, user: AdminUserRow, password: string, now: number, keepSession?: string): Promise<number> {
  const passwordHash = await hashPassword(password, admin.passwordCost);
  if (user.source === 'bootstrap') await admin.replacePassword(passwordHash, now);
  else await updateUser(db, user.id, { password_hash: passwordHash }, now);
  return endSessionsOf(db, user.username, keepSession);
}

export async function passwordMatches(admin: AdminAccount, user: AdminUserRow, password: string): Promise<boolean> {
  return verifyPassword(password, await hashOf(user, admin));
}
