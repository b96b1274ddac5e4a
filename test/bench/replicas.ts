// `npm run bench -- replicas` (issue #21 item 6): real daemons (`node src/main.ts`) as replicas on
// one PostgreSQL database, against one daemon on SQLite measured in the same run.
//   jobs_per_s_*         event jobs of a topic no feature reacts to (the real event task, run by the
//                        real scheduler: claim, run, complete), inserted in bulk while the replicas
//                        run; the rate from the first to the last finished_at
//   pgN_vs_sqlite        that rate with N replicas on PostgreSQL / one daemon on SQLite
//   captures_per_s_*     conversations captured per second end to end: signed close webhooks sent to
//                        the replicas in turn → event job → capture job → a note in the HubSpot
//                        simulator, from the first delivery to the last capture; rate limits off
//   capture_pgN_vs_sqlite the same as a ratio
//   lost_jobs, double_runs  on the three PostgreSQL replicas, one SIGKILLed while it runs captures
//                        and a reconciliation sweep run at once on a survivor
//                        (test/helpers/replicas.ts auditJobs): deliveries accepted but in no job, jobs
//                        left due or running or not succeeded, conversations with no note (lost);
//                        jobs run twice that the killed replica did not hold, notes made twice (double)
//   three_replica_budget_ratio  three replicas, one portal (simulator and daemons limited to
//                        BUDGET_LIMIT calls per 10 s), more captures than the budget allows: HubSpot
//                        calls the replicas made (search excepted: it has its own limit) per 10-s
//                        window / BUDGET_LIMIT, averaged over the windows after the first; from the
//                        simulator's request log. Target ≥ 0.9, and no more than 1.
//   steady_429s          429s the simulator sent in those windows (target 0)
// BENCH_KILL_RUNS=N runs only N kill runs (their figures space-separated), printing where each
// superseded capture's work went.
// All processes share this machine: on 2 cores, more replicas add no CPU to CPU-bound work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURE_TASK } from '../../src/capture/capture-task.ts';
import type { Db } from '../../src/db/database.ts';
import { notifySchedulers } from '../../src/jobs/wake-ups.ts';
import { insertSimConnection, openDataDb, seedConversation, seedCustomer, startCaptureSims, type CaptureSims } from '../helpers/capture-sims.ts';
import type { DeepPartial } from '../helpers/config.ts';
import { makeTestPgDb } from '../helpers/postgres.ts';
import { auditJobs, deliver, intercomDelivery, killWhileHolding, lastJobId, notesPerMarker, startReplicas, sweepNow, type Replica, type SignedDelivery } from '../helpers/replicas.ts';
import type { Config } from '../../src/config/schema.ts';
import { benchNumber } from './fixtures/bench-env.ts';
import type { Figures, Progress } from './run.ts';

