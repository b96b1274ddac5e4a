// The one place that knows @fastify/oauth2 (the design names it). The rest of the code sees our
// own small interface: which app a connection uses, the consent-page URL for a state, and the code
// exchange's outcome. Behind it, one plugin instance per app: the operator's Intercom and HubSpot
// apps (apps.* in the YAML) and, with the built-in sandbox on, the simulators' apps (credentials
// random per install, src/sandbox-mount). The plugin builds the authorize URL (with PKCE where the
// provider takes it, its verifier in an httpOnly cookie scoped to /oauth) and exchanges the code;
// the state is ours: a key into PendingAuthorizations, bound to the admin session and connection,
// checked by the callback route before the exchange.
//
// The plugin (with simple-oauth2, joi and @hapi/*: ~4 MB of an idle daemon's memory, test/bench/
// RESULTS.md "startup memory (issue #19 item 3)") is loaded on the first OAuth start or callback,
// not at start. It registers no route, only a decoration per app, and its methods work on the
// request and reply they are given (the HTTP app's, with its cookie plugin): so its instances live
// on a Fastify instance of their own that never listens.
import http from 'node:http';
import net from 'node:net';
import type { OAuth2Namespace } from '@fastify/oauth2';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import { ownBaseUrl } from '../own-url.ts';
import { isSandboxConnection, SANDBOX_PREFIX, type SandboxApp, type SandboxVendor } from '../sandbox-mount/mounted-sandbox.ts';
import type { OAuthProvider } from './oauth-provider.ts';
import { PROVIDERS, SANDBOX_ORIGIN, sandboxSpec, type OAuthProviderSpec } from './providers.ts';
import { describeUnreachable } from '../connections/vendor-unavailable.ts';

export interface OAuthApp {
  /** Names the app in a pending authorisation (and the plugin instance behind it). */
  key: string;
  spec: OAuthProviderSpec;
  sandbox: boolean;
  clientId: string;
  clientSecret: string;
}

/** The browser's request and our reply: the plugin keeps the PKCE verifier in a cookie between the two ends. */
interface BrowserExchange {
  request: FastifyRequest;
  reply: FastifyReply;
}

type CodeExchange =
  | { ok: true; token: Record<string, unknown> }
  /**
   * `detail` is what the token endpoint said (never a token), for the result page; `unreachable`,
   * when it said nothing, is the sentence that says so in plain words.
   */
  | { ok: false; status: number | undefined; detail: string; unreachable?: string };

export interface OAuthClient {
  /** The app a connection's side is authorised with, or null when none is configured. */
  forConnection(connection: Pick<Connection, 'intercomBaseUrl'>, provider: OAuthProvider): OAuthApp | null;
  byKey(key: string): OAuthApp | undefined;
  /** Gives the apps the HTTP app they serve (their callback URI and the sandbox's token endpoint are its own address). */
  register(server: FastifyInstance): Promise<void>;
  /**
   * The consent page's URL as the browser must see it (a path on this daemon for the sandbox's apps).
   * `scope` replaces the app's own list, for a connection whose settings need more (HubSpot record sync).
   */
  startUrl(app: OAuthApp, state: string, exchange: BrowserExchange, options?: { scope?: readonly string[] }): Promise<string>;
  /** Exchanges the code the browser came back with; the caller has already checked and used up the state. */
  exchangeCode(app: OAuthApp, exchange: BrowserExchange): Promise<CodeExchange>;
}

export const callbackPath = (provider: OAuthProvider) => `/oauth/${provider}/callback`;
const EXCHANGE_TIMEOUT_MS = 15_000;

/**
 * The sandbox's token endpoint is this daemon itself: whatever host the URL names, the exchange
 * dials this server's own listening socket, known only once it listens.
 */
class SelfAgent extends http.Agent {
  private readonly target: () => { host: string; port: number };
  constructor(target: () => { host: string; port: number }) {
    super({ keepAlive: false });
    this.target = target;
  }
  override createConnection(_options: unknown, callback?: (error: Error | null, socket: net.Socket) => void): net.Socket {
    const socket = net.createConnection(this.target());
    if (callback) socket.once('connect', () => callback(null, socket));
    return socket;
  }
}

