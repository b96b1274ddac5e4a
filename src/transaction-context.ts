// Marks the async context while a database transaction's work runs, so the upstream HTTP client can
// refuse to send from inside one. SQLite has one writer: a transaction that waits on a network call
// holds the write lock for the whole round trip (seconds, at a slow vendor) and stalls every other
// writer — webhook intake, the job queue — meanwhile (#15 item 5; atproto's PDS asserts the same).
// At the bottom of the layers, next to src/vendor.ts: src/db sets the mark, src/integrations reads
// it, and neither may import the other.
import { AsyncLocalStorage } from 'node:async_hooks';

const transactionMark = new AsyncLocalStorage<true>();

/** Runs `work` (and every continuation it starts) marked as inside a database transaction. */
export function markedAsInTransaction<T>(work: () => T): T {
  return transactionMark.run(true, work);
}

/** A bug in our code, not an upstream failure: never retried, never turned into a job outcome. */
export class UpstreamCallInTransactionError extends Error {
  constructor(target: string) {
    super(`upstream HTTP call to ${target} inside a database transaction (make the call before or after the transaction, not during it)`);
    this.name = 'UpstreamCallInTransactionError';
  }
}

/**
 * Throws when called from inside a transaction's work. `target` is asked only then, so the check
 * costs one AsyncLocalStorage look-up per call.
 */
export function assertNotInTransaction(target: () => string): void {
  if (transactionMark.getStore() === true) throw new UpstreamCallInTransactionError(target());
}
