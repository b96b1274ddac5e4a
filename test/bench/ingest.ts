// `npm run bench -- ingest`: signed Intercom deliveries per second through POST /webhooks/intercom
// (signature check, record + job in one transaction, 200 after commit) beside a bare Fastify route
// that only answers 200, both in their own processes, loaded by autocannon from a third
// (fixtures/load-generator.ts; the simulators the daemon calls stay in this one). The two are
// loaded in turns, a short slice each (the daemon frozen during the bare route's), so that both see
// the same machine: here the bare route alone swings between 13,000 and 28,000 requests/s from one
// 5-s run to the next (RESULTS.md), and a baseline taken ten seconds before the intake compared the
// machine's moods, not the code; two unmeasured turns each come first (WARM_UP_SLICES). Each server's
// CPU time over its turns is read too (/proc): what a request costs each, which the throughput ratio
// does not show (the load generator, not its own CPU, holds the bare route back: RESULTS.md). Then the
// intake's latency at a steady 1,000 deliveries/s — right after the burst, while its backlog of
// event jobs is worked off (p99_ms), and again once it is (drained_p99_ms) — and a check that every
// accepted delivery is in the job table.
// The daemon runs as the image runs it — the bundled build with the Dockerfile's node options and ENV
// (fixtures/shipped-build.ts; BENCH_INGEST_BUILD=sources for `node src/main.ts`) — at the shipped log level
// (info; BENCH_LOG_LEVEL=warn and so on to compare), its log written to a file, as a container runtime
// takes it.
// The deliveries carry random notification ids and name conversations at random, as Intercom's do;
// BENCH_INGEST_IDS=sequential gives the numbered ids of earlier runs (fixtures/load-generator.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDb } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { insertSimConnection, startCaptureSims, TEST_SECRET_KEY } from '../helpers/capture-sims.ts';
import { freePort, REPO_ROOT } from '../helpers/daemon-process.ts';
import { EVENTS_AND_FINISHED_SQL, EVENTS_IN_JOBS_SQL } from '../helpers/event-jobs.ts';
import { benchChoice } from './fixtures/bench-env.ts';
import { benchLogLevel, shippedEntry, sourcesEntry, type Entry } from './fixtures/shipped-build.ts';
import type { Progress } from './run.ts';

const SECRET = 'bench-intercom-app-secret';
const DURATION_S = 10;
/** The full-speed runs come in this many alternating pairs of slices (bare route, intake), DURATION_S in all each. */
const SLICES = 5;
/**
 * Unmeasured turns before those, the same for both servers, so that each is measured with its hot path
 * compiled. V8 optimises a process's hot functions over its first seconds of load: with `--trace-opt`
 * the daemon's first 2-s turn finished 141 TurboFan compilations, its second 46 (the HTTP parser's
 * callbacks and the group commit's among them), its third 32; that first turn cost 1.6–2.5 times the
 * CPU a delivery of the later ones did, with V8's compiler threads taking a quarter of a core from the
 * load generator. The bare route had had the 10 s of paced load below before its first turn, the
 * daemon nothing: its first turn read 0.25–0.41 of the bare route, the others ~0.5–0.6 (RESULTS.md).
 */
const WARM_UP_SLICES = 2;
const CONNECTIONS = 32;
const IDS = benchChoice('BENCH_INGEST_IDS', ['random', 'sequential']);
/**
 * The daemon as the image runs it (the bundled build, the CMD's node options, the ENV: fixtures/shipped-build.ts),
 * or with BENCH_INGEST_BUILD=sources as `npm start` does (`node src/main.ts`), as until the sixteenth
 * session.
 */
const BUILD = benchChoice('BENCH_INGEST_BUILD', ['shipped', 'sources']);

