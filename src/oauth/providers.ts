// Where each vendor's OAuth lives, and how its token endpoint wants to be spoken to. The plugin
// (@fastify/oauth2, behind src/oauth/oauth-client.ts) is registered once per app: the operator's
// Intercom and HubSpot apps from the YAML (apps.*), and, when the built-in sandbox is on, the
// simulators' own apps.
import type { OAuthProvider } from './oauth-provider.ts';
import { REQUIRED_SCOPES } from '../integrations/hubspot/scopes.ts';
import { TOKEN_PATH as HUBSPOT_TOKEN_PATH } from '../integrations/hubspot/auth.ts';

interface OAuthEndpoints {
  authorizeHost: string;
  authorizePath: string;
  tokenHost: string;
  tokenPath: string;
}

export interface OAuthProviderSpec {
  provider: OAuthProvider;
  vendor: string;
  endpoints: OAuthEndpoints;
  /** Sent as `scope` on the authorize URL; Intercom has none (permissions are set on the app, intercom-api.md §1.3). */
  scope: readonly string[] | undefined;
  /** RFC 7636: HubSpot's v3 token endpoint takes code_verifier (hubspot-api.md §2.3); Intercom documents no PKCE. */
  pkce: boolean;
}

/** intercom-api.md §1.3: the consent page at app.intercom.com/oauth, the exchange at POST /auth/eagle/token. */
const INTERCOM: OAuthProviderSpec = {
  provider: 'intercom',
  vendor: 'Intercom',
  endpoints: { authorizeHost: 'https://app.intercom.com', authorizePath: '/oauth', tokenHost: 'https://api.intercom.io', tokenPath: '/auth/eagle/token' },
  scope: undefined,
  pkce: false,
};

/** hubspot-api.md §2.2/§2.3: app.hubspot.com/oauth/authorize, the dated token endpoint. */
const HUBSPOT: OAuthProviderSpec = {
  provider: 'hubspot',
  vendor: 'HubSpot',
  endpoints: { authorizeHost: 'https://app.hubspot.com', authorizePath: '/oauth/authorize', tokenHost: 'https://api.hubapi.com', tokenPath: HUBSPOT_TOKEN_PATH },
  scope: REQUIRED_SCOPES,
  pkce: true,
};

export const PROVIDERS: Readonly<Record<OAuthProvider, OAuthProviderSpec>> = { intercom: INTERCOM, hubspot: HUBSPOT };

/**
 * The sandbox's simulators are served by this daemon under a prefix, at an address only known once
 * it listens (port 0 in tests). Their endpoints carry a placeholder origin that is swapped per
 * request: the browser's view of this daemon for the consent page, the loopback for the exchange.
 */
export const SANDBOX_ORIGIN = 'http://sandbox.interhubz.invalid';

export function sandboxSpec(provider: OAuthProvider, prefix: string): OAuthProviderSpec {
  const spec = PROVIDERS[provider];
  const { authorizePath, tokenPath } = spec.endpoints;
  // The simulators serve the consent page on their API host (src/sandbox/*/routes).
  return { ...spec, endpoints: { authorizeHost: SANDBOX_ORIGIN, authorizePath: `${prefix}${authorizePath}`, tokenHost: SANDBOX_ORIGIN, tokenPath: `${prefix}${tokenPath}` } };
}

export const isOAuthProvider = (value: string): value is OAuthProvider => value === 'intercom' || value === 'hubspot';
