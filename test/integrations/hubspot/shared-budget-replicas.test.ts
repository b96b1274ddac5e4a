// Three replicas on one PostgreSQL database send to one HubSpot portal as fast as their shared
// budget lets them (issue #21 item 2): the simulator, which refuses with 429 whatever exceeds its
// 10-s window, refuses nothing, every call is sent, and its log shows no 10-s window holding more
// than the limit (and one holding all of it: the replicas did not each keep to a share).
//
// Time runs ten times faster for the simulator and the budgets alike (one scaled clock), so three
// windows pass in about three seconds; the assertions count calls in the simulator's log, never durations.
import t from 'tap';
import { openPostgres } from '../../../src/db/postgres/open-postgres.ts';
import { createHubSpotRateRegistry, type HubSpotRateRegistry } from '../../../src/integrations/hubspot/rate-plan.ts';
import { realClock, type BudgetClock } from '../../../src/integrations/rate-budget.ts';
import { createSharedBudgetStore } from '../../../src/db/repos/rate-budgets.ts';
import { createSharedBudgets } from '../../../src/integrations/shared-budget.ts';
import type { SimClock } from '../../../src/sandbox/shared/clock.ts';
import { makeTestPgDb } from '../../helpers/postgres.ts';
import { setup } from './helpers.ts';

const SPEED = 10;
const LIMIT = 20;
const REPLICAS = 3;
const CALLS_PER_REPLICA = 20;

/** One clock for the simulator and the budgets, running SPEED times faster than real time. */
function fastClock(): { budget: BudgetClock; sim: SimClock } {
  const origin = Date.now();
  const now = () => origin + (Date.now() - origin) * SPEED;
  const fixed = () => {
    throw new Error('this test runs the simulator on a scaled clock that cannot be set');
  };
  return {
    budget: { now, sleep: (ms, signal) => realClock.sleep(ms / SPEED, signal) },
    sim: { now, set: fixed, advance: fixed, release: () => undefined },
  };
}

async function workers(count: number, jobs: number, run: () => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: count }, async () => {
    while (next < jobs) {
      next++;
      await run();
    }
  }));
}

t.test('three replicas sharing a portal budget: no 429, every call sent, never more than the limit per 10 s', async (t) => {
  const clock = fastClock();
  const env = await setup(t, { sim: { burstLimitPer10s: LIMIT, clock: clock.sim } });
  await env.storeOAuth();
  const db = await makeTestPgDb(t);
  const registries: HubSpotRateRegistry[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    const handle = i === 0 ? db : openPostgres(db.url);
    if (i > 0) t.teardown(() => handle.close());
    registries.push(createHubSpotRateRegistry({
      defaults: { burstPer10s: LIMIT }, budgets: createSharedBudgets(createSharedBudgetStore(handle)), clock: clock.budget,
      // The margin absorbs the time from a send's stamp to its arrival at HubSpot: 400 ms by default
      // in real time. Time runs ten times faster here, and so does any delay of this busy test
      // process: 5 s of simulated time is 500 ms of real time (200 ms was too little in a loaded full
      // run: a call stamped in one window reached the simulator in the next, and was refused).
      margin: { ratio: 0.03, fixedMs: 5_000 },
    }));
  }
  const clients = registries.map((rates) => env.client({ rates }));
  await Promise.all(clients.map((client) => workers(8, CALLS_PER_REPLICA, () => client.pipelines.list())));

  const sent = env.sim.sim.control.requests().entries.filter((e) => e.path === '/crm/pipelines/2026-09/tickets');
  t.equal(sent.filter((e) => e.status === 429).length, 0, 'HubSpot refused nothing');
  t.equal(sent.filter((e) => e.status === 200).length, REPLICAS * CALLS_PER_REPLICA, 'every call was sent, once');
  const inWindow = sent.map((e) => sent.filter((other) => other.at > e.at - 10_000 && other.at <= e.at).length);
  t.ok(Math.max(...inWindow) <= LIMIT, `at most ${LIMIT} in any 10 s (most: ${Math.max(...inWindow)})`);
  t.equal(Math.max(...inWindow), LIMIT, 'and the whole budget in one: the replicas spent one budget together');
  for (const rates of registries) t.equal(rates.portal(env.hubId).snapshot().refused.standard, 0, 'no replica saw a 429');
});
