// Issue #14: the sandbox's mounting imports no simulator statically, so a daemon with the sandbox
// off never loads one; and src/connections and src/oauth do not import src/http (no circle runs
// through them).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const ROOT = resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

/** Every module a file names: static imports and re-exports (type-only ones too) and import() calls. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g), ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g), ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, resolve(dirname(file), s)));
}

t.test('nothing under src/connections or src/oauth imports src/http', async (t) => {
  const offenders: string[] = [];
  let scanned = 0;
  for (const dir of ['src/connections', 'src/oauth']) {
    for (const file of filesUnder(join(ROOT, dir))) {
      scanned += 1;
      for (const target of importsOf(file)) if (target.startsWith('src/http/')) offenders.push(`${relative(ROOT, file)} → ${target}`);
    }
  }
  t.ok(scanned > 10, `scanned ${scanned} files`);
  t.same(offenders, [], 'no import of src/http');
});

t.test('the mount module imports no simulator except with import()', async (t) => {
  for (const file of filesUnder(join(ROOT, 'src/sandbox-mount'))) {
    const text = readFileSync(file, 'utf8');
    const statics = [...text.matchAll(/^\s*(?:import|export)\s(?!type\b)[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => relative(ROOT, resolve(dirname(file), m[1] as string)));
    t.same(statics.filter((target) => target.startsWith('src/sandbox/')), [], `${relative(ROOT, file)}: no static import of a simulator`);
  }
});

t.test('a daemon with the sandbox off loads no module under src/sandbox; with it on, it does', async (t) => {
  const run = async (setting: 'off' | 'on') => {
    const { stdout } = await promisify(execFile)(process.execPath, ['test/sandbox/fixtures/load-probe.ts', setting], { cwd: ROOT, timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { total: number; sandbox: string[] };
  };
  const off = await run('off');
  t.ok(off.total > 50, `the probe saw the daemon's modules load (${off.total})`);
  t.same(off.sandbox, [], 'sandbox off: no simulator module was loaded');
  const on = await run('on');
  t.ok(on.sandbox.some((url) => url.endsWith('/src/sandbox/hubspot/index.ts')) && on.sandbox.some((url) => url.endsWith('/src/sandbox/intercom/index.ts')), 'sandbox on: the probe sees the simulators load');
});
