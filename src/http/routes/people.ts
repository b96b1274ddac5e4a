// Settings → People: the named admin accounts (not src/http/routes/users.ts, which maps Intercom
// admins to HubSpot owners). Reading is for anyone signed in (and `read` tokens); inviting, changing
// a role, resetting a password, disabling and removing need an admin's session — a leaked token
// cannot make accounts, as it cannot make tokens. Never the last enabled admin.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditAction } from '../../audit/audit-entry.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import { ONE_TIME_LINK_TTL_MS, passwordManagedByConfig, setPassword } from '../../auth/people.ts';
import {
  countOtherActiveAdmins,
  createInvitation,
  deleteInvitation,
  deleteUser,
  endSessionsOf,
  findUserById,
  findUserByUsername,
  listPendingInvitations,
  listUsers,
  updateUser,
  type UserPatch,
} from '../../auth/people-store.ts';
import type { AdminInvitationRow, AdminUserRow } from '../../db/schema.ts';
import {
  InviteBody,
  ResetPasswordBody,
  UpdatePersonBody,
  type CreatedInvitation,
  type InvitationInfo,
  type OneTimeLink,
  type PasswordResetResult,
  type PeopleList,
  type PersonInfo,
} from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requestActor, requireSession, type RouteAuthConfig } from '../authenticate.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const SESSION_ONLY: { config: RouteAuthConfig } = { config: { sessionOnly: true } };
type ById = { Params: { id: string } };

const managedByConfig = () =>
  new HttpError(409, 'managed_by_config', 'This account is declared in the configuration file (admin.users); change or remove it there.');
const lastAdmin = () =>
  new HttpError(409, 'last_admin', 'This is the last enabled admin: make another account an admin first, so someone can still change things.');

