// Building and running the project's real Dockerfile with podman, through the wrappers in
// ../shared/tools/container (see its README): `node-base-image` makes the node:24-bookworm-slim base
// locally, `podman-here` is podman with the flags these machines need (runc, cgroupfs, host network).
// Used by the container test and by the image-size figure of the benchmark.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './daemon-process.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONTAINER_TOOLS = resolve(REPO_ROOT, '..', 'shared', 'tools', 'container');
const PODMAN_HERE = join(CONTAINER_TOOLS, 'podman-here');
const NODE_BASE_IMAGE = join(CONTAINER_TOOLS, 'node-base-image');
export const IMAGE_TAG = 'localhost/interhubz:test';

/** Why the container cannot be built and run here, or null when it can. */
export function podmanMissing(): string | null {
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'podman is not installed (apt-get install -y podman runc debootstrap), so the image cannot be built and run';
  }
  return null;
}

/** Whether the tools folder is where the README says it is (a broken setup, not a reason to skip). */
export function containerToolsPresent(): boolean {
  return existsSync(PODMAN_HERE) && existsSync(NODE_BASE_IMAGE);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws for a non-zero exit (the caller looks at `code`). */
function run(file: string, args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? REPO_ROOT, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          // spawn failure or killed by the timeout
          reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
          return;
        }
        resolvePromise({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a command and throws with its output when it fails. */
async function runOk(file: string, args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
  return result.stdout;
}

export const podman = (args: string[], timeoutMs?: number) => run(PODMAN_HERE, args, timeoutMs === undefined ? {} : { timeoutMs });
export const podmanOk = (args: string[], timeoutMs?: number) => runOk(PODMAN_HERE, args, timeoutMs === undefined ? {} : { timeoutMs });

/** Builds the node:24-bookworm-slim stand-in (once per machine) and then the project's image. */
export async function buildImage(tag: string = IMAGE_TAG): Promise<void> {
  await runOk(NODE_BASE_IMAGE, ['24'], { timeoutMs: 10 * 60_000 });
  await runOk(PODMAN_HERE, ['build', '-t', tag, REPO_ROOT], { timeoutMs: 15 * 60_000 });
}

/** The image's size in bytes as podman reports it (uncompressed, all layers). */
export async function imageSizeBytes(tag: string = IMAGE_TAG): Promise<number> {
  return Number((await podmanOk(['image', 'inspect', tag, '--format', '{{.Size}}'])).trim());
}

/** A TCP port that is free right now on every interface (the container uses host networking). */
export const freeHostPort = () => freePort({ anyInterface: true });

/**
 * Polls `url` until it answers 200, or throws after `timeoutMs`. `alive` is asked between tries so
 * that a process or container that died is reported at once instead of at the timeout.
 */
export async function waitFor200(url: string, timeoutMs: number, alive: () => Promise<boolean> | boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (!(await alive())) throw new Error(`gave up waiting for ${url}: the server is not running any more (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${url} after ${timeoutMs} ms (last: ${last})`);
}
