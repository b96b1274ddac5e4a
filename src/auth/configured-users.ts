// The accounts the configuration file declares, applied at every start: the admin of
// `admin.username` (the one account of older versions: on upgrade it becomes the first `admin`
// row, its password still where admin-account.ts keeps it) and the entries of `admin.users`,
// which the UI shows read-only. Returns what it changed, for the audit trail (actor: config).
import type { Kysely } from 'kysely';
import type { ConfiguredUserChange } from '../audit/config-audit.ts';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/schema.ts';
import { lockSection, withTransaction } from '../db/transaction.ts';
import { StartupError } from '../startup-error.ts';
import { isPasswordHash } from './password-hash.ts';
import { deleteUser, endSessionsOf, findBootstrapUser, findUserByUsername, insertUser, updateUser } from './people-store.ts';


export async function applyConfiguredUsers(db: Kysely<Database>, admin: Config['admin'], now: number): Promise<ConfiguredUserChange[]> {
  admin.users.forEach((user, index) => {
    if (!isPasswordHash(user.passwordHash)) {
      throw new StartupError(`admin.users.${index}.passwordHash is not a scrypt hash made by \`npm run hash-password\`; make one and set it again.`, 2);
    }
  });
  // Replicas starting together on one PostgreSQL database apply the same file at once: one at a
  // time, each seeing what the one before wrote (else both insert the bootstrap admin, and the
  // second start fails on the unique username). SQLite's single writer serialises anyway.
  return withTransaction(db, async (trx) => {
    await lockSection(trx, 'admin-users:configured');
    return applyInTransaction(trx, admin, now);
  });
}

async function applyInTransaction(db: Kysely<Database>, admin: Config['admin'], now: number): Promise<ConfiguredUserChange[]> {
  const changes: ConfiguredUserChange[] = [];

  const bootstrap = await findBootstrapUser(db);
  if (!bootstrap) {
    const row = await insertUser(db, { username: admin.username, displayName: '', role: 'admin', passwordHash: null, source: 'bootstrap' }, now);
    changes.push({ action: 'user.create', userId: row.id, username: row.username });
  } else if (bootstrap.username !== admin.username) {
    const holder = await findUserByUsername(db, admin.username);
    if (holder) {
      throw new StartupError(`admin.username "${admin.username}" is already the name of another account (${holder.source === 'config' ? 'in admin.users' : 'invited in the UI'}); choose another or remove that account first.`, 2);
    }
    // Its sessions were made under the old name: they end, as a new name has to sign in again.
    await endSessionsOf(db, bootstrap.username);
    await updateUser(db, bootstrap.id, { username: admin.username }, now);
    changes.push({ action: 'user.update', userId: bootstrap.id, username: admin.username });
  }

  const declared = new Set(admin.users.map((user) => user.username));
  for (const user of admin.users) {
    const existing = await findUserByUsername(db, user.username);
    const wanted = { display_name: user.displayName, role: user.role, password_hash: user.passwordHash, source: 'config' as const };
    if (!existing) {
      const row = await insertUser(db, { username: user.username, displayName: user.displayName, role: user.role, passwordHash: user.passwordHash, source: 'config' }, now);
      changes.push({ action: 'user.create', userId: row.id, username: row.username });
      continue;
    }
    const differs = existing.display_name !== wanted.display_name || existing.role !== wanted.role || existing.password_hash !== wanted.password_hash || existing.source !== 'config' || existing.disabled_at !== null;
    if (!differs) continue;
    // The file wins over what the UI did to the same name, as it does for connections.
    await updateUser(db, existing.id, { ...wanted, disabled_at: null }, now);
    if (existing.password_hash !== wanted.password_hash) await endSessionsOf(db, existing.username);
    changes.push({ action: 'user.update', userId: existing.id, username: existing.username });
  }

  const stale = await db.selectFrom('admin_users').select(['id', 'username']).where('source', '=', 'config').execute();
  for (const row of stale.filter((one) => !declared.has(one.username))) {
    await endSessionsOf(db, row.username);
    await deleteUser(db, row.id);
    changes.push({ action: 'user.remove', userId: row.id, username: row.username });
  }
  return changes;
}
