// OAuth (hubspot-api.md §2): authorize (auto-consent, redirect with ?code), the token endpoint for
// authorization_code and refresh_token grants (v1, v3 and dated paths; form-encoded), introspection
// (v3 POST and the legacy v1 GETs), and revocation. Access tokens expire after accessTokenTtlMs.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DATED_VERSIONS, rememberRoute, sendJson, type RouteTable, type Runtime } from './http.ts';
import type { AccessToken, OAuthApp, Portal, RefreshToken, SimState } from './state.ts';
import { HubSpotError } from './errors.ts';

const AUTH_CODE_TTL_MS = 10 * 60_000; // not documented (UNCONFIRMED); long enough for any redirect

export class OAuthError extends Error {
  readonly error: string;
  readonly statusName: string;
  constructor(error: string, statusName: string, message: string) {
    super(message);
    this.error = error;
    this.statusName = statusName;
  }
}

/** RFC 6749 fields plus HubSpot's legacy ones, status 400 (manage-oauth-tokens docs). */
function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  return sendJson(reply, 400, { error: error.error, error_description: error.message, status: error.statusName, message: error.message });
}

const userOf = (portal: Portal) => {
  const owner = [...portal.owners.values()].find((o) => !o.archived && o.userId !== null);
  return { userId: owner?.userId ?? 1, user: owner?.email ?? `admin@${portal.domain}` };
};

export function mintAccessToken(state: SimState, grant: { hubId: number; scopes: string[]; userId: number; user: string; appId: number; clientId: string }): AccessToken {
  const token: AccessToken = {
    token: `CK${randomBytes(24).toString('base64url')}`, kind: 'oauth', hubId: grant.hubId, scopes: grant.scopes, userId: grant.userId, user: grant.user,
    expiresAt: state.clock.now() + state.settings.accessTokenTtlMs, revoked: false, appId: grant.appId, clientId: grant.clientId,
  };
  state.tokens.set(token.token, token);
  return token;
}

export function issueTokens(state: SimState, app: OAuthApp, hubId: number, scopes: string[]): { access: AccessToken; refresh: RefreshToken } {
  const portal = state.portals.get(hubId);
  if (!portal) throw new Error(`no portal ${hubId}`);
  const granted = [...new Set(['oauth', ...scopes])];
  const refresh: RefreshToken = { token: `na1-${randomUUID()}`, hubId, appId: app.appId, clientId: app.clientId, scopes: granted, ...userOf(portal), revoked: false };
  state.refreshTokens.set(refresh.token, refresh);
  return { access: mintAccessToken(state, { ...refresh }), refresh };
}

