// `npm run bench -- recordsync` (issue #17 "Benchmark"): what contact sync costs upstream, whether our
// own writes come back as writes, and how long a change takes to reach the other side.
//   hubspot_calls_per_live_change   one field changed in Intercom on a warm pair: HubSpot requests the
//                                   daemon makes until everything has settled, the echo (our write
//                                   coming back as a HubSpot webhook) included; mean over LIVE_CHANGES
//   intercom_calls_per_live_change  the reverse (a field changed in HubSpot by a person)
//   echo_writes                     over MIXED_CHANGES changes on both sides (random pair, side and
//                                   field): field writes that carried no change — the target already
//                                   held the value, or the value came from our own earlier write
//                                   (the source side's value was last set by Interhubz, not a person)
//   bulk_hubspot_calls_per_record   BULK_RECORDS paired Intercom contacts changed at once: HubSpot
//                                   requests until settled / BULK_RECORDS (through the record sweep
//                                   when src/records/record-sweep.ts exists, else the live webhooks;
//                                   bulk_mode says which)
//   change_to_other_side_p99_ms     from the change in the simulator to the other side's write
//                                   answered, over the live changes (one at a time: budget room);
//                                   ..._without_debounce_ms subtracts the wait each change's sync
//                                   job was given (run_at − created_at: RECORD_SYNC_DEBOUNCE_MS)
// Both simulators run in this process on their own ports with a hook of the bench in front of their
// routes (never in the product): every request is counted, and each contact write is compared with
// what the target record held just before it. The daemon runs in-process (sandbox off) with the
// simulators' webhooks pointed at it, as a deployment would have them. The bulk phase runs on a
// second start of the daemon with a raised HubSpot budget (BENCH_BULK_HUBSPOT_BURST per 10 s), so
// counting 5,000 records through the live path does not take half an hour; calls are counted, not timed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { createLogger } from '../../src/log.ts';
import { DEFAULT_MAPPINGS } from '../../src/records/default-mapping.ts';
import { savePair } from '../../src/records/pair-store.ts';
import { hubspotRecordSubscriptions, INTERCOM_RECORD_TOPICS } from '../../src/records/record-webhooks.ts';
import { createHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { createIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { insertSimConnection, openDataDb, TEST_SECRET_KEY, type CaptureSims } from '../helpers/capture-sims.ts';
import { testConfig } from '../helpers/config.ts';
import { benchNumber } from './fixtures/bench-env.ts';
import type { Figures, Progress } from './run.ts';

const LIVE_CHANGES = benchNumber('BENCH_LIVE_CHANGES', 20, { min: 0 });
const MIXED_CHANGES = benchNumber('BENCH_MIXED_CHANGES', 200, { min: 0 });
const MIXED_PAIRS = benchNumber('BENCH_MIXED_PAIRS', 20, { min: 0 });
/** Mean pause between two mixed changes (0.5–1.5 ×): 200 changes in about half a minute. */
const MIXED_PAUSE_MS = benchNumber('BENCH_MIXED_PAUSE_MS', 150, { min: 0 });
const BULK_RECORDS = benchNumber('BENCH_BULK_RECORDS', 5_000, { min: 0 });
/** The product default (upstream.hubspot.burstPer10s) for the live phases; the simulator allows 110. */
const HUBSPOT_BURST = 100;
const BULK_HUBSPOT_BURST = benchNumber('BENCH_BULK_HUBSPOT_BURST', 1_000, { min: 0 });
/**
 * At least record-tasks.ts RECORD_SYNC_DEBOUNCE_MS (not exported; 3 s, then 1 s): how long the bench
 * waits for work that may still come. The debounce each live change met is read from its job.
 */
const DEBOUNCE_MS = 3_000;

type Side = 'intercom' | 'hubspot';
type Field = 'name' | 'phone' | 'job';
const FIELDS: readonly Field[] = ['name', 'phone', 'job'];
const JOB_ATTRIBUTE = 'job_title';

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
/** Nearest-rank percentile of ascending values. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const other = (side: Side): Side => (side === 'intercom' ? 'hubspot' : 'intercom');

// ---------------------------------------------------------------------------------------------
// The simulators with the bench's hook in front of their routes.

interface Call {
  side: Side;
  method: string;
  route: string;
  status: number;
  at: number;
}

interface FieldWrite {
  /** Where the value went. */
  side: Side;
  intercomId: string;
  field: Field | string;
  /** The target already held it. */
  alreadyHeld: boolean;
  /** The source side's value was last set by Interhubz, not by a person. */
  fromOwnWrite: boolean;
  at: number;
  /** The write request: "PATCH …/:objectId", "POST …/batch/update", "PUT /contacts/:contact_id". */
  route: string;
  /** The value written (the bench's own made-up values), for the trace of an echo write. */
  value: string;
}

/** What happened to one field of one pair, in order: a person's change or a write by Interhubz (values are the bench's). */
interface TraceEvent {
  at: number;
  by: 'person' | 'interhubz';
  side: Side;
  intercomId: string;
  field: string;
  value: string;
}

interface Observed {
  trace: TraceEvent[];
  calls: Call[];
  writes: FieldWrite[];
  /** Per side and record (Intercom id on both sides, through the pair): when the latest write to it was answered. */
  lastWrite: Map<string, number>;
}

/** Who last set each field on each side: a person (the bench) or Interhubz (a write it made). */
type Provenance = Map<string, 'person' | 'interhubz'>;
const provenanceKey = (side: Side, intercomId: string, field: string) => `${side}:${intercomId}:${field}`;

interface BenchSims extends CaptureSims {
  observed: Observed;
  provenance: Provenance;
  /** HubSpot id → Intercom id of the bench's pairs. */
  intercomOf: Map<string, string>;
}

const HUBSPOT_CONTACT_WRITE = /^\/crm\/(?:v3\/objects|objects\/[^/]+)\/(?:contacts|0-1)\/(batch\/update|\d+)$/;
const INTERCOM_CONTACT_WRITE = /^\/contacts\/([^/]+)$/;
const HUBSPOT_FIELD: Record<string, Field> = { firstname: 'name', lastname: 'name', phone: 'phone', jobtitle: 'job' };

type Pending = Array<{ intercomId: string; field: string; side: Side; alreadyHeld: boolean; fromOwnWrite: boolean; value: string }>;

async function startBenchSims(): Promise<BenchSims> {
  const observed: Observed = { trace: [], calls: [], writes: [], lastWrite: new Map() };
  const provenance: Provenance = new Map();
  const intercomOf = new Map<string, string>();
  const pending = new WeakMap<FastifyRequest, Pending>();

  const listen = async (app: FastifyInstance, side: Side, judge: (request: FastifyRequest, path: string) => Pending | undefined, plugin: FastifyPluginAsync) => {
    // Root hooks run for the simulator's routes registered below (they inherit them).
    app.addHook('preHandler', async (request) => {
      const path = request.url.split('?')[0] ?? request.url;
      if (path.startsWith('/_sim')) return;
      const judged = judge(request, path);
      if (judged) pending.set(request, judged);
    });
    app.addHook('onResponse', async (request, reply) => {
      const path = request.url.split('?')[0] ?? request.url;
      if (path.startsWith('/_sim') || request.routeOptions.url === undefined) return;
      const at = performance.now();
      observed.calls.push({ side, method: request.method, route: request.routeOptions.url, status: reply.statusCode, at });
      const judged = pending.get(request);
      if (!judged || reply.statusCode >= 300) return;
      for (const write of judged) {
        observed.writes.push({ ...write, at, route: `${request.method} ${request.routeOptions.url}` });
        observed.trace.push({ at, by: 'interhubz', side: write.side, intercomId: write.intercomId, field: write.field, value: write.value });
        observed.lastWrite.set(`${write.side}:${write.intercomId}`, at);
        provenance.set(provenanceKey(write.side, write.intercomId, write.field), 'interhubz');
      }
    });
    await app.register(plugin);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };

  const intercomSim = createIntercomSimulator({ requestLogCapacity: 100 });
  const hubspotSim = createHubSpotSimulator({ requestLogCapacity: 100 });
  const fromOwn = (target: Side, intercomId: string, field: string) => provenance.get(provenanceKey(other(target), intercomId, field)) === 'interhubz';

  const hubspotApp = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
  const hubspotUrl = await listen(hubspotApp, 'hubspot', (request, path) => {
    const match = request.method === 'PATCH' || request.method === 'POST' ? HUBSPOT_CONTACT_WRITE.exec(path) : null;
    if (!match || (request.method === 'POST') !== (match[1] === 'batch/update')) return undefined;
    const body = request.body as { properties?: Record<string, string>; inputs?: Array<{ id: string; properties: Record<string, string> }> } | undefined;
    const inputs = match[1] === 'batch/update' ? (body?.inputs ?? []) : [{ id: match[1] ?? '', properties: body?.properties ?? {} }];
    return inputs.flatMap(({ id, properties }) => {
      const before = hubspotSim.control.record({ objectType: 'contacts', id })?.properties ?? {};
      const intercomId = intercomOf.get(id) ?? `hubspot:${id}`;
      const byField = new Map<string, { held: boolean; value: string }>();
      for (const [name, value] of Object.entries(properties)) {
        const field = HUBSPOT_FIELD[name] ?? name;
        const seen = byField.get(field);
        byField.set(field, { held: (seen?.held ?? true) && (before[name] ?? '') === value, value: seen ? `${seen.value} ${value}` : value });
      }
      return [...byField].map(([field, { held, value }]) => ({ intercomId, field, side: 'hubspot' as const, alreadyHeld: held, fromOwnWrite: fromOwn('hubspot', intercomId, field), value }));
    });
  }, hubspotSim.plugin);

  const intercomApp = Fastify({ logger: false });
  const intercomUrl = await listen(intercomApp, 'intercom', (request, path) => {
    const match = request.method === 'PUT' ? INTERCOM_CONTACT_WRITE.exec(path) : null;
    if (!match) return undefined;
    const intercomId = match[1] ?? '';
    const before = intercomSim.state.contacts.get(intercomId);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const writes: Pending = [];
    const add = (field: string, held: boolean, value: unknown) => writes.push({ intercomId, field, side: 'intercom', alreadyHeld: held, fromOwnWrite: fromOwn('intercom', intercomId, field), value: String(value) });
    for (const [name, value] of Object.entries(body)) {
      if (name === 'custom_attributes' && value && typeof value === 'object') {
        for (const [attribute, custom] of Object.entries(value)) add(attribute === JOB_ATTRIBUTE ? 'job' : `custom.${attribute}`, before?.customAttributes[attribute] === custom, custom);
      } else {
        add(name, (before as unknown as Record<string, unknown> | undefined)?.[name] === value, value);
      }
    }
    return writes;
  }, intercomSim.plugin);

  const workspaceId = intercomSim.defaults?.workspaceId ?? '';
  const admin = intercomSim.control.admins.create(workspaceId, { name: 'Ana Agent', email: 'ana@support.test' });
  return {
    intercom: { url: intercomUrl, sim: intercomSim, close: async () => { intercomSim.close(); await intercomApp.close(); } },
    hubspot: { url: hubspotUrl, sim: hubspotSim, app: hubspotApp, close: () => hubspotApp.close() },
    workspaceId, hubId: hubspotSim.control.defaultHubId(), adminId: String(admin.id),
    observed, provenance, intercomOf,
    close: async () => {
      await hubspotApp.close();
      intercomSim.close();
      await intercomApp.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The daemon, its connection and the webhooks between them.

const JOB_MAPPING = { intercom: `custom.${JOB_ATTRIBUTE}`, hubspot: 'jobtitle', direction: 'both' } as const;
const SETTINGS = ConnectionSettings.parse({
  conversations: { capture: { mode: 'manual' } },
  recordSync: { contacts: { enabled: true, mappings: [...DEFAULT_MAPPINGS.contacts, JOB_MAPPING] } },
});

interface Bench {
  sims: BenchSims;
  dir: string;
  connectionId: string;
  hubspotSecret: string;
  daemon: Daemon;
}

async function prepare(sims: BenchSims, dir: string): Promise<{ connectionId: string; hubspotSecret: string }> {
  const db = openDataDb(dir);
  try {
    const connection = await insertSimConnection(db, sims, Date.now(), { intercomWebhooks: true });
    await db.kysely.updateTable('connections').set({ settings: JSON.stringify(SETTINGS) }).where('id', '=', connection.id).execute();
    // The HubSpot app secret the simulator signs with, stored as this connection's own (a token connection on its own app).
    const hubspotSecret = randomBytes(24).toString('base64url');
    const key = Buffer.from(TEST_SECRET_KEY, 'base64');
    await putCredential(db.kysely, createVault({ key, id: keyIdOf(key) }), { owner: connectionOwner(connection.id), kind: webhookSecretKind('hubspot'), value: hubspotSecret, now: Date.now() });
    return { connectionId: connection.id, hubspotSecret };
  } finally {
    await db.close();
  }
}

async function startBenchDaemon(dir: string, hubspotBurst: number): Promise<Daemon> {
  const config = testConfig(dir, { sandbox: { enabled: false }, upstream: { hubspot: { burstPer10s: hubspotBurst } }, admin: { password: 'bench-password' } });
  return startDaemon({ config, log: createLogger('silent'), secretKey: TEST_SECRET_KEY });
}

const subscribeIntercom = (bench: Bench) => bench.sims.intercom.sim.control.webhooks.subscribe({ url: `${bench.daemon.url}/webhooks/intercom`, topics: [...INTERCOM_RECORD_TOPICS.contacts] });

/** Points both simulators' webhooks at the daemon (anything subscribed before is dropped first). */
async function subscribe(bench: Bench): Promise<void> {
  const { sims, daemon } = bench;
  unsubscribe(sims);
  await subscribeIntercom(bench);
  sims.hubspot.sim.control.subscribeWebhooks({
    targetUrl: `${daemon.url}/webhooks/hubspot`, clientSecret: bench.hubspotSecret,
    subscriptions: hubspotRecordSubscriptions('contacts', SETTINGS.recordSync.contacts.mappings).map((s) => ({ eventType: s.topic, ...(s.propertyName ? { propertyName: s.propertyName } : {}) })),
  });
}

function unsubscribe(sims: BenchSims): void {
  sims.intercom.sim.control.webhooks.unsubscribe();
  sims.hubspot.sim.control.unsubscribeWebhooks(sims.hubId);
}

/** Both simulators have delivered their webhooks and no record work is queued (due or not) or running, twice in a row. */
async function settled(bench: Bench, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2) {
    await bench.sims.hubspot.sim.control.webhooksIdle();
    await bench.sims.intercom.sim.control.webhooks.flush();
    const pending = await bench.daemon.db.kysely.selectFrom('jobs').select(['task', 'status', 'run_at']).where('status', 'in', ['queued', 'running']).execute();
    // A sync waiting out its debounce is work to come; a sweep due later is the next periodic one.
    const busy = pending.some((job) => job.task === 'records.sync' || job.task.endsWith('.event') || (job.task === SWEEP_TASK && (job.status === 'running' || job.run_at <= Date.now())));
    quiet = busy ? 0 : quiet + 1;
    if (Date.now() > deadline) throw new Error(`record work did not settle within ${timeoutMs} ms: ${pending.map((job) => job.task).join(', ')}`);
    await sleep(busy ? 100 : 300);
  }
}

// ---------------------------------------------------------------------------------------------
// Pairs: seeded on both sides with the same values, paired in the store, synced once (baselines).

interface BenchPair {
  intercomId: string;
  hubspotId: string;
}

async function seedPairs(bench: Bench, count: number, label: string, progress: Progress): Promise<BenchPair[]> {
  const { sims } = bench;
  const pairs: BenchPair[] = [];
  unsubscribe(sims);
  for (let i = 0; i < count; i++) {
    const first = `${label}${i}`;
    const values = { email: `${label}${i}@bench.test`, first, last: 'Bench', phone: `+4930${String(1_000_000 + i)}`, job: `Starting role ${i}` };
    const contact = sims.intercom.sim.control.contacts.create(sims.workspaceId, {
      role: 'user', email: values.email, name: `${values.first} ${values.last}`, phone: values.phone, customAttributes: { [JOB_ATTRIBUTE]: values.job },
    });
    const hubspotId = sims.hubspot.sim.control.seedRecord({ objectType: 'contacts', properties: { email: values.email, firstname: values.first, lastname: values.last, phone: values.phone, jobtitle: values.job } });
    pairs.push({ intercomId: String(contact.id), hubspotId });
    sims.intercomOf.set(hubspotId, String(contact.id));
  }
  const now = Date.now();
  for (const pair of pairs) await savePair(bench.daemon.db.kysely, { connectionId: bench.connectionId, type: 'contact', ...pair, how: 'bench' }, now);
  // One sync each settles the baselines (both sides agree: nothing is written).
  for (const pair of pairs) {
    await bench.daemon.jobs.enqueue({ task: 'records.sync', payload: { object: 'contacts', side: 'intercom', id: pair.intercomId }, connectionId: bench.connectionId, key: `records:${bench.connectionId}:contacts:intercom:${pair.intercomId}` });
  }
  progress(`${label}: ${count} pairs seeded; first syncs queued`);
  await settled(bench, 30 * 60_000);
  const baselines = await bench.daemon.db.kysely.selectFrom('record_pairs').select((eb) => eb.fn.countAll<number>().as('n')).where('connection_id', '=', bench.connectionId).where('last_synced_at', 'is not', null).executeTakeFirstOrThrow();
  progress(`${label}: first syncs done (${baselines.n} pairs synced in all)`);
  await subscribe(bench);
  return pairs;
}

// ---------------------------------------------------------------------------------------------
// Changes made by a person on one side.

let serial = 0;

function change(sims: BenchSims, pair: BenchPair, side: Side, field: Field): void {
  serial += 1;
  const value = field === 'name' ? { first: `Changed${serial}`, last: `Person${serial}` } : field === 'phone' ? `+4940${String(2_000_000 + serial)}` : `Role ${serial}`;
  if (side === 'intercom') {
    const patch = typeof value === 'object' ? { name: `${value.first} ${value.last}` } : field === 'phone' ? { phone: value } : { customAttributes: { [JOB_ATTRIBUTE]: value } };
    sims.intercom.sim.control.contacts.update(pair.intercomId, patch);
  } else {
    const properties: Record<string, string> = typeof value === 'object' ? { firstname: value.first, lastname: value.last } : field === 'phone' ? { phone: value } : { jobtitle: value };
    sims.hubspot.sim.control.updateRecordAsUser({ objectType: 'contacts', id: pair.hubspotId, properties });
  }
  sims.provenance.set(provenanceKey(side, pair.intercomId, field), 'person');
  const text = typeof value === 'object' ? `${value.first} ${value.last}` : value;
  sims.observed.trace.push({ at: performance.now(), by: 'person', side, intercomId: pair.intercomId, field, value: text });
}

const countBy = (calls: readonly Call[]) => {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[`${call.method} ${call.route}${call.status >= 300 ? ` (${call.status})` : ''}`] = (counts[`${call.method} ${call.route}${call.status >= 300 ? ` (${call.status})` : ''}`] ?? 0) + 1;
  return counts;
};

/** Sums per-route counts over several windows, divided by how many: the mean calls per change by route. */
function meanRoutes(windows: Array<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const window of windows) for (const [route, n] of Object.entries(window)) sum[route] = (sum[route] ?? 0) + n;
  return Object.fromEntries(Object.entries(sum).map(([route, n]) => [route, round(n / Math.max(1, windows.length))]));
}

interface LiveRun {
  /** Calls on the other side (the one written) and on the side changed, per change. */
  target: number[];
  source: number[];
  targetRoutes: Array<Record<string, number>>;
  sourceRoutes: Array<Record<string, number>>;
  latencies: number[];
  /** The wait the change's sync job was given (run_at − created_at), 0 when a sweep took it. */
  debounces: number[];
  writesToTarget: number[];
  writesBack: number[];
  /** Calls in the windows that were not about contacts (conversation sweeps), left out of the counts. */
  unrelated: number;
  syncs: Record<string, number>;
}

const unrelated = (call: Call) => call.side === 'intercom' && call.route.startsWith('/conversations');

/** One change at a time: change a field on `side`, wait for the other side's write, let everything settle, count. */
async function liveChanges(bench: Bench, pairs: BenchPair[], side: Side, count: number, progress: Progress, offset = 0): Promise<LiveRun> {
  const { sims } = bench;
  const run: LiveRun = { target: [], source: [], targetRoutes: [], sourceRoutes: [], latencies: [], debounces: [], writesToTarget: [], writesBack: [], unrelated: 0, syncs: {} };
  const target = other(side);
  const runStartedAt = Date.now();
  for (let i = 0; i < count; i++) {
    const pair = pairs[(offset + i) % pairs.length] as BenchPair;
    const field = FIELDS[i % FIELDS.length] as Field;
    const callsFrom = sims.observed.calls.length;
    const writesFrom = sims.observed.writes.length;
    const started = performance.now();
    const startedAt = Date.now();
    change(sims, pair, side, field);
    const key = `${target}:${pair.intercomId}`;
    // A change the live path misses waits for the next record sweep (every 5 minutes).
    const deadline = Date.now() + 6 * 60_000;
    while ((sims.observed.lastWrite.get(key) ?? -1) < started) {
      if (Date.now() > deadline) throw new Error(`the ${field} changed in ${side} did not reach ${target} within 6 minutes (pair ${pair.intercomId})`);
      await sleep(2);
    }
    run.latencies.push((sims.observed.lastWrite.get(key) ?? started) - started);
    await settled(bench);
    const jobs = await bench.daemon.db.kysely.selectFrom('jobs').select(['run_at', 'created_at']).where('task', '=', 'records.sync').where('connection_id', '=', bench.connectionId).where('created_at', '>=', startedAt).execute();
    run.debounces.push(jobs.length > 0 ? Math.min(...jobs.map((job) => job.run_at - job.created_at)) : 0);
    const window = sims.observed.calls.slice(callsFrom);
    // The conversation reconcile sweep (every 5 minutes) may land in a window: not this change's calls.
    const calls = window.filter((call) => !unrelated(call));
    run.unrelated += window.length - calls.length;
    const writes = sims.observed.writes.slice(writesFrom);
    run.target.push(calls.filter((c) => c.side === target).length);
    run.source.push(calls.filter((c) => c.side === side).length);
    run.targetRoutes.push(countBy(calls.filter((c) => c.side === target)));
    run.sourceRoutes.push(countBy(calls.filter((c) => c.side === side)));
    run.writesToTarget.push(writes.filter((w) => w.side === target).length);
    run.writesBack.push(writes.filter((w) => w.side === side).length);
  }
  run.syncs = await syncsSince(bench, runStartedAt);
  progress(`${side} → ${target}: syncs logged ${JSON.stringify(run.syncs)}`);
  progress(`${side} → ${target}: ${count} changes; ${target} calls ${run.target.join(',')}; ${side} calls ${run.source.join(',')}; latencies ${run.latencies.map((ms) => Math.round(ms)).join(',')} ms`);
  return run;
}

/** The first few echo writes: which kind, by which request, and how many writes their record got in the same window. */
function echoDetail(writes: readonly FieldWrite[], trace: readonly TraceEvent[]) {
  return writes
    .filter((w) => w.alreadyHeld || w.fromOwnWrite)
    .slice(0, 5)
    .map((w) => ({
      field: w.field, side: w.side, value: w.value, alreadyHeld: w.alreadyHeld, fromOwnWrite: w.fromOwnWrite, route: w.route,
      writesOfRecord: writes.filter((x) => x.intercomId === w.intercomId && x.side === w.side && x.field === w.field).map((x) => x.route),
      // This field of this pair, in order, ms relative to the echo write (values are the bench's own).
      trace: trace.filter((e) => e.intercomId === w.intercomId && e.field === w.field && Math.abs(e.at - w.at) < 30_000).map((e) => `${Math.round(e.at - w.at)} ${e.by} ${e.side}=${e.value}`),
    }));
}

/** The contact syncs the daemon logged since `since` (epoch ms), by trigger and outcome: which syncs the calls went to. */
async function syncsSince(bench: Bench, since: number): Promise<Record<string, number>> {
  const rows = await bench.daemon.db.kysely.selectFrom('activity').select(['outcome', 'detail']).where('connection_id', '=', bench.connectionId).where('kind', '=', 'contact').where('at', '>=', since).execute();
  const counts: Record<string, number> = {};
  for (const row of rows) {
    const detail = JSON.parse(row.detail ?? '{}') as { trigger?: string };
    const key = `${detail.trigger ?? '?'} ${row.outcome}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const SAME_SECOND_TRIALS = benchNumber('BENCH_SAME_SECOND_TRIALS', 5, { min: 0 });

/**
 * A person changes an Intercom contact in the same second as Interhubz last wrote to it (Intercom's
 * updated_at counts seconds): does the live path still sync it? A change counts as not synced live
 * when HubSpot has not been written within 2 × the debounce (the sweep would bring it later).
 */
async function sameSecondChanges(bench: Bench, pairs: BenchPair[], trials: number, progress: Progress) {
  const { sims } = bench;
  let done = 0;
  let notSyncedLive = 0;
  for (let attempt = 0; done < trials && attempt < trials * 4; attempt++) {
    const pair = pairs[attempt % pairs.length] as BenchPair;
    const started = performance.now();
    change(sims, pair, 'hubspot', 'job');
    const key = `intercom:${pair.intercomId}`;
    while ((sims.observed.lastWrite.get(key) ?? -1) < started) await sleep(1);
    const written = sims.intercom.sim.state.contacts.get(pair.intercomId)?.updatedAt;
    const changedAt = performance.now();
    change(sims, pair, 'intercom', 'phone');
    // Only trials whose person's change really fell in the second of our write count.
    if (sims.intercom.sim.state.contacts.get(pair.intercomId)?.updatedAt !== written) {
      await settled(bench);
      continue;
    }
    done += 1;
    const deadline = performance.now() + 2 * DEBOUNCE_MS;
    while ((sims.observed.lastWrite.get(`hubspot:${pair.intercomId}`) ?? -1) < changedAt && performance.now() < deadline) await sleep(5);
    if ((sims.observed.lastWrite.get(`hubspot:${pair.intercomId}`) ?? -1) < changedAt) notSyncedLive += 1;
    await settled(bench);
  }
  progress(`same second: ${notSyncedLive} of ${done} Intercom changes made in the second of our own write were not synced live`);
  return { trials: done, notSyncedLive };
}

const CROSSED_TRIALS = benchNumber('BENCH_CROSSED_TRIALS', 10, { min: 0 });

/**
 * The same pair changed on both sides at once, in different fields: a person sets the job title in
 * HubSpot and, a moment later, the phone in Intercom. Two sync jobs of one pair become due together.
 * After they settle both sides must hold the person's job title; `lost` counts the trials where they
 * do not (an older value written over it), `echo` the echo writes among their writes.
 */
async function crossedChanges(bench: Bench, pairs: BenchPair[], trials: number, progress: Progress) {
  const { sims } = bench;
  let lost = 0;
  const writesFrom = sims.observed.writes.length;
  for (let i = 0; i < trials; i++) {
    const pair = pairs[i % pairs.length] as BenchPair;
    change(sims, pair, 'hubspot', 'job');
    const wanted = sims.hubspot.sim.control.record({ objectType: 'contacts', id: pair.hubspotId })?.properties['jobtitle'];
    change(sims, pair, 'intercom', 'phone');
    await sleep(DEBOUNCE_MS);
    await settled(bench);
    const intercom = sims.intercom.sim.state.contacts.get(pair.intercomId)?.customAttributes[JOB_ATTRIBUTE];
    const hubspot = sims.hubspot.sim.control.record({ objectType: 'contacts', id: pair.hubspotId })?.properties['jobtitle'];
    if (intercom !== wanted || hubspot !== wanted) lost += 1;
  }
  const writes = sims.observed.writes.slice(writesFrom);
  const echo = writes.filter((w) => w.alreadyHeld || w.fromOwnWrite).length;
  progress(`crossed: in ${lost} of ${trials} trials a side did not end with the person's job title; ${echo} echo writes of ${writes.length}`);
  return { trials, lost, echo, detail: echoDetail(writes, sims.observed.trace) };
}

const SWEEP_TASK = 'records.sweep';
const SWEEP_PAYLOAD = { object: 'contacts', side: 'intercom' };

/**
 * Queues the Intercom-side contact sweep due now under the key the daemon's own sweeps use
 * (record-sweep.ts sweepKey, not exported), replacing the pending periodic one, so the bench adds
 * no second sweep of its own beside the daemon's.
 */
const enqueueSweep = (bench: Bench) =>
  bench.daemon.jobs.enqueue({ task: SWEEP_TASK, payload: SWEEP_PAYLOAD, connectionId: bench.connectionId, key: `record-sweep:${bench.connectionId}:contacts:intercom`, keyMode: 'replace' });

/** Every periodic record sweep of the connection queued a day ahead under the daemon's own keys (its chore keeps a waiting sweep as it is). */
async function holdPeriodicSweeps(bench: Bench): Promise<void> {
  for (const object of ['contacts', 'companies'] as const) {
    for (const side of ['intercom', 'hubspot'] as const) {
      const key = `record-sweep:${bench.connectionId}:${object}:${side}`;
      await bench.daemon.jobs.cancelByKey(key);
      await bench.daemon.jobs.enqueue({ task: SWEEP_TASK, payload: { object, side }, connectionId: bench.connectionId, key, keyMode: 'replace', runAt: Date.now() + 86_400_000 });
    }
  }
}

/** The record sweep jobs that finished since `since`, by side and outcome. */
async function sweepsSince(bench: Bench, since: number): Promise<Record<string, number>> {
  const rows = await bench.daemon.db.kysely.selectFrom('jobs').select(['payload', 'status']).where('task', '=', SWEEP_TASK).where('connection_id', '=', bench.connectionId).where('updated_at', '>=', since).execute();
  const counts: Record<string, number> = {};
  for (const row of rows) {
    const key = `${(JSON.parse(row.payload) as { side?: string }).side ?? '?'} ${row.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Every bulk pair's `field` changed in Intercom at once; counted until all reached HubSpot and
 * everything settled. 'sweep': Intercom's webhooks are off while the contacts change and one
 * records.sweep is queued (what an import would leave to the sweep); 'live': through the webhooks.
 */
async function bulkChange(bench: Bench, pairs: BenchPair[], mode: 'sweep' | 'live', field: Field, progress: Progress) {
  const { sims } = bench;
  if (mode === 'sweep') sims.intercom.sim.control.webhooks.unsubscribe();
  const callsFrom = sims.observed.calls.length;
  const writesFrom = sims.observed.writes.length;
  const deliveriesFrom = deliveries(sims);
  const started = performance.now();
  const startedAt = Date.now();
  for (const pair of pairs) change(sims, pair, 'intercom', field);
  if (mode === 'sweep') await enqueueSweep(bench);
  progress(`bulk (${mode}): ${pairs.length} Intercom contacts' ${field} changed`);
  const written = () => new Set(sims.observed.writes.slice(writesFrom).filter((w) => w.side === 'hubspot').map((w) => w.intercomId)).size;
  const deadline = Date.now() + 40 * 60_000;
  for (let last = -1; written() < pairs.length; ) {
    if (Date.now() > deadline) throw new Error(`only ${written()} of ${pairs.length} bulk changes reached HubSpot within 40 minutes`);
    await sleep(5_000);
    const now = written();
    if (now !== last) progress(`bulk (${mode}): ${now} of ${pairs.length} written to HubSpot after ${Math.round((performance.now() - started) / 1000)} s`);
    last = now;
  }
  await settled(bench, 30 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  if (mode === 'sweep') await subscribeIntercom(bench);
  const webhooks = minus(deliveries(sims), deliveriesFrom);
  const calls = sims.observed.calls.slice(callsFrom);
  const hubspot = calls.filter((c) => c.side === 'hubspot');
  const writes = sims.observed.writes.slice(writesFrom);
  const syncs = await syncsSince(bench, startedAt);
  const sweeps = await sweepsSince(bench, startedAt);
  progress(`bulk (${mode}): HubSpot calls by route ${JSON.stringify(countBy(hubspot))}; Intercom ${JSON.stringify(countBy(calls.filter((c) => c.side === 'intercom')))}; webhooks ${JSON.stringify(webhooks)}; syncs logged ${JSON.stringify(syncs)}; sweep jobs ${JSON.stringify(sweeps)}`);
  return {
    syncs_logged: syncs,
    sweep_jobs: sweeps,
    hubspotPerRecord: round(hubspot.length / pairs.length, 3),
    hubspot_calls: hubspot.length,
    hubspot_routes: countBy(hubspot),
    intercom_calls: calls.length - hubspot.length,
    intercom_routes: countBy(calls.filter((c) => c.side === 'intercom')),
    hubspot_field_writes: writes.filter((w) => w.side === 'hubspot').length,
    field_writes_back_to_intercom: writes.filter((w) => w.side === 'intercom').length,
    echo_writes: writes.filter((w) => w.alreadyHeld || w.fromOwnWrite).length,
    echo_detail: echoDetail(writes, sims.observed.trace),
    webhooks,
    seconds: round(seconds, 1),
  };
}

// ---------------------------------------------------------------------------------------------

export default async function recordsync(progress: Progress): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-recordsync-'));
  const sims = await startBenchSims();
  let daemon: Daemon | undefined;
  try {
    sims.intercom.sim.control.dataAttributes.create(sims.workspaceId, { name: JOB_ATTRIBUTE, model: 'contact', dataType: 'string' });
    const { connectionId, hubspotSecret } = await prepare(sims, dir);
    daemon = await startBenchDaemon(dir, HUBSPOT_BURST);
    const bench: Bench = { sims, dir, connectionId, hubspotSecret, daemon };
    await subscribe(bench);
    await settled(bench);

    // 1. Live changes, one at a time, on warm pairs (each pair synced once, one change each way first).
    // The periodic sweeps are held off here (they are measured in the bulk phase): a sweep that
    // happens to start inside a change's window is not that change's cost.
    await holdPeriodicSweeps(bench);
    const livePairs = await seedPairs(bench, Math.max(5, Math.min(LIVE_CHANGES, 10)), 'live', progress);
    // Each run starts on another pair than the one written last: a person's change in the second of
    // our own write is measured apart (sameSecondChanges).
    await liveChanges(bench, livePairs, 'intercom', 1, progress, 0);
    await liveChanges(bench, livePairs, 'hubspot', 1, progress, 1);
    const liveCallsFrom = sims.observed.calls.length;
    const liveDeliveriesFrom = deliveries(sims);
    const toHubSpot = await liveChanges(bench, livePairs, 'intercom', LIVE_CHANGES, progress, 2);
    const toIntercom = await liveChanges(bench, livePairs, 'hubspot', LIVE_CHANGES, progress, 2 + LIVE_CHANGES);
    const liveWindow = maxWindowCalls(sims.observed.calls.slice(liveCallsFrom), 'hubspot', 10_000);
    const liveDeliveries = minus(deliveries(sims), liveDeliveriesFrom);
    progress(`live webhooks: ${JSON.stringify(liveDeliveries)}`);
    const sameSecond = await sameSecondChanges(bench, livePairs, SAME_SECOND_TRIALS, progress);
    const crossed = await crossedChanges(bench, livePairs, CROSSED_TRIALS, progress);

    // 2. Mixed changes: random pair, side and field, a few per second, then settle.
    const mixedPairs = await seedPairs(bench, MIXED_PAIRS, 'mixed', progress);
    const mixedCallsFrom = sims.observed.calls.length;
    const mixedWritesFrom = sims.observed.writes.length;
    const mixedDeliveriesFrom = deliveries(sims);
    const mixedStarted = performance.now();
    for (let i = 0; i < MIXED_CHANGES; i++) {
      const pair = mixedPairs[Math.floor(Math.random() * mixedPairs.length)] as BenchPair;
      change(sims, pair, Math.random() < 0.5 ? 'intercom' : 'hubspot', FIELDS[Math.floor(Math.random() * FIELDS.length)] as Field);
      await sleep(MIXED_PAUSE_MS * (0.5 + Math.random()));
    }
    const mixedChangedMs = performance.now() - mixedStarted;
    await settled(bench, 10 * 60_000);
    // Nothing more comes later (no oscillation): wait past another debounce and settle again.
    await sleep(DEBOUNCE_MS + 1_000);
    await settled(bench);
    const mixedDeliveries = minus(deliveries(sims), mixedDeliveriesFrom);
    progress(`mixed webhooks: ${JSON.stringify(mixedDeliveries)}`);
    const mixedWrites = sims.observed.writes.slice(mixedWritesFrom);
    const mixedCalls = sims.observed.calls.slice(mixedCallsFrom);
    const echo = mixedWrites.filter((w) => w.alreadyHeld || w.fromOwnWrite);
    const diverged = mixedPairs.filter((pair) => !agree(sims, pair)).length;
    progress(`mixed: ${MIXED_CHANGES} changes in ${Math.round(mixedChangedMs)} ms; ${mixedWrites.length} field writes, ${echo.length} echo (${echo.filter((w) => w.alreadyHeld).length} already held, ${echo.filter((w) => w.fromOwnWrite).length} from our own write); ${diverged} of ${mixedPairs.length} pairs differ at the end`);
    progress(`mixed calls by route: ${JSON.stringify(countBy(mixedCalls))}`);

    // 3. Bulk: BULK_RECORDS paired contacts changed in Intercom at once, on a daemon with a raised HubSpot budget.
    await daemon.close(5_000);
    daemon = undefined;
    sims.hubspot.sim.control.setRateLimits({ burstPer10s: Math.ceil(BULK_HUBSPOT_BURST * 1.1) });
    daemon = await startBenchDaemon(dir, BULK_HUBSPOT_BURST);
    bench.daemon = daemon;
    await subscribe(bench);
    await settled(bench);
    const bulkPairs = await seedPairs(bench, BULK_RECORDS, 'bulk', progress);
    // Whether the daemon runs records.sweep: queue one now (the first sweep of these contacts, not counted).
    const probe = await enqueueSweep(bench);
    await settled(bench, 30 * 60_000);
    const probed = await daemon.db.kysely.selectFrom('jobs').select(['status', 'last_error']).where('id', '=', probe.id).executeTakeFirst();
    const sweepRuns = probed?.status === 'succeeded';
    progress(`bulk: a first records.sweep ${sweepRuns ? 'ran' : `did not run (${probed?.status ?? 'gone'}: ${probed?.last_error ?? ''})`}`);
    const bulkSweep = sweepRuns ? await bulkChange(bench, bulkPairs, 'sweep', 'phone', progress) : undefined;
    const bulkLive = await bulkChange(bench, bulkPairs, 'live', 'job', progress);
    const bulk = bulkSweep ?? bulkLive;

    const latencies = [...toHubSpot.latencies, ...toIntercom.latencies].sort((a, b) => a - b);
    const debounces = [...toHubSpot.debounces, ...toIntercom.debounces];
    const withoutDebounce = [...toHubSpot.latencies, ...toIntercom.latencies].map((ms, i) => ms - (debounces[i] ?? 0)).sort((a, b) => a - b);
    return {
      hubspot_calls_per_live_change: round(mean(toHubSpot.target)),
      intercom_calls_per_live_change: round(mean(toIntercom.target)),
      echo_writes: echo.length,
      bulk_hubspot_calls_per_record: bulk.hubspotPerRecord,
      bulk_mode: bulkSweep ? 'records.sweep' : 'live webhooks (records.sweep did not run)',
      change_to_other_side_p99_ms: round(percentile(latencies, 0.99), 1),
      change_to_other_side_p50_ms: round(percentile(latencies, 0.5), 1),
      change_to_other_side_max_ms: round(latencies.at(-1) ?? Number.NaN, 1),
      change_to_other_side_p99_without_debounce_ms: round(percentile(withoutDebounce, 0.99), 1),
      change_to_other_side_p50_without_debounce_ms: round(percentile(withoutDebounce, 0.5), 1),
      latency_samples: latencies.length,
      live_changes_each_way: LIVE_CHANGES,
      // The side changed is read too: what the change costs there.
      intercom_calls_per_change_to_hubspot: round(mean(toHubSpot.source)),
      hubspot_calls_per_change_to_intercom: round(mean(toIntercom.source)),
      hubspot_routes_per_change_to_hubspot: meanRoutes(toHubSpot.targetRoutes),
      intercom_routes_per_change_to_hubspot: meanRoutes(toHubSpot.sourceRoutes),
      intercom_routes_per_change_to_intercom: meanRoutes(toIntercom.targetRoutes),
      hubspot_routes_per_change_to_intercom: meanRoutes(toIntercom.sourceRoutes),
      live_writes_to_other_side: round(mean([...toHubSpot.writesToTarget, ...toIntercom.writesToTarget])),
      live_syncs_logged_to_hubspot: toHubSpot.syncs,
      live_syncs_logged_to_intercom: toIntercom.syncs,
      same_second_trials: sameSecond.trials,
      same_second_changes_not_synced_live: sameSecond.notSyncedLive,
      crossed_trials: crossed.trials,
      crossed_person_value_lost: crossed.lost,
      crossed_echo_writes: crossed.echo,
      ...(crossed.detail.length > 0 ? { crossed_echo_detail: crossed.detail } : {}),
      live_unrelated_calls_left_out: toHubSpot.unrelated + toIntercom.unrelated,
      live_writes_back: [...toHubSpot.writesBack, ...toIntercom.writesBack].reduce((a, b) => a + b, 0),
      live_hubspot_max_calls_per_10s: liveWindow,
      live_webhooks: liveDeliveries,
      mixed_webhooks: mixedDeliveries,
      mixed_changes: MIXED_CHANGES,
      mixed_pairs: MIXED_PAIRS,
      mixed_field_writes: mixedWrites.length,
      echo_writes_already_held: echo.filter((w) => w.alreadyHeld).length,
      echo_writes_from_own_write: echo.filter((w) => w.fromOwnWrite).length,
      echo_detail: echoDetail(mixedWrites, sims.observed.trace),
      mixed_pairs_differing_at_end: diverged,
      mixed_hubspot_calls: mixedCalls.filter((c) => c.side === 'hubspot').length,
      mixed_intercom_calls: mixedCalls.filter((c) => c.side === 'intercom').length,
      bulk_records: BULK_RECORDS,
      ...(bulkSweep ? { bulk_sweep: bulkSweep } : {}),
      bulk_live: bulkLive,
      bulk_hubspot_burst_per_10s: BULK_HUBSPOT_BURST,
      hubspot_burst_per_10s: HUBSPOT_BURST,
      debounce_ms: percentile([...debounces].sort((a, b) => a - b), 0.5),
    };
  } finally {
    if (daemon) await daemon.close(5_000);
    await sims.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Webhook deliveries the simulators made (events, for HubSpot) and how many the daemon did not accept: proof the echoes arrived. */
function deliveries(sims: BenchSims) {
  const hubspot = sims.hubspot.sim.control.webhookDeliveries();
  const intercom = sims.intercom.sim.control.webhooks.attempts();
  return {
    hubspotEvents: hubspot.filter((d) => d.status !== null && d.status < 300).reduce((n, d) => n + d.eventIds.length, 0),
    hubspotRefused: hubspot.filter((d) => d.status === null || d.status >= 300).length,
    intercomNotifications: intercom.filter((d) => d.outcome === 'delivered' && d.topic !== 'ping').length,
    intercomRefused: intercom.filter((d) => d.outcome !== 'delivered').length,
  };
}

const minus = (a: ReturnType<typeof deliveries>, b: ReturnType<typeof deliveries>) =>
  Object.fromEntries(Object.entries(a).map(([key, value]) => [key, value - b[key as keyof typeof b]])) as ReturnType<typeof deliveries>;

/** Whether both sides of a pair hold the same name, phone and job title. */
function agree(sims: BenchSims, pair: BenchPair): boolean {
  const intercom = sims.intercom.sim.state.contacts.get(pair.intercomId);
  const hubspot = sims.hubspot.sim.control.record({ objectType: 'contacts', id: pair.hubspotId })?.properties ?? {};
  if (!intercom) return false;
  return intercom.name === `${hubspot['firstname'] ?? ''} ${hubspot['lastname'] ?? ''}`.trim() && intercom.phone === (hubspot['phone'] ?? null) && intercom.customAttributes[JOB_ATTRIBUTE] === (hubspot['jobtitle'] ?? null);
}

/** The most calls to one side in any window of `windowMs` (sliding, by call time). */
function maxWindowCalls(calls: readonly Call[], side: Side, windowMs: number): number {
  const times = calls.filter((call) => call.side === side).map((call) => call.at);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

