// One Intercom client per connection, kept for the life of the process: the client's token handling
// is single-flight per client object, and every client of a workspace spends the shared budgets
// of daemon.upstream.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ConnectionRow, Database } from '../db/schema.ts';
import { createIntercomClient, type IntercomClient } from '../integrations/intercom/client.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import type { Vault } from '../vault/vault.ts';

export interface ConnectionClients {
  intercom(row: ConnectionRow): IntercomClient;
}

export function createConnectionClients(deps: { db: Kysely<Database>; vault: Vault; upstream: UpstreamContext; log: Logger; appId?: string }): ConnectionClients {
  const cache = new Map<string, { fingerprint: string; client: IntercomClient }>();
  return {
    intercom(row) {
      // Rebuilt when what it depends on changes (re-authorised into another workspace, moved region).
      const fingerprint = [row.intercom_workspace_id, row.intercom_region, row.intercom_base_url].join('|');
      const cached = cache.get(row.id);
      if (cached?.fingerprint === fingerprint) return cached.client;
      const client = createIntercomClient({
        db: deps.db,
        vault: deps.vault,
        connectionId: row.id,
        region: row.intercom_region,
        baseUrl: row.intercom_base_url,
        rates: deps.upstream.intercomRates,
        budgetKey: { workspaceId: row.intercom_workspace_id ?? `connection:${row.id}`, appId: deps.appId ?? 'interhubz' },
        pools: deps.upstream.pools,
        timeouts: deps.upstream.timeouts,
        retry: { maxAttempts: deps.upstream.maxAttemptsPerCall },
        log: deps.log,
      });
      cache.set(row.id, { fingerprint, client });
      return client;
    },
  };
}
