// `npm run bench -- chaos`: the full chaos run of test/chaos/chaos-run.ts (issue #13 item 6) —
// 1,000 conversations from 300 customers at 80 companies, the daemon SIGKILLed every 5–15 s, ~20 %
// of HubSpot calls and ~5 % of Intercom calls failing, ~10 % of webhooks dropped, some duplicated
// and reordered, then a drain. Prints the figures as one JSON line (the `detail` object holds what
// stands behind them); the targets are 0 for missing, stale_notes, duplicate_*, unlinked_contacts
// and content_at_rest, and false for wedged. INTERHUBZ_CHAOS_KEEP=1 keeps the data directory and log.
import { FULL_CHAOS, runChaos } from '../chaos/chaos-run.ts';
import type { Figures, Progress } from './run.ts';

export default async function chaos(progress: Progress): Promise<Figures> {
  const started = Date.now();
  const figures = await runChaos(FULL_CHAOS, progress);
  return { ...figures, total_s: Math.round((Date.now() - started) / 1000) };
}
