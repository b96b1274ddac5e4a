// Counts the vendor calls made inside one piece of work (a capture), for its activity entry. The
// clients are shared by every job of a connection, so the count follows the async context, not
// the client.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UpstreamService } from './upstream-error.ts';

export type CallCount = Record<UpstreamService, number>;

const current = new AsyncLocalStorage<CallCount>();

export const noCalls = (): CallCount => ({ intercom: 0, hubspot: 0 });

/**
 * Runs `work`, adding the calls it sends (retries included: each one spends budget) to `into`,
 * which the caller keeps: the count is there also when the work fails.
 */
export function countCalls<T>(into: CallCount, work: () => Promise<T>): Promise<T> {
  return current.run(into, work);
}

export function noteCall(service: UpstreamService): void {
  const calls = current.getStore();
  if (calls) calls[service] += 1;
}
