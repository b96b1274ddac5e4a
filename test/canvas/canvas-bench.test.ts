// `npm run bench -- canvas` at a tiny size (test/canvas/canvas-bench-run.ts, REDUCED_CANVAS_BENCH: two
// contacts, HubSpot at once and at 1 s per call): the benchmark runs, every answer is a canvas the
// simulated Inbox shows, a warm open asks HubSpot nothing, and a HubSpot slower than the card's
// deadline is said on the card rather than waited for. Timings are printed, not asserted.
import t from 'tap';
import { REDUCED_CANVAS_BENCH, runCanvasBench } from './canvas-bench-run.ts';

t.setTimeout(3 * 60_000);

t.test('the canvas benchmark at test size: every answer shown, warm opens served from memory', async (t) => {
  const { figures, samples, calls } = await runCanvasBench(REDUCED_CANVAS_BENCH, (message) => t.comment(message));
  t.comment(JSON.stringify(figures));
  t.equal(samples.length, REDUCED_CANVAS_BENCH.contacts * REDUCED_CANVAS_BENCH.latencies.length * 4, 'cold, warm, refresh and push for each contact at each latency');
  t.same(samples.filter((s) => s.status !== 200 || s.problems.length > 0), [], 'the simulated Inbox shows every answer (HTTP 200, a valid canvas)');
  t.ok((calls['none']?.cold ?? 0) > 0, 'a cold open reads HubSpot');
  t.equal(calls['none']?.warm, 0, 'a warm open asks HubSpot nothing');
  t.equal(calls['1s']?.warm, 0, 'nor when HubSpot is slow: the late read filled the cache');
  t.ok(samples.filter((s) => s.latency === '1s' && s.kind === 'cold').every((s) => s.said.includes('slow')), 'HubSpot at 1 s per call: the cold card says HubSpot is slow');
  t.ok(samples.filter((s) => s.latency === '1s' && s.kind === 'push').every((s) => s.said.includes('still_working')), 'and a push says it is still working');
});
