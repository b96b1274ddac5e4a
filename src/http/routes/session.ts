// Sign in (with a password, or with a one-time invitation or reset link), who am I, change my
// password, sign out, sign out everywhere. A wrong username and a wrong password get the same answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from '../../audit/record-audit.ts';
import { clientKey } from '../../auth/login-limiter.ts';
import { acceptInvitation, checkSignIn, passwordManagedByConfig, passwordMatches, setPassword, upgradePasswordHash } from '../../auth/people.ts';
import { endSessionsOf, findUserById } from '../../auth/people-store.ts';
import { createSession, deleteSession } from '../../db/repos/admin-sessions.ts';
import type { AdminUserRow } from '../../db/schema.ts';
import { AcceptInvitationBody, ChangePasswordBody, LoginBody, type Me, type SessionInfo, type SignedOutEverywhere } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requestActor, requireSession, SESSION_COOKIE, type RouteAuthConfig } from '../authenticate.ts';
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

/** A viewer signs out and changes their own password too. */
const OWN_SESSION: { config: RouteAuthConfig } = { config: { sessionOnly: true, anyRole: true } };

const invalidLink = () =>
  new HttpError(410, 'invitation_invalid', 'This link no longer works: it was used already, has expired or was withdrawn. Ask an admin for a new one.');

const isLinkBody = (body: unknown): boolean => typeof body === 'object' && body !== null && 'invitation' in body;

export function sessionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { admin } = deps;
  const ttlMs = deps.config.admin.sessionHours * 3_600_000;

  async function startSession(request: FastifyRequest, reply: FastifyReply, user: AdminUserRow, now: number): Promise<SessionInfo> {
    const session = await createSession(deps.db, user.username, now, ttlMs);
    setSessionCookie(reply, session.token, ttlMs, isSecure(deps, request));
    return { username: user.username, csrfToken: session.csrfToken };
  }

  app.post('/api/session', { config: { public: true } }, async (request, reply): Promise<SessionInfo> => {
    // Opening an invitation or reset link is a sign-in too: it is the one way in for a new person.
    const link = isLinkBody(request.body) ? parseBody(AcceptInvitationBody, request.body) : undefined;
    const body = link ? undefined : parseBody(LoginBody, request.body);
    const client = clientKey(request.ip);
    // Counted before the hash runs: parallel attempts cannot outrun the limit while hashing.
    const wait = deps.loginLimiter.admit(client, deps.clock());
    if (wait > 0) throw rateLimited(wait);
    if (link) return signInWithLink(request, reply, link);
    if (!body) throw invalidLink();
    // Always run scrypt, so the response time does not tell whether the username exists.
    const { user, verify } = await checkSignIn(deps.db, admin, body.username, body.password);
    const passwordOk = await deps.loginLimiter.check(body.username, deps.clock, verify);
    if (passwordOk === undefined) throw rateLimited(deps.config.admin.loginAttempts.windowMinutes * 60_000);
    if (!(user && passwordOk)) {
      request.log.warn({ remoteAddress: request.ip }, 'admin sign-in failed');
      throw new HttpError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    deps.loginLimiter.forgive(client);
    const now = deps.clock();
    if (await upgradePasswordHash(deps.db, admin, user, body.password, now)) request.log.info({ username: user.username }, 'admin password hash upgraded to the current scrypt cost');
    const info = await startSession(request, reply, user, now);
    request.log.info({ username: user.username }, 'admin signed in');
    return info;
  });

  async function signInWithLink(request: FastifyRequest, reply: FastifyReply, link: AcceptInvitationBody): Promise<SessionInfo> {
    const now = deps.clock();
    const outcome = await acceptInvitation(deps.db, admin, link.invitation, link.password, now);
    if (!outcome.ok) {
      if (outcome.reason === 'username_taken') throw new HttpError(409, 'username_taken', 'An account with this invitation\'s username exists already. Ask an admin for an invitation under another name.');
      if (outcome.reason === 'managed_by_config') throw new HttpError(409, 'managed_by_config', 'This account\'s password is set in the configuration file; change it there.');
      throw invalidLink();
    }
    deps.loginLimiter.forgive(clientKey(request.ip));
    const { user } = outcome;
    await recordAudit(deps.db, {
      at: now,
      actor: { kind: 'person', id: user.id, name: user.username },
      action: outcome.purpose === 'invite' ? 'user.accept' : 'user.password_change',
      target: { kind: 'user', id: user.id, name: user.username },
    });
    const info = await startSession(request, reply, user, now);
    request.log.info({ username: user.username, purpose: outcome.purpose }, 'admin signed in with a one-time link');
    return info;
  }

  app.get('/api/session', OWN_SESSION, async (request): Promise<SessionInfo> => {
    const caller = requireSession(request);
    return { username: caller.username, csrfToken: caller.csrfToken };
  });

  app.get('/api/me', OWN_SESSION, async (request): Promise<Me> => {
    const caller = requireSession(request);
    const user = await findUserById(deps.db, caller.userId);
    if (!user) throw new HttpError(401, 'unauthorized', 'Sign in again.');
    return { userId: user.id, username: user.username, displayName: user.display_name, role: user.role, passwordManagedByConfig: passwordManagedByConfig(user, admin) };
  });

  // Changing one's own password needs the current one: a session left open is not enough.
  app.put('/api/session/password', OWN_SESSION, async (request, reply) => {
    const caller = requireSession(request);
    const body = parseBody(ChangePasswordBody, request.body);
    const user = await findUserById(deps.db, caller.userId);
    if (!user) throw new HttpError(401, 'unauthorized', 'Sign in again.');
    if (passwordManagedByConfig(user, admin)) {
      throw new HttpError(409, 'managed_by_config', 'Your password is set in the configuration file (admin.password, admin.passwordHash or admin.users); change it there.');
    }
    const ok = await deps.loginLimiter.check(user.username, deps.clock, () => passwordMatches(admin, user, body.currentPassword));
    if (ok === undefined) throw rateLimited(deps.config.admin.loginAttempts.windowMinutes * 60_000);
    if (!ok) throw new HttpError(403, 'wrong_password', 'The current password is not right.');
    const now = deps.clock();
    const ended = await setPassword(deps.db, admin, user, body.newPassword, now, caller.sessionToken);
    await recordAudit(deps.db, { at: now, actor: requestActor(request), action: 'user.password_change', target: { kind: 'user', id: user.id, name: user.username } });
    request.log.info({ username: user.username, endedSessions: ended }, 'admin changed their password');
    return reply.code(204).send();
  });

  app.delete('/api/session', OWN_SESSION, async (request, reply) => {
    const caller = requireSession(request);
    await deleteSession(deps.db, caller.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  // Sign out everywhere: every session of the caller's account ends, this one included (a lost
  // laptop, a shared browser); other people stay signed in. API tokens are not sessions and stay.
  app.delete('/api/sessions', OWN_SESSION, async (request, reply): Promise<SignedOutEverywhere> => {
    const caller = requireSession(request);
    const ended = await endSessionsOf(deps.db, caller.username);
    await recordAudit(deps.db, { at: deps.clock(), actor: requestActor(request), action: 'session.sign_out_everywhere', target: { kind: 'user', id: caller.userId, name: caller.username } });
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
