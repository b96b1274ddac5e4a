// `npm run bench -- capture` (issue #7 "Measure"): what one captured conversation costs upstream,
// and how close end-to-end capture comes to what HubSpot's budget allows.
//   calls_warm          HubSpot calls per capture when the contact and company are already known
//                       (linked by an earlier capture), from the HubSpot simulator's request log
//   calls_cold          the same for a new customer of a new company (search, create, for both)
//   intercom_calls      Intercom calls per capture (the conversation fetched fresh, its contact, company)
//   budget_bound_ratio  warm captures per minute through the job queue, in steady state, as a share of
//                       the bound the budget sets at calls_warm calls each: 100 calls per 10 s
//                       (`upstream.hubspot.burstPer10s: 100`, and the simulator limits to match)
//                       allow 100 / calls_warm captures per 10 s
// The daemon runs in this process (startDaemon, sandbox off) against both simulators started
// standalone on their own ports, so every call crosses real HTTP; BENCH_SECONDS sets the length
// of the throughput run (default 75: a first window, then ≥ 60 s of steady state).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureConversation, type CaptureResult } from '../../src/capture/capture-conversation.ts';
import { CAPTURE_TASK, captureKey } from '../../src/capture/capture-task.ts';
import { startDaemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';
import { insertSimConnection, openDataDb, seedConversation, seedCustomer, startCaptureSims, TEST_SECRET_KEY, type CaptureSims } from '../helpers/capture-sims.ts';
import { testConfig } from '../helpers/config.ts';
import type { Figures, Progress } from './run.ts';

const LIMIT = 100;
const WINDOW_MS = 10_000;
const SAMPLES = 5;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 75);
const BODIES = { first: 'My invoice shows the wrong amount.', reply: 'Sorry about that, let me check.', second: 'Thanks, it is the March one.' };

const hubspotCalls = (sims: CaptureSims) => sims.hubspot.sim.control.requests().total;
const intercomCalls = (sims: CaptureSims) => sims.intercom.sim.control.requests.entries().length;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

