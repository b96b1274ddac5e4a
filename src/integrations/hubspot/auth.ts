// Where a HubSpot connection's Authorization header comes from.
//   static: a private-app token (pat-…) or service key — used as it is, never refreshed (hubspot-api.md §2.5).
//   oauth:  a 30-minute access token plus a refresh token (§2.3). Refreshed ahead of expiry
//           ("refresh on expires_in, with a margin"), and once on a 401; one refresh at a time per
//           connection; the new pair is stored with a compare-and-swap, so of two writers racing
//           (two processes, two clients) the loser adopts the winner's token instead of overwriting it.
// A refresh token HubSpot rejects (400 invalid_grant / BAD_REFRESH_TOKEN) marks the connection
// needs_reauth, which parks its jobs. Tokens are never logged.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ConnectionCredentials } from '../connection-credentials.ts';
import type { UpstreamClient } from '../upstream-client.ts';
import { UpstreamError } from '../upstream-error.ts';
import { TokenResponse } from './schemas.ts';

/** Credential kinds (credentials.kind) of a connection's HubSpot secrets. */
export const STATIC_TOKEN_KIND = 'hubspot.static_token';
export const OAUTH_TOKENS_KIND = 'hubspot.oauth_tokens';
/** Date-versioned token endpoint (DESIGN.md §2; the simulator serves /oauth/2026-09/token). */
export const TOKEN_PATH = '/oauth/2026-09/token';

export const OAuthTokenSet = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Epoch ms. */
  expiresAt: z.number(),
});
export type OAuthTokenSet = z.infer<typeof OAuthTokenSet>;

export interface TokenProvider {
  readonly mode: 'static' | 'oauth';
  authorize(): Promise<string>;
  onUnauthorized(): Promise<boolean>;
  /** Runs one upstream call so that a 401 can tell whether its token was already replaced. */
  track<T>(fn: () => Promise<T>): Promise<T>;
  /** The bare access token now in use (for introspection). */
  accessToken(): Promise<string>;
  /** Successful refreshes by this provider (metrics, tests). */
  refreshes(): number;
}

export interface AuthDeps {
  /** For the log and error messages only. */
  connectionId: string;
  credentials: ConnectionCredentials;
  log: Logger;
  now?: () => number;
}

export interface OAuthDeps extends AuthDeps {
  /** An anonymous client for the token endpoint (no rate budget: OAuth calls are not counted). */
  tokenHttp: UpstreamClient;
  clientId: string;
  clientSecret: string;
  /** Refresh this long before expiry (default 5 min). */
  refreshAheadMs?: number;
  /** After a transient refresh failure, do not try again for this long (default 10 s). */
  cooldownMs?: number;
}

export async function storeStaticToken(credentials: ConnectionCredentials, token: string, now: number): Promise<void> {
  await credentials.write(STATIC_TOKEN_KIND, token, now);
}

export async function storeOAuthTokens(credentials: ConnectionCredentials, tokens: OAuthTokenSet, now: number): Promise<void> {
  await credentials.write(OAUTH_TOKENS_KIND, JSON.stringify(tokens), now);
}

const noCredential = (connectionId: string) =>
  new UpstreamError({ service: 'hubspot', kind: 'unauthorized', status: null, method: 'POST', path: TOKEN_PATH, vendorMessage: `no HubSpot credential stored for connection ${connectionId}` });

export function createStaticTokenProvider(deps: AuthDeps): TokenProvider {
  let token: string | undefined;
  const load = async () => {
    const stored = await deps.credentials.read(STATIC_TOKEN_KIND);
    if (!stored) throw noCredential(deps.connectionId);
    return stored.value;
  };
  return {
    mode: 'static',
    async authorize() {
      token ??= await load();
      return `Bearer ${token}`;
    },
    async onUnauthorized() {
      // Nothing to refresh; only an operator's replacement token (stored since we read ours) helps.
      const stored = await load();
      const changed = stored !== token;
      token = stored;
      return changed;
    },
    track: (fn) => fn(),
    async accessToken() {
      token ??= await load();
      return token;
    },
    refreshes: () => 0,
  };
}

interface Held {
  tokens: OAuthTokenSet;
  version: number;
}

