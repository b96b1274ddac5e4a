// The OAuth apps this daemon can send a browser to, each registered as one @fastify/oauth2
// instance: the operator's Intercom and HubSpot apps (apps.* in the YAML) and, with the built-in
// sandbox on, the simulators' apps (credentials random per install, src/sandbox-mount). The plugin builds the authorize URL (with PKCE where the
// provider takes it, its verifier in an httpOnly cookie scoped to /oauth) and exchanges the code;
// the state is ours: a key into PendingAuthorizations, bound to the admin session and connection.
import http from 'node:http';
import net from 'node:net';
import fastifyOauth2, { type OAuth2Namespace } from '@fastify/oauth2';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';
import type { ConnectionRow } from '../db/schema.ts';
import { ownBaseUrl } from '../own-url.ts';
import { isSandboxConnection, SANDBOX_PREFIX, type MountedSandbox } from '../sandbox-mount/mounted-sandbox.ts';
import type { OAuthProvider } from './oauth-provider.ts';
import type { PendingAuthorization } from './pending-authorizations.ts';
import { PROVIDERS, SANDBOX_ORIGIN, sandboxSpec, type OAuthProviderSpec } from './providers.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the OAuth routes before the plugin runs: the state to send, the flow being completed. */
    oauthState?: string;
    oauthPending?: PendingAuthorization;
  }
}

export interface OAuthApp {
  /** The plugin instance's decoration name. */
  key: string;
  spec: OAuthProviderSpec;
  sandbox: boolean;
  clientId: string;
  clientSecret: string;
}

export interface OAuthApps {
  /** The app a connection's side is authorised with, or null when none is configured. */
  forConnection(row: Pick<ConnectionRow, 'intercom_base_url'>, provider: OAuthProvider): OAuthApp | null;
  byKey(key: string): OAuthApp | undefined;
  plugin(app: OAuthApp): OAuth2Namespace;
  /** The authorize URL as the browser must see it (a path on this daemon for the sandbox's apps). */
  browserUrl(app: OAuthApp, generated: string): string;
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

function selfAddress(app: FastifyInstance): { host: string; port: number } {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the daemon is not listening on a TCP port');
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return { host, port: address.port };
}

export async function registerOAuthApps(app: FastifyInstance, deps: { config: Config; sandbox: MountedSandbox | undefined }): Promise<OAuthApps> {
  const apps = new Map<string, OAuthApp>();
  const agent = new SelfAgent(() => selfAddress(app));

  const register = async (entry: OAuthApp) => {
    const provider = entry.spec.provider;
    await app.register(fastifyOauth2, {
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
      callbackUri: () => `${ownBaseUrl(deps.config, app.server)}${callbackPath(provider)}`,
      ...(entry.spec.scope ? { scope: [...entry.spec.scope] } : {}),
      ...(entry.spec.pkce ? { pkce: 'S256' as const } : {}),
      generateStateFunction: (request: FastifyRequest) => {
        if (!request.oauthState) throw new Error('OAuth start without a pending authorisation');
        return request.oauthState;
      },
      // The route has already taken the state from PendingAuthorizations (session, connection,
      // provider, expiry); the plugin only learns that it did.
      checkStateFunction: (request: FastifyRequest) => request.oauthPending !== undefined,
      cookie: { path: '/oauth', httpOnly: true, sameSite: 'lax', secure: 'auto' },
      verifierCookieName: `ihz_oauth_verifier_${entry.key}`,
      redirectStateCookieName: `ihz_oauth_state_${entry.key}`,
      userAgent: 'interhubz',
    });
    apps.set(entry.key, entry);
  };

  for (const provider of ['intercom', 'hubspot'] as const) {
    const configured = deps.config.apps[provider];
    if (configured.clientId !== '' && configured.clientSecret !== '') {
      await register({ key: `${provider}OAuth`, spec: PROVIDERS[provider], sandbox: false, clientId: configured.clientId, clientSecret: configured.clientSecret });
    }
  }
  if (deps.sandbox) {
    for (const provider of ['intercom', 'hubspot'] as const) {
      const { clientId, clientSecret } = deps.sandbox.apps[provider];
      await register({ key: `${provider}SandboxOAuth`, spec: sandboxSpec(provider, SANDBOX_PREFIX[provider]), sandbox: true, clientId, clientSecret });
    }
  }

  return {
    forConnection(row, provider) {
      const key = isSandboxConnection(row) ? `${provider}SandboxOAuth` : `${provider}OAuth`;
      return apps.get(key) ?? null;
    },
    byKey: (key) => apps.get(key),
    plugin: (entry) => (app as unknown as Record<string, OAuth2Namespace>)[entry.key] as OAuth2Namespace,
    browserUrl(entry, generated) {
      const url = new URL(generated);
      // simple-oauth2 writes an absent scope as scope=undefined; Intercom takes no scope at all.
      if (!entry.spec.scope) url.searchParams.delete('scope');
      // The simulators' consent pages are this daemon's own pages: a path, so the browser stays at
      // the address it used, whatever the request's headers say.
      return entry.sandbox ? url.href.slice(SANDBOX_ORIGIN.length) : url.href;
    },
  };
}
