// At most `limit` messages per channel per rolling hour. Beyond it a message is suppressed (stored,
// not sent); once the hour has room again, one summary says how many were held back. Pure.

export const RATE_WINDOW_MS = 3_600_000;

/** Send or hold back a new message, given how many the channel was sent in the last hour. */
export function admitMessage(sentInWindow: number, limit: number): 'send' | 'suppress' {
  return sentInWindow < limit ? 'send' : 'suppress';
}

/** Whether the "N more alerts suppressed" summary may go now: something is held back and the hour has room. */
export function summaryDue(suppressedUnsummarised: number, sentInWindow: number, limit: number): boolean {
  return suppressedUnsummarised > 0 && sentInWindow < limit;
}
