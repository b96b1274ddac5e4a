import type { Vendor } from '../vendor.ts';
// The one error type the vendor clients throw. It carries what a person or the retry logic needs —
// status, the vendor's code or category, its message, its correlation/request id, how long to wait —
// and never the request body or a token.

export type UpstreamService = Vendor;

export type FailureKind =
  /** 429: the vendor's rate limit. Retryable after `retryAfterMs`. */
  | 'rate_limited'
  /** 5xx, 423 (HubSpot lock), 477 (HubSpot migration). Retryable. */
  | 'server_error'
  /** No answer in time, before the request could have been acted on (or on an idempotent call). */
  | 'timeout'
  /** Connection refused, reset, DNS… before anything was sent, or on an idempotent call. */
  | 'network'
  /** A write that is not idempotent may or may not have happened: check before writing again. */
  | 'ambiguous_write'
  /** 401: the credentials are not (or no longer) valid. */
  | 'unauthorized'
  /** 403: valid credentials without the permission or scope. */
  | 'forbidden'
  | 'not_found'
  /** 404/410 for a merged Intercom contact: `survivorId` names the contact it was merged into. */
  | 'merged'
  | 'conflict'
  /** Any other 4xx: the request itself is wrong; retrying cannot help. */
  | 'invalid_request'
  /** A 2xx whose body lacks what the code relies on (validated with zod). */
  | 'invalid_response';

const RETRYABLE: ReadonlySet<FailureKind> = new Set(['rate_limited', 'server_error', 'timeout', 'network', 'ambiguous_write']);

export interface UpstreamErrorDetails {
  service: UpstreamService;
  kind: FailureKind;
  status: number | null;
  method: string;
  /** The path without its query string (queries can carry ids of people; never secrets, but keep logs lean). */
  path: string;
  /** The vendor's machine-readable code or category (HubSpot `category`, Intercom `errors[0].code`). */
  code?: string | undefined;
  /** The vendor's own message, kept for the activity log. */
  vendorMessage?: string | undefined;
  /** HubSpot X-HubSpot-Correlation-Id / correlationId, Intercom request_id. */
  requestId?: string | undefined;
  /** How long the vendor asked us to wait (Retry-After, rate-limit reset), or our backoff. */
  retryAfterMs?: number | undefined;
  /** Scopes the vendor said are missing (HubSpot MISSING_SCOPES). */
  missingScopes?: string[] | undefined;
  /** For `merged`: the id of the record it was merged into, when the vendor says. */
  survivorId?: string | undefined;
  cause?: unknown;
}

export class UpstreamError extends Error {
  readonly details: UpstreamErrorDetails;

  constructor(details: UpstreamErrorDetails) {
    const status = details.status === null ? details.kind : `${details.status}`;
    const vendor = details.vendorMessage ? `: ${details.vendorMessage}` : '';
    const id = details.requestId ? ` (request id ${details.requestId})` : '';
    super(`${serviceName(details.service)} ${details.method} ${details.path} failed with ${status}${vendor}${id}`, { cause: details.cause });
    this.name = 'UpstreamError';
    this.details = details;
  }

  get kind(): FailureKind {
    return this.details.kind;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.details.kind);
  }
}

function serviceName(service: UpstreamService): string {
  return service === 'hubspot' ? 'HubSpot' : 'Intercom';
}
