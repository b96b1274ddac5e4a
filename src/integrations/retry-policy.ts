// Pure decisions about a failed call: what kind of failure it is, and how long to wait before
// trying again. The longest wait any signal asks for wins (Retry-After, a rate-limit reset, our
// own backoff), because retrying sooner than the vendor said only earns another 429.
import type { FailureKind } from './upstream-error.ts';

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const value = header(headers, 'retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Intercom's X-RateLimit-Reset: the Unix time (seconds) when the window resets (intercom-api.md §Rate limits). */
export function rateLimitResetMs(headers: Headers, now: number): number | undefined {
  const value = header(headers, 'x-ratelimit-reset');
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Math.max(0, Number(value) * 1000 - now);
}

export function statusKind(status: number): FailureKind | null {
  if (status < 400) return null;
  if (status === 429) return 'rate_limited';
  // 423: HubSpot locks "last for 2 seconds"; 477: HubSpot data-centre migration (hubspot-api.md §3).
  if (status >= 500 || status === 423 || status === 477) return 'server_error';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 409) return 'conflict';
  return 'invalid_request';
}

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
}

/** Equal-jitter exponential backoff for the retries inside one call. */
export function callBackoffMs(attempt: number, settings: BackoffSettings, random: () => number): number {
  const ceiling = Math.min(settings.capMs, settings.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The wait before the next try: the longest of what the vendor asked and our backoff. */
export function waitBeforeRetry(kind: FailureKind, headers: Headers, attempt: number, now: number, settings: BackoffSettings, random: () => number): number {
  const asked = [retryAfterMs(headers, now), rateLimitResetMs(headers, now)].filter((ms): ms is number => ms !== undefined);
  // HubSpot's 429 rarely carries Retry-After (hubspot-api.md §3: UNCONFIRMED) and its burst window
  // is 10 s; a 423 lock lasts 2 s. Without a header, wait at least that long.
  const vendorFloor = kind === 'rate_limited' && asked.length === 0 ? 1000 : 0;
  return Math.max(callBackoffMs(attempt, settings, random), vendorFloor, ...asked);
}