const JOBS = benchNumber('BENCH_REPLICA_JOBS', 4_000);
const CAPTURES = benchNumber('BENCH_REPLICA_CAPTURES', 240);
const KILL_CONVERSATIONS = 60;
const BUDGET_LIMIT = 100;
const BUDGET_SECONDS = benchNumber('BENCH_BUDGET_SECONDS', 50);
const WINDOW_MS = 10_000;
const LEASE_SECONDS = 5;
/** Event jobs spread over this many (made-up) connection ids: the per-connection limit stays out of the way. */
const JOB_GROUPS = 8;
const PARALLEL_DELIVERIES = 8;
/** Only this many kill runs on three replicas, each job's successor and trace printed (finding a loss). */
const KILL_RUNS_ONLY = benchNumber('BENCH_KILL_RUNS', 0, { min: 0 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** What tap's `t` gives a test: teardowns, run here when a phase ends. */
function teardowns() {
  const fns: Array<() => unknown> = [];
  return {
    teardown: (fn: () => unknown) => void fns.push(fn),
    async run() {
      for (const fn of fns.reverse()) await fn();
      fns.length = 0;
    },
  };
}
type Teardowns = ReturnType<typeof teardowns>;

/**
 * The replicas' configuration: no sandbox, a short lease (the kill run's taken-over jobs wait for it),
 * a short idle sleep (a bulk insert on SQLite has no wake-up), and budgets as the phase needs.
 */
const replicaConfig = (hubspot: { burstPer10s: number; searchPerSecond: number }): DeepPartial<Config> => ({
  sandbox: { enabled: false },
  jobs: { leaseSeconds: LEASE_SECONDS, maxSleepSeconds: 1 },
  upstream: { hubspot },
});
const UNLIMITED = { burstPer10s: 100_000, searchPerSecond: 10_000 };

interface Store {
  db: Db;
  databaseUrl?: string;
  dataDirs?: string[];
}

/** A fresh store: a migrated PostgreSQL database, or a data directory holding a migrated SQLite file. */
async function freshStore(kind: 'sqlite' | 'postgres', scope: Teardowns): Promise<Store> {
  if (kind === 'postgres') {
    const db = await makeTestPgDb(scope);
    return { db, databaseUrl: db.url };
  }
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-replicas-'));
  const db = openDataDb(dir);
  scope.teardown(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, dataDirs: [dir] };
}

/** Customers at companies of their own (one company per domain: see the todo in test/replicas/three-replicas.test.ts). */
function seedCustomers(sims: CaptureSims, count: number, tag: string) {
  return Array.from({ length: count }, (_, i) => seedCustomer(sims, { email: `buyer${i}@${tag}${i}.test`, company: { name: `${tag} ${i} Ltd`, website: `https://www.${tag}${i}.test` } }));
}

/** Closed conversations, each with a marker of its own in its messages, and their signed close webhooks. */
function seedClosed(sims: CaptureSims, customers: ReadonlyArray<{ contactId: string }>, count: number, tag: string) {
  const secret = sims.intercom.sim.defaults?.clientSecret ?? '';
  return Array.from({ length: count }, (_, i) => {
    const marker = `zq${tag}${i}z`;
    const contactId = customers[i % customers.length]?.contactId ?? '';
    const id = seedConversation(sims, contactId, { first: `My invoice is wrong (${marker}).`, reply: 'Let me check.', second: `Thanks (${marker}).` });
    const delivery = intercomDelivery(secret, { id: `notif_${tag}_${i}`, workspaceId: sims.workspaceId, topic: 'conversation.admin.closed', conversationId: id });
    return { marker, id, delivery };
  });
}

/** Deliveries to the replicas in turn, a few at a time; the ids answered 200. */
async function deliverAll(replicas: readonly Replica[], deliveries: readonly SignedDelivery[]): Promise<string[]> {
  const accepted: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL_DELIVERIES }, async () => {
    for (let i = next++; i < deliveries.length; i = next++) {
      const delivery = deliveries[i];
      const replica = replicas[i % replicas.length];
      if (!delivery || !replica) continue;
      if ((await deliver(replica, delivery)).status === 200) accepted.push(delivery.id);
    }
  }));
  return accepted;
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Event jobs with a topic no feature reacts to, inserted in bulk; jobs/s from the first to the last finish. */
async function jobThroughput(db: Db, postgres: boolean): Promise<number> {
  const since = await lastJobId(db);
  const now = Date.now();
  const rows = Array.from({ length: JOBS }, (_, n) => ({
    task: 'intercom.event',
    payload: JSON.stringify({ deliveryId: n + 1, topic: 'conversation.read', objectId: String(n), occurredAt: now }),
    connection_id: `bench-c${n % JOB_GROUPS}`,
    status: 'queued' as const,
    run_at: now,
    attempts: 0,
    max_attempts: 10,
    created_at: now,
    updated_at: now,
  }));
  for (let i = 0; i < rows.length; i += 500) await db.kysely.insertInto('jobs').values(rows.slice(i, i + 500)).execute();
  if (postgres) await notifySchedulers(db.kysely, null);
  const finished = () => db.kysely.selectFrom('jobs').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('finished_at').as('first'), eb.fn.max('finished_at').as('last')])
    .where('id', '>', since).where('task', '=', 'intercom.event').where('status', '=', 'succeeded').executeTakeFirstOrThrow();
  await until(`${JOBS} event jobs`, async () => Number((await finished()).n) === JOBS, 120_000);
  const { first, last } = await finished();
  return ((JOBS - 1) * 1000) / Math.max(1, Number(last) - Number(first));
}

