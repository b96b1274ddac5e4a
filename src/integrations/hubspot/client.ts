// The HubSpot client of one connection: typed calls over the shared HTTP core (upstream-client.ts),
// with this connection's token provider (auth.ts), its portal's shared rate budget (rate-plan.ts)
// and HubSpot's error bodies (errors.ts). Create one per connection and keep it: the token
// provider's single-flight refresh is per client instance (the CAS in auth.ts covers the rest).
import type { Logger } from 'pino';
import type { ConnectionCredentials } from '../connection-credentials.ts';
import type { HttpPools } from '../http-pools.ts';
import type { BudgetClock } from '../rate-budget.ts';
import { createUpstreamClient, type RetrySettings, type UpstreamClient } from '../upstream-client.ts';
import { createOAuthTokenProvider, createStaticTokenProvider, type TokenProvider } from './auth.ts';
import { associationCalls, type AssociationCalls } from './calls/associations.ts';
import { objectCalls, type ObjectCalls } from './calls/objects.ts';
import { ownerCalls, pipelineCalls, propertyCalls, type OwnerCalls, type PipelineCalls, type PropertyCalls } from './calls/settings.ts';
import { describeHubSpotError } from './errors.ts';
import type { HubSpotRateRegistry, PortalBudgetSnapshot } from './rate-plan.ts';
import { Introspection } from './schemas.ts';

export const DEFAULT_BASE_URL = 'https://api.hubapi.com';
/** Introspection, date-versioned like the token endpoint (hubspot-api.md §2.4, DESIGN.md §2). */
const INTROSPECT_PATH = '/oauth/2026-09/token/introspect';

export type HubSpotAuthSettings =
  | { mode: 'static' }
  | { mode: 'oauth'; clientId: string; clientSecret: string; refreshAheadMs?: number; cooldownMs?: number };

export interface HubSpotClientDeps {
  connectionId: string;
  /** The portal (hub) id: keys the shared rate budget. Learnt at install from introspect(). */
  portalId: string;
  auth: HubSpotAuthSettings;
  credentials: ConnectionCredentials;
  pools: HttpPools;
  rates: HubSpotRateRegistry;
  log: Logger;
  baseUrl?: string;
  timeouts?: { headersMs: number; bodyMs: number };
  retry?: RetrySettings;
  now?: () => number;
  clock?: BudgetClock;
}

interface TokenInfo {
  active: boolean;
  portalId: string | undefined;
  scopes: string[];
  expiresInSeconds: number | undefined;
}

export interface HubSpotClient {
  contacts: ObjectCalls;
  companies: ObjectCalls;
  tickets: ObjectCalls;
  notes: ObjectCalls;
  /** Read by the record sync's deal values (src/records/hubspot-derived.ts); needs crm.objects.deals.read. */
  deals: ObjectCalls;
  associations: AssociationCalls;
  pipelines: PipelineCalls;
  owners: OwnerCalls;
  properties: PropertyCalls;
  /** The token's portal id and granted scopes. */
  introspect(): Promise<TokenInfo>;
  /** Required scopes the token lacks, by name (empty when all are granted). */
  missingScopes(required: readonly string[]): Promise<string[]>;
  /** The portal's remaining budget, for the UI and metrics. */
  budget(): PortalBudgetSnapshot;
  readonly auth: TokenProvider;
  /** The raw typed core, for calls this module does not wrap yet. */
  readonly http: UpstreamClient;
}

const DEFAULT_RETRY: RetrySettings = { maxAttempts: 4, baseMs: 500, capMs: 8_000, maxWaitMs: 15_000 };
const DEFAULT_TIMEOUTS = { headersMs: 30_000, bodyMs: 30_000 };

export function createHubSpotClient(deps: HubSpotClientDeps): HubSpotClient {
  const baseUrl = deps.baseUrl ?? DEFAULT_BASE_URL;
  const log = deps.log.child({ connectionId: deps.connectionId, portalId: deps.portalId });
  // The plan follows the auth method: only private-app tokens spend a daily quota (rate-plan.ts).
  const budget = deps.rates.portal(deps.portalId, deps.auth.mode === 'oauth' ? 'oauth' : 'static');
  const common = {
    service: 'hubspot' as const, baseUrl, pools: deps.pools, log,
    timeouts: deps.timeouts ?? DEFAULT_TIMEOUTS, retry: deps.retry ?? DEFAULT_RETRY,
    describeError: describeHubSpotError, ...(deps.clock ? { clock: deps.clock } : {}),
  };
  // OAuth endpoints authenticate with the client secret, are not rate-counted, and must not go
  // through the token provider (a refresh cannot wait for a refresh).
  const tokenHttp = createUpstreamClient({
    ...common,
    authorize: () => Promise.reject(new Error('token endpoint calls are anonymous')),
    plan: async () => undefined,
    learn: () => undefined,
  });
  const authDeps = { connectionId: deps.connectionId, credentials: deps.credentials, log, ...(deps.now ? { now: deps.now } : {}) };
  const auth = deps.auth.mode === 'static'
    ? createStaticTokenProvider(authDeps)
    : createOAuthTokenProvider({
      ...authDeps, tokenHttp, clientId: deps.auth.clientId, clientSecret: deps.auth.clientSecret,
      ...(deps.auth.refreshAheadMs !== undefined ? { refreshAheadMs: deps.auth.refreshAheadMs } : {}),
      ...(deps.auth.cooldownMs !== undefined ? { cooldownMs: deps.auth.cooldownMs } : {}),
    });
  const core = createUpstreamClient({
    ...common,
    authorize: () => auth.authorize(),
    onUnauthorized: () => auth.onUnauthorized(),
    plan: (call, signal) => budget.plan(call, signal),
    learn: (call, status, headers) => budget.learn(call, status, headers),
  });
  // Every call runs in the provider's tracking context, so a 401 knows which token it was sent with.
  const http: UpstreamClient = {
    send: (call) => auth.track(() => core.send(call)),
    json: (call, schema) => auth.track(() => core.json(call, schema)),
  };

  async function introspect(): Promise<TokenInfo> {
    const token = await auth.accessToken();
    const form: Record<string, string> = { token, token_type_hint: 'access_token' };
    if (deps.auth.mode === 'oauth') Object.assign(form, { client_id: deps.auth.clientId, client_secret: deps.auth.clientSecret });
    const info = await tokenHttp.json({ method: 'POST', path: INTROSPECT_PATH, form, anonymous: true, budget: 'none', idempotent: true }, Introspection);
    return { active: info.active, portalId: info.hub_id === undefined ? undefined : String(info.hub_id), scopes: info.scopes ?? [], expiresInSeconds: info.expires_in };
  }

  return {
    contacts: objectCalls(http, 'contacts'),
    companies: objectCalls(http, 'companies'),
    tickets: objectCalls(http, 'tickets'),
    notes: objectCalls(http, 'notes'),
    deals: objectCalls(http, 'deals'),
    associations: associationCalls(http),
    pipelines: pipelineCalls(http),
    owners: ownerCalls(http),
    properties: propertyCalls(http),
    introspect,
    async missingScopes(required) {
      const granted = new Set((await introspect()).scopes);
      return required.filter((scope) => !granted.has(scope));
    },
    budget: () => budget.snapshot(),
    auth,
    http,
  };
}
