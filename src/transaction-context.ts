// Marks the async context while a database transaction is open, so the upstream HTTP client can
// refuse to send from inside one. SQLite has one writer: a transaction that waits on a network call
// holds the write lock for the whole round trip (seconds, at a slow vendor) and stalls every other
// writer — webhook intake, the job queue — meanwhile (#15 item 5; atproto's PDS asserts the same).
// At the bottom of the layers, next to src/vendor.ts: src/db sets the mark, src/integrations reads
// it, and neither may import the other.
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Closed when the transaction ends. Work started inside a transaction inherits its async context
 * (an enqueue's wake-up schedules the scheduler's next tick with setImmediate, which then launches
 * jobs): once the transaction has committed, that work holds no lock and may call out.
 */
interface TransactionMark {
  open: boolean;
}

const transactionMark = new AsyncLocalStorage<TransactionMark>();
const isOpen = () => transactionMark.getStore()?.open === true;

/** Runs `work` (and every continuation it starts) marked as inside a transaction until it settles. */
export async function markedAsInTransaction<T>(work: () => Promise<T>): Promise<T> {
  // Nested: the outer mark stays the one that counts; it closes when the outer transaction ends.
  if (isOpen()) return work();
  const mark: TransactionMark = { open: true };
  try {
    return await transactionMark.run(mark, work);
  } finally {
    mark.open = false;
  }
}

/** The same for synchronous work (better-sqlite3's own transactions). */
export function markedAsInSyncTransaction<T>(work: () => T): T {
  if (isOpen()) return work();
  const mark: TransactionMark = { open: true };
  try {
    return transactionMark.run(mark, work);
  } finally {
    mark.open = false;
  }
}

/** A bug in our code, not an upstream failure: never retried, never turned into a job outcome. */
export class UpstreamCallInTransactionError extends Error {
  constructor(target: string) {
    super(`upstream HTTP call to ${target} inside a database transaction (make the call before or after the transaction, not during it)`);
    this.name = 'UpstreamCallInTransactionError';
  }
}

/**
 * Throws when called while a transaction is open in this async context. `target` is asked only
 * then, so the check costs one AsyncLocalStorage look-up per call.
 */
export function assertNotInTransaction(target: () => string): void {
  if (isOpen()) throw new UpstreamCallInTransactionError(target());
}
