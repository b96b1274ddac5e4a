// `npm run bench -- backfill` (issue #18 "Benchmark"): a contacts backfill into an empty HubSpot,
// twice — once uninterrupted, once with the daemon SIGKILLed halfway — each on fresh simulators.
//   records_per_budget_ratio          uninterrupted run: records backfilled per minute ÷ (the HubSpot
//                                     calls per minute the daemon is configured for, 100 per 10 s =
//                                     600, × 100 records per batch call). NB the budget's first window
//                                     is full when a run starts, so a run of only a few windows can
//                                     exceed 1; detail.*.budget_used_share says how much of what the
//                                     planned budget allowed in the run's time was spent
//   hubspot_calls_per_record          uninterrupted run: every HubSpot call the simulator served from the
//                                     backfill's start to its end (live syncs and start-up reads
//                                     included) ÷ records
//   redone_after_kill                 killed run: records whose HubSpot contact was written more than
//                                     once (the HubSpot simulator's served writes: creates, batch
//                                     updates, PATCHes; the contacts changed live left out), plus emails
//                                     with more than one HubSpot contact
//   live_change_p99_ms_during_backfill both runs: a paired contact's name changed in Intercom (the
//                                     simulator's control API; the contact.user.updated webhook goes to
//                                     the daemon) every 0.5 s while the backfill runs, until HubSpot has
//                                     the new name; changes in flight across the kill are left out (the
//                                     daemon was down) and counted
// The simulators run in this process (they outlive the daemon) with a hook in front of HubSpot's
// routes that counts calls and writes; the daemon is a child process (`node src/main.ts`), as an
// operator runs it, so it can be SIGKILLed. Intercom's contacts are seeded two days back on the
// simulator's clock: records from before go-live, which the first periodic sweep leaves to a backfill.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { INTERCOM_RECORD_TOPICS } from '../../src/records/record-webhooks.ts';
import { createHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { createIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { insertSimConnection, openDataDb, TEST_SECRET_KEY, type CaptureSims } from '../helpers/capture-sims.ts';
import { freePort, REPO_ROOT } from '../helpers/daemon-process.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { benchNumber } from './fixtures/bench-env.ts';
import { benchLogLevel } from './fixtures/shipped-build.ts';
import type { Figures, Progress } from './run.ts';

const CONTACTS = benchNumber('BENCH_BACKFILL_CONTACTS', 20_000);
/** Live changes during the backfill: one every LIVE_EVERY_MS while it runs, at least LIVE_MIN. */
const LIVE_EVERY_MS = benchNumber('BENCH_BACKFILL_LIVE_EVERY_MS', 500);
const LIVE_MIN = 20;
/** The product's default HubSpot budget (upstream.hubspot.burstPer10s): 100 calls per 10 s. */
const HUBSPOT_BURST_PER_10S = 100;
const BUDGET_CALLS_PER_MINUTE = HUBSPOT_BURST_PER_10S * 6;
const RECORDS_PER_BATCH_CALL = 100;
const PASSWORD = 'bench-backfill-password';
const DAY_MS = 86_400_000;

/**
 * Jobs' lease shortened (60 s → 5 s) so the restarted daemon takes the killed run's page up within
 * seconds; everything else is the product's default, the HubSpot budget included.
 */
const DAEMON_CONFIG = ['sandbox:', '  enabled: false', 'jobs:', '  leaseSeconds: 5', ''].join('\n');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 3) => Number(value.toFixed(digits));
/** Nearest-rank percentile of ascending values. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;

// ---------------------------------------------------------------------------------------------
// The simulators, with the bench's hook in front of HubSpot's routes.

interface Observed {
  /** Every HubSpot call served: [performance.now(), route]. */
  calls: Array<{ at: number; route: string; status: number }>;
  /** HubSpot contact id → writes served (creates, batch updates, PATCHes). */
  writes: Map<string, number>;
  /** Email (lower-case) → HubSpot ids created for it. */
  createdFor: Map<string, string[]>;
  /** HubSpot id → the live change it waits for: the last name expected, and when the change was made. */
  live: Map<string, { lastname: string; at: number; intercomId: string }>;
  samples: number[];
}

const CONTACT_WRITE = /^\/crm\/objects\/[^/]+\/contacts\/(batch\/create|batch\/update|\d+)$/;

