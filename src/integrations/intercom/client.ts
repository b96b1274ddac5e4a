// The Intercom API client of one connection: createUpstreamClient (retries, timeouts, ambiguous
// writes) wired to Intercom's auth (auth.ts), rate budgets shared per workspace and app
// (rate-plan.ts), error bodies (errors.ts), regional host and pinned version (regions.ts), with
// typed, zod-validated calls (conversations.ts, people.ts, data-attributes.ts).
import type { Logger } from 'pino';
import type { ConnectionCredentials } from '../connection-credentials.ts';
import type { HttpPools } from '../http-pools.ts';
import { createUpstreamClient, type RetrySettings, type UpstreamClient } from '../upstream-client.ts';
import { createIntercomAuth } from './auth.ts';
import { conversationMethods, type ConversationMethods } from './conversations.ts';
import { dataAttributeMethods, type DataAttributeMethods } from './data-attributes.ts';
import { describeIntercomError } from './errors.ts';
import { peopleMethods, type PeopleMethods, type SurvivorLookup } from './people.ts';
import type { BudgetKey, IntercomRateRegistry } from './rate-plan.ts';
import { INTERCOM_API_VERSION, intercomBaseUrl } from './regions.ts';

export interface IntercomClientDeps {
  credentials: ConnectionCredentials;
  connectionId: string;
  /** The workspace's region (GET /me `app.region`); picks the regional host. */
  region?: string | null;
  /** Replaces the regional host (the simulator in tests and the sandbox, a proxy). */
  baseUrl?: string | null;
  /** The process-wide registry: every client of a workspace spends the same budgets. */
  rates: IntercomRateRegistry;
  /**
   * Which budgets this connection spends. Before GET /me has named the workspace, the connection
   * id stands in for it.
   */
  budgetKey?: BudgetKey;
  pools: HttpPools;
  log: Logger;
  timeouts?: { headersMs: number; bodyMs: number };
  retry?: Partial<RetrySettings>;
  random?: () => number;
  /** Known merges (from `contact.merged` webhooks): absorbed contact id → survivor id. */
  survivorOf?: SurvivorLookup;
  credentialKind?: string;
}

export type IntercomClient = ConversationMethods &
  PeopleMethods &
  DataAttributeMethods & {
    baseUrl: string;
    /** The raw core, for a call this module does not type yet. */
    upstream: UpstreamClient;
  };

/** Long enough for Intercom's 10-second window to reset inside the call (intercom-api.md §5.1). */
const INTERCOM_RETRY_DEFAULTS: RetrySettings = { maxAttempts: 4, baseMs: 500, capMs: 8_000, maxWaitMs: 12_000 };
const INTERCOM_TIMEOUT_DEFAULTS = { headersMs: 30_000, bodyMs: 30_000 };

export function createIntercomClient(deps: IntercomClientDeps): IntercomClient {
  const baseUrl = intercomBaseUrl({ region: deps.region, baseUrlOverride: deps.baseUrl });
  const key = deps.budgetKey ?? { workspaceId: `connection:${deps.connectionId}`, appId: 'interhubz' };
  const plan = deps.rates.planFor(key);
  const log = deps.log.child({ connectionId: deps.connectionId });
  const auth = createIntercomAuth({
    credentials: deps.credentials,
    connectionId: deps.connectionId,
    log,
    now: () => deps.rates.clock.now(),
    ...(deps.credentialKind !== undefined && { credentialKind: deps.credentialKind }),
  });
  const upstream = createUpstreamClient({
    service: 'intercom',
    baseUrl,
    pools: deps.pools,
    timeouts: deps.timeouts ?? INTERCOM_TIMEOUT_DEFAULTS,
    retry: { ...INTERCOM_RETRY_DEFAULTS, ...deps.retry },
    authorize: auth.authorize,
    onUnauthorized: auth.onUnauthorized,
    plan: plan.plan,
    learn: plan.learn,
    describeError: describeIntercomError,
    // Always send the version: without it Intercom answers in the app's version, or 1.0 (§1.2).
    headers: { 'intercom-version': INTERCOM_API_VERSION },
    log,
    clock: deps.rates.clock,
    ...(deps.random && { random: deps.random }),
  });
  return { baseUrl, upstream, ...conversationMethods(upstream), ...peopleMethods(upstream, deps.survivorOf), ...dataAttributeMethods(upstream) };
}
