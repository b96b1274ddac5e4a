// Who is calling: a person's session (cookie; changes need the session's CSRF token) or an API token
// (Authorization: Bearer; no cookie, so no CSRF risk). Every /api route except signing in needs one.
// A person with the `viewer` role reads what a `read` token reads and changes nothing but their own
// password and sessions. The caller becomes the request's audit actor.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditActor } from '../audit/audit-entry.ts';
import { sameSecret } from '../auth/constant-time.ts';
import { findUserByUsername, type AdminRole } from '../auth/people-store.ts';
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
  | { kind: 'session'; userId: string; username: string; displayName: string; role: AdminRole; csrfToken: string; sessionToken: string }
  | { kind: 'apiToken'; tokenId: string; tokenName: string; scope: ApiTokenScope };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    /** Who the audit trail names for what this request changes. */
    actor?: AuditActor;
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
  // The account is read on every request, so a role change or a disabled account takes effect at once.
  const user = await findUserByUsername(deps.db, session.username);
  if (!user || user.disabled_at !== null) return undefined;
  if (now - session.last_seen_at > TOUCH_INTERVAL_MS) await touchSession(deps.db, session.token_hash, now);
  return { kind: 'session', userId: user.id, username: user.username, displayName: user.display_name, role: user.role, csrfToken: session.csrf_token, sessionToken };
}

/** What a route may declare in its Fastify `config`. */
export type RouteAuthConfig = RouteAccess & {
  public?: boolean;
  /** Any signed-in person may call it, viewers included: their own password and sessions. */
  anyRole?: boolean;
};

const READ_METHODS = new Set(['GET', 'HEAD']);

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
    if (caller.kind === 'session' && caller.role === 'viewer' && !READ_METHODS.has(request.method) && !route.anyRole && !route.readsOnly) throw viewerReadOnly(caller.username);
    request.caller = caller;
    request.actor = actorOf(caller);
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
    if (caller?.kind === 'session' && caller.role !== 'admin') {
      throw new HttpError(403, 'viewer_read_only', `You are signed in as ${caller.username}, a viewer: the sandbox's controls are for admins.`);
    }
  };
}

const viewerReadOnly = (username: string) =>
  new HttpError(403, 'viewer_read_only', `You are signed in as ${username}, a viewer: viewers can see everything but change nothing. Ask an admin to make this change or to give you the admin role.`);

/** For a GET that starts a change (an OAuth flow): viewers may not, whatever the method. */
export function requireAdminRole(request: FastifyRequest): void {
  const caller = request.caller;
  if (caller?.kind === 'session' && caller.role !== 'admin') throw viewerReadOnly(caller.username);
}

/** The audit actor for a person known by a live session's username (the OAuth callback, outside /api). */
export async function personActor(db: AppDeps['db'], username: string): Promise<AuditActor> {
  const user = await findUserByUsername(db, username);
  return { kind: 'person', id: user?.id ?? null, name: username };
}

function actorOf(caller: Caller): AuditActor {
  return caller.kind === 'session' ? { kind: 'person', id: caller.userId, name: caller.username } : { kind: 'token', id: caller.tokenId, name: caller.tokenName };
}

/** The audit actor of an authenticated request (every /api route but signing in has one). */
export function requestActor(request: FastifyRequest): AuditActor {
  if (!request.actor) throw unauthorized();
  return request.actor;
}

const sessionRequired = () => new HttpError(403, 'session_required', 'This action needs a signed-in admin session; API tokens cannot do it.');

export function requireSession(request: FastifyRequest): Extract<Caller, { kind: 'session' }> {
  const caller = request.caller;
  if (caller?.kind !== 'session') throw sessionRequired();
  return caller;
}
