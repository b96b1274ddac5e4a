// OAuth flows under way, kept in the database (migrations/0033_oauth_pending.sql): behind a load
// balancer without stickiness the vendor may send the browser back to another replica than the one
// that started the flow (issue #21 item 3). The `state` sent to the vendor is a random key into the
// table — only its SHA-256 is stored — and the row binds it to the admin session that started it,
// the connection and the provider (the PKCE verifier is the plugin's, in its unsigned cookie, which
// any replica reads: src/oauth/oauth-client.ts). A row is used once and lives ten minutes.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { OAuthProvider } from './oauth-provider.ts';

interface PendingAuthorization {
  provider: OAuthProvider;
  connectionId: string;
  /** SHA-256 of the admin session cookie that started the flow. */
  sessionHash: string;
  /** The OAuth app instance (operator's or sandbox) the flow was started with. */
  app: string;
  expiresAt: number;
}

export type TakeResult =
  | { ok: true; pending: PendingAuthorization }
  | { ok: false; reason: 'unknown_state' | 'expired' | 'other_session' | 'other_provider' };

const PENDING_TTL_MS = 10 * 60_000;
/**
 * Only signed-in admins start flows; the cap bounds what a runaway script could pile up. Replicas
 * beginning flows at the same instant may each trim before seeing the others' rows, so the table can
 * hold a few more than this for a moment: bounded by the begins in flight, and trimmed by the next.
 */
export const MAX_PENDING = 1000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export interface PendingAuthorizations {
  /** Stores the binding and returns the state to send to the vendor (the only copy of it). */
  begin(entry: Omit<PendingAuthorization, 'expiresAt' | 'sessionHash'> & { sessionToken: string }): Promise<string>;
  /** Single use: the row is gone afterwards, whatever the outcome; of two replicas taking one state, one gets it. */
  take(state: string, check: { provider: OAuthProvider; sessionToken: string | undefined }): Promise<TakeResult>;
}

export function createPendingAuthorizations(deps: { db: Kysely<Database>; clock: () => number }): PendingAuthorizations {
  const { db, clock } = deps;
  return {
    async begin({ sessionToken, ...entry }) {
      const now = clock();
      await db.deleteFrom('oauth_pending').where('expires_at', '<=', now).execute();
      await keepNewest(db, MAX_PENDING - 1);
      const state = randomBytes(24).toString('base64url');
      await db
        .insertInto('oauth_pending')
        .values({
          state_hash: sha256(state),
          session_hash: sha256(sessionToken),
          provider: entry.provider,
          connection_id: entry.connectionId,
          app: entry.app,
          created_at: now,
          expires_at: now + PENDING_TTL_MS,
        })
        .execute();
      return state;
    },

    async take(state, check) {
      // One statement reads and removes the row: two callbacks with the same state (a replayed
      // redirect, two replicas) cannot both see it, on SQLite's single writer or PostgreSQL's row lock.
      const row = await db.deleteFrom('oauth_pending').where('state_hash', '=', sha256(state)).returningAll().executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown_state' };
      if (row.expires_at <= clock()) return { ok: false, reason: 'expired' };
      if (row.provider !== check.provider) return { ok: false, reason: 'other_provider' };
      if (check.sessionToken === undefined || sha256(check.sessionToken) !== row.session_hash) return { ok: false, reason: 'other_session' };
      return { ok: true, pending: { provider: row.provider, connectionId: row.connection_id, sessionHash: row.session_hash, app: row.app, expiresAt: row.expires_at } };
    },
  };
}

/**
 * Deletes all but the `keep` newest rows (by creation, ties by hash). Portable: the boundary row is
 * found with LIMIT/OFFSET (SQLite takes no OFFSET without LIMIT), then everything older goes.
 */
async function keepNewest(db: Kysely<Database>, keep: number): Promise<void> {
  const boundary = await db
    .selectFrom('oauth_pending')
    .select(['created_at', 'state_hash'])
    .orderBy('created_at', 'desc')
    .orderBy('state_hash', 'desc')
    .limit(1)
    .offset(keep - 1)
    .executeTakeFirst();
  if (!boundary) return;
  await db
    .deleteFrom('oauth_pending')
    .where((eb) => eb.or([eb('created_at', '<', boundary.created_at), eb.and([eb('created_at', '=', boundary.created_at), eb('state_hash', '<', boundary.state_hash)])]))
    .execute();
}
