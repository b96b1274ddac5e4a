// Startup benchmark: how long the daemon as shipped (the bundled build, `node src/main.js`, as in the
// image; the same figures for `node src/main.ts` are reported as dev_*) takes from spawn until /readyz first answers 200,
// on a fresh data directory each time (so every run generates its key, creates the database and
// applies the migrations: a true first start), how much memory it holds when idle, and how big the
// container image is.
//
// Figures (MB = 10^6 bytes, as podman prints image sizes):
//   startup_ms        median spawn → first 200 on /readyz over RUNS cold starts
//   node_baseline_ms  median spawn → exit of `node -e 0` in the same run (the machine's floor)
//   startup_ratio     startup_ms / node_baseline_ms (comparable across machines of different speed)
//   idle_rss_mb       median VmRSS of the daemon IDLE_MS after it became ready
//   idle_rss_anon_mb  the part of it that is not file-backed (RssAnon: JS heap, native allocations;
//                     the rest is mostly pages of the node binary itself)
//   image_mb          size of the built image (podman image inspect .Size), null without podman
//                     (or with BENCH_STARTUP_IMAGE=0, to iterate on the other figures quickly)
//
// The shipped build is started with the node options of the Dockerfile's CMD (node_args) and the
// variables of its ENV (image_env).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE_TAG, buildImage, freeHostPort, imageSizeBytes, podmanMissing } from '../helpers/container.ts';
import { benchLogLevel, shippedEntry, sourcesEntry, type Entry } from './fixtures/shipped-build.ts';
import type { Figures, Progress } from './run.ts';

const RUNS = 5;
const IDLE_MS = 3000;
const READY_TIMEOUT_MS = 30_000;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function nodeBaselineMs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - started));
  });
}

/** VmRSS (all resident memory) and RssAnon (heap, stacks: what is not file-backed) in bytes, from /proc. */
function rss(pid: number): { total: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const kb = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    if (!kb) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(kb) * 1024;
  };
  return { total: field('VmRSS'), anon: field('RssAnon') };
}

interface RunFigures {
  startupMs: number;
  idleRssBytes: number;
  idleRssAnonBytes: number;
  shutdownMs: number;
  exitCode: number | null;
}

async function coldStart(entry: Entry): Promise<RunFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-'));
  try {
    // An empty config file of its own, so that a config.yaml in the working tree cannot interfere.
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, '# startup benchmark: all defaults\n');
    const port = await freeHostPort();
    const url = `http://127.0.0.1:${port}/readyz`;
    let output = '';
    let exited: { code: number | null; signal: string | null } | null = null;

    // Warm up this process's fetch (undici loads lazily) so that it does not count as startup.
    await fetch(url).then((r) => r.arrayBuffer(), () => undefined);

    const started = performance.now();
    const child = spawn(process.execPath, [...entry.nodeArgs, entry.script], {
      cwd: entry.cwd,
      env: {
        ...process.env,
        ...entry.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(dir, 'data'),
        INTERHUBZ_CONFIG: configFile,
        INTERHUBZ_ADMIN_PASSWORD: 'bench-password-not-secret',
        ...benchLogLevel.env(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitPromise = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve((exited = { code, signal }))),
    );

    try {
      let startupMs = -1;
      while (startupMs < 0) {
        if (exited) throw new Error(`the daemon exited before it was ready (${JSON.stringify(exited)}):\n${output}`);
        if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`not ready after ${READY_TIMEOUT_MS} ms:\n${output}`);
        try {
          const response = await fetch(url);
          await response.arrayBuffer();
          if (response.status === 200) startupMs = performance.now() - started;
        } catch {
          // not listening yet
        }
        if (startupMs < 0) await sleep(2);
      }

      await sleep(IDLE_MS);
      const memory = rss(child.pid!);

      const stopStarted = performance.now();
      child.kill('SIGTERM');
      const { code } = await exitPromise;
      return { startupMs, idleRssBytes: memory.total, idleRssAnonBytes: memory.anon, shutdownMs: performance.now() - stopStarted, exitCode: code };
    } finally {
      if (!exited) {
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function startup(progress: Progress): Promise<Figures> {
  const loadBefore = loadavg()[0]!;
  const baselines: number[] = [];
  for (let i = 0; i < RUNS; i++) baselines.push(await nodeBaselineMs());
  progress(`node -e 0: ${baselines.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  const measure = async (label: string, entry: Entry) => {
    const runs: RunFigures[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await coldStart(entry);
      runs.push(run);
      progress(
        `${label} cold start ${i + 1}/${RUNS}: ready in ${run.startupMs.toFixed(0)} ms, idle RSS ${(run.idleRssBytes / 1e6).toFixed(1)} MB, ` +
          `SIGTERM → exit ${run.exitCode} in ${run.shutdownMs.toFixed(0)} ms`,
      );
    }
    return runs;
  };
  progress('bundling the build the image ships (scripts/bundle.ts)');
  const shipped = await shippedEntry();
  const runs = await measure(`shipped build (node ${[...shipped.entry.nodeArgs, 'src/main.js'].join(' ')})`, shipped.entry).finally(shipped.cleanup);
  const devRuns = await measure('sources (node src/main.ts)', sourcesEntry);

  let imageMb: number | null = null;
  let imageNote: string | null = null;
  // BENCH_STARTUP_IMAGE=0 skips the (slow) image build while iterating on memory; the default builds it.
  const missing = process.env.BENCH_STARTUP_IMAGE === '0' ? 'BENCH_STARTUP_IMAGE=0' : podmanMissing();
  if (missing) {
    imageNote = missing;
    progress(`image size: skipped (${missing})`);
  } else {
    try {
      progress(`building ${IMAGE_TAG} (cached layers make this quick after the first time)`);
      await buildImage();
      imageMb = round((await imageSizeBytes()) / 1e6);
      progress(`image size: ${imageMb} MB`);
    } catch (error) {
      imageNote = `image build failed: ${(error as Error).message.split('\n')[0]}`;
      progress(imageNote);
    }
  }

  const startupMs = median(runs.map((r) => r.startupMs));
  const baselineMs = median(baselines);
  return {
    startup_ms: round(startupMs),
    idle_rss_mb: round(median(runs.map((r) => r.idleRssBytes)) / 1e6),
    idle_rss_anon_mb: round(median(runs.map((r) => r.idleRssAnonBytes)) / 1e6),
    image_mb: imageMb,
    node_baseline_ms: round(baselineMs),
    startup_ratio: round(startupMs / baselineMs, 2),
    startup_samples_ms: runs.map((r) => round(r.startupMs)),
    dev_startup_ms: round(median(devRuns.map((r) => r.startupMs))),
    dev_idle_rss_mb: round(median(devRuns.map((r) => r.idleRssBytes)) / 1e6),
    shutdown_ms: round(median(runs.map((r) => r.shutdownMs))),
    clean_exits: runs.filter((r) => r.exitCode === 0).length,
    runs: RUNS,
    ...(imageNote ? { image_note: imageNote } : {}),
    node: process.version,
    log_level: benchLogLevel.label(),
    node_args: shipped.entry.nodeArgs,
    image_env: shipped.entry.env,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gb: round(totalmem() / 2 ** 30),
    load_average_before: round(loadBefore, 2),
    load_average_after: round(loadavg()[0]!, 2),
    date: new Date().toISOString(),
  };
}