function selfAddress(server: FastifyInstance['server']): { host: string; port: number } {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the daemon is not listening on a TCP port');
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return { host, port: address.port };
}

/** The apps this install has: from the configuration, and the sandbox's when it is mounted. */
function appsOf(config: Pick<Config, 'apps'>, sandboxApps: Record<SandboxVendor, SandboxApp> | undefined): Map<string, OAuthApp> {
  const apps = new Map<string, OAuthApp>();
  for (const provider of ['intercom', 'hubspot'] as const) {
    const configured = config.apps[provider];
    if (configured.clientId !== '' && configured.clientSecret !== '') {
      apps.set(`${provider}OAuth`, { key: `${provider}OAuth`, spec: PROVIDERS[provider], sandbox: false, clientId: configured.clientId, clientSecret: configured.clientSecret });
    }
  }
  if (sandboxApps) {
    for (const provider of ['intercom', 'hubspot'] as const) {
      const { clientId, clientSecret } = sandboxApps[provider];
      apps.set(`${provider}SandboxOAuth`, { key: `${provider}SandboxOAuth`, spec: sandboxSpec(provider, SANDBOX_PREFIX[provider]), sandbox: true, clientId, clientSecret });
    }
  }
  return apps;
}

export function createOAuthClient(deps: { config: Pick<Config, 'apps' | 'server'>; sandboxApps: Record<SandboxVendor, SandboxApp> | undefined }): OAuthClient {
  const apps = appsOf(deps.config, deps.sandboxApps);
  let server: FastifyInstance | undefined;
  let plugins: Promise<Map<string, OAuth2Namespace>> | undefined;
  // The plugin asks for the state with the request only; the start hands it over here, by request.
  const states = new WeakMap<FastifyRequest, string>();
  // The callback route checks the state against PendingAuthorizations before it asks for the exchange.
  const checked = new WeakSet<FastifyRequest>();

  const loadPlugins = async (daemonApp: FastifyInstance): Promise<Map<string, OAuth2Namespace>> => {
    const { default: fastifyOauth2 } = await import('@fastify/oauth2');
    const host = Fastify();
    const agent = new SelfAgent(() => selfAddress(daemonApp.server));
    for (const entry of apps.values()) {
      const provider = entry.spec.provider;
      await host.register(fastifyOauth2, {
        name: entry.key,
        credentials: {
          client: { id: entry.clientId, secret: entry.clientSecret },
          auth: entry.spec.endpoints,
          // HubSpot's v3 token endpoint wants the client credentials in a form body (hubspot-api.md §2.3);
          // Intercom's sample posts code, client_id and client_secret as a form (intercom-api.md §1.3).
          options: { authorizationMethod: 'body', bodyFormat: 'form' },
          http: { timeout: EXCHANGE_TIMEOUT_MS, ...(entry.sandbox ? { agent } : {}) },
        },
        // Never from the request's Host: the redirect URI is registered with the vendor (src/own-url.ts).
        callbackUri: () => `${ownBaseUrl(deps.config, daemonApp.server)}${callbackPath(provider)}`,
        ...(entry.spec.scope ? { scope: [...entry.spec.scope] } : {}),
        ...(entry.spec.pkce ? { pkce: 'S256' as const } : {}),
        generateStateFunction: (request: FastifyRequest) => {
          const state = states.get(request);
          if (!state) throw new Error('OAuth start without a pending authorisation');
          return state;
        },
        checkStateFunction: (request: FastifyRequest) => checked.has(request),
        // Unsigned on purpose: the flow's binding is our state (in the database, tied to the session),
        // so a signature would add nothing but a secret every replica must share; any replica reads
        // the verifier (test/http/replicas.test.ts). @fastify/cookie is registered without a secret.
        cookie: { path: '/oauth', httpOnly: true, sameSite: 'lax', secure: 'auto' },
        verifierCookieName: `ihz_oauth_verifier_${entry.key}`,
        redirectStateCookieName: `ihz_oauth_state_${entry.key}`,
        userAgent: 'interhubz',
      });
    }
    await host.ready();
    // The plugin decorates the instance under the name it was given; only this module reads it.
    return new Map([...apps.keys()].map((key) => [key, (host as unknown as Record<string, OAuth2Namespace>)[key] as OAuth2Namespace]));
  };

  const pluginOf = async (app: OAuthApp): Promise<OAuth2Namespace> => {
    if (!server) throw new Error(`the OAuth app ${app.key} is not registered with the HTTP app`);
    if (!plugins) {
      plugins = loadPlugins(server);
      // A load that failed is tried again by the next flow.
      plugins.catch(() => (plugins = undefined));
    }
    const plugin = (await plugins).get(app.key);
    if (!plugin) throw new Error(`the OAuth app ${app.key} is not registered with the HTTP app`);
    return plugin;
  };

  return {
    forConnection(connection, provider) {
      const key = isSandboxConnection(connection) ? `${provider}SandboxOAuth` : `${provider}OAuth`;
      return apps.get(key) ?? null;
    },
    byKey: (key) => apps.get(key),

    async register(app) {
      // Only remembered: the plugin is loaded by the first flow that needs it (pluginOf).
      server = app;
    },

    async startUrl(app, state, { request, reply }, options = {}) {
      states.set(request, state);
      const url = new URL(await (await pluginOf(app)).generateAuthorizationUri(request, reply));
      // simple-oauth2 writes an absent scope as scope=undefined; Intercom takes no scope at all.
      if (!app.spec.scope) url.searchParams.delete('scope');
      // The plugin's scope is fixed at registration; HubSpot's `scope` is space-separated (hubspot-api.md §2.2).
      else if (options.scope) url.searchParams.set('scope', options.scope.join(' '));
      // The simulators' consent pages are this daemon's own pages: a path, so the browser stays at
      // the address it used, whatever the request's headers say.
      return app.sandbox ? url.href.slice(SANDBOX_ORIGIN.length) : url.href;
    },

    async exchangeCode(app, { request, reply }) {
      checked.add(request);
      try {
        const answer = await (await pluginOf(app)).getAccessTokenFromAuthorizationCodeFlow(request, reply);
        return { ok: true, token: answer.token as unknown as Record<string, unknown> };
      } catch (error) {
        const unreachable = exchangeUnreachable(app.spec.vendor, app.spec.endpoints.tokenHost, error);
        return { ok: false, status: exchangeStatus(error), detail: exchangeMessage(error), ...(unreachable ? { unreachable } : {}) };
      }
    },
  };
}

