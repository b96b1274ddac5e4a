// OAuth (hubspot-api.md §2): authorize (a consent page with an account chooser and approve/deny, or
// auto-consent, then a redirect with ?code; PKCE per RFC 7636), the token endpoint for
// authorization_code and refresh_token grants (v1, v3 and dated paths; form-encoded), introspection
// (v3 POST and the legacy v1 GETs), and revocation. Access tokens expire after accessTokenTtlMs.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DATED_VERSIONS, rememberRoute, sendJson, type RouteTable, type Runtime } from './http.ts';
import type { AccessToken, AuthCode, OAuthApp, Portal, RefreshToken, SimState } from './state.ts';
import { HubSpotError } from './errors.ts';

const AUTH_CODE_TTL_MS = 10 * 60_000; // not documented (UNCONFIRMED); long enough for any redirect

class OAuthError extends Error {
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

function mintAccessToken(state: SimState, grant: { hubId: number; scopes: string[]; userId: number; user: string; appId: number; clientId: string }): AccessToken {
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

/**
 * PKCE (RFC 7636 §4.6): a code issued with a challenge needs the matching code_verifier; a code
 * issued without one ignores any verifier. HubSpot's error text and status for a missing or wrong
 * verifier are UNCONFIRMED (invalid_grant per RFC 7636 §4.6; the status name is the simulator's).
 */
function checkVerifier(code: AuthCode, verifier: string | undefined): void {
  if (code.codeChallenge === undefined) return;
  if (!verifier) throw new OAuthError('invalid_grant', 'BAD_CODE_VERIFIER', 'code_verifier is required for this auth code');
  const derived = code.codeChallengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
  if (derived !== code.codeChallenge) throw new OAuthError('invalid_grant', 'BAD_CODE_VERIFIER', 'code_verifier does not match the code_challenge');
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
    checkVerifier(code, fields.code_verifier);
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

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A valid authorize request (query of GET /oauth/authorize or the consent form posted back). */
interface AuthorizeRequest {
  app: OAuthApp;
  redirectUri: string;
  hubId: number;
  scope?: string;
  optionalScope?: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
}

// RFC 7636 §4.2: a challenge is 43-128 unreserved characters (an S256 one is exactly 43).
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

function checkAuthorize(state: SimState, input: Record<string, unknown>): AuthorizeRequest | { error: string } {
  const field = (name: string) => (typeof input[name] === 'string' ? (input[name] as string) : undefined);
  const clientId = field('client_id');
  const app = clientId ? state.apps.get(clientId) : undefined;
  if (!app) return { error: 'Unknown client_id' };
  const redirectUri = field('redirect_uri');
  // Only a registered redirect URI, as HubSpot's app settings require (hubspot-api.md §2.2).
  if (!redirectUri || !app.redirectUris.includes(redirectUri)) {
    return { error: 'redirect_uri is missing or not registered for this app' };
  }
  if (!URL.canParse(redirectUri)) return { error: 'redirect_uri is not an absolute URL' };
  const portalId = field('portal_id');
  const hubId = portalId ? Number(portalId) : state.defaultHubId;
  if (!state.portals.has(hubId)) return { error: `Unknown portal ${portalId}` };
  const codeChallenge = field('code_challenge');
  const method = field('code_challenge_method');
  if (codeChallenge === undefined && method !== undefined) return { error: 'code_challenge_method without code_challenge' };
  if (method !== undefined && method !== 'S256' && method !== 'plain') return { error: `Unsupported code_challenge_method ${method}: use S256 or plain` };
  if (codeChallenge !== undefined && !PKCE_VALUE.test(codeChallenge)) return { error: 'code_challenge must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~' };
  const optional = (value: string | undefined, key: keyof AuthorizeRequest) => (value === undefined ? {} : { [key]: value });
  return {
    app, redirectUri, hubId,
    ...optional(field('scope'), 'scope'), ...optional(field('optional_scope'), 'optionalScope'), ...optional(field('state'), 'state'),
    ...(codeChallenge === undefined ? {} : { codeChallenge, codeChallengeMethod: (method ?? 'S256') as 'S256' | 'plain' }),
  };
}

const splitScopes = (...lists: Array<string | undefined>) => lists.flatMap((s) => (s ?? '').split(/[\s+]+/)).filter((s) => s !== '');

/** Consent given: a code for the chosen portal, and the redirect that carries it. */
function approve(state: SimState, request: AuthorizeRequest): URL {
  const code = `na1-${randomUUID()}`;
  state.codes.set(code, {
    code, clientId: request.app.clientId, redirectUri: request.redirectUri, hubId: request.hubId,
    scopes: ['oauth', ...splitScopes(request.scope, request.optionalScope)], expiresAt: state.clock.now() + AUTH_CODE_TTL_MS, used: false,
    ...(request.codeChallenge === undefined ? {} : { codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod ?? 'S256' }),
  });
  const target = new URL(request.redirectUri);
  target.searchParams.set('code', code);
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  return target;
}

function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
${body}
</body></html>`;
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

function consentPage(state: SimState, request: AuthorizeRequest): string {
  const hidden = (name: string, value: string | undefined) => (value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">\n`);
  const portals = [...state.portals.values()]
    .map((p) => `<label><input type="radio" name="portal_id" value="${p.hubId}"${p.hubId === request.hubId ? ' checked' : ''}> ${escapeHtml(p.domain)} (${p.hubId})</label><br>`)
    .join('\n');
  const required = splitScopes(request.scope);
  const optional = splitScopes(request.optionalScope);
  const list = (scopes: string[]) => (scopes.length === 0 ? '<p>(none)</p>' : `<ul>${scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`);
  return `<h1>App ${escapeHtml(request.app.clientId)} wants to connect to HubSpot</h1>
<p>App id ${request.app.appId}, client id <code>${escapeHtml(request.app.clientId)}</code>.</p>
<h2>Scopes</h2>
${list(required)}
${optional.length > 0 ? `<h2>Optional scopes</h2>\n${list(optional)}` : ''}
<form method="post" action="authorize/decision">
${hidden('client_id', request.app.clientId)}${hidden('redirect_uri', request.redirectUri)}${hidden('scope', request.scope)}${hidden('optional_scope', request.optionalScope)}${hidden('state', request.state)}${hidden('code_challenge', request.codeChallenge)}${hidden('code_challenge_method', request.codeChallengeMethod)}<fieldset><legend>Account</legend>
${portals}
</fieldset>
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>`;
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

  // Served here instead of app.hubspot.com, which shows an account chooser and then a consent page.
  // The chooser lists the simulator's portals (the default one checked; the simulator's own
  // `portal_id` parameter pre-selects another). With the autoConsent setting, consent is given at
  // once for that portal and the browser goes straight back with a code (tests and scripts).
  route('GET', '/oauth/authorize', (request, reply) => {
    const checked = checkAuthorize(state, request.query as Record<string, unknown>);
    if ('error' in checked) return sendPage(reply, 400, 'Invalid authorization request', `<p>${escapeHtml(checked.error)}</p>`);
    if (state.settings.autoConsent) return reply.redirect(approve(state, checked).toString(), 302);
    return sendPage(reply, 200, `Connect ${checked.app.clientId} to HubSpot`, consentPage(state, checked));
  });

  // The consent form's target. Relative to the page (<prefix>/oauth/authorize), the form's action
  // "authorize/decision" lands here whatever prefix the plugin is mounted under.
  route('POST', '/oauth/authorize/decision', (request, reply) => {
    const fields = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const checked = checkAuthorize(state, fields);
    if ('error' in checked) return sendPage(reply, 400, 'Invalid authorization request', `<p>${escapeHtml(checked.error)}</p>`);
    if (fields.decision === 'approve') return reply.redirect(approve(state, checked).toString(), 302);
    if (fields.decision !== 'deny') return sendPage(reply, 400, 'Invalid authorization request', '<p>decision must be approve or deny</p>');
    // HubSpot's error redirect is UNCONFIRMED (hubspot-api.md §2.2); RFC 6749 §4.1.2.1's
    // error=access_denied with a description and the state is the assumption.
    const target = new URL(checked.redirectUri);
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied the authorization request');
    if (checked.state !== undefined) target.searchParams.set('state', checked.state);
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
