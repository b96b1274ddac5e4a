// Mounting the built-in sandbox in the daemon: whether it is on, the OAuth apps it gets (random
// per install), and who may use which part of it. The simulators are loaded only when first used
// (a request under /sandbox, a sandbox connection made or wired again, a test reading them): a
// daemon with the sandbox off never loads them, and an idle one with it on holds none of their
// code or state (~12 MB of its idle memory; test/bench/RESULTS.md "startup memory").
//
// Fastify's route table is closed once the daemon listens, so the simulators' routes cannot join
// it later: each prefix is one catch-all route here that hands the request to a Fastify instance
// of the simulator's own, built on first use, which never listens and holds the same guards as
// before (below), on the routes its own router matched.
//
// Who may use what, decided by the route that matched (never by the raw URL, which an encoding
// such as %5fsim would slip past):
// - the control APIs (<prefix>/_sim/…): an admin — the control plugin is a context of its own
//   whose onRequest hook is the admin guard;
// - the simulators' consent pages: a signed-in admin session (a form post also from this origin);
// - their token endpoints: a signed-in admin, or the daemon itself, known by the client secret of
//   the sandbox app, which is drawn at random when the sandbox is mounted and never leaves the
//   daemon (the exchange and the refresh send it, as the vendors' token endpoints require);
// - the simulated APIs themselves: whoever holds a token they minted, as with the real vendors.
import { sameSecret } from '../auth/constant-time.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/schema.ts';
import { callbackPath } from '../oauth/oauth-client.ts';
import { ownBaseUrl } from '../own-url.ts';
import type { HubSpotSimulator } from '../sandbox/hubspot/index.ts';
import type { IntercomSimulator } from '../sandbox/intercom/index.ts';
import { isSandboxConnection, SANDBOX_PREFIX, type MountedSandbox, type SandboxApp, type SandboxVendor } from './mounted-sandbox.ts';

/** What the HTTP app lends the sandbox to tell its callers apart (src/http/authenticate.ts). */
interface SandboxGuards {
  /** An admin session (with its CSRF token on changes) or an API token that may change things; throws a 401/403 otherwise. */
  requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Whether the request carries a live admin session cookie. */
  hasSession(request: FastifyRequest): Promise<boolean>;
}

/**
 * `true` and `false` are what they say. `auto` is on only while every connection in the database
 * (those from the YAML file included: they are seeded before this runs) is a sandbox connection,
 * so it turns off for good once a real one exists, however it was made.
 */
export async function sandboxWanted(config: Pick<Config, 'sandbox'>, db: Kysely<Database>): Promise<boolean> {
  const setting = config.sandbox.enabled;
  if (setting !== 'auto') return setting;
  const rows = await db.selectFrom('connections').select('intercom_base_url as intercomBaseUrl').execute();
  return rows.every((row) => isSandboxConnection(row));
}

// Routes by pattern, relative to the mount prefix (src/sandbox/*/routes: Intercom's app.intercom.com
// pages and /auth/eagle/token; HubSpot's consent page and its versioned token endpoints).
const CONSENT_ROUTES: Record<SandboxVendor, ReadonlySet<string>> = {
  intercom: new Set(['/oauth', '/oauth/decision']),
  hubspot: new Set(['/oauth/authorize', '/oauth/authorize/decision']),
};
const isTokenRoute = (vendor: SandboxVendor, route: string) =>
  vendor === 'intercom' ? route === '/auth/eagle/token' : /^\/oauth\/[^/]+\/(token(\/introspect|\/revoke)?|access-tokens\/:token|refresh-tokens\/:token)$/.test(route);

const isSecret = (given: unknown, expected: string) => typeof given === 'string' && sameSecret(given, expected);

/**
 * A form post to a consent page must come from this daemon's own pages: the session cookie is
 * SameSite=Lax already; the browser's Sec-Fetch-Site and Origin say the same where it sends them.
 */
function fromOwnPage(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return URL.canParse(origin) && new URL(origin).host === request.headers.host;
}

const refuse = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });

/** Runs a guard that throws the HTTP app's errors and answers them in its `{"error": {...}}` shape. */
function answering(guard: SandboxGuards['requireAdmin']) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      await guard(request, reply);
    } catch (error) {
      const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
      const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
      if (status >= 500) throw error;
      return refuse(reply, status, typeof e.code === 'string' ? e.code : 'unauthorized', String(e.message));
    }
  };
}

