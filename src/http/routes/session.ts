// Sign in, who am I, sign out, sign out everywhere. A wrong username and a wrong password get the
// same answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../../auth/constant-time.ts';
import { clientKey } from '../../auth/login-limiter.ts';
import { verifyPassword } from '../../auth/password-hash.ts';
import { createSession, deleteAllSessions, deleteSession } from '../../db/repos/admin-sessions.ts';
import { LoginBody, type SessionInfo, type SignedOutEverywhere } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requireSession, SESSION_COOKIE, type RouteAuthConfig } from '../authenticate.ts';
import { HttpError, parseBody } from '../errors.ts';

function isSecure(deps: AppDeps, request: FastifyRequest): boolean {
  return request.protocol === 'https' || deps.config.server.publicUrl.startsWith('https://');
}

function rateLimited(waitMs: number): HttpError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new HttpError(429, 'rate_limited', `Too many failed sign-in attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`, {
    headers: { 'retry-after': String(seconds) },
  });
}

const SESSION_ONLY: { config: RouteAuthConfig } = { config: { sessionOnly: true } };

export function sessionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { admin } = deps;
  const ttlMs = deps.config.admin.sessionHours * 3_600_000;

  app.post('/api/session', { config: { public: true } }, async (request, reply): Promise<SessionInfo> => {
    const body = parseBody(LoginBody, request.body);
    const client = clientKey(request.ip);
    // Counted before the hash runs: parallel attempts cannot outrun the limit while hashing.
    const wait = deps.loginLimiter.admit(client, deps.clock());
    if (wait > 0) throw rateLimited(wait);
    // Always run scrypt, so the response time does not tell whether the username exists.
    const passwordOk = await deps.loginLimiter.check(body.username, deps.clock, () => verifyPassword(body.password, admin.passwordHash));
    if (passwordOk === undefined) throw rateLimited(deps.config.admin.loginAttempts.windowMinutes * 60_000);
    if (!(sameSecret(body.username, admin.username) && passwordOk)) {
      request.log.warn({ remoteAddress: request.ip }, 'admin sign-in failed');
      throw new HttpError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    deps.loginLimiter.forgive(client);
    const now = deps.clock();
    if (await admin.upgradeHash(body.password, now)) request.log.info({ username: admin.username }, 'admin password hash upgraded to the current scrypt cost');
    const session = await createSession(deps.db, admin.username, now, ttlMs);
    setSessionCookie(reply, session.token, ttlMs, isSecure(deps, request));
    request.log.info({ username: admin.username }, 'admin signed in');
    return { username: admin.username, csrfToken: session.csrfToken };
  });

  app.get('/api/session', SESSION_ONLY, async (request): Promise<SessionInfo> => {
    const caller = requireSession(request);
    return { username: caller.username, csrfToken: caller.csrfToken };
  });

  app.delete('/api/session', SESSION_ONLY, async (request, reply) => {
    const caller = requireSession(request);
    await deleteSession(deps.db, caller.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  // Sign out everywhere: every admin session ends, this one included (a lost laptop, a shared
  // browser). API tokens are not sessions and stay; revoke them one by one.
  app.delete('/api/sessions', SESSION_ONLY, async (request, reply): Promise<SignedOutEverywhere> => {
    requireSession(request);
    const ended = await deleteAllSessions(deps.db);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    request.log.info({ ended }, 'all admin sessions signed out');
    return { ended };
  });
}

function setSessionCookie(reply: FastifyReply, token: string, ttlMs: number, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: Math.floor(ttlMs / 1000),
  });
}
