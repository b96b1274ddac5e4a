// Per-portal budgets (hubspot-api.md §3): a rolling 10-second burst window per app (OAuth) or per
// token (static), a daily count per portal, and CRM search's separate per-second limit. Search
// answers carry no X-HubSpot-RateLimit-* headers; OAuth-authorised calls get no -Daily headers.
import { HubSpotError } from './errors.ts';
import type { AccessToken, Portal } from './state.ts';
import { randomUUID } from 'node:crypto';

export type LimitKind = 'standard' | 'search' | 'daily' | 'none';

/** Timestamps in a sliding window; a moving head keeps trimming O(1) even under a large limit. */
function trim(times: number[], since: number): number[] {
  let head = 0;
  while (head < times.length && times[head]! <= since) head++;
  return head === 0 ? times : times.slice(head);
}

function tooMany(message: string, policyName: string, headers: Record<string, string> = {}): HubSpotError {
  // Body shape from the usage-guidelines example; the SDK's RetryDecorator keys on policyName
  // TEN_SECONDLY_ROLLING and on the exact search message (hubspot-api.md §3).
  return new HubSpotError(429, { message, extra: { errorType: 'RATE_LIMIT', policyName, requestId: randomUUID() } }, headers);
}

export const burstLimited = (headers: Record<string, string> = {}) =>
  tooMany('You have reached your ten_secondly_rolling limit.', 'TEN_SECONDLY_ROLLING', headers);

function dayOf(now: number): string {
  // The daily budget resets at midnight in the account's time zone; portals here live in UTC.
  return new Date(now).toISOString().slice(0, 10);
}

/** Counts one call against the portal's budgets; returns the headers to send or throws the 429. */
export function consume(portal: Portal, token: AccessToken, kind: LimitKind, now: number): Record<string, string> {
  if (kind === 'none') return {};
  const { limits, usage } = portal;
  const day = dayOf(now);
  if (usage.day !== day) {
    usage.day = day;
    usage.dailyUsed = 0;
  }
  const daily: Record<string, string> = token.kind === 'static'
    ? { 'x-hubspot-ratelimit-daily': String(limits.daily), 'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, limits.daily - usage.dailyUsed - 1)) }
    : {};
  // The daily limit binds private-app (static) tokens only: HubSpot documents none for OAuth calls
  // and sends them no -Daily headers (hubspot-api.md §3), so OAuth calls neither count nor get refused.
  const countsDaily = token.kind === 'static';
  if (countsDaily && usage.dailyUsed >= limits.daily) throw tooMany('You have reached your daily limit.', 'DAILY', kind === 'search' ? {} : { ...daily, 'x-hubspot-ratelimit-daily-remaining': '0' });

  if (kind === 'search') {
    if (Number.isFinite(limits.searchPerSecond)) {
      usage.search = trim(usage.search, now - 1000);
      // Older bodies said "SECONDLY" ([ISSUE:HGData/mk-node-hubspot#89]); the message is what the SDK matches.
      if (usage.search.length >= limits.searchPerSecond) throw tooMany('You have reached your secondly limit.', 'SECONDLY');
      usage.search.push(now);
    }
    if (countsDaily) usage.dailyUsed++;
    return {};
  }
  if (kind === 'standard' && Number.isFinite(limits.burstPer10s)) {
    const key = token.appId !== undefined ? `app:${token.appId}` : `token:${token.token}`;
    const window = trim(usage.burst.get(key) ?? [], now - 10_000);
    const headers: Record<string, string> = {
      ...daily,
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-max': String(limits.burstPer10s),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, limits.burstPer10s - window.length - 1)),
    };
    if (window.length >= limits.burstPer10s) {
      usage.burst.set(key, window);
      throw burstLimited({ ...headers, 'x-hubspot-ratelimit-remaining': '0', ...(token.kind === 'static' ? { 'x-hubspot-ratelimit-daily-remaining': String(limits.daily - usage.dailyUsed) } : {}) });
    }
    window.push(now);
    usage.burst.set(key, window);
    if (countsDaily) usage.dailyUsed++;
    return headers;
  }
  if (countsDaily) usage.dailyUsed++;
  return daily;
}
