// The HubSpot simulator: a stateful Fastify plugin (in-process for tests, standalone for
// benchmarks, or mounted in the daemon as its built-in sandbox) plus typed control functions.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { createSimClock, type SimClock } from '../shared/clock.ts';
import { attachFaults } from '../shared/faults.ts';
import { createIdSource, type IdSource } from '../shared/ids.ts';
import { attachRequestLog, DEFAULT_REQUEST_LOG_CAPACITY } from '../shared/request-log.ts';
import { createControl, type HubSpotControl } from './control.ts';
import { registerControlRoutes } from './control-routes.ts';
import { registerAssociations } from './crm/associations.ts';
import { registerBatch } from './crm/batch.ts';
import { registerObjects } from './crm/objects.ts';
import { DEFAULT_SEARCH_INDEX_DELAY_MS } from './crm/search.ts';
import { bodyExpected, HubSpotError, invalidInput, sendError } from './errors.ts';
import { allowedMethods, type RouteTable, type Runtime } from './http.ts';
import { registerAccountInfo } from './account-info.ts';
import { registerOAuth } from './oauth.ts';
import { registerOwners } from './owners.ts';
import { registerPipelines } from './pipelines.ts';
import { registerProperties } from './properties.ts';
import { burstLimited } from './rate-limit.ts';
import { createPortal, DEFAULT_LIMITS } from './seed.ts';
import type { RateLimits, SimState } from './state.ts';
import { createWebhookDispatcher, type WebhookOptions } from './webhooks.ts';

export interface HubSpotSimulatorOptions {
  clock?: SimClock;
  ids?: IdSource;
  /** 30 minutes by default (expires_in 1800, manage-oauth-tokens docs). */
  accessTokenTtlMs?: number;
  /** How long a write stays invisible to search; DEFAULT_SEARCH_INDEX_DELAY_MS (3 s, crm/search.ts) by default. */
  searchIndexDelayMs?: number;
  /** Per 10 s per app/token; 110 by default (public apps). Infinity disables. */
  burstLimitPer10s?: number;
  /** 5 by default (search guide). Infinity disables. */
  searchLimitPerSecond?: number;
  dailyLimit?: number;
  rotateRefreshTokens?: boolean;
  /** Skip the consent page: GET /oauth/authorize redirects with a code at once (false by default). */
  autoConsent?: boolean;
  /** Filter caps on search: 5 groups, 6 per group, 18 in all by default (hubspot-api.md §10). */
  searchFilterCaps?: { groups: number; perGroup: number; total: number };
  /** The default portal's hub id (4455667 with the default id source). */
  hubId?: number;
  /** The default OAuth app; its client secret also signs webhooks unless a subscription names another. */
  app?: { appId?: number; clientId?: string; clientSecret?: string; redirectUris?: string[] };
  webhooks?: WebhookOptions;
  /** Serve the /_sim control API (true by default). */
  controlApi?: boolean;
  /** Records a portal may hold per object type; a create past it is a 400 (50,000 by default). */
  maxRecordsPerType?: number;
  /** Entries the request log keeps (the latest; 10,000 by default). */
  requestLogCapacity?: number;
}

/** Generous for any demo or benchmark, yet a bound on what an anonymous caller could make it hold. */
const DEFAULT_MAX_RECORDS_PER_TYPE = 50_000;

export interface HubSpotSimulator {
  /** The API and, unless `controlApi: false`, the control API under /_sim: both, for a standalone server or a test. */
  plugin: FastifyPluginAsync;
  /** The API alone (HubSpot's routes, OAuth included). */
  apiPlugin: FastifyPluginAsync;
  /** The control API alone (routes under /_sim), to be registered beside `apiPlugin` at the same prefix, e.g. behind a guard of its own. */
  controlPlugin: FastifyPluginAsync;
  state: SimState;
  control: HubSpotControl;
}

