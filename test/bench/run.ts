// Benchmark runner: `npm run bench -- NAME` runs test/bench/NAME.ts, whose default export is an
// async function that measures and returns a flat object of figures. Progress goes to stderr; the
// figures are printed as ONE JSON object on the last line of stdout, for scripts to pick up.
// Benchmarks are not tests: they measure and print, and assert nothing about timings.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Progress = (message: string) => void;
export type Figures = Record<string, unknown>;
export type Bench = (progress: Progress) => Promise<Figures>;

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();

const progress: Progress = (message) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<number> {
  const names = process.argv.slice(2).filter((arg) => arg !== '--');
  const name = names[0];
  if (names.length !== 1 || !name || !available.includes(name)) {
    process.stderr.write(`usage: npm run bench -- NAME   (one of: ${available.join(', ')})\n`);
    return 2;
  }
  const module = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as { default?: Bench };
  if (typeof module.default !== 'function') {
    process.stderr.write(`test/bench/${name}.ts has no default export function\n`);
    return 2;
  }
  progress(`${name}: starting`);
  const figures = await module.default(progress);
  progress(`${name}: done`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[bench] failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
