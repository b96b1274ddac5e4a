// One Intercom client against the simulator on port 0, over a real migrated SQLite with a
// connection row and a sealed token. The simulator and the client share one virtual clock: sleeps
// (budget waits, retry backoff) move it forward instead of waiting, so 10-second windows take
// milliseconds while HTTP timeouts stay real.
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { connectionCredentials } from '../../../src/connections/connection-credentials.ts';
import { connectionOwner, putCredential } from '../../../src/db/repos/credentials.ts';
import { createHttpPools } from '../../../src/integrations/http-pools.ts';
import { INTERCOM_TOKEN_KIND } from '../../../src/integrations/intercom/auth.ts';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';
import { createIntercomClient, type IntercomClient, type IntercomClientDeps } from '../../../src/integrations/intercom/client.ts';
import { createIntercomRateRegistry, type IntercomRateLimits, type IntercomRateRegistry } from '../../../src/integrations/intercom/rate-plan.ts';
import type { BudgetClock } from '../../../src/integrations/rate-budget.ts';
import { loggerOptions } from '../../../src/log.ts';
import { startIntercomSimulator, type RunningIntercomSimulator } from '../../../src/sandbox/intercom/index.ts';
import { createSimClock, type SimClock } from '../../../src/sandbox/shared/clock.ts';
import { createVault } from '../../../src/vault/vault.ts';
import { makeTestDb } from '../../helpers/db.ts';
import type { LogCapture } from '../../helpers/log-capture.ts';
import type { Teardownable } from '../../helpers/server.ts';

export interface Harness {
  running: RunningIntercomSimulator;
  simClock: SimClock;
  clock: BudgetClock;
  rates: IntercomRateRegistry;
  db: ReturnType<typeof makeTestDb>['kysely'];
  vault: ReturnType<typeof createVault>;
  connectionId: string;
  token: string;
  workspaceId: string;
  adminId: string;
  log: Logger;
  client: IntercomClient;
  makeClient(overrides?: Partial<IntercomClientDeps>): IntercomClient;
}

/**
 * `settled` says whether every call already granted by the budget has reached the simulator: the
 * shared clock only jumps after that, or a call sent "before" the jump would be counted in the
 * next rate-limit window (real latency is tiny next to 10 s; a virtual jump is not).
 */
export function virtualClock(simClock: SimClock, settled: () => boolean = () => true): BudgetClock {
  return {
    now: () => simClock.now(),
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason as Error;
      const deadline = Date.now() + 1000;
      do await new Promise<void>((resolve) => setTimeout(resolve, 2));
      while (!settled() && Date.now() < deadline);
      simClock.advance(ms);
    },
  };
}

/** The UpstreamError a promise rejects with (tap's `rejects` pattern types want `errors`). */
export async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

export async function harness(
  t: Teardownable,
  capture: LogCapture,
  options: { rateLimitPerMinute?: number; plannedLimits?: Partial<IntercomRateLimits>; headersMs?: number } = {},
): Promise<Harness> {
  const simClock = createSimClock(Date.UTC(2026, 10, 23, 12, 0, 0));
  const running = await startIntercomSimulator({ port: 0, clock: simClock, ...(options.rateLimitPerMinute && { rateLimitPerMinute: options.rateLimitPerMinute }) });
  t.teardown(() => running.close());
  let granted = 0;
  const clock = virtualClock(simClock, () => running.sim.control.requests.entries().length >= granted);
  const registry = createIntercomRateRegistry({ clock, ...(options.plannedLimits && { limits: options.plannedLimits }) });
  // Counts the calls the budget let through, for the clock above.
  const rates: IntercomRateRegistry = {
    ...registry,
    planFor(key) {
      const plan = registry.planFor(key);
      return {
        learn: plan.learn,
        async plan(call, signal) {
          await plan.plan(call, signal);
          granted += 1;
        },
      };
    },
  };
  const db = makeTestDb(t).kysely;
  const vault = createVault({ key: randomBytes(32), id: 'testkey' });
  const connectionId = `conn-${randomBytes(3).toString('hex')}`;
  const now = simClock.now();
  await db.insertInto('connections').values({ id: connectionId, name: 'Acme Intercom', status: 'active', managed_by_config: 0, created_at: now, updated_at: now }).execute();
  const token = running.sim.control.createAccessToken();
  await putCredential(db, vault, { owner: connectionOwner(connectionId), kind: INTERCOM_TOKEN_KIND, value: token, now });
  const pools = createHttpPools({ connectTimeoutMs: 2000, keepAliveTimeoutMs: 1000, connectionsPerOrigin: 8 });
  t.teardown(() => pools.close());
  const log = pino(loggerOptions('debug'), capture);
  const defaults = running.sim.defaults;
  if (!defaults) throw new Error('the simulator was started without a seed');
  const makeClient = (overrides: Partial<IntercomClientDeps> = {}) =>
    createIntercomClient({
      credentials: connectionCredentials({ db, vault }, connectionId),
      connectionId,
      baseUrl: running.url,
      rates,
      budgetKey: { workspaceId: defaults.workspaceId, appId: defaults.appId },
      pools,
      log,
      timeouts: { headersMs: options.headersMs ?? 400, bodyMs: 2000 },
      retry: { maxAttempts: 6, baseMs: 100, capMs: 2000, maxWaitMs: 15_000 },
      ...overrides,
    });
  return { running, simClock, clock, rates, db, vault, connectionId, token, workspaceId: defaults.workspaceId, adminId: defaults.adminId, log, client: makeClient(), makeClient };
}
