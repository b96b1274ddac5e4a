// `npm run bench -- clients`: how much of a HubSpot portal's burst budget the client uses, and
// whether it ever earns a 429, with 8 concurrent callers sharing one portal budget against the
// simulator's limit of 100 calls per rolling 10 s, for DURATION_S seconds (env BENCH_SECONDS).
//   calls_per_s        calls per second in steady state (after the first window), measured over whole
//                      budgets: from the first steady-state arrival at the simulator to the arrival
//                      m×100 calls later (the sliding window makes the flow bursty, so only whole
//                      budgets give a stable figure; the limit means it can never exceed 10/s)
//   budget_used_ratio  calls_per_s / (100 / 10 s)
//   steady_429s        429s the simulator answered in steady state (target 0)
//   first_window_429s  the same for the first window (the budget starts full and unknown)
// BENCH_DEBUG=1 prints each 429 with the successful calls the simulator had in the 10 s before it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionCredentials } from '../../src/connections/connection-credentials.ts';
import { openDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createHttpPools } from '../../src/integrations/http-pools.ts';
import { storeOAuthTokens } from '../../src/integrations/hubspot/auth.ts';
import { createHubSpotClient } from '../../src/integrations/hubspot/client.ts';
import { createHubSpotRateRegistry } from '../../src/integrations/hubspot/rate-plan.ts';
import { createLogger } from '../../src/log.ts';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { createVault } from '../../src/vault/vault.ts';
import { benchNumber } from './fixtures/bench-env.ts';
import type { Figures, Progress } from './run.ts';

const LIMIT = 100;
const WINDOW_MS = 10_000;
const CALLERS = 8;
const DURATION_S = benchNumber('BENCH_SECONDS', 35);

export default async function clients(progress: Progress): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-clients-'));
  const db = openDb(join(dir, 'bench.db'));
  migrate(db.sqlite);
  const sim = await startHubSpotSimulator({ port: 0, burstLimitPer10s: LIMIT, app: { clientId: 'bench', clientSecret: 'bench-secret' } });
  const pools = createHttpPools({ connectTimeoutMs: 2_000, keepAliveTimeoutMs: 10_000, connectionsPerOrigin: CALLERS });
  try {
    const vault = createVault({ key: randomBytes(32), id: 'bench' });
    await db.kysely.insertInto('connections').values({ id: 'bench', name: 'Bench', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1 }).execute();
    const issued = sim.sim.control.issueOAuthTokens();
    await storeOAuthTokens(connectionCredentials({ db: db.kysely, vault }, 'bench'), { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: Date.now() + issued.expiresIn * 1000 }, Date.now());
    const contact = sim.sim.control.seedRecord({ objectType: 'contacts', properties: { email: 'bench@acme.test' } });
    const hubspot = createHubSpotClient({
      connectionId: 'bench', portalId: String(sim.sim.control.defaultHubId()), auth: { mode: 'oauth', clientId: 'bench', clientSecret: 'bench-secret' },
      credentials: connectionCredentials({ db: db.kysely, vault }, 'bench'), pools, rates: createHubSpotRateRegistry({ defaults: { burstPer10s: LIMIT } }), log: createLogger('silent'), baseUrl: sim.url,
    });

    const started = Date.now();
    const steadyFrom = started + WINDOW_MS;
    const endAt = started + DURATION_S * 1000;
    const completions: number[] = [];
    let failures = 0;
    let lastReport = started;
    await Promise.all(Array.from({ length: CALLERS }, async (_, caller) => {
      while (Date.now() < endAt) {
        try {
          if (caller % 2 === 0) await hubspot.contacts.get(contact);
          else await hubspot.pipelines.list();
          completions.push(Date.now());
        } catch {
          failures += 1;
        }
        if (Date.now() - lastReport >= 5_000) {
          lastReport = Date.now();
          progress(`${Math.round((lastReport - started) / 1000)} s: ${completions.length} calls, budget ${JSON.stringify(hubspot.budget().burst)}`);
        }
      }
    }));
    const finished = Date.now();
    const entries = sim.sim.control.requests().entries;
    const arrivals = entries.filter((e) => e.status < 400).map((e) => e.at).sort((a, b) => a - b);
    const first = arrivals.findIndex((at) => at >= steadyFrom);
    const budgets = Math.floor((arrivals.length - 1 - first) / LIMIT);
    const last = first + budgets * LIMIT;
    const rate = first >= 0 && budgets > 0 ? (last - first) / (((arrivals[last] ?? 0) - (arrivals[first] ?? 0)) / 1000) : 0;
    if (process.env.BENCH_DEBUG) {
      for (const e of entries.filter((x) => x.status === 429)) {
        const ok = entries.filter((x) => x.status < 400 && x.at > e.at - 10_000 && x.at <= e.at);
        progress(`429 at +${e.at - started} ms: ${ok.length} ok in the 10 s before; oldest at +${(ok[0]?.at ?? 0) - started}; ${e.method} ${e.path}`);
      }
    }
    return {
      calls_per_s: Number(rate.toFixed(2)),
      budget_used_ratio: Number((rate / ((LIMIT * 1000) / WINDOW_MS)).toFixed(3)),
      steady_429s: entries.filter((e) => e.status === 429 && e.at >= steadyFrom).length,
      first_window_429s: entries.filter((e) => e.status === 429 && e.at < steadyFrom).length,
      failures,
      total_calls: completions.length,
      steady_budgets_measured: budgets,
      duration_s: Number(((finished - started) / 1000).toFixed(1)),
      limit_per_10s: LIMIT,
      callers: CALLERS,
    };
  } finally {
    await pools.close();
    await sim.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
