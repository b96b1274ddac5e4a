// How an upstream failure ends a job run (outcomes.ts): wait and retry what is
// transient, park what needs a person to re-authorise, fail with the vendor's words what cannot
// succeed as it is.
import { NeedsReauthError, PermanentJobError, RetryAfterError } from './outcomes.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';

/**
 * Turns an UpstreamError into the job outcome it implies; anything else is returned unchanged.
 * For handlers: `try { … } catch (error) { throw toJobOutcomeError(error) }`.
 */
export function toJobOutcomeError(error: unknown): unknown {
  if (!(error instanceof UpstreamError)) return error;
  const { kind, retryAfterMs, missingScopes } = error.details;
  switch (kind) {
    case 'rate_limited':
      // The vendor's wait is not the job's fault: it does not use up an attempt.
      return new RetryAfterError(retryAfterMs ?? 10_000, error.message);
    case 'server_error':
    case 'timeout':
    case 'network':
    case 'ambiguous_write':
      // Ordinary failures: backoff, and a limited number of attempts. An ambiguous write reruns the
      // handler, which looks before writing again (src/jobs/task.ts, the idempotency contract).
      return error;
    case 'unauthorized':
      return new NeedsReauthError(error.message, error.details.service);
    case 'forbidden':
      return new PermanentJobError(missingScopes?.length ? `${error.message}; missing scopes: ${missingScopes.join(', ')}` : error.message);
    default:
      return new PermanentJobError(error.message);
  }
}
