// What every vendor client in the process shares, built once from the configuration: the connection
// pools per origin and the rate budgets per portal and workspace. Sharing them is the point — two
// connections on one HubSpot portal must spend one budget, not two. On PostgreSQL the budgets are
// shared by every replica too (`budgets`: createSharedBudgets), so three replicas spend one.
import type { Config } from '../config/schema.ts';
import { createHubSpotRateRegistry, type HubSpotRateRegistry } from './hubspot/rate-plan.ts';
import { createHttpPools, type HttpPools, type UpstreamCallObserver } from './http-pools.ts';
import { createIntercomRateRegistry, type IntercomRateRegistry } from './intercom/rate-plan.ts';
import type { WindowBudgetFactory } from './rate-budget.ts';

export interface UpstreamContext {
  pools: HttpPools;
  hubspotRates: HubSpotRateRegistry;
  intercomRates: IntercomRateRegistry;
  timeouts: { headersMs: number; bodyMs: number };
  maxAttemptsPerCall: number;
  close(): Promise<void>;
}

interface UpstreamContextOptions {
  /** Where the rate budgets' windows live: this process's memory by default; the database on PostgreSQL. */
  budgets?: WindowBudgetFactory;
}

/** `observe` is told of every call sent (metrics, src/metrics); none by default. */
export function createUpstreamContext(upstream: Config['upstream'], observe?: UpstreamCallObserver, options: UpstreamContextOptions = {}): UpstreamContext {
  const pools = createHttpPools({
    connectTimeoutMs: upstream.connectTimeoutSeconds * 1000,
    keepAliveTimeoutMs: 30_000,
    connectionsPerOrigin: 16,
    ...(observe ? { observe } : {}),
  });
  return {
    pools,
    hubspotRates: createHubSpotRateRegistry({
      defaults: { burstPer10s: upstream.hubspot.burstPer10s, searchPerSecond: upstream.hubspot.searchPerSecond, daily: upstream.hubspot.dailyLimit },
      ...(options.budgets ? { budgets: options.budgets } : {}),
    }),
    intercomRates: createIntercomRateRegistry({
      limits: { appPerMinute: upstream.intercom.perAppPerMinute, workspacePerMinute: upstream.intercom.perWorkspacePerMinute },
      ...(options.budgets ? { budgets: options.budgets } : {}),
    }),
    timeouts: { headersMs: upstream.responseTimeoutSeconds * 1000, bodyMs: upstream.responseTimeoutSeconds * 1000 },
    maxAttemptsPerCall: upstream.maxAttemptsPerCall,
    close: () => pools.close(),
  };
}
