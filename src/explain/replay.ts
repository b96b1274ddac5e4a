// "Replay with current settings" (issue #16 item 4): the capture's dry run — the same steps as a
// capture, with writers that record instead of writing (src/capture/capture-conversation.ts), so it
// writes nothing to HubSpot and nothing here, not even an activity entry or a trace — next to what
// the last decision did, with the differences in words. The dry run's own steps (guards, routing,
// matching, vendor reads) are collected in memory and shown, never stored.
import { captureConversation, type CaptureDeps } from '../capture/capture-conversation.ts';
import type { ReplayResult, TimelineEntry } from './explain-types.ts';
import { decisionFromDryRun, lastDecision } from './explain-conversation.ts';
import { differences, traceEntry } from './timeline.ts';
import { openRun } from './trace-recorder.ts';

export async function replayConversation(deps: CaptureDeps, connectionId: string, conversationId: string): Promise<ReplayResult> {
  const done = await lastDecision(deps.db, connectionId, conversationId);
  const run = openRun(deps.now);
  // 'ui': decided as the UI's push would decide it now (the guards apply; the close window does not:
  // the question is what the settings say, not whether a grace window has passed).
  const result = await run.collect(() => captureConversation(deps, connectionId, conversationId, { trigger: 'ui', dryRun: true, isFinal: () => true }));
  const now = decisionFromDryRun(result, deps.now());
  const steps: TimelineEntry[] = run.steps.map((step) => ({ ...traceEntry({ at: step.at, kind: step.kind, detail: JSON.stringify(step.detail) }), run: null }));
  return { done, now, differences: differences(done, now), steps };
}
