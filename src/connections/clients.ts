// One Intercom and one HubSpot client per connection, kept for the life of the process: token
// handling is single-flight per client object, and every client of a workspace or portal spends the
// shared budgets of daemon.upstream.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import { createHubSpotClient, type HubSpotAuthSettings, type HubSpotClient } from '../integrations/hubspot/client.ts';
import { createIntercomClient, type IntercomClient } from '../integrations/intercom/client.ts';
import type { BudgetKey } from '../integrations/intercom/rate-plan.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import type { OAuthClient } from '../oauth/oauth-client.ts';
import type { Vault } from '../vault/vault.ts';
import { connectionCredentials } from './connection-credentials.ts';

export interface ConnectionClients {
  intercom(connection: Connection): IntercomClient;
  /** Throws when the connection has no HubSpot portal, or an OAuth grant and no app to refresh it with. */
  hubspot(connection: Connection): HubSpotClient;
}

/** Which Intercom budgets a connection's client spends (the rate-budget meter reads the same ones). */
export function intercomBudgetKey(connection: Pick<Connection, 'id' | 'intercomWorkspaceId'>, appId = 'interhubz'): BudgetKey {
  return { workspaceId: connection.intercomWorkspaceId ?? `connection:${connection.id}`, appId };
}

class NoHubSpotAppError extends Error {
  override name = 'NoHubSpotAppError';
}

export interface ConnectionClientsDeps {
  db: Kysely<Database>;
  vault: Vault;
  upstream: UpstreamContext;
  log: Logger;
  /** Which OAuth app refreshes a HubSpot grant (its client id and secret). */
  oauth: Pick<OAuthClient, 'forConnection'>;
  appId?: string;
  now?: () => number;
}

export function createConnectionClients(deps: ConnectionClientsDeps): ConnectionClients {
  const intercomCache = new Map<string, { fingerprint: string; client: IntercomClient }>();
  const hubspotCache = new Map<string, { fingerprint: string; client: HubSpotClient }>();

  function hubspotAuth(connection: Connection): HubSpotAuthSettings {
    if (connection.hubspotAuth !== 'oauth') return { mode: 'static' };
    const app = deps.oauth.forConnection(connection, 'hubspot');
    if (!app) throw new NoHubSpotAppError('this connection was authorised with OAuth, but no HubSpot app (apps.hubspot) is configured to refresh its token');
    return { mode: 'oauth', clientId: app.clientId, clientSecret: app.clientSecret };
  }

  return {
    intercom(connection) {
      // Rebuilt when what it depends on changes (re-authorised into another workspace, moved region).
      const fingerprint = [connection.intercomWorkspaceId, connection.intercomRegion, connection.intercomBaseUrl].join('|');
      const cached = intercomCache.get(connection.id);
      if (cached?.fingerprint === fingerprint) return cached.client;
      const client = createIntercomClient({
        credentials: connectionCredentials(deps, connection.id),
        connectionId: connection.id,
        region: connection.intercomRegion,
        baseUrl: connection.intercomBaseUrl,
        rates: deps.upstream.intercomRates,
        budgetKey: intercomBudgetKey(connection, deps.appId),
        pools: deps.upstream.pools,
        timeouts: deps.upstream.timeouts,
        retry: { maxAttempts: deps.upstream.maxAttemptsPerCall },
        log: deps.log,
      });
      intercomCache.set(connection.id, { fingerprint, client });
      return client;
    },

    hubspot(connection) {
      if (connection.hubspotPortalId === null) throw new Error('the connection has no HubSpot portal yet');
      const auth = hubspotAuth(connection);
      const fingerprint = [connection.hubspotPortalId, connection.hubspotBaseUrl, auth.mode, auth.mode === 'oauth' ? auth.clientId : ''].join('|');
      const cached = hubspotCache.get(connection.id);
      if (cached?.fingerprint === fingerprint) return cached.client;
      const client = createHubSpotClient({
        connectionId: connection.id,
        portalId: String(connection.hubspotPortalId),
        auth,
        credentials: connectionCredentials(deps, connection.id),
        pools: deps.upstream.pools,
        rates: deps.upstream.hubspotRates,
        log: deps.log,
        ...(connection.hubspotBaseUrl ? { baseUrl: connection.hubspotBaseUrl } : {}),
        timeouts: deps.upstream.timeouts,
        retry: { maxAttempts: deps.upstream.maxAttemptsPerCall, baseMs: 500, capMs: 8_000, maxWaitMs: 15_000 },
        ...(deps.now ? { now: deps.now } : {}),
      });
      hubspotCache.set(connection.id, { fingerprint, client });
      return client;
    },
  };
}