function newApp(label: string): SandboxApp {
  return { clientId: `${label}-${randomUUID()}`, clientSecret: randomBytes(32).toString('base64url') };
}

interface Simulators {
  intercom: IntercomSimulator;
  hubspot: HubSpotSimulator;
}

interface SimulatorOptions {
  maxRecordsPerType?: number;
  requestLogCapacity?: number;
}

async function loadSimulators(apps: MountedSandbox['apps'], simulatorOptions: SimulatorOptions): Promise<Simulators> {
  const [{ createIntercomSimulator }, { createHubSpotSimulator }] = await Promise.all([
    import('../sandbox/intercom/index.ts'),
    import('../sandbox/hubspot/index.ts'),
  ]);
  // No redirect URI is registered until the daemon knows its address (mountSandbox): none is accepted before.
  return {
    intercom: createIntercomSimulator({ ...simulatorOptions, seed: { app: { name: 'Interhubz Sandbox', ...apps.intercom, redirectUris: [] } } }),
    hubspot: createHubSpotSimulator({ ...simulatorOptions, app: { ...apps.hubspot, redirectUris: [] } }),
  };
}

/**
 * This start's sandbox: its OAuth apps, drawn now (the OAuth client and the mount use them from
 * the start), and the simulators, loaded (import()) by the first `load()`.
 */
export async function createSandbox(options: { simulatorOptions?: SimulatorOptions } = {}): Promise<MountedSandbox> {
  const apps: MountedSandbox['apps'] = { intercom: newApp('ihz-sandbox-intercom'), hubspot: newApp('ihz-sandbox-hubspot') };
  let simulators: Simulators | undefined;
  let loading: Promise<void> | undefined;
  const listeners: Array<() => void> = [];
  const loaded = (): Simulators => {
    if (!simulators) throw new Error('the built-in sandbox\'s simulators are read before sandbox.load() has resolved');
    return simulators;
  };
  return {
    apps,
    get intercom() {
      return loaded().intercom;
    },
    get hubspot() {
      return loaded().hubspot;
    },
    load() {
      loading ??= loadSimulators(apps, options.simulatorOptions ?? {}).then(
        (made) => {
          simulators = made;
          for (const listener of listeners.splice(0)) listener();
        },
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      );
      return loading;
    },
    get loaded() {
      return simulators !== undefined;
    },
    whenLoaded(listener) {
      if (simulators) listener();
      else listeners.push(listener);
    },
    close() {
      simulators?.intercom.close();
    },
  };
}

export interface MountDeps {
  config: Config;
  guards: SandboxGuards;
  /** The HTTP app's own error handler, for what a guard throws beyond a refusal. */
  errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown;
}

/** Registers a simulator's API and control plugins with their guards, at its prefix, on `app`. */
async function registerGuarded(app: FastifyInstance, vendor: SandboxVendor, sim: IntercomSimulator | HubSpotSimulator, apps: MountedSandbox['apps'], deps: MountDeps): Promise<void> {
  const prefix = SANDBOX_PREFIX[vendor];
  const routeOf = (request: FastifyRequest) => request.routeOptions.url?.slice(prefix.length);
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const route = routeOf(request);
      if (route === undefined || !CONSENT_ROUTES[vendor].has(route)) return;
      if (!(await deps.guards.hasSession(request))) return refuse(reply, 401, 'unauthorized', 'The sandbox’s consent page is for the signed-in admin: sign in to Interhubz and start from the connection page.');
      if (request.method !== 'GET' && !fromOwnPage(request)) return refuse(reply, 403, 'cross_origin', 'The consent form must be sent from this daemon’s own page.');
    });
    // After body parsing: the daemon's own exchange, refresh and introspection send the app's secret in the form.
    scope.addHook('preHandler', async (request, reply) => {
      const route = routeOf(request);
      if (route === undefined || !isTokenRoute(vendor, route)) return;
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      if (isSecret(body.client_secret, apps[vendor].clientSecret)) return;
      if (await deps.guards.hasSession(request)) return;
      return refuse(reply, 401, 'unauthorized', 'The sandbox’s token endpoint serves only this daemon and its signed-in admin.');
    });
    await scope.register(sim.apiPlugin);
  }, { prefix });
  await app.register(async (scope) => {
    scope.addHook('onRequest', answering(deps.guards.requireAdmin));
    await scope.register(sim.controlPlugin);
  }, { prefix });
}

