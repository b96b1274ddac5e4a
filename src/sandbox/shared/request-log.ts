// Every request a simulator served, for the tests and the capture benchmark ("how many HubSpot
// calls per conversation"). Only method, route, path, status and time: never bodies or tokens.
// Bounded: a ring of the latest entries, paths cut short, and no entry for a request that matched
// no route (anyone can send those, as many and as long as they like; they are no upstream call).
// The control API lives in its own plugin, so its calls never reach this log.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface LoggedRequest {
  method: string;
  /** The route pattern, such as "/crm/v3/objects/:objectType/search"; "(unmatched)" for a 404. */
  route: string;
  path: string;
  status: number;
  at: number;
}

export interface RequestLog {
  /** Oldest first; at most `capacity` of the latest. */
  entries(): readonly LoggedRequest[];
  /** Counts per "METHOD route", e.g. { "POST /crm/v3/objects/:objectType": 3 }. */
  counts(): Record<string, number>;
  clear(): void;
  /** A request a fault left unanswered (timeout, reset): logged with status 0 so call counts stay true. */
  recordUnanswered(request: FastifyRequest): void;
}

export interface RequestLogOptions {
  /** Entries kept; the oldest is dropped past it. */
  capacity?: number;
}

/** Enough for a benchmark run of thousands of captures, small enough to never matter (~1 MB). */
export const DEFAULT_REQUEST_LOG_CAPACITY = 10_000;
/** Longer paths are cut: a path parameter is the caller's to choose. */
const MAX_PATH_CHARS = 256;

export function attachRequestLog(app: FastifyInstance, now: () => number, options: RequestLogOptions = {}): RequestLog {
  const capacity = Math.max(1, options.capacity ?? DEFAULT_REQUEST_LOG_CAPACITY);
  // A ring: `next` is where the next entry goes once the ring is full.
  let ring: LoggedRequest[] = [];
  let next = 0;
  const record = (request: FastifyRequest, status: number) => {
    const route = request.routeOptions.url;
    if (route === undefined && status === 404) return;
    const path = (request.url.split('?')[0] ?? request.url).slice(0, MAX_PATH_CHARS);
    const entry = { method: request.method, route: route ?? '(unmatched)', path, status, at: now() };
    if (ring.length < capacity) ring.push(entry);
    else ring[next] = entry;
    next = (next + 1) % capacity;
  };
  const ordered = () => (ring.length < capacity ? ring : [...ring.slice(next), ...ring.slice(0, next)]);
  app.addHook('onResponse', async (request, reply) => record(request, reply.statusCode));
  return {
    entries: ordered,
    counts: () => {
      const counts: Record<string, number> = {};
      for (const entry of ring) {
        const key = `${entry.method} ${entry.route}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    clear: () => {
      ring = [];
      next = 0;
    },
    recordUnanswered: (request) => record(request, 0),
  };
}