/** Close webhooks for CAPTURES conversations; captures/s from the first delivery to the last note. */
async function captureThroughput(db: Db, sims: CaptureSims, replicas: readonly Replica[], tag: string): Promise<number> {
  const customers = seedCustomers(sims, 10, `${tag}co`);
  const conversations = seedClosed(sims, customers, CAPTURES, tag);
  const markers = conversations.map((c) => c.marker);
  const started = Date.now();
  const accepted = await deliverAll(replicas, conversations.map((c) => c.delivery));
  if (accepted.length !== CAPTURES) throw new Error(`${CAPTURES - accepted.length} deliveries were not accepted`);
  await until(`${CAPTURES} notes`, () => [...notesPerMarker(sims.hubspot.sim.control.records({ objectType: 'notes' }), markers).values()].every((n) => n > 0), 180_000);
  const last = await db.kysely.selectFrom('activity').select((eb) => eb.fn.max('at').as('at')).where('outcome', '=', 'captured').executeTakeFirstOrThrow();
  return (CAPTURES * 1000) / Math.max(1, Number(last.at) - started);
}

/** One store, `count` replicas: job throughput, then capture throughput; with `kill`, then the kill run. */
async function measure(progress: Progress, kind: 'sqlite' | 'postgres', count: number, kill: boolean) {
  const scope = teardowns();
  const label = `${kind === 'sqlite' ? 'sqlite' : 'pg'}${count}`;
  try {
    const sims = await startCaptureSims({ hubspot: { burstLimitPer10s: Infinity, searchLimitPerSecond: Infinity } });
    scope.teardown(() => sims.close());
    const store = await freshStore(kind, scope);
    await insertSimConnection(store.db, sims, Date.now(), { intercomWebhooks: true });
    const replicas = await startReplicas(scope, {
      count, config: replicaConfig(UNLIMITED),
      ...(store.databaseUrl ? { databaseUrl: store.databaseUrl } : {}), ...(store.dataDirs ? { dataDirs: store.dataDirs } : {}),
    });
    const jobsPerS = await jobThroughput(store.db, kind === 'postgres');
    progress(`${label}: ${Math.round(jobsPerS)} event jobs/s`);
    const capturesPerS = await captureThroughput(store.db, sims, replicas, `${label}t`);
    progress(`${label}: ${round(capturesPerS, 1)} captures/s end to end`);
    const killed = kill ? await killRun(progress, store.db, sims, replicas) : undefined;
    return { jobsPerS, capturesPerS, killed };
  } finally {
    await scope.run();
  }
}

/**
 * The kill run (as test/replicas/three-replicas.test.ts, larger notes latency aside): half the close
 * webhooks over all replicas, the second replica SIGKILLed while it holds a running capture, the rest
 * over the survivors; then the job table is audited and the notes counted.
 */
