import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashSecret, newSecret } from '../../auth/secret-token.ts';
import type { ApiTokenScope } from '../../auth/token-scope.ts';
import type { ApiTokenRow, Database } from '../schema.ts';

/** Recognisable in logs, secret scanners and a user's clipboard. */
export const API_TOKEN_PREFIX = 'ihz_';
const SHOWN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 6;

export async function createApiToken(
  db: Kysely<Database>,
  token: { name: string; scope: ApiTokenScope; expiresAt: number | null },
  now: number,
): Promise<{ row: ApiTokenRow; secret: string }> {
  const secret = newSecret(API_TOKEN_PREFIX);
  const row: ApiTokenRow = {
    id: randomUUID(),
    name: token.name,
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    token_hash: hashSecret(secret),
    created_at: now,
    last_used_at: null,
    revoked_at: null,
    scope: token.scope,
    expires_at: token.expiresAt,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { row, secret };
}

export async function listApiTokens(db: Kysely<Database>): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('revoked_at', 'is', null).orderBy('created_at', 'desc').orderBy('id').execute();
}

/** A token that is neither revoked nor past its expiry. */
export async function findActiveApiToken(db: Kysely<Database>, secret: string, now: number): Promise<ApiTokenRow | undefined> {
  if (!secret.startsWith(API_TOKEN_PREFIX)) return undefined;
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashSecret(secret))
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
}

export async function markApiTokenUsed(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}

/** Returns false when no active token has that id. The row stays (revoked) for the audit trail. */
export async function revokeApiToken(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