function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const check = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve({ child, output: () => output });
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${output}`)));
  });
}

/**
 * The daemon, its log (stdout) going to a file as a container runtime's log driver would take it;
 * read in here, a log at the shipped level would cost this process a core. Its stderr is kept.
 */
function startDaemon(entry: Entry, flags: readonly string[], env: Record<string, string>, logFile: string): { child: ChildProcess; output: () => string } {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...entry.nodeArgs, ...flags, entry.script], { cwd: entry.cwd, env: { ...process.env, ...entry.env, ...env }, stdio: ['ignore', log, 'pipe'] });
  closeSync(log);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  /** Paced runs only. */
  p999?: number;
  max?: number;
  maxLateMs?: number;
  ok: number;
  non2xx: number;
  /** The loaded server's CPU time over the load, in ms (all its threads), when asked for. */
  serverCpuMs?: number;
}

/**
 * A process's CPU time so far, all threads, in ms: utime + stime of /proc/<pid>/stat (proc(5)), in
 * clock ticks of 10 ms (USER_HZ is 100 on Linux).
 */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Runs the load generator (fixtures/load-generator.ts) in a process of its own and returns its result;
 * with `cpuOf`, also that server's CPU time from the load's start (the generator's first line) to its result.
 */
async function load(url: string, run: string, options: { rate?: number; durationS?: number; cpuOf?: number } = {}): Promise<LoadResult> {
  const { cpuOf, ...given } = options;
  const args = JSON.stringify({ url, connections: CONNECTIONS, durationS: DURATION_S, secret: SECRET, workspace, run, ids: IDS, ...given });
  const child = spawn(process.execPath, ['test/bench/fixtures/load-generator.ts', args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  let cpuAtStart: number | undefined;
  let cpuAtEnd: number | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (cpuOf === undefined) return;
    const lines = output.split('\n').filter(Boolean).length;
    if (cpuAtStart === undefined && lines >= 1) cpuAtStart = cpuMs(cpuOf);
    if (cpuAtEnd === undefined && lines >= 2) cpuAtEnd = cpuMs(cpuOf);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the load generator exited ${code}: ${output}`);
  const result = JSON.parse(output.trim().split('\n').at(-1) ?? '') as LoadResult;
  return cpuAtStart !== undefined && cpuAtEnd !== undefined ? { ...result, serverCpuMs: cpuAtEnd - cpuAtStart } : result;
}

let workspace = '';

