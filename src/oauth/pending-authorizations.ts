// OAuth flows under way, kept server-side: the `state` sent to the vendor is a random key into
// this table, and the entry binds it to the admin session that started it, the connection and the
// provider, with the PKCE verifier. An entry is used once and lives ten minutes. A restart
// forgets them, which ends an open consent page on "start again" and nothing worse.
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthProvider } from '../http/api-types.ts';

export interface PendingAuthorization {
  provider: OAuthProvider;
  connectionId: string;
  /** SHA-256 of the admin session cookie that started the flow. */
  sessionHash: string;
  codeVerifier: string | null;
  redirectUri: string;
  /** The OAuth app instance (operator's or sandbox) the flow was started with. */
  app: string;
  expiresAt: number;
}

export type TakeResult =
  | { ok: true; pending: PendingAuthorization }
  | { ok: false; reason: 'unknown_state' | 'expired' | 'other_session' | 'other_provider' };

export const PENDING_TTL_MS = 10 * 60_000;
/** Only signed-in admins start flows; the cap bounds what a runaway script could pile up. */
const MAX_PENDING = 1000;

export const sessionHash = (sessionToken: string) => createHash('sha256').update(sessionToken).digest('base64url');
const stateKey = (state: string) => createHash('sha256').update(state).digest('base64url');

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface PendingAuthorizations {
  begin(entry: Omit<PendingAuthorization, 'expiresAt' | 'sessionHash'> & { sessionToken: string }): string;
  /** Single use: the entry is gone afterwards, whatever the outcome. */
  take(state: string, check: { provider: OAuthProvider; sessionToken: string | undefined }): TakeResult;
  /** The connection a state was for, without using it up (to link an error page back). */
  peek(state: string): PendingAuthorization | undefined;
  size(): number;
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
      entries.set(stateKey(state), { ...entry, sessionHash: sessionHash(sessionToken), expiresAt: now + PENDING_TTL_MS });
      return state;
    },
    take(state, check) {
      const key = stateKey(state);
      const pending = entries.get(key);
      if (!pending) return { ok: false, reason: 'unknown_state' };
      entries.delete(key);
      if (pending.expiresAt <= clock()) return { ok: false, reason: 'expired' };
      if (pending.provider !== check.provider) return { ok: false, reason: 'other_provider' };
      if (check.sessionToken === undefined || sessionHash(check.sessionToken) !== pending.sessionHash) return { ok: false, reason: 'other_session' };
      return { ok: true, pending };
    },
    peek(state) {
      return entries.get(stateKey(state));
    },
    size: () => entries.size,
  };
}
