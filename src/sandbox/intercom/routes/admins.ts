// GET /me, /admins, /admins/{id}, /teams (S14; intercom-api.md §1.5, §4.4).
import type { FastifyInstance } from 'fastify';
import { authOf } from '../auth.ts';
import type { SimCore } from '../core.ts';
import { IntercomError, unauthorized } from '../errors.ts';
import { inWorkspace, listInWorkspace } from '../state.ts';
import { adminWire, meWire, teamWire } from '../wire/people.ts';

export function registerAdminRoutes(app: FastifyInstance, core: SimCore): void {
  const { state } = core;

  app.get('/me', async (request) => {
    const { workspace } = authOf(request);
    const admin = state.admins.get(workspace.ownerAdminId);
    if (!admin) throw unauthorized();
    return meWire(admin, workspace);
  });

  app.get('/admins', async (request) => {
    const { workspace } = authOf(request);
    // Bots author parts but are not teammates (intercom-api.md §4.4, UNCONFIRMED but plausible).
    const admins = listInWorkspace(state.admins, workspace.id).filter((a) => a.kind === 'admin');
    return { type: 'admin.list', admins: admins.map(adminWire) };
  });

  app.get<{ Params: { admin_id: string } }>('/admins/:admin_id', async (request) => {
    const { workspace } = authOf(request);
    const admin = inWorkspace(state.admins, workspace.id, request.params.admin_id);
    if (!admin || admin.kind !== 'admin') throw new IntercomError(404, 'admin_not_found', 'Admin not found');
    return adminWire(admin);
  });

  app.get('/teams', async (request) => {
    const { workspace } = authOf(request);
    return { type: 'team.list', teams: listInWorkspace(state.teams, workspace.id).map(teamWire) };
  });
}
