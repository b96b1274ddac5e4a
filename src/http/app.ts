// buildApp assembles the HTTP surface from services built elsewhere (src/context.ts); it creates
// none that others use, and never listens, so tests use app.inject or listen on port 0 themselves.
import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AdminAccount } from '../auth/admin-account.ts';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/schema.ts';
import { requireCaller } from './authenticate.ts';
import { lazyChildLogger } from './request-logger.ts';
import { handleClientError, handleError } from './errors.ts';
import { apiTokenRoutes } from './routes/api-tokens.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes } from './routes/audit.ts';
import { peopleRoutes } from './routes/people.ts';
import { connectionRoutes } from './routes/connections.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { sessionRoutes } from './routes/session.ts';
import { uiRoutes } from './routes/ui.ts';
import { metricsRoutes } from './routes/metrics.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { userRoutes } from './routes/users.ts';
import { captureRoutes } from './routes/capture.ts';
import { recordRoutes } from './routes/records.ts';
import { backfillRoutes } from './routes/backfills.ts';
import { recordFieldRoutes } from './routes/record-fields.ts';
import { recordFilterRoutes } from './routes/record-filters.ts';
import { activityRoutes } from './routes/activity.ts';
import { explainRoutes } from './routes/explain.ts';
import { workRoutes } from './routes/work.ts';
import { ticketRoutes } from './routes/tickets.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import { sandboxDemoRoutes } from './routes/sandbox-demo.ts';
import { sandboxInboxRoutes } from './routes/sandbox-inbox.ts';
import { sandboxRoutes } from './routes/sandbox.ts';
import { settingsRoutes } from './routes/settings.ts';
import { configExportRoutes } from './routes/config-export.ts';
import { budgetRoutes } from './routes/budget.ts';
import type { CaptureDeps } from '../capture/capture-conversation.ts';
import type { RecordSyncDeps } from '../records/sync-record.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { canvasRoutes } from './routes/canvas.ts';
import { oauthCallbackRoutes, oauthStartRoute, type OAuthDeps } from './routes/oauth.ts';
import type { OAuthClient } from '../oauth/oauth-client.ts';
import type { PendingAuthorizations } from '../oauth/pending-authorizations.ts';
import type { MountedSandbox } from '../sandbox-mount/mounted-sandbox.ts';
import type { IntakeDeps } from '../webhooks/intake.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import type { Vault } from '../vault/vault.ts';

export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  log: Logger;
  admin: AdminAccount;
  loginLimiter: LoginLimiter;
  clock: () => number;
  readiness: Record<string, ReadinessCheck>;
  /** What the webhook routes need: the job queue and the signing secrets. */
  intake: IntakeDeps;
  vault: Vault;
  upstream: UpstreamContext;
  /** The job queue, for routes that schedule work. */
  jobs: JobQueue;
  /** What capturing a conversation needs (API Push). */
  capture: CaptureDeps;
  /** What syncing a contact or company needs. */
  records: RecordSyncDeps;
  /** Each connection's Intercom and HubSpot clients. */
  clients: ConnectionClients;
  /** The OAuth apps; the HTTP app registers them (their callbacks are its own address). */
  oauth: OAuthClient;
  /** The OAuth flows between their start and their callback. */
  pendingAuthorizations: PendingAuthorizations;
  /** The built-in simulators to mount, when the sandbox is on. */
  sandbox?: MountedSandbox | undefined;
  uiDistDir?: string;
  /** The Prometheus registry and what fills it (GET /metrics). */
  metrics: Metrics;
  /** Multiplies the Inbox app's answer deadlines: 1 but in tests (src/canvas/answer-deadline.ts). */
  canvasDeadlineStretch: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The mounted simulators, when the built-in sandbox is on (tests drive them through it). */
    sandbox?: MountedSandbox;
  }
}

/** What a route may declare in its Fastify `config` about its "request completed" line. */
export interface RouteLogConfig {
  /** A success is logged at debug, not info: a route called so often that a line each would be the log (and its cost). */
  quietWhenOk?: boolean;
}

const BODY_LIMIT_BYTES = 1024 * 1024;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/**
 * Set explicitly rather than left to Node's and Fastify's defaults (requestTimeout 0 let a client
 * hold a webhook request open forever). headersTimeout ≤ requestTimeout, as Node requires; the
 * idle timeout is long enough for an API Push whose upstream calls are retried (upstream.*).
 */
