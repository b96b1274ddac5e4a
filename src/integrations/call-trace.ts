// Each try of a vendor call inside one piece of work (a capture run), for the conversation's
// explainer: which vendor, the route family (route-family.ts: no id, email or token can reach it),
// the status, how long it took and, when it failed, the vendor's own words. Like call-count.ts it
// follows the async context, because the clients are shared by every job of a connection; outside
// a traced run nothing is collected. The explainer (src/explain) is above this layer, so it hands
// in the sink.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UpstreamCall } from './upstream-client.ts';
import { routeFamily } from './route-family.ts';
import type { FailureKind, UpstreamService } from './upstream-error.ts';

export interface TracedCall {
  service: UpstreamService;
  method: UpstreamCall['method'];
  /** e.g. `crm.objects.notes.create`: static path words only. */
  family: string;
  /** Null when no answer came (timeout, refused connection). */
  status: number | null;
  durationMs: number;
  /** The try of this call, 1 for the first. */
  attempt: number;
  /** Set when the try failed. */
  failure?: { kind: FailureKind | 'transport'; vendorMessage: string | null };
}

type Sink = (call: TracedCall) => void;

const current = new AsyncLocalStorage<Sink>();

/** Runs `work`, telling `sink` of every try of every vendor call it sends. */
export function traceCalls<T>(sink: Sink, work: () => Promise<T>): Promise<T> {
  return current.run(sink, work);
}

/** Called by the upstream client after each try; a no-op outside traceCalls, and never throws. */
export function noteTracedCall(call: UpstreamCall, entry: Omit<TracedCall, 'method' | 'family'> & { service: UpstreamService }): void {
  const sink = current.getStore();
  if (!sink) return;
  try {
    sink({ ...entry, method: call.method, family: routeFamily(call.method, call.path) });
  } catch {
    // The trace is for people reading it later; it never breaks the call it describes.
  }
}
