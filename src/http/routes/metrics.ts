// GET /metrics: the Prometheus exposition (src/metrics), for an API token of scope `metrics` or
// `admin` (Authorization: Bearer). A scraper has no session, and a browser session must not be
// enough to read it: anonymous → 401, a session or another scope → 403. The separate
// metrics.port (src/metrics/metrics-server.ts) serves the same text without a token.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/metrics.ts';
import type { AppDeps } from '../app.ts';
import { requireCaller, type RouteAuthConfig } from '../authenticate.ts';
import { HttpError } from '../errors.ts';

export function metricsRoutes(app: FastifyInstance, deps: AppDeps & { metrics: Metrics }): void {
  const config: RouteAuthConfig = { metrics: true };
  const check = requireCaller(deps);
  app.get('/metrics', {
    config,
    onRequest: async (request, reply) => {
      await check(request, reply);
      if (request.caller?.kind === 'session') {
        throw new HttpError(403, 'api_token_required', 'Metrics are read with an API token of scope metrics or admin (Authorization: Bearer), not a session.');
      }
    },
  }, async (_request, reply) => {
    const { contentType, body } = await deps.metrics.render();
    return reply.type(contentType).send(body);
  });
}
