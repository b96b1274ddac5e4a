// Liveness and readiness, outside the login: orchestrators and the container HEALTHCHECK call them.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.ts';

/** true when ready, else why not; PostgreSQL's checks ask the server, so a check may answer later. */
export type ReadinessCheck = () => true | string | Promise<true | string>;

export function healthRoutes(app: FastifyInstance, deps: AppDeps): void {
  // Probes arrive every few seconds from the container runtime or orchestrator: logging each one
  // at info would bury everything else, so only their warnings and errors are logged.
  app.get('/healthz', { config: { public: true }, logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { public: true }, logLevel: 'warn' }, async (_request, reply) => {
    const results = Object.fromEntries(
      await Promise.all(
        Object.entries(deps.readiness).map(async ([name, check]) => {
          try {
            const outcome = await check();
            return [name, outcome === true ? 'ok' : outcome];
          } catch (error) {
            return [name, (error as Error).message];
          }
        }),
      ),
    );
    const ready = Object.values(results).every((value) => value === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: results });
  });
}
