// Idle memory (src/idle-memory.ts): V8's young generation, grown by the start-up or a burst, is given
// back once the event loop is quiet — after the start-up at its first quiet second, later after ten
// in a row — and never while it is busy or when there is little to give.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { createIdleMemory, QUIET_CHECKS, QUIET_UTILIZATION, SMALL_YOUNG_GENERATION_BYTES } from '../../src/idle-memory.ts';
import { REPO_ROOT } from '../helpers/daemon-process.ts';

const GROWN = 16 * 1024 * 1024;
const QUIET = QUIET_UTILIZATION / 2;
const BUSY = 0.5;

/** An idle-memory checker fed the readings given, one per check; records each gc() call's options and each debug line. */
function scripted(readings: Array<{ utilization: number; youngBytes: number }>) {
  const calls: unknown[] = [];
  const logged: unknown[] = [];
  let current = readings[0]!;
  const idle = createIdleMemory({
    gc: ((options: unknown) => void calls.push(options)) as NonNullable<typeof globalThis.gc>,
    log: { debug: (fields: unknown) => void logged.push(fields) } as never,
    utilization: () => current.utilization,
    youngBytes: () => current.youngBytes,
  });
  const run = () =>
    readings.map((reading) => {
      current = reading;
      return idle.check();
    });
  return { calls, logged, run };
}

t.test('after the start-up, the first quiet second gives the grown young generation back', async (t) => {
  const { calls, logged, run } = scripted([{ utilization: BUSY, youngBytes: GROWN }, { utilization: QUIET, youngBytes: GROWN }]);
  t.same(run(), [false, true], 'not while the start-up keeps the loop busy; at once when it is quiet');
  t.same(calls, [{ type: 'major', execution: 'sync', flavor: 'last-resort' }], "V8's last-resort collection: the one that shrinks the young generation");
  t.match(logged[0], { after: 'start-up', youngMbBefore: 16.8 });
});

t.test('later, only ten quiet seconds in a row do: a lull between bursts is left alone', async (t) => {
  const quiet = { utilization: QUIET, youngBytes: GROWN };
  const busy = { utilization: BUSY, youngBytes: GROWN };
  const lull = Array.from({ length: QUIET_CHECKS - 1 }, () => quiet);
  const { calls, logged, run } = scripted([quiet, ...lull, busy, ...lull, quiet]);
  const outcomes = run();
  t.equal(outcomes[0], true, 'the start-up');
  t.equal(outcomes.slice(1, -1).filter(Boolean).length, 0, `${QUIET_CHECKS - 1} quiet seconds, a busy one, ${QUIET_CHECKS - 1} quiet again: nothing`);
  t.equal(outcomes.at(-1), true, `the ${QUIET_CHECKS}th quiet second in a row`);
  t.equal(calls.length, 2);
  t.match(logged[1], { after: 'quiet' });
});

t.test('a young generation at its initial size is not collected, however quiet the loop', async (t) => {
  const small = { utilization: 0, youngBytes: SMALL_YOUNG_GENERATION_BYTES };
  const { calls, run } = scripted(Array.from({ length: 3 * QUIET_CHECKS }, () => small));
  run();
  t.equal(calls.length, 0);
});

t.test("the process entry point's start: the start-up's garbage goes at its first quiet second, and nothing without --expose-gc", async (t) => {
  // startIdleMemory as main.ts calls it, with gc() as the node options leave it, in a process of its own.
  const script = `
    import { startIdleMemory } from './src/idle-memory.ts';
    let keep = [];
    for (let i = 0; i < 5e6; i++) { keep.push({ i, text: 'x' + i }); if (keep.length > 200000) keep = []; }
    keep = null;
    startIdleMemory({ debug: (fields) => console.log(JSON.stringify(fields)) });
    await new Promise((resolve) => setTimeout(resolve, 2500));
  `;
  const lines = (flags: string[]) => {
    const child = spawnSync(process.execPath, [...flags, '--max-semi-space-size=16', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    t.equal(child.status, 0, child.stderr);
    return child.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { after: string; youngMbBefore: number; youngMbAfter: number });
  };
  const exposed = lines(['--expose-gc']);
  t.equal(exposed.length, 1, 'with --expose-gc: one collection in the quiet seconds after the start');
  t.match(exposed[0], { after: 'start-up' });
  t.ok(exposed[0]!.youngMbAfter < exposed[0]!.youngMbBefore, `the young generation shrank: ${JSON.stringify(exposed[0])}`);
  t.same(lines([]), [], 'without it: nothing started, nothing logged');
});

t.test('in a real process: the young generation a burst of allocations grew is given back once the loop is quiet', async (t) => {
  // node --expose-gc with the image's 16 MB cap; the script grows the young generation, then lets the
  // real checker look once a second (the default readings: V8's heap statistics, the loop's utilization).
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { createIdleMemory } from './src/idle-memory.ts';
    const young = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').physical_space_size;
    const logged = [];
    const idle = createIdleMemory({ gc: globalThis.gc, log: { debug: (fields) => logged.push(fields) } });
    let keep = [];
    for (let i = 0; i < 5e6; i++) { keep.push({ i, text: 'x' + i }); if (keep.length > 200000) keep = []; }
    keep = null;
    const grown = young();
    const outcomes = [];
    for (let second = 0; second < 3; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      outcomes.push(idle.check());
    }
    console.log(JSON.stringify({ grown, after: young(), outcomes, logged }));
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=16', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  t.equal(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as { grown: number; after: number; outcomes: boolean[]; logged: Array<{ youngMbBefore: number; youngMbAfter: number }> };
  t.ok(result.grown > SMALL_YOUNG_GENERATION_BYTES, `the allocations grew the young generation (${result.grown} bytes)`);
  t.same(result.outcomes, [true, false, false], 'collected at the first quiet second, and not again with nothing grown since');
  t.ok(result.after <= SMALL_YOUNG_GENERATION_BYTES / 2, `given back: ${result.after} bytes resident after`);
  t.ok(result.logged[0]!.youngMbAfter < result.logged[0]!.youngMbBefore, 'the debug line says how much');
});
