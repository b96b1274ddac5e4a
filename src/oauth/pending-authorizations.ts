// OAuth flows under way, kept server-side: the `state` sent to the vendor is a random key into
// this table, and the entry binds it to the admin session that started it, the connection and the
// provider (the PKCE verifier is the plugin's, in its cookie). An entry is used once and lives ten
// minutes. A restart forgets them, which ends an open consent page on "start again", nothing worse.
import { createHash, randomBytes } from 'node:crypto';
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
/** Only signed-in admins start flows; the cap bounds what a runaway script could pile up. */
const MAX_PENDING = 1000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export interface PendingAuthorizations {
  begin(entry: Omit<PendingAuthorization, 'expiresAt' | 'sessionHash'> & { sessionToken: string }): string;
  /** Single use: the entry is gone afterwards, whatever the outcome. */
  take(state: string, check: { provider: OAuthProvider; sessionToken: string | undefined }): TakeResult;
}

export function createPendingAuthorizations(clock: () => number): PendingAuthorizations {
  const entries = new Map<string, PendingAuthorization>();
  const sweep = (now: number) => {
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };
  return {
    begin({ sessionToken, ...entry }) {
      const now = clock();
      sweep(now);
      while (entries.size >= MAX_PENDING) entries.delete(entries.keys().next().value as string);
      const state = randomBytes(24).toString('base64url');
      entries.set(sha256(state), { ...entry, sessionHash: sha256(sessionToken), expiresAt: now + PENDING_TTL_MS });
      return state;
    },
    take(state, check) {
      const key = sha256(state);
      const pending = entries.get(key);
      if (!pending) return { ok: false, reason: 'unknown_state' };
      entries.delete(key);
      if (pending.expiresAt <= clock()) return { ok: false, reason: 'expired' };
      if (pending.provider !== check.provider) return { ok: false, reason: 'other_provider' };
      if (check.sessionToken === undefined || sha256(check.sessionToken) !== pending.sessionHash) return { ok: false, reason: 'other_session' };
      return { ok: true, pending };
    },
  };
}
