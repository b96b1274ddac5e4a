// `npm run bench -- canvas` (issue #20 item 4 "Fast"): how long the Inbox app (Canvas Kit) takes to
// answer, as the Intercom simulator's Inbox measures it, with HubSpot answering at once, at 150 ms
// per call and at 2 s per call (the HubSpot simulator's latency fault). Target: p99 < 1,000 ms for
// every kind of request at every latency. The run is test/canvas/canvas-bench-run.ts (its header
// says what each figure is); test/canvas/canvas-bench.test.ts runs it at a tiny size in `npm test`.
// BENCH_CANVAS_CONTACTS sets the contacts per latency (default 20).
import { FULL_CANVAS_BENCH, runCanvasBench } from '../canvas/canvas-bench-run.ts';
import type { Figures, Progress } from './run.ts';

export default async function canvas(progress: Progress): Promise<Figures> {
  const { figures, samples } = await runCanvasBench(FULL_CANVAS_BENCH, progress);
  const problems = samples.filter((s) => s.status !== 200 || s.problems.length > 0);
  if (problems.length > 0) progress(`not shown: ${JSON.stringify(problems.slice(0, 5))}`);
  return figures;
}