/** Polls `done` every 100 ms for up to `limitMs`; whether it came true. */
async function settle(done: () => boolean, limitMs = 120_000): Promise<boolean> {
  const started = performance.now();
  while (!done()) {
    if (performance.now() - started > limitMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

export default async function ingest(progress: Progress) {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-ingest-'));
  const dataDir = join(dir, 'data');
  writeFileSync(join(dir, 'config.yaml'), `apps:\n  intercom:\n    clientSecret: ${SECRET}\n`);
  mkdirSync(dataDir);
  const db = openDb(join(dataDir, 'interhubz.db'));
  migrate(db.sqlite);
  // A connection with working credentials (to simulators in this process): without them the first
  // reconciliation parks the connection, and with it every event job the bench queues.
  const sims = await startCaptureSims();
  workspace = sims.workspaceId;
  await insertSimConnection(db, sims);
  await db.close();

  const port = await freePort();
  // At the shipped log level (benchLogLevel): until the fifteenth session this bench ran the daemon at
  // warn, and a line logged for each accepted delivery at the default (info) went unmeasured.
  const logFile = join(dir, 'daemon.log');
  const daemonEnv: Record<string, string> = { DATA_DIR: dataDir, PORT: String(port), INTERHUBZ_CONFIG: join(dir, 'config.yaml'), INTERHUBZ_ADMIN_PASSWORD: 'bench-password', INTERHUBZ_SECRET_KEY: TEST_SECRET_KEY, ...benchLogLevel.env() };
  const build = BUILD === 'shipped' ? await shippedEntry() : { entry: sourcesEntry, cleanup: () => undefined };
  const daemon = startDaemon(build.entry, process.env.BENCH_DAEMON_FLAGS ? process.env.BENCH_DAEMON_FLAGS.split(' ') : [], daemonEnv, logFile);
  daemon.child.once('exit', (code) => {
    if (code !== null && code !== 0) process.stderr.write(`the daemon exited ${code}: ${daemon.output()}\n`);
  });
  await waitReady(`http://127.0.0.1:${port}/readyz`);
  const bare = await start(['test/bench/fixtures/bare-server.ts'], {}, /"url"/);
  const bareUrl = (JSON.parse(bare.output().trim().split('\n')[0] ?? '{}') as { url: string }).url;
  const ingestUrl = `http://127.0.0.1:${port}`;
  try {
    // The same paced 1,000/s against the bare route: the latency this machine's loopback, scheduler
    // and a Fastify process give anyway, the baseline for the intake's p99 in the same run.
    progress('bare route: 10 s at 1,000 deliveries/s');
    const barePaced = await load(bareUrl, 'bare-paced', { rate: 1000 });
    // A second, read-only connection (WAL lets it read beside the daemon): how many event jobs the
    // daemon has worked off, to show what the burst deferred and how soon it caught up.
    const watch = new SQLite(join(dataDir, 'interhubz.db'), { readonly: true });
    // Events, not jobs: deliveries committed together share one event job (src/webhooks/event-tasks.ts).
    const eventJobs = () => watch.prepare(EVENTS_AND_FINISHED_SQL("task = 'intercom.event'")).get() as { total: number; finished: number; jobs: number };
    // A burst's rows still outside the dedupe index (src/webhooks/deferred-dedupe.ts).
    const waitingRows = () => watch.prepare('SELECT count(*) FROM webhook_deliveries WHERE deduped = 0').pluck().get() as number;
    // The WAL's largest size over the intake's runs (a stat every 100 ms): bounded by the checkpoint
    // worker's restarts (src/db/checkpoint-worker.ts), not by the length of the load.
    let walMaxBytes = 0;
    const walWatch = setInterval(() => {
      try {
        walMaxBytes = Math.max(walMaxBytes, statSync(join(dataDir, 'interhubz.db-wal')).size);
      } catch {
        // Not there between a truncation and the next write.
      }
    }, 100);
    walWatch.unref();
    const sliceS = DURATION_S / SLICES;
    progress(`bare route and intake at full speed, ${CONNECTIONS} connections: ${WARM_UP_SLICES} turns of ${sliceS} s each to warm up, then ${SLICES} measured`);
    const bareTurns: LoadResult[] = [];
    const ingestTurns: LoadResult[] = [];
    for (let i = -WARM_UP_SLICES; i < SLICES; i++) {
      // The daemon is frozen during the bare route's turn: it would otherwise spend it working off
      // the burst's backlog on the machine's other core, and the baseline would be measured on half a
      // machine (a first try read ratio 1.0 so). Frozen, it resumes where it was, as after a
      // sequential baseline.
      daemon.child.kill('SIGSTOP');
      try {
        bareTurns.push(await load(bareUrl, `bare-${i}`, { durationS: sliceS, cpuOf: bare.child.pid }));
      } finally {
        daemon.child.kill('SIGCONT');
      }
      ingestTurns.push(await load(ingestUrl, `burst-${i}`, { durationS: sliceS, cpuOf: daemon.child.pid }));
      if (i === -1) {
        // The warm-up's events worked off and its rows moved into the dedupe index first: the measured
        // burst then starts with no backlog, as it did without a warm-up, and the paced run after it
        // (p99_ms) works off that burst's alone; only the hot path is compiled now.
        progress('warm-up done: waiting for its event jobs and dedupe entries');
        const settled = await settle(() => {
          const events = eventJobs();
          return events.total === events.finished && waitingRows() === 0;
        });
        if (!settled) progress('the warm-up did not settle within 120 s: measuring anyway');
      }
    }
    const [bareSlices, ingestSlices] = [bareTurns.slice(WARM_UP_SLICES), ingestTurns.slice(WARM_UP_SLICES)];
    // Slices of equal length: the mean of their rates is the rate over all of them.
    const mean = (slices: LoadResult[]) => slices.reduce((sum, slice) => sum + slice.perSecond, 0) / slices.length;
    const bareRun = { perSecond: mean(bareSlices) };
    // Every turn's deliveries are accepted ones, the warm-up's too (the job-table check counts them all).
    const ingestRun = { perSecond: mean(ingestSlices), ok: ingestTurns.reduce((sum, slice) => sum + slice.ok, 0), non2xx: ingestTurns.reduce((sum, slice) => sum + slice.non2xx, 0) };
    const turnRatios = ingestTurns.map((slice, i) => slice.perSecond / (bareTurns[i]?.perSecond ?? Number.NaN));
    // CPU time a request costs each server over its turns (all threads; 10-ms ticks over ~10 s of load).
    const cpuUsPer = (slices: LoadResult[]) => (slices.reduce((sum, slice) => sum + (slice.serverCpuMs ?? Number.NaN), 0) * 1000) / slices.reduce((sum, slice) => sum + slice.ok, 0);
    const ingestCpuUs = cpuUsPer(ingestSlices);
    const bareCpuUs = cpuUsPer(bareSlices);
    const afterBurst = eventJobs();
    progress(`intake: 10 s at 1,000 deliveries/s (${afterBurst.total - afterBurst.finished} event jobs still to do from the burst)`);
    const steady = await load(ingestUrl, 'steady', { rate: 1000 });
    const afterSteady = eventJobs();
    const steadyEnded = performance.now();
    let left = afterSteady.total - afterSteady.finished;
    const workedOff = await settle(() => {
      const now = eventJobs();
      left = now.total - now.finished;
      return left === 0;
    });
    const workedOffS = workedOff ? (performance.now() - steadyEnded) / 1000 : null;
    watch.close();
    // The same rate once the burst's backlog is worked off: the daemon at a sustained 1,000/s (its
    // thread takes each delivery and runs its event job), not 1,000/s on top of a recovery.
    progress(`intake: 10 s at 1,000 deliveries/s, the queue drained first (${left} event jobs left)`);
    const drained = await load(ingestUrl, 'drained', { rate: 1000 });
    const accepted = ingestRun.ok + steady.ok + drained.ok;
    clearInterval(walWatch);

    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => daemon.child.once('exit', resolve));
    const check = openDb(join(dataDir, 'interhubz.db'));
    const inJobs = check.sqlite.prepare(EVENTS_IN_JOBS_SQL("task = 'intercom.event'")).pluck().get() as number;
    await check.close();
    return {
      ids: IDS,
      ingest_per_s: Math.round(ingestRun.perSecond),
      bare_per_s: Math.round(bareRun.perSecond),
      ratio: Number((ingestRun.perSecond / bareRun.perSecond).toFixed(3)),
      // Each measured turn's intake slice against the bare slice just before it: how far one turn's ratio strays.
      ratio_turns: turnRatios.slice(WARM_UP_SLICES).map((ratio) => Number(ratio.toFixed(2))),
      bare_turns_per_s: bareSlices.map((slice) => Math.round(slice.perSecond)),
      // The same for the warm-up turns, which `ratio` leaves out.
      warm_up_ratio_turns: turnRatios.slice(0, WARM_UP_SLICES).map((ratio) => Number(ratio.toFixed(2))),
      // The daemon's CPU time per accepted delivery in its turns, the bare server's per request in
      // its own, and their ratio: what one costs against the other, even where the load generator,
      // not its CPU, limits the bare route's throughput.
      cpu_us_per_delivery: Number(ingestCpuUs.toFixed(1)),
      bare_cpu_us_per_request: Number(bareCpuUs.toFixed(1)),
      cpu_ratio: Number((bareCpuUs / ingestCpuUs).toFixed(3)),
      p50_ms: steady.p50,
      p99_ms: steady.p99,
      p999_ms: steady.p999,
      max_ms: steady.max,
      // How late the load generator itself sent its worst delivery (its own delay, not the daemon's).
      generator_late_ms: steady.maxLateMs,
      steady_rate_per_s: Math.round(steady.perSecond),
      bare_paced_p50_ms: barePaced.p50,
      bare_paced_p99_ms: barePaced.p99,
      bare_paced_p999_ms: barePaced.p999,
      bare_paced_max_ms: barePaced.max,
      drained_p50_ms: drained.p50,
      drained_p99_ms: drained.p99,
      drained_p999_ms: drained.p999,
      drained_max_ms: drained.max,
      drained_generator_late_ms: drained.maxLateMs,
      drained_rate_per_s: Math.round(drained.perSecond),
      accepted,
      non_2xx: ingestRun.non2xx + steady.non2xx + drained.non2xx,
      in_job_table: inJobs,
      // The event jobs: done by the end of the full-speed turns, the bare route's turns included (the
      // scheduler steps back while deliveries queue up, src/jobs/scheduler.ts), left when the steady
      // run ended, and how long until none was.
      event_jobs_done_in_burst: afterBurst.finished,
      // How many job rows carried the burst's events (one per connection per commit).
      event_job_rows_after_burst: afterBurst.jobs,
      event_jobs_left_after_steady: afterSteady.total - afterSteady.finished,
      event_jobs_worked_off_s: workedOffS === null ? null : Number(workedOffS.toFixed(1)),
      wal_max_mb: Math.round(walMaxBytes / 1024 / 1024),
      log_level: benchLogLevel.label(),
      build: BUILD === 'shipped' ? `shipped (node ${[...build.entry.nodeArgs, build.entry.script].join(' ')})` : 'sources (node src/main.ts)',
      // What the daemon logged over the whole run (every phase), for ~450,000 deliveries.
      daemon_log_lines: logLines(logFile),
    };
  } finally {
    daemon.child.kill('SIGKILL');
    bare.child.kill('SIGTERM');
    await sims.close();
    rmSync(dir, { recursive: true, force: true });
    build.cleanup();
  }
}

function logLines(file: string): number {
  const text = readFileSync(file);
  let lines = 0;
  for (let at = text.indexOf(10); at !== -1; at = text.indexOf(10, at + 1)) lines += 1;
  return lines;
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never became ready`);
}
