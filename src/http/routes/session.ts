// Sign in, who am I, sign out. A wrong username and a wrong password get the same answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '../../auth/password-hash.ts';
import { createSession, deleteSession } from '../../db/repos/admin-sessions.ts';
import { LoginBody, type SessionInfo } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requireSession, SESSION_COOKIE } from '../authenticate.ts';
import { HttpError, parseBody } from '../errors.ts';

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function isSecure(deps: AppDeps, request: FastifyRequest): boolean {
  return request.protocol === 'https' || deps.config.server.publicUrl.startsWith('https://');
}

export function sessionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { admin } = deps;
  const ttlMs = deps.config.admin.sessionHours * 3_600_000;

  app.post('/api/session', { config: { public: true } }, async (request, reply): Promise<SessionInfo> => {
    const now = deps.clock();
    const wait = deps.loginLimiter.blockedFor(request.ip, now);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      const minutes = Math.ceil(seconds / 60);
      throw new HttpError(429, 'rate_limited', `Too many failed sign-in attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`, {
        headers: { 'retry-after': String(seconds) },
      });
    }
    const body = parseBody(LoginBody, request.body);
    // Always run scrypt, so the response time does not tell whether the username exists.
    const passwordOk = await verifyPassword(body.password, admin.passwordHash);
    if (!(sameText(body.username, admin.username) && passwordOk)) {
      deps.loginLimiter.recordFailure(request.ip, now);
      request.log.warn({ remoteAddress: request.ip }, 'admin sign-in failed');
      throw new HttpError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    deps.loginLimiter.recordSuccess(request.ip);
    const session = await createSession(deps.db, admin.username, now, ttlMs);
    setSessionCookie(reply, session.token, ttlMs, isSecure(deps, request));
    request.log.info({ username: admin.username }, 'admin signed in');
    return { username: admin.username, csrfToken: session.csrfToken };
  });

  app.get('/api/session', async (request): Promise<SessionInfo> => {
    const caller = requireSession(request);
    return { username: caller.username, csrfToken: caller.csrfToken };
  });

  app.delete('/api/session', async (request, reply) => {
    const caller = requireSession(request);
    await deleteSession(deps.db, caller.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
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
