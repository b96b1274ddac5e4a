// SQL on the named admin accounts (admin_users), their one-time links (admin_invitations) and the
// sessions that belong to one of them. No policy here: routes and src/auth/people.ts decide.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AdminInvitationRow, AdminUserRow, Database } from '../db/schema.ts';
import { hashSecret, newSecret } from './secret-token.ts';

export type AdminRole = AdminUserRow['role'];

export async function findUserByUsername(db: Kysely<Database>, username: string): Promise<AdminUserRow | undefined> {
  return db.selectFrom('admin_users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function findUserById(db: Kysely<Database>, id: string): Promise<AdminUserRow | undefined> {
  return db.selectFrom('admin_users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findBootstrapUser(db: Kysely<Database>): Promise<AdminUserRow | undefined> {
  return db.selectFrom('admin_users').selectAll().where('source', '=', 'bootstrap').executeTakeFirst();
}

export async function listUsers(db: Kysely<Database>): Promise<AdminUserRow[]> {
  return db.selectFrom('admin_users').selectAll().orderBy('username').execute();
}

export interface NewUser {
  username: string;
  displayName: string;
  role: AdminRole;
  passwordHash: string | null;
  source: AdminUserRow['source'];
}

export async function insertUser(db: Kysely<Database>, user: NewUser, now: number): Promise<AdminUserRow> {
  const row: AdminUserRow = {
    id: randomUUID(),
    username: user.username,
    display_name: user.displayName,
    role: user.role,
    password_hash: user.passwordHash,
    source: user.source,
    disabled_at: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('admin_users').values(row).execute();
  return row;
}

export type UserPatch = Partial<Pick<AdminUserRow, 'username' | 'display_name' | 'role' | 'password_hash' | 'source' | 'disabled_at'>>;

export async function updateUser(db: Kysely<Database>, id: string, patch: UserPatch, now: number): Promise<void> {
  await db.updateTable('admin_users').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}

export async function deleteUser(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('admin_users').where('id', '=', id).execute();
}

/** Enabled accounts with the admin role, leaving out `exceptId`: "never the last admin". */
export async function countOtherActiveAdmins(db: Kysely<Database>, exceptId: string): Promise<number> {
  const row = await db
    .selectFrom('admin_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where('id', '!=', exceptId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Ends one person's sessions (all, or all but the one making the change); returns how many. */
export async function endSessionsOf(db: Kysely<Database>, username: string, keepToken?: string): Promise<number> {
  let query = db.deleteFrom('admin_sessions').where('username', '=', username);
  if (keepToken !== undefined) query = query.where('token_hash', '!=', hashSecret(keepToken));
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface NewInvitation {
  purpose: AdminInvitationRow['purpose'];
  username: string;
  role: AdminRole;
  userId: string | null;
  createdBy: string;
  ttlMs: number;
}

/** Creates a one-time link's token; only its hash is stored. Older unused links for the same username stop working. */
export async function createInvitation(db: Kysely<Database>, invitation: NewInvitation, now: number): Promise<{ row: AdminInvitationRow; token: string }> {
  const token = newSecret();
  const row: AdminInvitationRow = {
    id: randomUUID(),
    token_hash: hashSecret(token),
    purpose: invitation.purpose,
    username: invitation.username,
    role: invitation.role,
    user_id: invitation.userId,
    created_by: invitation.createdBy,
    created_at: now,
    expires_at: now + invitation.ttlMs,
    used_at: null,
  };
  await db.deleteFrom('admin_invitations').where('username', '=', invitation.username).where('used_at', 'is', null).execute();
  await db.insertInto('admin_invitations').values(row).execute();
  return { row, token };
}

export async function findUsableInvitation(db: Kysely<Database>, token: string, now: number): Promise<AdminInvitationRow | undefined> {
  return db
    .selectFrom('admin_invitations')
    .selectAll()
    .where('token_hash', '=', hashSecret(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Marks the link used; false when it was used (or expired) in the meantime: single use even under a race. */
export async function consumeInvitation(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('admin_invitations')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listPendingInvitations(db: Kysely<Database>, now: number): Promise<AdminInvitationRow[]> {
  return db
    .selectFrom('admin_invitations')
    .selectAll()
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('purpose', '=', 'invite')
    .orderBy('created_at', 'desc')
    .execute();
}

export async function deleteInvitation(db: Kysely<Database>, id: string): Promise<AdminInvitationRow | undefined> {
  const row = await db.selectFrom('admin_invitations').selectAll().where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  if (row) await db.deleteFrom('admin_invitations').where('id', '=', id).execute();
  return row;
}