// simple-oauth2 throws @hapi/wreck's errors: the status in output, the raw answer in data.payload.
// Without an answer the status is Boom's own (502, or 504 for wreck's timeout) and `code` is the
// socket's (ECONNREFUSED, ENOTFOUND, a TLS code…).
type WreckError = { output?: { statusCode?: number }; data?: { payload?: unknown; isResponseError?: boolean }; message?: string; code?: unknown };

/** The token endpoint could not be reached (no HTTP answer at all): said as the token check says it. */
export function exchangeUnreachable(vendor: string, tokenHost: string, error: unknown): string | null {
  const e = error as WreckError;
  if (e.data?.isResponseError) return null;
  const timedOut = e.output?.statusCode === 504;
  if (typeof e.code !== 'string' && !timedOut) return null;
  return describeUnreachable(vendor, tokenHost, error, timedOut);
}

function exchangeStatus(error: unknown): number | undefined {
  return (error as WreckError).output?.statusCode;
}

/** What the token endpoint said (HubSpot: error_description/message; Intercom: errors[0].message), never a token. */
function exchangeMessage(error: unknown): string {
  const e = error as WreckError;
  let payload = e.data?.payload;
  if (Buffer.isBuffer(payload)) {
    try {
      payload = JSON.parse(payload.toString('utf8'));
    } catch {
      payload = undefined;
    }
  }
  const body = (typeof payload === 'object' && payload !== null ? payload : {}) as { error_description?: unknown; message?: unknown; errors?: Array<{ message?: unknown }> };
  const said = [body.error_description, body.message, body.errors?.[0]?.message].find((value): value is string => typeof value === 'string');
  const status = exchangeStatus(error);
  return [status ? `HTTP ${status}` : null, said ?? (status ? null : e.message ?? 'no answer')].filter(Boolean).join(': ');
}
