// After the vendor gave us tokens: who they belong to, then stored like any other connect.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { identifyHubSpotOAuth, identifyIntercom, type Refusal } from '../connections/identify.ts';
import { recordConnected } from '../connections/record-connected.ts';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { OAuthProvider } from './oauth-provider.ts';
import { OAUTH_TOKENS_KIND, type OAuthTokenSet } from '../integrations/hubspot/auth.ts';
import { TokenResponse } from '../integrations/hubspot/schemas.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import type { Vault } from '../vault/vault.ts';
import type { OAuthApp } from './oauth-client.ts';

export interface CompleteDeps {
  db: Kysely<Database>;
  vault: Vault;
  upstream: UpstreamContext;
  log: Logger;
  clock: () => number;
}

export type Completion = { ok: true; changed: boolean } | Refusal | { ok: false; status: 404; code: 'not_found'; message: string };

const invalid = (vendor: string): Refusal => ({ ok: false, status: 502, code: 'upstream_unavailable', message: `${vendor}'s token endpoint answered without an access token.` });

export async function completeAuthorization(
  deps: CompleteDeps,
  input: { row: Connection; provider: OAuthProvider; app: OAuthApp; token: Record<string, unknown> },
): Promise<Completion> {
  const { row, provider, token } = input;
  const now = deps.clock();
  let recorded: Awaited<ReturnType<typeof recordConnected>>;
  if (provider === 'intercom') {
    // {token_type, token, access_token}: no refresh token, no expiry (intercom-api.md §1.3).
    const accessToken = typeof token.access_token === 'string' ? token.access_token : typeof token.token === 'string' ? token.token : null;
    if (!accessToken) return invalid('Intercom');
    const identity = await identifyIntercom(deps, { token: accessToken, region: row.intercomRegion, baseUrlOverride: row.intercomBaseUrl, adoptReportedRegion: true });
    if (!identity.ok) return identity;
    recorded = await recordConnected(deps.db, deps.vault, {
      connectionId: row.id,
      connected: { side: 'intercom', method: 'oauth', workspaceId: identity.workspaceId, region: identity.region },
      credentials: [{ kind: INTERCOM_TOKEN_KIND, value: accessToken }],
      now,
    });
  } else {
    const parsed = TokenResponse.safeParse(token);
    if (!parsed.success || !parsed.data.refresh_token) return invalid('HubSpot');
    const { access_token: accessToken, refresh_token: refreshToken, expires_in: expiresIn } = parsed.data;
    // The token answer names the portal and scopes (hubspot-api.md §2.3, optional fields); introspection when it does not.
    const identity =
      parsed.data.hub_id !== undefined
        ? { ok: true as const, portalId: parsed.data.hub_id, scopes: parsed.data.scopes ?? null }
        : await identifyHubSpotOAuth(deps, { accessToken, clientId: input.app.clientId, clientSecret: input.app.clientSecret, baseUrlOverride: row.hubspotBaseUrl });
    if (!identity.ok) return identity;
    const tokens: OAuthTokenSet = { accessToken, refreshToken, expiresAt: now + expiresIn * 1000 };
    recorded = await recordConnected(deps.db, deps.vault, {
      connectionId: row.id,
      connected: { side: 'hubspot', method: 'oauth', portalId: identity.portalId, scopes: identity.scopes },
      credentials: [{ kind: OAUTH_TOKENS_KIND, value: JSON.stringify(tokens) }],
      now,
    });
  }
  if (!recorded) return { ok: false, status: 404, code: 'not_found', message: 'The connection was deleted while the consent page was open.' };
  return { ok: true, changed: recorded.notice !== undefined };
}