export function createOAuthTokenProvider(deps: OAuthDeps): TokenProvider {
  const now = deps.now ?? Date.now;
  const refreshAheadMs = deps.refreshAheadMs ?? 5 * 60_000;
  const cooldownMs = deps.cooldownMs ?? 10_000;
  const log = deps.log.child({ connectionId: deps.connectionId });
  const calls = new AsyncLocalStorage<{ used?: string }>();
  let held: Held | undefined;
  let inflight: Promise<Held> | undefined;
  let cooldown: { until: number; error: unknown } | undefined;
  /** The stored version whose refresh token HubSpot rejected: not tried again until a new one is stored. */
  let deadVersion: number | undefined;
  let refreshCount = 0;

  async function load(): Promise<Held> {
    const stored = await deps.credentials.read(OAUTH_TOKENS_KIND);
    if (!stored) throw noCredential(deps.connectionId);
    return { tokens: OAuthTokenSet.parse(JSON.parse(stored.value)), version: stored.version };
  }

  const fresh = (h: Held) => h.tokens.expiresAt - now() > refreshAheadMs;

  async function doRefresh(): Promise<Held> {
    // Another writer may have refreshed already: the stored pair is the truth, not our cache.
    const stored = await load();
    if (held && stored.version !== held.version && fresh(stored)) return (held = stored);
    if (deadVersion === stored.version) throw refusedGrant();
    if (cooldown && now() < cooldown.until) throw cooldown.error;
    let answer: z.infer<typeof TokenResponse>;
    try {
      // hubspot-api.md §2.3: form-encoded grant_type=refresh_token&client_id&client_secret&refresh_token.
      // Marked idempotent: a refresh repeated after a lost answer only mints another access token.
      answer = await deps.tokenHttp.json({
        method: 'POST', path: TOKEN_PATH, anonymous: true, budget: 'none', idempotent: true,
        form: { grant_type: 'refresh_token', client_id: deps.clientId, client_secret: deps.clientSecret, refresh_token: stored.tokens.refreshToken },
      }, TokenResponse);
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === 'unauthorized') {
        // Rejected — unless a newer pair (rotated by another writer) was stored meanwhile.
        const again = await load();
        if (again.version !== stored.version) return (held = again);
        deadVersion = stored.version;
        await deps.credentials.refused('hubspot', now());
        log.warn({ code: error.details.code, requestId: error.details.requestId }, 'HubSpot refused the refresh token; connection needs re-authorisation');
        throw error;
      }
      cooldown = { until: now() + cooldownMs, error };
      log.warn({ kind: error instanceof UpstreamError ? error.kind : 'error' }, 'HubSpot token refresh failed; cooling down');
      throw error;
    }
    const tokens: OAuthTokenSet = {
      accessToken: answer.access_token,
      // Rotation is UNCONFIRMED (§2.3): always keep the refresh token the answer carries, if any.
      refreshToken: answer.refresh_token ?? stored.tokens.refreshToken,
      expiresAt: now() + answer.expires_in * 1000,
    };
    const version = await deps.credentials.swap(OAUTH_TOKENS_KIND, JSON.stringify(tokens), stored.version, now());
    cooldown = undefined;
    if (version === null) {
      // Lost the race: someone stored a newer pair after we read ours. Theirs wins; ours is dropped.
      log.info('another writer refreshed the HubSpot token first; using the stored one');
      return (held = await load());
    }
    refreshCount += 1;
    log.info({ expiresAt: tokens.expiresAt }, 'HubSpot access token refreshed');
    return (held = { tokens, version });
  }

  const refusedGrant = () =>
    new UpstreamError({ service: 'hubspot', kind: 'unauthorized', status: 400, method: 'POST', path: TOKEN_PATH, code: 'BAD_REFRESH_TOKEN', vendorMessage: 'the refresh token was refused; re-authorise the connection' });

  /** One refresh at a time per provider; every caller that needs one joins it. */
  function refresh(): Promise<Held> {
    inflight ??= doRefresh().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  async function current(): Promise<Held> {
    held ??= await load();
    if (fresh(held)) return held;
    const old = held;
    try {
      return await refresh();
    } catch (error) {
      // Refreshing ahead failed for a passing reason: the old token still works until it expires.
      const transient = error instanceof UpstreamError ? error.retryable : true;
      if (transient && old.tokens.expiresAt - now() > 5_000) return old;
      throw error;
    }
  }

  return {
    mode: 'oauth',
    async authorize() {
      const h = await current();
      const call = calls.getStore();
      if (call) call.used = h.tokens.accessToken;
      return `Bearer ${h.tokens.accessToken}`;
    },
    async onUnauthorized() {
      // §2.3 warns a 401 is not proof the token expired, so refresh once, and only if the token
      // this call sent is still the one in use (ten 401s for one old token cause one refresh).
      const used = calls.getStore()?.used;
      if (inflight) {
        await inflight;
        return true;
      }
      if (held && used !== undefined && held.tokens.accessToken !== used) return true;
      const stored = await load();
      if (used !== undefined && stored.tokens.accessToken !== used) {
        held = stored;
        return true;
      }
      await refresh();
      return true;
    },
    track: (fn) => calls.run({}, fn),
    async accessToken() {
      return (await current()).tokens.accessToken;
    },
    refreshes: () => refreshCount,
  };
}
