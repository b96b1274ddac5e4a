// Every request a simulator served, for the tests and the capture benchmark ("how many HubSpot
// calls per conversation"). Only method, route, path, status and time: never bodies or tokens.
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
  entries(): readonly LoggedRequest[];
  /** Counts per "METHOD route", e.g. { "POST /crm/v3/objects/:objectType": 3 }. */
  counts(): Record<string, number>;
  clear(): void;
  /** A request a fault left unanswered (timeout, reset): logged with status 0 so call counts stay true. */
  recordUnanswered(request: FastifyRequest): void;
}

export function attachRequestLog(app: FastifyInstance, now: () => number, isControl: (path: string) => boolean): RequestLog {
  const entries: LoggedRequest[] = [];
  const record = (request: FastifyRequest, status: number) => {
    const path = request.url.split('?')[0] ?? request.url;
    if (isControl(path)) return;
    entries.push({ method: request.method, route: request.routeOptions.url ?? '(unmatched)', path, status, at: now() });
  };
  app.addHook('onResponse', async (request, reply) => record(request, reply.statusCode));
  return {
    entries: () => entries,
    counts: () => {
      const counts: Record<string, number> = {};
      for (const entry of entries) {
        const key = `${entry.method} ${entry.route}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    clear: () => {
      entries.length = 0;
    },
    recordUnanswered: (request) => record(request, 0),
  };
}