export function peopleRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db, admin } = deps;

  function toInfo(row: AdminUserRow): PersonInfo {
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      role: row.role,
      source: row.source,
      managedByConfig: row.source === 'config',
      passwordManagedByConfig: passwordManagedByConfig(row, admin),
      disabled: row.disabled_at !== null,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  }

  const invitationInfo = (row: AdminInvitationRow): InvitationInfo => ({
    id: row.id,
    username: row.username,
    role: row.role,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
  });

  // The token travels in the fragment: browsers send neither it nor the path's fragment to servers
  // or in Referer headers, so it stays out of access logs.
  function linkFor(token: string, expiresAt: number): OneTimeLink {
    const path = `/invite#${token}`;
    const base = deps.config.server.publicUrl.replace(/\/$/, '');
    return { path, url: base ? `${base}${path}` : null, expiresAt: iso(expiresAt) };
  }

  async function load(id: string): Promise<AdminUserRow> {
    const row = await findUserById(db, id);
    if (!row) throw notFound('A person with that id');
    return row;
  }

  const audit = (request: FastifyRequest, action: AuditAction, user: { id: string; username: string }) =>
    recordAudit(db, { at: deps.clock(), actor: requestActor(request), action, target: { kind: 'user', id: user.id, name: user.username } });

  app.get('/api/people', async (): Promise<PeopleList> => ({
    people: (await listUsers(db)).map(toInfo),
    invitations: (await listPendingInvitations(db, deps.clock())).map(invitationInfo),
  }));

  app.post('/api/people/invitations', SESSION_ONLY, async (request, reply): Promise<CreatedInvitation> => {
    const caller = requireSession(request);
    const body = parseBody(InviteBody, request.body);
    if (await findUserByUsername(db, body.username)) throw new HttpError(409, 'username_taken', `An account named "${body.username}" exists already.`);
    const now = deps.clock();
    const { row, token } = await createInvitation(db, { purpose: 'invite', username: body.username, role: body.role, userId: null, createdBy: caller.username, ttlMs: ONE_TIME_LINK_TTL_MS }, now);
    await recordAudit(db, { at: now, actor: requestActor(request), action: 'user.invite', target: { kind: 'invitation', id: row.id, name: row.username } });
    request.log.info({ invitationId: row.id, role: row.role }, 'admin invited');
    reply.code(201);
    return { invitation: invitationInfo(row), link: linkFor(token, row.expires_at) };
  });

  app.delete<ById>('/api/people/invitations/:id', SESSION_ONLY, async (request, reply) => {
    requireSession(request);
    const row = await deleteInvitation(db, request.params.id);
    if (!row) throw notFound('An unused invitation with that id');
    await recordAudit(db, { at: deps.clock(), actor: requestActor(request), action: 'user.invitation_revoke', target: { kind: 'invitation', id: row.id, name: row.username } });
    return reply.code(204).send();
  });

  app.patch<ById>('/api/people/:id', SESSION_ONLY, async (request): Promise<PersonInfo> => {
    requireSession(request);
    const body = parseBody(UpdatePersonBody, request.body);
    const user = await load(request.params.id);
    if (user.source === 'config' && (body.role !== undefined || body.disabled !== undefined)) throw managedByConfig();
    const losesAdmin = user.role === 'admin' && user.disabled_at === null && (body.role === 'viewer' || body.disabled === true);
    if (losesAdmin && (await countOtherActiveAdmins(db, user.id)) === 0) throw lastAdmin();

    const now = deps.clock();
    const patch: UserPatch = {};
    const actions: AuditAction[] = [];
    if (body.role !== undefined && body.role !== user.role) {
      patch.role = body.role;
      actions.push('user.role_change');
    }
    if (body.displayName !== undefined && body.displayName !== user.display_name) {
      patch.display_name = body.displayName;
      actions.push('user.update');
    }
    if (body.disabled !== undefined && body.disabled !== (user.disabled_at !== null)) {
      patch.disabled_at = body.disabled ? now : null;
      actions.push(body.disabled ? 'user.disable' : 'user.enable');
    }
    if (actions.length === 0) return toInfo(user);
    await updateUser(db, user.id, patch, now);
    if (body.disabled === true) await endSessionsOf(db, user.username);
    for (const action of actions) await audit(request, action, user);
    return toInfo(await load(user.id));
  });

  app.post<ById>('/api/people/:id/password-reset', SESSION_ONLY, async (request): Promise<PasswordResetResult> => {
    const caller = requireSession(request);
    const body = parseBody(ResetPasswordBody, request.body);
    const user = await load(request.params.id);
    if (passwordManagedByConfig(user, admin)) {
      throw new HttpError(409, 'managed_by_config', 'This account\'s password is set in the configuration file; change it there.');
    }
    const now = deps.clock();
    if (body.password !== undefined) {
      const endedSessions = await setPassword(db, admin, user, body.password, now);
      await audit(request, 'user.password_reset', user);
      return { link: null, endedSessions };
    }
    const { row, token } = await createInvitation(db, { purpose: 'reset', username: user.username, role: user.role, userId: user.id, createdBy: caller.username, ttlMs: ONE_TIME_LINK_TTL_MS }, now);
    await audit(request, 'user.password_reset', user);
    return { link: linkFor(token, row.expires_at), endedSessions: 0 };
  });

  app.delete<ById>('/api/people/:id', SESSION_ONLY, async (request, reply) => {
    requireSession(request);
    const user = await load(request.params.id);
    if (user.source === 'config') throw managedByConfig();
    if (user.source === 'bootstrap') {
      throw new HttpError(409, 'managed_by_config', `"${user.username}" is admin.username in the configuration file and comes back at every start; disable it instead.`);
    }
    if (user.role === 'admin' && user.disabled_at === null && (await countOtherActiveAdmins(db, user.id)) === 0) throw lastAdmin();
    const ended = await endSessionsOf(db, user.username);
    await deleteUser(db, user.id);
    await audit(request, 'user.remove', user);
    request.log.info({ userId: user.id, endedSessions: ended }, 'admin account removed');
    return reply.code(204).send();
  });
}
