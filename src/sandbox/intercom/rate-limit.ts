// Intercom's rate limits (D-rate, 2.17 page): per app and per workspace, per minute, enforced in
// 10-second windows ("1000 per minute, which is 167 per 10-second window"); headers on every
// authenticated response, none on a request without valid credentials; a 429 says
// "Exceeded rate limit of 167 in 10_seconds" with code rate_limit_exceeded.
import type { SimClock } from '../shared/clock.ts';

const WINDOW_MS = 10_000;

export interface RateLimitSettings {
  /** Per app (and per workspace it is installed in): 10,000/min for private and public apps (D-rate). */
  appPerMinute: number;
  /** All apps of a workspace together: 25,000/min (D-rate). */
  workspacePerMinute: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  reset: number;
  message: string;
}

const perWindow = (perMinute: number) => Math.ceil(perMinute / 6);

export function createRateLimiter(clock: SimClock, settings: RateLimitSettings) {
  const counters = new Map<string, { windowStart: number; count: number }>();

  const bump = (key: string, windowStart: number) => {
    const counter = counters.get(key);
    if (!counter || counter.windowStart !== windowStart) {
      const fresh = { windowStart, count: 1 };
      counters.set(key, fresh);
      return fresh.count;
    }
    counter.count += 1;
    return counter.count;
  };

  return {
    settings,
    check(appId: string, workspaceId: string): RateDecision {
      const windowStart = Math.floor(clock.now() / WINDOW_MS) * WINDOW_MS;
      const reset = (windowStart + WINDOW_MS) / 1000;
      const appLimit = perWindow(settings.appPerMinute);
      const workspaceLimit = perWindow(settings.workspacePerMinute);
      const appCount = bump(`app:${appId}:${workspaceId}`, windowStart);
      const workspaceCount = bump(`ws:${workspaceId}`, windowStart);
      const appOver = appCount > appLimit;
      const workspaceOver = workspaceCount > workspaceLimit;
      const limit = appOver || !workspaceOver ? appLimit : workspaceLimit;
      return {
        allowed: !appOver && !workspaceOver,
        limit: appLimit,
        remaining: Math.max(0, Math.min(appLimit - appCount, workspaceLimit - workspaceCount)),
        reset,
        message: `Exceeded rate limit of ${limit} in 10_seconds`,
      };
    },
    reset: () => counters.clear(),
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
