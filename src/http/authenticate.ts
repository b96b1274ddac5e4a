// Who is calling: an admin session (cookie; changes need the session's CSRF token) or an API token
// (Authorization: Bearer; no cookie, so no CSRF risk). Every /api route except signing in needs one.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../auth/constant-time.ts';
import { scopeAllows, type ApiTokenScope, type RouteAccess } from '../auth/token-scope.ts';
import { findLiveSession, touchSession } from '../db/repos/admin-sessions.ts';
import { findActiveApiToken, markApiTokenUsed } from '../db/repos/api-tokens.ts';
import type { AppDeps } from './app.ts';
import { HttpError, unauthorized } from './errors.ts';

export const SESSION_COOKIE = 'ihz_session';
const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Writing last_seen_at on every request would turn reads into writes; once a minute is plenty. */
const TOUCH_INTERVAL_MS = 60_000;

export type Caller =
  | { kind: 'session'; username: string; csrfToken: string; sessionToken: string }
  | { kind: 'apiToken'; tokenId: string; tokenName: string; scope: ApiTokenScope };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

async function identifyCaller(deps: AppDeps, request: FastifyRequest): Promise<Caller | undefined> {
  const now = deps.clock();
  const bearer = bearerToken(request);
  if (bearer !== undefined) {
    const token = await findActiveApiToken(deps.db, bearer, now);
    if (!token) throw new HttpError(401, 'invalid_token', 'The API token is not valid: it may have been revoked or have expired.');
    if (token.last_used_at === null || now - token.last_used_at > TOUCH_INTERVAL_MS) await markApiTokenUsed(deps.db, token.id, now);
    return { kind: 'apiToken', tokenId: token.id, tokenName: token.name, scope: token.scope };
  }
  const sessionToken = request.cookies[SESSION_COOKIE];
  if (!sessionToken) return undefined;
  const session = await findLiveSession(deps.db, sessionToken, now);
  if (!session) return undefined;
  if (now - session.last_seen_at > TOUCH_INTERVAL_MS) await touchSession(deps.db, session.token_hash, now);
  return { kind: 'session', username: session.username, csrfToken: session.csrf_token, sessionToken };
}

/** What a route may declare in its Fastify `config`. */
export type RouteAuthConfig = RouteAccess & { public?: boolean };

/**
 * onRequest hook for /api/*: routes marked `config: { public: true }` skip it. A token's scope is
 * checked against the route that matched (its `config`), never against the raw URL.
 */
export function requireCaller(deps: AppDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const route = request.routeOptions.config as RouteAuthConfig;
    if (route.public) return;
    const caller = await identifyCaller(deps, request);
    if (!caller) throw unauthorized();
    if (caller.kind === 'session' && !SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !sameSecret(given, caller.csrfToken)) {
        throw new HttpError(403, 'csrf_failed', 'This change needs the X-CSRF-Token header from GET /api/session; reload the page and try again.');
      }
    }
    if (caller.kind === 'apiToken' && !scopeAllows(caller.scope, request.method, route)) {
      if (route.sessionOnly) throw sessionRequired();
      throw new HttpError(403, 'insufficient_scope', `This API token's scope (${caller.scope}) does not allow ${request.method} ${request.routeOptions.url ?? 'this route'}.`);
    }
    request.caller = caller;
  };
}

/**
 * For routes outside /api that only an admin may reach whatever their method (the sandbox's
 * control APIs): a session, or an API token of scope `admin`.
 */
export function requireAdminCaller(deps: AppDeps) {
  const check = requireCaller(deps);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await check(request, reply);
    const caller = request.caller;
    if (caller?.kind === 'apiToken' && caller.scope !== 'admin') {
      throw new HttpError(403, 'insufficient_scope', `This API token's scope (${caller.scope}) does not allow ${request.method} ${request.routeOptions.url ?? 'this route'}.`);
    }
  };
}

const sessionRequired = () => new HttpError(403, 'session_required', 'This action needs a signed-in admin session; API tokens cannot do it.');

export function requireSession(request: FastifyRequest): Extract<Caller, { kind: 'session' }> {
  const caller = request.caller;
  if (caller?.kind !== 'session') throw sessionRequired();
  return caller;
}