export default async function capture(progress: Progress): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-capture-'));
  const sims = await startCaptureSims({ hubspot: { burstLimitPer10s: LIMIT } });
  const db = openDataDb(dir);
  const connection = await insertSimConnection(db, sims);
  await db.close();
  const config = testConfig(dir, { sandbox: { enabled: false }, upstream: { hubspot: { burstPer10s: LIMIT } }, admin: { password: 'bench' } });
  const daemon = await startDaemon({
    config,
    log: createLogger('silent'),
    secretKey: TEST_SECRET_KEY,
  });
  try {
    // 1. Calls per capture, one capture at a time, counted at the simulators.
    const push = async (conversationId: string) => {
      const before = { hubspot: hubspotCalls(sims), intercom: intercomCalls(sims) };
      const result: CaptureResult = await captureConversation(daemon.capture, connection.id, conversationId, { trigger: 'api', isFinal: () => true });
      if (result.outcome !== 'captured') throw new Error(`capture of ${conversationId}: ${result.outcome} ${result.reason ?? ''}`);
      return { hubspot: hubspotCalls(sims) - before.hubspot, intercom: intercomCalls(sims) - before.intercom, result };
    };
    const customers = Array.from({ length: SAMPLES }, (_, i) =>
      seedCustomer(sims, { email: `buyer${i}@company${i}.test`, company: { name: `Company ${i} Ltd`, website: `https://www.company${i}.test` } }));
    const cold = [];
    for (const customer of customers) cold.push(await push(seedConversation(sims, customer.contactId, BODIES)));
    const warm = [];
    for (const customer of customers) warm.push(await push(seedConversation(sims, customer.contactId, BODIES)));
    const coldCounts = sims.hubspot.sim.control.requests().counts;
    progress(`cold: ${cold.map((c) => c.hubspot).join(', ')} HubSpot calls; warm: ${warm.map((c) => c.hubspot).join(', ')}; Intercom: ${[...cold, ...warm].map((c) => c.intercom).join(', ')}`);
    progress(`HubSpot calls so far by route: ${JSON.stringify(coldCounts)}`);
    const callsWarm = mean(warm.map((c) => c.hubspot));
    const callsCold = mean(cold.map((c) => c.hubspot));

    // 2. Warm captures through the job queue for DURATION_S, limited by the HubSpot budget.
    const perBudget = LIMIT / callsWarm;
    const boundPerMinute = perBudget * (60_000 / WINDOW_MS);
    const jobs = Math.ceil((boundPerMinute * (DURATION_S + 20)) / 60);
    const conversations = Array.from({ length: jobs }, (_, i) => seedConversation(sims, (customers[i % customers.length] ?? customers[0])?.contactId ?? '', BODIES));
    // Let the budget of the calls above run out of the window, so the run starts from a full one.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    sims.hubspot.sim.control.clearRequests();
    sims.intercom.sim.control.requests.clear();
    const started = Date.now();
    for (const conversationId of conversations) {
      await daemon.jobs.enqueue({ task: CAPTURE_TASK, payload: { conversationId, trigger: 'api' }, connectionId: connection.id, key: captureKey(connection.id, conversationId) });
    }
    progress(`${jobs} capture jobs enqueued in ${Date.now() - started} ms; running for ${DURATION_S} s (bound ${round(boundPerMinute, 1)}/min)`);
    const endAt = started + DURATION_S * 1000;
    while (Date.now() < endAt) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const done = await daemon.db.kysely.selectFrom('activity').select((eb) => eb.fn.countAll<number>().as('n')).where('outcome', '=', 'captured').where('at', '>=', started).executeTakeFirstOrThrow();
      progress(`${Math.round((Date.now() - started) / 1000)} s: ${done.n} captured; budget ${JSON.stringify(daemon.clients.hubspot(connection).budget().burst)}`);
    }
    const captured = (await daemon.db.kysely.selectFrom('activity').select('at').where('outcome', '=', 'captured').where('at', '>=', started).orderBy('at').execute()).map((r) => r.at);
    const notOk = await daemon.db.kysely.selectFrom('activity').select(['outcome', 'reason']).where('outcome', '!=', 'captured').where('at', '>=', started).execute();
    const requests = sims.hubspot.sim.control.requests().entries;
    const intercomRun = sims.intercom.sim.control.requests.entries().length;

    // Steady state: from the first capture after the first window, over whole budgets (the sliding
    // window makes the flow bursty, so only whole budgets give a stable rate; as bench -- clients).
    const steadyFrom = started + WINDOW_MS;
    const first = captured.findIndex((at) => at >= steadyFrom);
    const block = Math.round(perBudget);
    const budgets = first >= 0 ? Math.floor((captured.length - 1 - first) / block) : 0;
    const last = first + budgets * block;
    const perMinute = budgets > 0 ? ((last - first) / (((captured[last] ?? 0) - (captured[first] ?? 0)) / 60_000)) : 0;
    const steadyCaptures = captured.filter((at) => at >= steadyFrom).length;
    const steadyCalls = requests.filter((e) => e.at >= steadyFrom && e.at <= (captured[captured.length - 1] ?? 0)).length;
    return {
      calls_warm: round(callsWarm, 2),
      calls_cold: round(callsCold, 2),
      intercom_calls: round(mean([...cold, ...warm].map((c) => c.intercom)), 2),
      budget_bound_ratio: round(perMinute / boundPerMinute),
      captures_per_min: round(perMinute, 1),
      bound_per_min: round(boundPerMinute, 1),
      steady_budgets_measured: budgets,
      steady_captures: steadyCaptures,
      steady_calls_per_capture: round(steadyCalls / Math.max(1, steadyCaptures), 2),
      run_calls_per_capture: round(requests.length / Math.max(1, captured.length), 2),
      run_intercom_calls_per_capture: round(intercomRun / Math.max(1, captured.length), 2),
      captured: captured.length,
      not_captured: notOk.length,
      hubspot_429s: requests.filter((e) => e.status === 429).length,
      duration_s: DURATION_S,
      limit_per_10s: LIMIT,
      jobs_concurrency: `${config.jobs.concurrency} (${config.jobs.perConnectionConcurrency} per connection)`,
    };
  } finally {
    await daemon.close(2_000);
    await sims.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
