// The Fastify plugins: the API (hooks in the order a request meets them — faults, then the REST
// gate —, the Intercom error rendering, and the routes) and, beside it, the control API under /_sim
// with its own error rendering. Siblings, not one inside the other: the API's hooks never see a
// control call, whatever the spelling of its path. Encapsulated, so they can sit under any prefix.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { attachFaults, type ErrorResponder } from '../shared/faults.ts';
import { attachRequestLog, DEFAULT_REQUEST_LOG_CAPACITY } from '../shared/request-log.ts';
import { createGate, type GateSettings } from './auth.ts';
import { ControlError, type IntercomControl, type Mount } from './control.ts';
import { registerControlRoutes } from './control-routes.ts';
import type { SimCore } from './core.ts';
import { errorList, IntercomError } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';
import { registerAdminRoutes } from './routes/admins.ts';
import { registerCompanyRoutes } from './routes/companies.ts';
import { registerContactRoutes } from './routes/contacts.ts';
import { registerDataAttributeRoutes } from './routes/data-attributes.ts';
import { registerConversationRoutes } from './routes/conversations.ts';
import { registerOAuthRoutes } from './routes/oauth.ts';

export interface PluginDeps {
  core: SimCore;
  control: IntercomControl;
  limiter: RateLimiter;
  mount: Mount;
  gate: GateSettings;
  requestLogCapacity?: number | undefined;
}

// OAuth lives on app.intercom.com and the token endpoint needs no bearer: both skip the REST gate.
// Matched by route pattern (relative to the prefix), never by the raw URL.
const PUBLIC_ROUTES = new Set(['/oauth', '/oauth/decision', '/auth/eagle/token']);

const FAULT_ERRORS: Record<number, [string, string]> = {
  429: ['rate_limit_exceeded', 'Rate limit exceeded'],
  500: ['server_error', 'Server Error'],
  // What Intercom's edge sends on 502/503 is UNCONFIRMED; its error codes are used (D-err).
  502: ['server_error', 'Bad Gateway'],
  503: ['service_unavailable', 'Service Unavailable'],
};

/** An empty body with a JSON content type means "no parameters" here rather than a parser error. */
function lenientJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
}

export function buildPlugin(deps: PluginDeps) {
  const { core, control, limiter, mount } = deps;

  return async function intercomSimulator(app: FastifyInstance): Promise<void> {
    const prefix = app.prefix;
    mount.prefix = prefix;
    const routeOf = (request: FastifyRequest) => request.routeOptions.url?.slice(prefix.length);

    const respond: ErrorResponder = (_request, reply, status, retryAfterSeconds) => {
      const [code, message] = FAULT_ERRORS[status] ?? ['server_error', 'Server Error'];
      if (status === 429) {
        reply.header('x-ratelimit-remaining', '0');
        reply.header('x-ratelimit-reset', String(Math.floor(core.clock.now() / 10_000) * 10 + 10));
      }
      if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
      return reply.code(status).send(errorList(code, message));
    };
    mount.log = attachRequestLog(app, () => core.clock.now(), { capacity: deps.requestLogCapacity ?? DEFAULT_REQUEST_LOG_CAPACITY });
    const log = mount.log;
    mount.faults = attachFaults(app, respond, (request) => log.recordUnanswered(request));
    for (const spec of mount.pendingFaults.splice(0)) control.faults.add(spec);
    if (mount.pendingLatency !== undefined) control.faults.setLatency(mount.pendingLatency);

    lenientJson(app);
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
    }

    const gate = createGate(core.state, limiter, deps.gate);
    app.addHook('onRequest', async (request, reply) => {
      const route = routeOf(request);
      if (route !== undefined && PUBLIC_ROUTES.has(route)) return;
      await gate(request, reply);
    });

    app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof IntercomError) return reply.code(error.statusCode).headers(error.headers).send(errorList(error.code, error.message));
      if (error instanceof ZodError) return reply.code(400).send(errorList('parameter_invalid', error.issues[0]?.message ?? 'Invalid parameter'));
      const fastifyError = error as FastifyError;
      if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send(errorList('unsupported', 'Unsupported Content-Type'));
      if (fastifyError.statusCode === 400 || error instanceof SyntaxError) {
        // "invalid JSON → 400, usually parameter_invalid" (D-http).
        return reply.code(400).send(errorList('parameter_invalid', 'Invalid JSON in the request body'));
      }
      if (fastifyError.statusCode === 413) return reply.code(413).send(errorList('parameter_invalid', 'Request body is too large'));
      request.log.error({ err: error }, 'intercom simulator failed');
      return reply.code(500).send(errorList('server_error', 'Server Error'));
    });

    app.setNotFoundHandler((_request, reply) => {
      // An unknown path and an unsupported method on a known path are both 404 (D-http).
      return reply.code(404).send(errorList('not_found', 'Resource Not Found'));
    });

    registerOAuthRoutes(app, core);
    registerAdminRoutes(app, core);
    registerContactRoutes(app, core);
    registerCompanyRoutes(app, core, prefix);
    registerConversationRoutes(app, core);
    registerDataAttributeRoutes(app, core);
  };
}

/** The control API (routes under /_sim), registered beside the API plugin at the same prefix. */
export function buildControlPlugin(control: IntercomControl) {
  return async function intercomSimulatorControl(app: FastifyInstance): Promise<void> {
    lenientJson(app);
    app.setErrorHandler((error: FastifyError | Error, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error instanceof ControlError ? error.statusCode
        : error instanceof IntercomError ? error.statusCode
        : 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
      return reply.code(status).send({ error: { code: 'control_error', message: error.message } });
    });
    registerControlRoutes(app, control);
    // Any other path under /_sim is this plugin's too (guarded with it), never the API's 404.
    app.all('/_sim/*', async (_request, reply) => reply.code(404).send({ error: { code: 'not_found', message: 'No such control route' } }));
  };
}
