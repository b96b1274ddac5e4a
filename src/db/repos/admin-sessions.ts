import type { Kysely } from 'kysely';
import { hashSecret, newSecret } from '../../auth/secret-token.ts';
import type { AdminSessionRow, Database } from '../schema.ts';

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: number;
}

export async function createSession(db: Kysely<Database>, username: string, now: number, ttlMs: number): Promise<NewSession> {
  const token = newSecret();
  const csrfToken = newSecret();
  const expiresAt = now + ttlMs;
  await db
    .insertInto('admin_sessions')
    .values({ token_hash: hashSecret(token), username, csrf_token: csrfToken, created_at: now, expires_at: expiresAt, last_seen_at: now })
    .execute();
  return { token, csrfToken, expiresAt };
}

export async function findLiveSession(db: Kysely<Database>, token: string, now: number): Promise<AdminSessionRow | undefined> {
  return db
    .selectFrom('admin_sessions')
    .selectAll()
    .where('token_hash', '=', hashSecret(token))
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function touchSession(db: Kysely<Database>, tokenHash: string, now: number): Promise<void> {
  await db.updateTable('admin_sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('token_hash', '=', hashSecret(token)).execute();
}

export async function purgeExpiredSessions(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom('admin_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
