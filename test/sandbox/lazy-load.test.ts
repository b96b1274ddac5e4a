// Issue #14: the sandbox's mounting imports no simulator statically, so a daemon with the sandbox
// off never loads one (and, issue #19, one with it on loads them only when first used); and
// src/connections and src/oauth do not import src/http (no circle runs through them); and a daemon on
// SQLite never loads pg.
import { execFile } from 'node:child_process';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { localImportsOf, ROOT, sourceFiles } from '../helpers/imports.ts';

t.test('nothing under src/connections or src/oauth imports src/http', async (t) => {
  const offenders: string[] = [];
  let scanned = 0;
  for (const dir of ['src/connections', 'src/oauth']) {
    for (const file of sourceFiles(join(ROOT, dir))) {
      scanned += 1;
      for (const { target } of localImportsOf(file)) if (target.startsWith('src/http/')) offenders.push(`${relative(ROOT, file)} → ${target}`);
    }
  }
  t.ok(scanned > 10, `scanned ${scanned} files`);
  t.same(offenders, [], 'no import of src/http');
});

t.test('the mount module imports no simulator except with import()', async (t) => {
  for (const file of sourceFiles(join(ROOT, 'src/sandbox-mount'))) {
    const statics = localImportsOf(file)
      .filter((i) => !i.typeOnly && !i.dynamic)
      .map((i) => i.target);
    t.same(statics.filter((target) => target.startsWith('src/sandbox/')), [], `${relative(ROOT, file)}: no static import of a simulator`);
  }
});

const run = async (setting: 'off' | 'on') => {
  const { stdout } = await promisify(execFile)(process.execPath, ['test/sandbox/fixtures/load-probe.ts', setting], { cwd: ROOT, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { total: number; sandbox: string[]; afterFirstRequest: string[]; firstRequestStatus: number | null; pg: string[] };
};

t.test('a daemon with the sandbox off loads no module under src/sandbox; with it on, not until the first request under /sandbox', async (t) => {
  const off = await run('off');
  t.ok(off.total > 50, `the probe saw the daemon's modules load (${off.total})`);
  t.same(off.sandbox, [], 'sandbox off: no simulator module was loaded');
  const on = await run('on');
  // Issue #19 item 3: an idle daemon holds none of the simulators' code or state.
  t.same(on.sandbox, [], 'sandbox on: no simulator module is loaded by the start');
  const loadedAfter = (name: string) => on.afterFirstRequest.some((url) => url.endsWith(`/src/sandbox/${name}/index.ts`));
  t.ok(loadedAfter('hubspot') && loadedAfter('intercom'), 'sandbox on: the first request under /sandbox loads the simulators');
  t.equal(on.firstRequestStatus, 401, 'and is answered by the simulator (no token: 401, as HubSpot would)');
  // Only a daemon with a database.url loads pg (src/db/open-store.ts).
  t.same(on.pg, [], 'a daemon on SQLite loads no module of pg, even after serving a request');
});