async function startSims(): Promise<CaptureSims & { observed: Observed; close(): Promise<void> }> {
  const observed: Observed = { calls: [], writes: new Map(), createdFor: new Map(), live: new Map(), samples: [] };
  const hubspotSim = createHubSpotSimulator({ requestLogCapacity: 100 });
  const intercomSim = createIntercomSimulator({ requestLogCapacity: 100 });
  const hubspotApp = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
  const written = (id: string) => {
    observed.writes.set(id, (observed.writes.get(id) ?? 0) + 1);
    const waiting = observed.live.get(id);
    if (waiting && hubspotSim.control.record({ objectType: 'contacts', id })?.properties['lastname'] === waiting.lastname) {
      observed.samples.push(performance.now() - waiting.at);
      observed.live.delete(id);
    }
  };
  hubspotApp.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0] ?? request.url;
    if (path.startsWith('/_sim')) return payload;
    observed.calls.push({ at: performance.now(), route: `${request.method} ${request.routeOptions.url ?? path}`, status: reply.statusCode });
    const match = CONTACT_WRITE.exec(path);
    if (!match || reply.statusCode >= 300 || typeof payload !== 'string') return payload;
    if (match[1] === 'batch/create' && request.method === 'POST') {
      const body = JSON.parse(payload) as { results?: Array<{ id: string; properties: Record<string, string | null> }> };
      for (const record of body.results ?? []) {
        const email = (record.properties['email'] ?? '').toLowerCase();
        observed.createdFor.set(email, [...(observed.createdFor.get(email) ?? []), record.id]);
        written(record.id);
      }
    } else if (match[1] === 'batch/update' && request.method === 'POST') {
      for (const input of (request.body as { inputs?: Array<{ id: string }> } | undefined)?.inputs ?? []) written(input.id);
    } else if (request.method === 'PATCH' && match[1]) {
      written(match[1]);
    }
    return payload;
  });
  const listen = async (app: FastifyInstance, plugin: FastifyPluginAsync) => {
    await app.register(plugin);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  const hubspotUrl = await listen(hubspotApp, hubspotSim.plugin);
  const intercomApp = Fastify({ logger: false, forceCloseConnections: true });
  const intercomUrl = await listen(intercomApp, intercomSim.plugin);
  const workspaceId = intercomSim.defaults?.workspaceId ?? '';
  const admin = intercomSim.control.admins.create(workspaceId, { name: 'Ana Agent', email: 'ana@support.test' });
  return {
    intercom: { url: intercomUrl, sim: intercomSim, close: async () => { intercomSim.close(); await intercomApp.close(); } },
    hubspot: { url: hubspotUrl, sim: hubspotSim, close: () => hubspotApp.close() },
    workspaceId, hubId: hubspotSim.control.defaultHubId(), adminId: String(admin.id), observed,
    close: async () => {
      await hubspotApp.close();
      intercomSim.close();
      await intercomApp.close();
    },
  } as unknown as CaptureSims & { observed: Observed; close(): Promise<void> };
}

// ---------------------------------------------------------------------------------------------
// The daemon as a child process.

/** BENCH_BACKFILL_PROFILE_DIR: each daemon writes a CPU profile there when it stops (the killed one does not). */
const PROFILE_DIR = process.env['BENCH_BACKFILL_PROFILE_DIR'];

/**
 * The daemon at the shipped log level (info) unless BENCH_LOG_LEVEL names another (until the sixteenth
 * session: warn), its log appended to `logFile` as a container runtime would take it.
 */
function spawnDaemon(daemonEnv: Record<string, string>, logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...benchLogLevel.env(), ...daemonEnv },
      stdio: ['ignore', log, 'inherit'],
    });
  } finally {
    closeSync(log);
  }
}

/** Lines the daemon logged in a run (both daemons of the killed run). */
const logLines = (logFile: string) => readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;

async function waitHealthy(baseUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false)) return;
    await sleep(100);
  }
  throw new Error(`the daemon did not answer /healthz within ${timeoutMs} ms`);
}

interface BackfillView {
  id: string;
  state: string;
  done: number;
  created: number;
  updated: number;
  unchanged: number;
  skippedByFilter: number;
  failed: number;
  total: number | null;
  lastError: string | null;
}

interface RunResult {
  figures: Record<string, unknown>;
  samples: number[];
  calls: number;
  seconds: number;
  redone: number;
}