function form(request: FastifyRequest, legacy: boolean): Record<string, string> {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  // v1 also took its parameters from the query string; v3 requires the body (manage-oauth-tokens docs).
  const fields: Record<string, string> = legacy ? { ...(request.query as Record<string, string>) } : {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
  return fields;
}

function client(state: SimState, fields: Record<string, string>): OAuthApp {
  const app = fields.client_id ? state.apps.get(fields.client_id) : undefined;
  if (!app) throw new OAuthError('invalid_client', 'BAD_CLIENT_ID', 'missing or unknown client_id');
  if (fields.client_secret !== app.clientSecret) throw new OAuthError('invalid_client', 'BAD_CLIENT_SECRET', 'missing or invalid client_secret');
  return app;
}

function exchange(state: SimState, fields: Record<string, string>, v3: boolean): Record<string, unknown> {
  const app = client(state, fields);
  let refresh: RefreshToken;
  let access: AccessToken;
  if (fields.grant_type === 'authorization_code') {
    const code = fields.code ? state.codes.get(fields.code) : undefined;
    if (!code || code.used || code.clientId !== app.clientId || state.clock.now() >= code.expiresAt) {
      throw new OAuthError('invalid_grant', 'BAD_AUTH_CODE', 'missing or unknown auth code');
    }
    if (fields.redirect_uri !== code.redirectUri) throw new OAuthError('invalid_grant', 'BAD_REDIRECT_URI', 'redirect_uri does not match the one used for authorization');
    code.used = true;
    ({ access, refresh } = issueTokens(state, app, code.hubId, code.scopes));
  } else if (fields.grant_type === 'refresh_token') {
    const found = fields.refresh_token ? state.refreshTokens.get(fields.refresh_token) : undefined;
    if (!found || found.revoked || found.clientId !== app.clientId || !state.portals.has(found.hubId)) {
      throw new OAuthError('invalid_grant', 'BAD_REFRESH_TOKEN', 'refresh token is invalid, expired or revoked');
    }
    refresh = found;
    if (state.settings.rotateRefreshTokens) {
      // Rotation is UNCONFIRMED at HubSpot (hubspot-api.md §2.3); the knob lets tests cover both.
      found.revoked = true;
      refresh = { ...found, token: `na1-${randomUUID()}`, revoked: false };
      state.refreshTokens.set(refresh.token, refresh);
    }
    access = mintAccessToken(state, refresh);
  } else {
    throw new OAuthError('unsupported_grant_type', 'BAD_GRANT_TYPE', `grant_type must be authorization_code or refresh_token, got ${fields.grant_type ?? 'nothing'}`);
  }
  return {
    token_type: 'bearer', refresh_token: refresh.token, access_token: access.token, hub_id: access.hubId, user_id: access.userId,
    scopes: access.scopes, expires_in: Math.floor(state.settings.accessTokenTtlMs / 1000), ...(v3 ? { token_use: 'access_token' } : {}),
  };
}

function accessInfo(state: SimState, token: AccessToken) {
  const portal = state.portals.get(token.hubId);
  const expiresIn = Math.max(0, Math.floor((token.expiresAt - state.clock.now()) / 1000));
  return { portal, expiresIn };
}

function introspect(state: SimState, fields: Record<string, string>): Record<string, unknown> {
  if (fields.client_id) client(state, fields);
  const value = fields.token ?? fields.access_token ?? fields.refresh_token ?? '';
  const now = state.clock.now();
  const access = state.tokens.get(value);
  if (access && !access.revoked && access.kind === 'oauth' && access.expiresAt > now) {
    const { portal, expiresIn } = accessInfo(state, access);
    return {
      active: true, token: access.token, hub_id: access.hubId, user_id: access.userId, client_id: access.clientId, app_id: access.appId,
      user: access.user, hub_domain: portal?.domain, scopes: access.scopes,
      signed_access_token: { expiresAt: access.expiresAt, hubId: access.hubId, userId: access.userId, appId: access.appId, hublet: 'na1', isUserLevel: false, isPrivateDistribution: true },
      expires_in: expiresIn, is_private_distribution: true, token_use: 'access_token', token_type: 'Bearer',
    };
  }
  const refresh = state.refreshTokens.get(value);
  if (refresh && !refresh.revoked) {
    return {
      active: true, token: refresh.token, hub_id: refresh.hubId, user_id: refresh.userId, client_id: refresh.clientId, app_id: refresh.appId,
      user: refresh.user, hub_domain: state.portals.get(refresh.hubId)?.domain, scopes: refresh.scopes, is_private_distribution: true,
      token_use: 'refresh_token', token_type: 'Bearer',
    };
  }
  return { active: false };
}

export function registerOAuth(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  const { state } = rt;
  const route = (method: 'GET' | 'POST' | 'DELETE', url: string, handler: (request: FastifyRequest, reply: FastifyReply) => unknown) => {
    app.route({
      method, url,
      handler: async (request, reply) => {
        try {
          return await handler(request, reply);
        } catch (error) {
          if (error instanceof OAuthError) return sendOAuthError(reply, error);
          throw error;
        }
      },
    });
    rememberRoute(table, method, url);
  };

  // Served here instead of app.hubspot.com: consent is automatic for the portal named by the
  // simulator's own `portal_id` parameter (default portal otherwise).
  route('GET', '/oauth/authorize', (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const oauthApp = q.client_id ? state.apps.get(q.client_id) : undefined;
    if (!oauthApp) throw new HubSpotError(400, { message: 'Unknown client_id', category: 'VALIDATION_ERROR' });
    if (!q.redirect_uri || (oauthApp.redirectUris.length > 0 && !oauthApp.redirectUris.includes(q.redirect_uri))) {
      throw new HubSpotError(400, { message: 'redirect_uri is missing or not registered for this app', category: 'VALIDATION_ERROR' });
    }
    const hubId = q.portal_id ? Number(q.portal_id) : state.defaultHubId;
    if (!state.portals.has(hubId)) throw new HubSpotError(400, { message: `Unknown portal ${q.portal_id}`, category: 'VALIDATION_ERROR' });
    const scopes = [q.scope, q.optional_scope].flatMap((s) => (s ?? '').split(/[\s+]+/)).filter((s) => s !== '');
    const code = `na1-${randomUUID()}`;
    state.codes.set(code, { code, clientId: oauthApp.clientId, redirectUri: q.redirect_uri, hubId, scopes: ['oauth', ...scopes], expiresAt: state.clock.now() + AUTH_CODE_TTL_MS, used: false });
    const target = new URL(q.redirect_uri);
    target.searchParams.set('code', code);
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    return reply.redirect(target.toString(), 302);
  });

  route('POST', '/oauth/v1/token', (request, reply) => sendJson(reply, 200, exchange(state, form(request, true), false)));
  for (const version of ['v3', ...DATED_VERSIONS]) {
    // token_use is required by the v3 spec's AccessTokenResponse, absent from v1 answers.
    route('POST', `/oauth/${version}/token`, (request, reply) => sendJson(reply, 200, exchange(state, form(request, false), true)));
    route('POST', `/oauth/${version}/token/introspect`, (request, reply) => sendJson(reply, 200, introspect(state, form(request, false))));
    route('POST', `/oauth/${version}/token/revoke`, (request, reply) => {
      const fields = form(request, false);
      if (fields.client_id) client(state, fields);
      const value = fields.token ?? fields.refresh_token ?? '';
      const refresh = state.refreshTokens.get(value);
      if (refresh) refresh.revoked = true;
      const access = state.tokens.get(value);
      if (access?.kind === 'oauth') access.revoked = true;
      return reply.code(200).send();
    });
  }

  // Legacy v1 metadata endpoints (sunset 2027-02-16), still what the Node SDK calls.
  route('GET', '/oauth/v1/access-tokens/:token', (request, reply) => {
    const token = state.tokens.get((request.params as { token: string }).token);
    if (!token || token.revoked || token.kind !== 'oauth' || token.expiresAt <= state.clock.now()) {
      throw new HubSpotError(404, { message: 'The access token is invalid, expired or revoked', category: 'OBJECT_NOT_FOUND' });
    }
    const { portal, expiresIn } = accessInfo(state, token);
    return sendJson(reply, 200, {
      token: token.token, user: token.user, hub_domain: portal?.domain, scopes: token.scopes, hub_id: token.hubId, app_id: token.appId,
      expires_in: expiresIn, user_id: token.userId, token_type: 'access',
    });
  });
  route('GET', '/oauth/v1/refresh-tokens/:token', (request, reply) => {
    const token = state.refreshTokens.get((request.params as { token: string }).token);
    if (!token || token.revoked) throw new HubSpotError(404, { message: 'The refresh token is invalid, expired or revoked', category: 'OBJECT_NOT_FOUND' });
    return sendJson(reply, 200, {
      token: token.token, user: token.user, hub_domain: state.portals.get(token.hubId)?.domain, scopes: token.scopes, hub_id: token.hubId,
      client_id: token.clientId, user_id: token.userId, token_type: 'refresh',
    });
  });
  route('DELETE', '/oauth/v1/refresh-tokens/:token', (request, reply) => {
    const token = state.refreshTokens.get((request.params as { token: string }).token);
    if (!token) throw new HubSpotError(404, { message: 'The refresh token is invalid, expired or revoked', category: 'OBJECT_NOT_FOUND' });
    token.revoked = true;
    return reply.code(204).send();
  });
}
