// The daemon as the image runs it, for the benches that measure what ships: the bundled build
// (scripts/bundle.ts) laid out as in the image, started with the node options of the Dockerfile's CMD
// and the variables of its ENV. The options and variables are read from the Dockerfile, so they live
// in one place.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../scripts/bundle.ts';
import { REPO_ROOT } from '../helpers/container.ts';

/** What to start: the TypeScript sources (development, `npm start`) or the bundled build the image ships. */
export interface Entry {
  cwd: string;
  /** Node's own options before the script (the image's, for the shipped build). */
  nodeArgs: readonly string[];
  /** Variables on top of this process's environment (the image's ENV, for the shipped build). */
  env?: Readonly<Record<string, string>>;
  script: string;
}

/**
 * The daemon's log level in a bench: the shipped one (info, the default) unless BENCH_LOG_LEVEL names
 * another. Until the fifteenth and sixteenth sessions the benches pinned warn, and what info logs went
 * unmeasured (test/bench/RESULTS.md, "ingest at the shipped log level").
 */
export const benchLogLevel = {
  /** The variables to start the daemon with: none for the default. */
  env: (): Record<string, string> => (process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
  /** What a bench prints as its `log_level`. */
  label: (): string => process.env.BENCH_LOG_LEVEL ?? 'info (the default)',
};

/** The sources, as `npm start` runs them. */
export const sourcesEntry: Entry = { cwd: REPO_ROOT, nodeArgs: [], script: 'src/main.ts' };

/** The node options the image starts the daemon with: its exec-form CMD is `["node", ...options, "src/main.js"]`. */
export function imageNodeArgs(): string[] {
  const line = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').split('\n').findLast((entry) => entry.startsWith('CMD '));
  const command: unknown = line ? JSON.parse(line.slice('CMD '.length)) : undefined;
  if (!Array.isArray(command) || command[0] !== 'node' || command.at(-1) !== 'src/main.js' || !command.every((arg) => typeof arg === 'string')) {
    throw new Error(`the Dockerfile's CMD is not ["node", ...options, "src/main.js"]: ${line}`);
  }
  return command.slice(1, -1) as string[];
}

/**
 * The environment the image gives the daemon (the final stage's ENV; MALLOC_ARENA_MAX changes its
 * memory), less what a bench sets itself (address, data directory) and PATH.
 */
export function imageEnv(): Record<string, string> {
  const lines = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').split('\n');
  const start = lines.findLastIndex((line) => line.startsWith('ENV '));
  if (start < 0) return {};
  let text = '';
  for (let i = start; i < lines.length; i++) {
    text += ` ${lines[i]!.replace(/\\$/, '')}`;
    if (!lines[i]!.endsWith('\\')) break;
  }
  const own = new Set(['PATH', 'HOST', 'PORT', 'DATA_DIR', 'HOME']);
  const pairs = text.trim().slice('ENV '.length).split(/\s+/).map((pair) => pair.split('=') as [string, string]);
  return Object.fromEntries(pairs.filter(([name, value]) => value !== undefined && !own.has(name)));
}

/**
 * Lays out the build as the image does (scripts/bundle.ts → src/, next to migrations, ui/dist and the
 * node_modules its externals load from) in a temporary directory; `cleanup` removes it.
 */
export async function shippedEntry(): Promise<{ entry: Entry; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-build-'));
  await bundle(dir);
  for (const shared of ['node_modules', 'migrations', 'package.json']) symlinkSync(join(REPO_ROOT, shared), join(dir, shared));
  mkdirSync(join(dir, 'ui'));
  symlinkSync(join(REPO_ROOT, 'ui/dist'), join(dir, 'ui/dist'));
  return { entry: { cwd: dir, nodeArgs: imageNodeArgs(), env: imageEnv(), script: 'src/main.js' }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