/** One backfill of CONTACTS into an empty HubSpot, on fresh simulators and a fresh data directory; `kill`: SIGKILL halfway. */
async function runBackfill(progress: Progress, options: { kill: boolean }): Promise<RunResult> {
  const sims = await startSims();
  const { observed } = sims;
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-backfill-'));
  let child: ChildProcess | null = null;
  try {
    // Before go-live: the contacts are two days old on Intercom's clock.
    const intercom = sims.intercom.sim.control;
    intercom.clock.advance(-2 * DAY_MS);
    const intercomIds: string[] = [];
    for (let i = 0; i < CONTACTS; i++) {
      intercomIds.push(String(intercom.contacts.create(sims.workspaceId, { role: 'user', email: `person${i}@company${i % 500}.test`, name: `Person${i} Bench` }).id));
    }
    intercom.clock.advance(2 * DAY_MS);
    progress(`${CONTACTS} Intercom contacts seeded; HubSpot is empty`);

    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, DAEMON_CONFIG);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const db = openDataDb(dataDir);
    let connectionId: string;
    try {
      const connection = await insertSimConnection(db, sims, Date.now(), { intercomWebhooks: true });
      connectionId = connection.id;
      const settings = ConnectionSettings.parse({ conversations: { capture: { mode: 'manual' } }, recordSync: { contacts: { enabled: true } } });
      await db.kysely.updateTable('connections').set({ settings: JSON.stringify(settings) }).where('id', '=', connection.id).execute();
    } finally {
      await db.close();
    }
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logFile = join(dir, 'daemon.log');
    const daemonEnv = { DATA_DIR: dataDir, INTERHUBZ_CONFIG: configFile, INTERHUBZ_SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), INTERHUBZ_ADMIN_PASSWORD: PASSWORD };
    child = spawnDaemon(daemonEnv, logFile);
    await waitHealthy(url);
    await intercom.webhooks.subscribe({ url: `${url}/webhooks/intercom`, topics: [...INTERCOM_RECORD_TOPICS.contacts] });
    let api = sessionApi({ url }, await signIn({ url, username: 'admin', password: PASSWORD }));

    observed.calls.length = 0;
    const started = performance.now();
    const answer = await api('POST', `/api/connections/${connectionId}/backfills`, { kind: 'contacts', direction: 'to_hubspot' });
    if (answer.status !== 202) throw new Error(`the backfill did not start: ${answer.status} ${JSON.stringify(answer.body)}`);
    const backfillId = String(answer.body?.['backfill']?.id);
    progress(`backfill ${backfillId} started`);

    const view = async (): Promise<BackfillView | undefined> => {
      const listed = await api('GET', `/api/connections/${connectionId}/backfills`).catch(() => undefined);
      return (listed?.body?.['backfills'] as BackfillView[] | undefined)?.find((item) => item.id === backfillId);
    };

    // Live changes: a contact the backfill has created is renamed in Intercom; its sync must reach HubSpot.
    const hubspotOf = new Map<string, string>();
    let liveCount = 0;
    let liveDiscarded = 0;
    let daemonUp = true;
    const liveChange = () => {
      if (!daemonUp) return;
      // The oldest creates: paired by now (the chunk that made them has finished).
      for (let i = liveCount * 7; i < intercomIds.length; i += 1) {
        const hubspotId = observed.createdFor.get(`person${i}@company${i % 500}.test`)?.[0];
        if (!hubspotId) return;
        if (hubspotOf.has(intercomIds[i]!)) continue;
        hubspotOf.set(intercomIds[i]!, hubspotId);
        liveCount += 1;
        const lastname = `Changed${liveCount}`;
        observed.live.set(hubspotId, { lastname, at: performance.now(), intercomId: intercomIds[i]! });
        intercom.contacts.update(intercomIds[i]!, { name: `Live${liveCount} ${lastname}` });
        return;
      }
    };

    let killedAt: number | null = null;
    let doneAtKill = 0;
    let restartedAt: number | null = null;
    let lastLive = 0;
    let last: BackfillView | undefined;
    for (;;) {
      await sleep(250);
      if (performance.now() - lastLive >= LIVE_EVERY_MS) {
        lastLive = performance.now();
        liveChange();
      }
      const current = daemonUp ? await view() : undefined;
      if (current) last = current;
      if (options.kill && current && killedAt === null && current.done >= CONTACTS / 2) {
        // SIGKILL halfway: whatever the daemon was doing is cut off.
        killedAt = performance.now();
        doneAtKill = current.done;
        daemonUp = false;
        const dying = child;
        const exited = once(dying, 'exit');
        dying.kill('SIGKILL');
        await exited;
        // Changes waiting across the kill wait for the restart too: not a live latency.
        liveDiscarded += observed.live.size;
        observed.live.clear();
        progress(`SIGKILL at ${current.done} of ${CONTACTS} (${Math.round((killedAt - started) / 1000)} s)`);
        child = spawnDaemon(daemonEnv, logFile);
        await waitHealthy(url);
        api = sessionApi({ url }, await signIn({ url, username: 'admin', password: PASSWORD }));
        restartedAt = performance.now();
        daemonUp = true;
        progress('restarted');
      }
      if (current && current.state !== 'running') break;
      if (current && Math.floor(current.done / 2000) !== Math.floor((last?.done ?? 0) / 2000)) progress(`${current.done} done`);
    }
    const finished = performance.now();
    // Live changes still on their way.
    while (liveCount < LIVE_MIN) {
      liveChange();
      await sleep(LIVE_EVERY_MS);
    }
    const waitUntil = performance.now() + 30_000;
    while (observed.live.size > 0 && performance.now() < waitUntil) await sleep(100);
    const callsDuring = observed.calls.filter((call) => call.at >= started && call.at <= finished);

    const liveIds = new Set(hubspotOf.values());
    const writtenTwice = [...observed.writes].filter(([id, count]) => count > 1 && !liveIds.has(id)).length;
    const duplicates = [...observed.createdFor.values()].filter((ids) => ids.length > 1).length;
    const hubspotContacts = sims.hubspot.sim.control.records({ objectType: 'contacts' }).length;
    const minutes = (ms: number) => ms / 60_000;
    const perBudget = (records: number, ms: number) => records / minutes(ms) / (BUDGET_CALLS_PER_MINUTE * RECORDS_PER_BATCH_CALL);
    const sorted = [...observed.samples].sort((a, b) => a - b);
    if (process.env['BENCH_BACKFILL_TRACE']) progress(`creates at (s): ${callsDuring.filter((call) => call.route.endsWith('/batch/create')).map((call) => ((call.at - started) / 1000).toFixed(1)).join(' ')}`);
    const routes = new Map<string, number>();
    for (const call of callsDuring) routes.set(call.route, (routes.get(call.route) ?? 0) + 1);

    const segmentMs = (killedAt ?? finished) - started;
    const totalMs = finished - started;
    // What the planned budget allowed in the run's time: 100 calls per window of 10.4 s
    // (hubspot/rate-plan.ts margin), the first window full; searches spend a budget of their own.
    const burstCalls = callsDuring.filter((call) => !call.route.endsWith('/search')).length;
    const allowedCalls = HUBSPOT_BURST_PER_10S * (1 + Math.floor(totalMs / 10_400));
    return {
      samples: sorted,
      calls: callsDuring.length,
      seconds: totalMs / 1000,
      redone: writtenTwice + duplicates,
      figures: {
        records_per_budget_ratio: round(perBudget(CONTACTS, totalMs)),
        state: last?.state,
        counts: last ? { created: last.created, updated: last.updated, unchanged: last.unchanged, skippedByFilter: last.skippedByFilter, failed: last.failed, done: last.done } : null,
        last_error: last?.lastError ?? null,
        hubspot_contacts: hubspotContacts,
        seconds_total: round(totalMs / 1000, 1),
        daemon_log_lines: logLines(logFile),
        hubspot_calls: callsDuring.length,
        hubspot_calls_allowed_by_budget: allowedCalls,
        budget_used_share: round(burstCalls / allowedCalls),
        hubspot_routes: Object.fromEntries([...routes].sort((a, b) => b[1] - a[1])),
        ...(options.kill ? {
          done_at_kill: doneAtKill,
          seconds_to_kill: round(segmentMs / 1000, 1),
          seconds_down: killedAt !== null && restartedAt !== null ? round((restartedAt - killedAt) / 1000, 1) : null,
          records_per_budget_ratio_before_kill: round(perBudget(killedAt === null ? CONTACTS : doneAtKill, segmentMs)),
          written_twice: writtenTwice,
          duplicate_emails: duplicates,
          live_discarded_across_kill: liveDiscarded,
        } : {}),
        live_samples: sorted.length,
        live_unanswered: observed.live.size,
        live_p50_ms: Math.round(percentile(sorted, 0.5)),
        live_p99_ms: Math.round(percentile(sorted, 0.99)),
      },
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await sims.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function backfill(progress: Progress): Promise<Figures> {
  progress('run 1: uninterrupted');
  const uninterrupted = await runBackfill(progress, { kill: false });
  progress('run 2: SIGKILL halfway');
  const killed = await runBackfill(progress, { kill: true });
  const samples = [...uninterrupted.samples, ...killed.samples].sort((a, b) => a - b);
  return {
    records_per_budget_ratio: uninterrupted.figures['records_per_budget_ratio'],
    hubspot_calls_per_record: round(uninterrupted.calls / CONTACTS, 4),
    redone_after_kill: killed.redone,
    live_change_p99_ms_during_backfill: Math.round(percentile(samples, 0.99)),
    detail: {
      log_level: benchLogLevel.label(),
      contacts: CONTACTS,
      budget_calls_per_minute: BUDGET_CALLS_PER_MINUTE,
      live_samples: samples.length,
      uninterrupted: uninterrupted.figures,
      killed_halfway: { ...killed.figures, hubspot_calls_per_record: round(killed.calls / CONTACTS, 4) },
    },
  };
}
