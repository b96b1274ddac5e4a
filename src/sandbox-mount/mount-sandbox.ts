// Mounting the built-in sandbox in the daemon: whether it is on, the OAuth apps it gets (random
// per install), and who may use which part of it. The simulators are loaded with import() only
// when it is on, so a daemon with the sandbox off never loads them.
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
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/schema.ts';
import { callbackPath } from '../oauth/oauth-client.ts';
import { ownBaseUrl } from '../own-url.ts';
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

/**
 * Loads the simulators (import(): only when the sandbox is on, decided once per start by
 * sandboxWanted) with this start's OAuth apps, drawn here before the OAuth client and the mount use them.
 */
export async function createSandbox(options: { simulatorOptions?: { maxRecordsPerType?: number; requestLogCapacity?: number } } = {}): Promise<MountedSandbox> {
  const [{ createIntercomSimulator }, { createHubSpotSimulator }] = await Promise.all([
    import('../sandbox/intercom/index.ts'),
    import('../sandbox/hubspot/index.ts'),
  ]);
  const apps: MountedSandbox['apps'] = { intercom: newApp('ihz-sandbox-intercom'), hubspot: newApp('ihz-sandbox-hubspot') };
  // No redirect URI is registered until the daemon knows its address (mountSandbox): none is accepted before.
  const intercom = createIntercomSimulator({ ...options.simulatorOptions, seed: { app: { name: 'Interhubz Sandbox', ...apps.intercom, redirectUris: [] } } });
  const hubspot = createHubSpotSimulator({ ...options.simulatorOptions, app: { ...apps.hubspot, redirectUris: [] } });
  return { intercom, hubspot, apps };
}

export interface MountDeps {
  config: Config;
  guards: SandboxGuards;
}

/** Mounts both simulators under /sandbox (the HTTP app closes them when it closes). */
export async function mountSandbox(app: FastifyInstance, sandbox: MountedSandbox, deps: MountDeps): Promise<void> {
  const { intercom, hubspot, apps } = sandbox;
  const mounts: Array<[SandboxVendor, { apiPlugin: FastifyPluginAsync; controlPlugin: FastifyPluginAsync }]> = [['intercom', intercom], ['hubspot', hubspot]];
  for (const [vendor, sim] of mounts) {
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

  // The OAuth callbacks are this daemon's (src/oauth/oauth-client.ts); register them as the only
  // redirect URIs, as an operator registers them with the real vendors.
  app.addHook('onListen', async () => {
    const base = ownBaseUrl(deps.config, app.server);
    const intercomApp = [...intercom.state.apps.values()].find((entry) => entry.clientId === apps.intercom.clientId);
    if (intercomApp) intercomApp.redirectUris = [`${base}${callbackPath('intercom')}`];
    const hubspotApp = hubspot.state.apps.get(apps.hubspot.clientId);
    if (hubspotApp) hubspotApp.redirectUris = [`${base}${callbackPath('hubspot')}`];
  });
  app.addHook('onClose', async () => intercom.close());
}
