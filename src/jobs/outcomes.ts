// What a handler can tell the scheduler. A handler returns nothing (done) or one of these outcomes,
// or throws one of the errors below; any other thrown value means "retry with backoff".
import type { Vendor } from '../vendor.ts';

export type JobOutcome =
  | { type: 'done' }
  /** Try again after `delayMs` (from Retry-After); does not use up an attempt. */
  | { type: 'retry_after'; delayMs: number; reason: string }
  /** Try again after the backoff delay; uses up an attempt, and fails when none are left. */
  | { type: 'retry'; reason: string }
  /** Give up now with a reason a person can read. */
  | { type: 'fail'; reason: string }
  /**
   * Wait until the job's connection is re-authorised; does not use up an attempt. `side`: whose
   * credential was refused, when known (the connection is marked needs_reauth for it, src/jobs/finish.ts).
   */
  | { type: 'park'; reason: string; side?: Vendor | undefined };

export const outcome = {
  done: (): JobOutcome => ({ type: 'done' }),
  retryAfter: (delayMs: number, reason: string): JobOutcome => ({ type: 'retry_after', delayMs: Math.max(0, delayMs), reason }),
  retry: (reason: string): JobOutcome => ({ type: 'retry', reason }),
  fail: (reason: string): JobOutcome => ({ type: 'fail', reason }),
  park: (reason: string, side?: Vendor): JobOutcome => ({ type: 'park', reason, side }),
};

/** Throwable form of an outcome, for code deep inside a handler (an API client's 429, say). */
class JobOutcomeError extends Error {
  readonly outcome: JobOutcome;

  constructor(result: Exclude<JobOutcome, { type: 'done' }>) {
    super(result.reason);
    this.name = 'JobOutcomeError';
    this.outcome = result;
  }
}

export class RetryAfterError extends JobOutcomeError {
  constructor(delayMs: number, reason: string) {
    super({ type: 'retry_after', delayMs: Math.max(0, delayMs), reason });
    this.name = 'RetryAfterError';
  }
}

export class PermanentJobError extends JobOutcomeError {
  constructor(reason: string) {
    super({ type: 'fail', reason });
    this.name = 'PermanentJobError';
  }
}

export class NeedsReauthError extends JobOutcomeError {
  constructor(reason: string, side?: Vendor) {
    super({ type: 'park', reason, side });
    this.name = 'NeedsReauthError';
  }
}

/** Turns whatever a handler threw into an outcome, with a readable reason even for non-Errors. */
export function outcomeOfThrown(thrown: unknown): JobOutcome {
  if (thrown instanceof JobOutcomeError) return thrown.outcome;
  return { type: 'retry', reason: describeThrown(thrown) };
}

function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name === 'Error' ? '' : `${thrown.name}: `}${thrown.message || '(no message)'}`;
  if (typeof thrown === 'string') return thrown || '(empty string thrown)';
  if (thrown === undefined || thrown === null) return `the handler threw ${String(thrown)}`;
  try {
    return `the handler threw a non-Error value: ${JSON.stringify(thrown).slice(0, 500)}`;
  } catch {
    return `the handler threw a non-Error value: ${Object.prototype.toString.call(thrown)}`;
  }
}