/**
 * The simulator's own Fastify instance: never listening, reached only through the catch-all
 * route of mountSandbox, which passes it the request as the daemon's app saw it.
 */
async function simulatorServer(app: FastifyInstance, vendor: SandboxVendor, sandbox: MountedSandbox, deps: MountDeps): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: app.log,
    logController: new LogController({ disableRequestLogging: true }),
    // The catch-all route sets the X-Forwarded-* headers from what the daemon's app decided (its
    // own trustProxy); nothing else can send this instance a request.
    trustProxy: true,
  });
  server.setErrorHandler(deps.errorHandler);
  await server.register(fastifyCookie);
  await registerGuarded(server, vendor, sandbox[vendor], sandbox.apps, deps);
  await server.ready();
  return server;
}

// Hop-by-hop or recomputed: not passed between the two instances.
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/** Mounts both simulators under /sandbox (the HTTP app closes them when it closes). */
export async function mountSandbox(app: FastifyInstance, sandbox: MountedSandbox, deps: MountDeps): Promise<void> {
  let servers: Promise<Record<SandboxVendor, FastifyInstance>> | undefined;
  const serve = () => {
    if (!servers) {
      servers = sandbox.load().then(async () => ({
        intercom: await simulatorServer(app, 'intercom', sandbox, deps),
        hubspot: await simulatorServer(app, 'hubspot', sandbox, deps),
      }));
      // A load that failed is tried again by the next request.
      servers.catch(() => (servers = undefined));
    }
    return servers;
  };

  for (const vendor of ['intercom', 'hubspot'] as const) {
    await app.register(async (scope) => {
      // The body goes on as the bytes that came: the simulator's instance parses it, as before.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.all('/*', async (request, reply) => {
        const server = (await serve())[vendor];
        const headers: Record<string, string | string[] | undefined> = {};
        for (const [name, value] of Object.entries(request.headers)) if (!NOT_FORWARDED.has(name)) headers[name] = value;
        Object.assign(headers, { 'x-forwarded-for': request.ip, 'x-forwarded-proto': request.protocol, 'x-forwarded-host': request.host });
        const body = request.body;
        const response = await server.inject({
          method: request.method as 'GET',
          url: request.raw.url ?? request.url,
          headers,
          ...(Buffer.isBuffer(body) ? { payload: body } : {}),
        });
        reply.code(response.statusCode);
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined && !NOT_FORWARDED.has(name)) reply.header(name, value);
        }
        return reply.send(response.rawPayload);
      });
    }, { prefix: SANDBOX_PREFIX[vendor] });
  }

  // The OAuth callbacks are this daemon's (src/oauth/oauth-client.ts); register them as the only
  // redirect URIs, as an operator registers them with the real vendors: once the daemon listens
  // and the simulators are loaded, whichever comes last.
  let base: string | undefined;
  const registerRedirectUris = () => {
    if (base === undefined || !sandbox.loaded) return;
    const { intercom, hubspot, apps } = sandbox;
    const intercomApp = [...intercom.state.apps.values()].find((entry) => entry.clientId === apps.intercom.clientId);
    if (intercomApp) intercomApp.redirectUris = [`${base}${callbackPath('intercom')}`];
    const hubspotApp = hubspot.state.apps.get(apps.hubspot.clientId);
    if (hubspotApp) hubspotApp.redirectUris = [`${base}${callbackPath('hubspot')}`];
  };
  app.addHook('onListen', async () => {
    base = ownBaseUrl(deps.config, app.server);
    registerRedirectUris();
  });
  sandbox.whenLoaded(() => {
    registerRedirectUris();
    // Loaded by a reader other than a request (a test, a sandbox connection): the simulators' instances
    // are built now all the same, so that closing the app closes what their plugins started.
    serve().catch((error: unknown) => app.log.error({ err: error }, 'the built-in sandbox could not be mounted'));
  });
  app.addHook('onClose', async () => {
    const built = await servers?.catch(() => undefined);
    if (built) for (const server of Object.values(built)) await server.close();
    sandbox.close();
  });
}
