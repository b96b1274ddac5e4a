// What the note's footer tells a sales rep about why the note is there: the trigger of the capture
// that wrote it, in their words ("Captured by Interhubz when the conversation closed"). Pure.
import type { CaptureTrigger } from '../conversations/resolve-records.ts';

const OCCASIONS: Record<CaptureTrigger, string> = {
  on_close: 'when the conversation closed',
  // The sweep's recheck captures a close whose webhook or job was lost (capture-task.ts recheckPendingCloses).
  sweep: 'when the conversation closed',
  realtime: 'as the conversation went on',
  rolling: 'while the conversation was still open (a regular update)',
  manual: 'when a teammate asked for it',
  api: 'when the conversation was pushed through the Interhubz API',
  ui: 'when a teammate pushed the conversation from Interhubz',
  first_message: 'when the conversation started',
  // A backfill of past conversations (src/backfills/conversation-backfill.ts): closed ones only.
  backfill: 'when past conversations were brought over',
};

export function captureOccasion(trigger: CaptureTrigger): string {
  return OCCASIONS[trigger];
}
