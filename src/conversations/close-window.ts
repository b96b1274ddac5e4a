// Whether an on_close capture may run now (src/capture/triggers.ts explains why the capture decides
// from the fresh conversation instead of from events). Pure.
const MINUTE = 60_000;

export type CloseWindow = { kind: 'capture' } | { kind: 'not_closed' } | { kind: 'wait'; until: number };

/**
 * on_close, decided when the capture runs, from the fresh conversation: capture only a closed
 * conversation whose LAST close is a whole grace window old. A newer close than the one that
 * scheduled the job (its webhook came late, or was lost) moves the capture to that close's window.
 * Without a close time (no statistics) the close is taken as old enough: the job was scheduled by one.
 */
export function closeWindow(input: { state: string | null | undefined; lastCloseAt: number | null; graceMinutes: number; now: number }): CloseWindow {
  if (input.state !== 'closed') return { kind: 'not_closed' };
  if (input.lastCloseAt === null) return { kind: 'capture' };
  // A close ahead of our clock (skew) counts as now, as eventTime does for events.
  const until = Math.min(input.lastCloseAt, input.now) + input.graceMinutes * MINUTE;
  return until > input.now ? { kind: 'wait', until } : { kind: 'capture' };
}