async function killRun(progress: Progress, db: Db, sims: CaptureSims, replicas: readonly Replica[]) {
  const victim = replicas[1];
  if (!victim) throw new Error('the kill run needs at least two replicas');
  const survivors = replicas.filter((replica) => replica !== victim);
  const since = await lastJobId(db);
  const conversations = seedClosed(sims, seedCustomers(sims, 10, 'killco'), KILL_CONVERSATIONS, 'kill');
  const markers = conversations.map((c) => c.marker);
  // Slow note creation: captures are still running when the replica dies, some with the note sent.
  sims.hubspot.sim.control.setLatency({ ms: 150, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });
  const half = KILL_CONVERSATIONS / 2;
  const accepted = await deliverAll(replicas, conversations.slice(0, half).map((c) => c.delivery));
  const heldAtKill = await killWhileHolding(db, victim, CAPTURE_TASK);
  // The case that once left such captures due hours later: a sweep while the dead replica's leases hold.
  await sweepNow(db);
  accepted.push(...(await deliverAll(survivors, conversations.slice(half).map((c) => c.delivery))));
  const notes = () => notesPerMarker(sims.hubspot.sim.control.records({ objectType: 'notes' }), markers);
  const settled = async () => {
    const open = await db.kysely.selectFrom('jobs').select('id').where('id', '>', since)
      .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', Date.now())])])).execute();
    return open.length === 0 && [...notes().values()].every((n) => n > 0);
  };
  // Gives up after a while: what is still open then counts as lost.
  await until('the kill run to settle', settled, 90_000).catch((error: unknown) => progress(String(error)));
  const audit = await auditJobs(db, { accepted, heldAtKill, sinceJobId: since });
  // Where each superseded run's work went: the newer job of the same key, its state and due time.
  for (const job of audit.notSucceeded) {
    const row = await db.kysely.selectFrom('jobs').select(['superseded_by']).where('id', '=', job.id).executeTakeFirst();
    if (!row?.superseded_by) continue;
    const next = await db.kysely.selectFrom('jobs').select(['id', 'status', 'run_at', 'created_at', 'finished_at', 'attempts', 'payload', 'key', 'last_error']).where('id', '=', row.superseded_by).executeTakeFirst();
    progress(`superseded ${job.id} -> ${JSON.stringify(next)} (now ${Date.now()})`);
    if (KILL_RUNS_ONLY > 0 && next) {
      const conversationId = (JSON.parse(next.payload) as { conversationId: string }).conversationId;
      const trace = await db.kysely.selectFrom('conversation_trace').selectAll().where('conversation_id', '=', conversationId).orderBy('at').execute();
      progress(`trace ${conversationId}: ${JSON.stringify(trace)}`);
      const all = await db.kysely.selectFrom('jobs').select(['id', 'task', 'status', 'run_at', 'created_at', 'payload', 'attempts', 'last_error']).where('payload', 'like', `%${conversationId}%`).execute();
      progress(`jobs ${conversationId}: ${JSON.stringify(all)}`);
    }
  }
  const counts = [...notes().values()];
  const lost = audit.unrecorded.length + audit.withoutJob.length + audit.unfinished.length + audit.notSucceeded.length + counts.filter((n) => n === 0).length + (KILL_CONVERSATIONS - new Set(accepted).size);
  const double = audit.doubleRuns.length + counts.reduce((extra, n) => extra + Math.max(0, n - 1), 0);
  progress(`kill run: ${heldAtKill.size} jobs held by the killed replica, ${audit.rerunAfterKill} run again, ${audit.supersededAfterKill} done by a newer job of their key; lost ${lost}, double ${double} ${JSON.stringify({ ...audit, rerunAfterKill: undefined, supersededAfterKill: undefined })}`);
  return { lost, double, held: heldAtKill.size, rerun: audit.rerunAfterKill, superseded: audit.supersededAfterKill };
}

/**
 * Three replicas, one portal limited to BUDGET_LIMIT calls per 10 s (the simulator and each daemon's
 * budget alike), more captures than that allows, for BUDGET_SECONDS: calls per window / limit.
 */
async function budgetRun(progress: Progress) {
  const scope = teardowns();
  try {
    const sims = await startCaptureSims({ hubspot: { burstLimitPer10s: BUDGET_LIMIT } });
    scope.teardown(() => sims.close());
    const store = await freshStore('postgres', scope);
    await insertSimConnection(store.db, sims, Date.now(), { intercomWebhooks: true });
    const replicas = await startReplicas(scope, {
      count: 3, config: replicaConfig({ burstPer10s: BUDGET_LIMIT, searchPerSecond: 5 }), ...(store.databaseUrl ? { databaseUrl: store.databaseUrl } : {}),
    });
    // A warm capture costs about one call (the note, its associations inline): 1.5 budgets' worth of
    // captures per window, so work is left when the run ends (budget_captures_left_at_end > 0).
    const conversations = seedClosed(sims, seedCustomers(sims, 20, 'budgetco'), Math.ceil((BUDGET_SECONDS / 10 + 1) * BUDGET_LIMIT * 1.5), 'budget');
    sims.hubspot.sim.control.clearRequests();
    const started = Date.now();
    await deliverAll(replicas, conversations.map((c) => c.delivery));
    await sleep(started + BUDGET_SECONDS * 1000 - Date.now());
    const entries = sims.hubspot.sim.control.requests().entries;
    const left = await store.db.kysely.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('task', '=', CAPTURE_TASK).where('status', 'in', ['queued', 'running']).executeTakeFirstOrThrow();
    const windows: Array<{ calls: number; throttled: number }> = [];
    for (let from = started + WINDOW_MS; from + WINDOW_MS <= started + BUDGET_SECONDS * 1000; from += WINDOW_MS) {
      const inWindow = entries.filter((e) => e.at >= from && e.at < from + WINDOW_MS);
      windows.push({
        // Searches have a limit of their own (hubspot-api.md §3; src/sandbox/hubspot/rate-limit.ts): not in the burst.
        calls: inWindow.filter((e) => !e.route.endsWith('/search')).length,
        throttled: inWindow.filter((e) => e.status === 429).length,
      });
    }
    const ratio = windows.reduce((sum, w) => sum + w.calls, 0) / Math.max(1, windows.length) / BUDGET_LIMIT;
    const throttled = windows.reduce((sum, w) => sum + w.throttled, 0);
    progress(`budget: calls per window ${windows.map((w) => w.calls).join(', ')} (limit ${BUDGET_LIMIT}); 429s per window ${windows.map((w) => w.throttled).join(', ')}; ${left.n} captures still to do at the end`);
    return { ratio, throttled, windows: windows.length, left: Number(left.n), perWindow: windows.map((w) => w.calls) };
  } finally {
    await scope.run();
  }
}