export const SERVER_TIMEOUTS = {
  /** Receiving a request's headers. */
  headersTimeoutMs: 20_000,
  /** Receiving a whole request, headers and body. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection; above the usual 60 s of load balancers, so they close first. */
  keepAliveTimeoutMs: 72_000,
  /** A socket with no traffic at all. */
  connectionTimeoutMs: 300_000,
} as const;

/**
 * server.trustProxy as Fastify takes it; never "trust whatever the client says". Fastify reads a
 * bare number as "trust nothing" (it cannot check the nearest peer), so a hop count becomes the
 * function proxy-addr documents for it: the nearest `hops` addresses are proxies. That is right only
 * when the daemon is reachable through those proxies alone, which config.example.yaml says.
 */
function trustedProxies(setting: Config['server']['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false || setting === 0) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}

/** One year, sent only when the daemon is published over HTTPS (server.publicUrl). */
const HSTS = 'max-age=31536000';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustedProxies(deps.config.server.trustProxy),
    requestTimeout: SERVER_TIMEOUTS.requestTimeoutMs,
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeoutMs,
    connectionTimeout: SERVER_TIMEOUTS.connectionTimeoutMs,
    // Malformed URLs and bytes that are not HTTP get the documented error shape too.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
    clientErrorHandler: handleClientError,
    // A caller's X-Request-Id is kept (so logs can be correlated across a proxy) only when it is tame.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Logged by the hooks below instead, at a level that depends on what the request did.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
  });

  app.server.headersTimeout = SERVER_TIMEOUTS.headersTimeoutMs;
  app.setErrorHandler(handleError);
  const hsts = deps.config.server.publicUrl.startsWith('https://');
  // While shutting down, a response to a request that was in flight tells the client to close its
  // keep-alive connection; otherwise that idle socket would hold the shutdown until it times out.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Hooks in callback style: an async hook costs a promise per request on the webhook hot path.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    reply.headers(SECURITY_HEADERS);
    if (hsts) reply.header('strict-transport-security', HSTS);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // The UI polls its pages' data every few seconds: successful reads at info made up most of the
  // log (586 of 641 lines in a first session). Reads that succeed are debug, and so are the
  // successes of routes marked `quietWhenOk` (webhook deliveries); writes and every refused or
  // failed request stay at info. request.log keeps each route's own logLevel.
  app.addHook('onRequest', (request, _reply, done) => {
    request.log.debug({ req: request }, 'incoming request');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const quiet = reply.statusCode < 400 && (READ_METHODS.has(request.method) || (request.routeOptions.config as RouteLogConfig).quietWhenOk === true);
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (quiet) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
    done();
  });

  await app.register(fastifyCookie);
  healthRoutes(app, deps);
  await webhookRoutes(app, deps);
  await canvasRoutes(app, deps);

  metricsRoutes(app, deps);
  if (deps.sandbox) {
    await sandboxRoutes(app, deps, deps.sandbox);
    app.decorate('sandbox', deps.sandbox);
  }
  await deps.oauth.register(app);
  const oauth: OAuthDeps = { client: deps.oauth, pending: deps.pendingAuthorizations };
  oauthCallbackRoutes(app, deps, oauth);

  await app.register(async (api) => {
    api.addHook('onRequest', requireCaller(deps));
    sessionRoutes(api, deps);
    apiTokenRoutes(api, deps);
    peopleRoutes(api, deps);
    auditRoutes(api, deps);
    alertRoutes(api, deps);
    connectionRoutes(api, deps, oauth);
    userRoutes(api, deps);
    captureRoutes(api, deps);
    recordRoutes(api, deps);
    backfillRoutes(api, deps);
    recordFieldRoutes(api, deps);
    recordFilterRoutes(api, deps);
    activityRoutes(api, deps);
    explainRoutes(api, deps);
    workRoutes(api, deps);
    ticketRoutes(api, { clients: deps.clients, tickets: deps.capture.tickets });
    sandboxDemoRoutes(api, deps);
    sandboxInboxRoutes(api, deps);
    settingsRoutes(api, deps);
    configExportRoutes(api, deps);
    budgetRoutes(api, deps);
    oauthStartRoute(api, deps, oauth);
  });

  await uiRoutes(app, deps.uiDistDir);
  return app;
}