export function createHubSpotSimulator(options: HubSpotSimulatorOptions = {}): HubSpotSimulator {
  const clock = options.clock ?? createSimClock();
  const limits: RateLimits = {
    burstPer10s: options.burstLimitPer10s ?? DEFAULT_LIMITS.burstPer10s,
    searchPerSecond: options.searchLimitPerSecond ?? DEFAULT_LIMITS.searchPerSecond,
    daily: options.dailyLimit ?? DEFAULT_LIMITS.daily,
  };
  const state: SimState = {
    clock, ids: options.ids ?? createIdSource(),
    settings: {
      accessTokenTtlMs: options.accessTokenTtlMs ?? 30 * 60_000,
      searchIndexDelayMs: options.searchIndexDelayMs ?? DEFAULT_SEARCH_INDEX_DELAY_MS,
      rotateRefreshTokens: options.rotateRefreshTokens ?? false,
      autoConsent: options.autoConsent ?? false,
      searchFilterCaps: options.searchFilterCaps ?? { groups: 5, perGroup: 6, total: 18 },
      maxRecordsPerType: options.maxRecordsPerType ?? DEFAULT_MAX_RECORDS_PER_TYPE,
    },
    portals: new Map(), defaultHubId: 0, apps: new Map(), tokens: new Map(), refreshTokens: new Map(), codes: new Map(),
  };
  state.defaultHubId = createPortal(state, { ...(options.hubId !== undefined ? { hubId: options.hubId } : {}), limits }).hubId;
  const webhooks = createWebhookDispatcher(state, options.webhooks);
  const control = createControl(state, webhooks);
  control.createApp({
    appId: options.app?.appId ?? 1_160_452, clientId: options.app?.clientId ?? 'sim-client-id',
    clientSecret: options.app?.clientSecret ?? 'sim-client-secret', redirectUris: options.app?.redirectUris ?? [],
  });
  const runtime: Runtime = { state, emit: webhooks.emit };

  // The control API is a sibling plugin, not a part of this one: none of these hooks (faults, the
  // request log, the error rendering) reach it, whatever the spelling of its path.
  const apiPlugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    const prefix = app.prefix;
    const table: RouteTable = { patterns: [] };

    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const log = attachRequestLog(app, () => clock.now(), { capacity: options.requestLogCapacity ?? DEFAULT_REQUEST_LOG_CAPACITY });
    const faults = attachFaults(app, (_request, reply, status, retryAfterSeconds) => {
      const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
      if (status === 429) return sendError(reply, 429, burstLimited().body, headers);
      const message = status === 500 ? 'internal error' : status === 502 ? 'Bad Gateway' : 'Service Unavailable';
      return sendError(reply, status, { message }, headers);
    }, (request) => log.recordUnanswered(request));
    control.attach({ prefix, faults, log });

    // HubSpot answers a wrong method on a known path with 405, an empty body and Allow
    // ([ISSUE:HubSpot/hubspot-php#203]).
    const unrouted = (request: FastifyRequest, reply: FastifyReply) => {
      const path = (request.url.split('?')[0] ?? '').slice(prefix.length) || '/';
      const allowed = allowedMethods(table, path);
      if (allowed.length > 0 && !allowed.includes(request.method)) return reply.code(405).header('allow', allowed.join(',')).send();
      return sendError(reply, 404, { message: 'resource not found' });
    };
    app.setNotFoundHandler(unrouted);
    app.setErrorHandler((error: FastifyError, request, reply) => {
      // Body parsing runs before the 404 handler: an unknown route with a bad body is still a 404/405.
      if (request.routeOptions.url === undefined) return unrouted(request, reply);
      if (error instanceof HubSpotError) return sendError(reply, error.status, error.body, error.headers);
      if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendError(reply, 400, bodyExpected().body);
      const status = error.statusCode ?? 500;
      if (status === 400) return sendError(reply, 400, invalidInput(error.message).body);
      if (status < 500) return sendError(reply, status, { message: error.message });
      request.log.error({ err: error }, 'hubspot simulator: unexpected error');
      return sendError(reply, 500, { message: 'internal error' });
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('x-hubspot-correlation-id')) reply.header('x-hubspot-correlation-id', randomUUID());
      return payload;
    });
    app.addHook('onClose', async () => webhooks.close());

    registerOAuth(app, runtime, table);
    registerAccountInfo(app, runtime, table);
    registerObjects(app, runtime, table);
    registerBatch(app, runtime, table);
    registerAssociations(app, runtime, table);
    registerPipelines(app, runtime, table);
    registerOwners(app, runtime, table);
    registerProperties(app, runtime, table);
  };

  const controlPlugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    registerControlRoutes(app, control);
    // Any other path under /_sim is this plugin's too (guarded with it), never the API's 404.
    app.all('/_sim/*', async (_request, reply) => reply.code(404).send({ error: 'no such control route' }));
  };
  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    await app.register(apiPlugin);
    if (options.controlApi !== false) await app.register(controlPlugin);
  };

  return { plugin, apiPlugin, controlPlugin, state, control };
}

export interface StartedHubSpotSimulator {
  url: string;
  sim: HubSpotSimulator;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A standalone server (port 0 picks a free port), for tests and benchmarks. */
export async function startHubSpotSimulator(options: HubSpotSimulatorOptions & { port?: number; host?: string } = {}): Promise<StartedHubSpotSimulator> {
  const sim = createHubSpotSimulator(options);
  // forceCloseConnections: a request held by a "timeout" fault must not keep close() waiting.
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
  await app.register(sim.plugin);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, sim, app, close: () => app.close() };
}

export { signV1, signV2, signV3 } from './webhooks.ts';