export default async function replicas(progress: Progress): Promise<Figures> {
  const begun = Date.now();
  if (KILL_RUNS_ONLY > 0) {
    const runs = [];
    for (let i = 0; i < KILL_RUNS_ONLY; i++) runs.push((await measure(progress, 'postgres', 3, true)).killed);
    return { kill_runs: runs.length, lost_jobs: runs.map((run) => run?.lost).join(' '), double_runs: runs.map((run) => run?.double).join(' '), kill_jobs_held: runs.map((run) => run?.held).join(' '), kill_jobs_rerun: runs.map((run) => run?.rerun).join(' '), kill_jobs_superseded: runs.map((run) => run?.superseded).join(' ') };
  }
  const sqlite = await measure(progress, 'sqlite', 1, false);
  const pg1 = await measure(progress, 'postgres', 1, false);
  const pg2 = await measure(progress, 'postgres', 2, false);
  const pg3 = await measure(progress, 'postgres', 3, true);
  const budget = await budgetRun(progress);
  const vs = (value: number, base: number) => round(value / base);
  return {
    pg1_vs_sqlite: vs(pg1.jobsPerS, sqlite.jobsPerS),
    pg2_vs_sqlite: vs(pg2.jobsPerS, sqlite.jobsPerS),
    pg3_vs_sqlite: vs(pg3.jobsPerS, sqlite.jobsPerS),
    capture_pg1_vs_sqlite: vs(pg1.capturesPerS, sqlite.capturesPerS),
    capture_pg2_vs_sqlite: vs(pg2.capturesPerS, sqlite.capturesPerS),
    capture_pg3_vs_sqlite: vs(pg3.capturesPerS, sqlite.capturesPerS),
    three_replica_budget_ratio: round(budget.ratio),
    steady_429s: budget.throttled,
    lost_jobs: pg3.killed?.lost ?? null,
    double_runs: pg3.killed?.double ?? null,
    jobs_per_s_sqlite: Math.round(sqlite.jobsPerS),
    jobs_per_s_pg1: Math.round(pg1.jobsPerS),
    jobs_per_s_pg2: Math.round(pg2.jobsPerS),
    jobs_per_s_pg3: Math.round(pg3.jobsPerS),
    captures_per_s_sqlite: round(sqlite.capturesPerS, 1),
    captures_per_s_pg1: round(pg1.capturesPerS, 1),
    captures_per_s_pg2: round(pg2.capturesPerS, 1),
    captures_per_s_pg3: round(pg3.capturesPerS, 1),
    kill_jobs_held: pg3.killed?.held ?? null,
    kill_jobs_rerun: pg3.killed?.rerun ?? null,
    kill_jobs_superseded: pg3.killed?.superseded ?? null,
    budget_calls_per_window: budget.perWindow.join(' '),
    budget_windows: budget.windows,
    budget_limit_per_10s: BUDGET_LIMIT,
    budget_captures_left_at_end: budget.left,
    event_jobs_per_run: JOBS,
    captures_per_run: CAPTURES,
    total_s: Math.round((Date.now() - begun) / 1000),
  };
}
