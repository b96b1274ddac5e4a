// Both simulators in a process of their own for the chaos run (test/chaos/chaos-run.ts): the
// daemon under test is SIGKILLed again and again, the simulators must outlive it and keep their
// state. `node test/chaos/chaos-sims.ts '<json options>'` prints one JSON line with where they
// listen, then serves until SIGTERM.
//
// Faults are drawn per upstream call: a root hook rolls the dice for every request that is not a
// control call and, on a hit, queues a one-shot fault that the simulator's own fault hook (which
// runs after this one, for the same request) takes at once. So every kind the simulators know —
// 429 with Retry-After, 5xx, timeouts, resets, answers lost or held after the write — happens at
// a rate instead of "the next N calls". GET /_chaos/stats counts what was injected.
import Fastify, { type FastifyInstance } from 'fastify';
import { createHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { createIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import type { FaultSpec } from '../../src/sandbox/shared/faults.ts';

export type FaultKind = FaultSpec['kind'];
/** Probability per call of each kind; their sum is the share of calls that fail. */
export type FaultRates = Partial<Record<FaultKind, number>>;

export interface ChaosSimsOptions {
  hubspotFaults: FaultRates;
  intercomFaults: FaultRates;
  webhookFaults: { drop: number; duplicate: number; reorder: number };
  /** HubSpot search sees a write this late ("a few moments", hubspot-api.md §10). */
  hubspotSearchLagMs: number;
  /** Intercom search sees a new conversation this late ("a few minutes" in Intercom's words; shorter here). */
  intercomIndexDelaySeconds: number;
  /** The portal's burst limit per 10 s (190 for Professional/Enterprise, hubspot-api.md §3). */
  hubspotBurstPer10s: number;
}

export interface ChaosSimsReady {
  intercom: { url: string; appId: string; clientSecret: string; workspaceId: string; adminId: string };
  hubspot: { url: string; hubId: number };
}

export interface ChaosStats {
  injecting: boolean;
  hubspot: Partial<Record<FaultKind, number>>;
  intercom: Partial<Record<FaultKind, number>>;
  calls: { hubspot: number; intercom: number };
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChaosSimsOptions;
const stats: ChaosStats = { injecting: true, hubspot: {}, intercom: {}, calls: { hubspot: 0, intercom: 0 } };

/** One draw: the kinds take consecutive slices of [0, 1). */
function draw(rates: FaultRates): FaultKind | undefined {
  let x = Math.random();
  for (const [kind, rate] of Object.entries(rates) as Array<[FaultKind, number]>) {
    if (x < rate) return kind;
    x -= rate;
  }
  return undefined;
}

const isControl = (url: string) => url.startsWith('/_sim') || url.startsWith('/_chaos');

function injectFaults(app: FastifyInstance, side: 'hubspot' | 'intercom', rates: FaultRates, add: (spec: { kind: FaultKind; count: number; retryAfterSeconds?: number }) => void) {
  app.addHook('onRequest', async (request) => {
    if (isControl(request.url)) return;
    stats.calls[side] += 1;
    if (!stats.injecting) return;
    const kind = draw(rates);
    if (!kind) return;
    stats[side][kind] = (stats[side][kind] ?? 0) + 1;
    add(kind === '429' ? { kind, count: 1, retryAfterSeconds: 1 + Math.floor(Math.random() * 3) } : { kind, count: 1 });
  });
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const hubspot = createHubSpotSimulator({ searchIndexDelayMs: options.hubspotSearchLagMs, burstLimitPer10s: options.hubspotBurstPer10s });
const hubspotApp = Fastify({ logger: false });
injectFaults(hubspotApp, 'hubspot', options.hubspotFaults, (spec) => hubspot.control.addFault(spec));
hubspotApp.get('/_chaos/stats', async () => stats);
hubspotApp.put('/_chaos/injecting', async (request) => {
  stats.injecting = (request.body as { on?: unknown } | undefined)?.on === true;
  return stats;
});
await hubspotApp.register(hubspot.plugin);

const intercom = createIntercomSimulator({
  indexDelaySeconds: options.intercomIndexDelaySeconds,
  webhooks: { validateUrl: false, faultRates: options.webhookFaults },
});
const intercomApp = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
injectFaults(intercomApp, 'intercom', options.intercomFaults, (spec) => intercom.control.faults.add(spec));
await intercomApp.register(intercom.plugin);

const defaults = intercom.defaults;
if (!defaults) throw new Error('the Intercom simulator has no seeded workspace');
const ready: ChaosSimsReady = {
  intercom: { url: await listen(intercomApp), appId: defaults.appId, clientSecret: defaults.clientSecret, workspaceId: defaults.workspaceId, adminId: defaults.adminId },
  hubspot: { url: await listen(hubspotApp), hubId: hubspot.control.defaultHubId() },
};
process.stdout.write(`${JSON.stringify(ready)}\n`);

const stop = () => {
  intercom.close();
  void Promise.all([intercomApp.close(), hubspotApp.close()]).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
