// Shared set-up for the HubSpot client tests: a real simulator on port 0, a migrated SQLite file, a
// vault with a random key, a connection row, and one pino log captured for the whole test file.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { connectionCredentials } from '../../../src/connections/connection-credentials.ts';
import type { Database } from '../../../src/db/schema.ts';
import { createHttpPools, type HttpPools } from '../../../src/integrations/http-pools.ts';
import { storeOAuthTokens, storeStaticToken } from '../../../src/integrations/hubspot/auth.ts';
import { createHubSpotClient, type HubSpotAuthSettings, type HubSpotClient, type HubSpotClientDeps } from '../../../src/integrations/hubspot/client.ts';
import { createHubSpotRateRegistry, type HubSpotRateRegistry, type RatePlanSettings } from '../../../src/integrations/hubspot/rate-plan.ts';
import type { RetrySettings } from '../../../src/integrations/upstream-client.ts';
import { createLogger } from '../../../src/log.ts';
import { startHubSpotSimulator, type HubSpotSimulatorOptions, type StartedHubSpotSimulator } from '../../../src/sandbox/hubspot/index.ts';
import { createVault, type Vault } from '../../../src/vault/vault.ts';
import { makeTestDb } from '../../helpers/db.ts';
import { captureLogs, type LogCapture } from '../../helpers/log-capture.ts';
import type { Teardownable } from '../../helpers/server.ts';

const CLIENT_ID = 'sim-client-id';
const CLIENT_SECRET = 'sim-client-secret-0f3a9c';

/** Everything secret a test handed out: the log check at the end of a file looks for each. */
export const secrets = new Set<string>([CLIENT_SECRET]);
const logs: LogCapture = captureLogs();
export const log: Logger = createLogger('debug', logs);

const FAST_RETRY: RetrySettings = { maxAttempts: 6, baseMs: 20, capMs: 200, maxWaitMs: 3_000 };

export interface Env {
  sim: StartedHubSpotSimulator;
  db: Kysely<Database>;
  vault: Vault;
  pools: HttpPools;
  rates: HubSpotRateRegistry;
  connectionId: string;
  hubId: string;
  client(overrides?: Partial<HubSpotClientDeps>): HubSpotClient;
  /** Issues OAuth tokens at the simulator and stores them (expiresAt as given, default: as HubSpot says). */
  storeOAuth(input?: { scopes?: string[]; expiresAt?: number }): Promise<{ accessToken: string; refreshToken: string }>;
  storeStatic(input?: { scopes?: string[] }): Promise<string>;
  tokenRequests(): number;
}

let connectionSeq = 0;

export async function setup(t: Teardownable, options: { sim?: HubSpotSimulatorOptions; rates?: RatePlanSettings; auth?: 'oauth' | 'static'; authSettings?: Partial<Extract<HubSpotAuthSettings, { mode: 'oauth' }>> } = {}): Promise<Env> {
  const sim = await startHubSpotSimulator({ port: 0, app: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, ...options.sim });
  t.teardown(() => sim.close());
  // Every token the simulator ever minted (refreshed ones too) is a secret the log must not hold.
  t.teardown(() => {
    for (const token of sim.sim.state.tokens.keys()) secrets.add(token);
    for (const token of sim.sim.state.refreshTokens.keys()) secrets.add(token);
  });
  const { kysely: db } = makeTestDb(t);
  const vault = createVault({ key: randomBytes(32), id: 'test-key' });
  const pools = createHttpPools({ connectTimeoutMs: 1_000, keepAliveTimeoutMs: 4_000, connectionsPerOrigin: 16 });
  t.teardown(() => pools.close());
  const rates = createHubSpotRateRegistry({ defaults: { burstPer10s: 100 }, ...options.rates });
  const connectionId = `conn-${++connectionSeq}`;
  await db.insertInto('connections').values({ id: connectionId, name: 'Test', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1 }).execute();
  const control = sim.sim.control;
  const hubId = String(control.defaultHubId());
  const credentials = connectionCredentials({ db, vault }, connectionId);
  const auth: HubSpotAuthSettings = options.auth === 'static' ? { mode: 'static' } : { mode: 'oauth', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...options.authSettings };
  return {
    sim, db, vault, pools, rates, connectionId, hubId,
    client: (overrides = {}) =>
      createHubSpotClient({
        connectionId, portalId: hubId, auth, credentials, pools, rates, log, baseUrl: sim.url,
        timeouts: { headersMs: 400, bodyMs: 400 }, retry: FAST_RETRY, ...overrides,
      }),
    async storeOAuth(input = {}) {
      const issued = control.issueOAuthTokens(input.scopes ? { scopes: input.scopes } : {});
      secrets.add(issued.accessToken).add(issued.refreshToken);
      await storeOAuthTokens(credentials, {
        accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: input.expiresAt ?? Date.now() + issued.expiresIn * 1000,
      }, Date.now());
      return { accessToken: issued.accessToken, refreshToken: issued.refreshToken };
    },
    async storeStatic(input = {}) {
      const token = control.createStaticToken(input.scopes ? { scopes: input.scopes } : {});
      secrets.add(token);
      await storeStaticToken(credentials, token, Date.now());
      return token;
    },
    tokenRequests: () => control.requests().entries.filter((e) => e.method === 'POST' && e.path === '/oauth/2026-09/token').length,
  };
}

/** The check every test file ends with: the captured log holds no token, secret or body text. */
export function assertLogClean(t: { ok(value: unknown, message: string): unknown; equal(a: unknown, b: unknown, message: string): unknown }, bodyMarkers: string[] = []): void {
  const text = logs.text();
  t.ok(text.length > 0, 'something was logged');
  const leaked = [...secrets, ...bodyMarkers].filter((secret) => secret.length > 0 && text.includes(secret));
  t.equal(leaked.length, 0, `no token, client secret or body text in ${logs.entries().length} log lines`);
}
