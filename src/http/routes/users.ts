// The Users tab's API: a connection's teammate ↔ owner mapping, its settings, and a refresh on demand.
import type { FastifyInstance } from 'fastify';
import { yamlEntryKey } from '../../connections/seed-from-config.ts';
import { getConnection, updateConnectionSettings, type Connection } from '../../db/repos/connections.ts';
import { readOwnerMapping, reapplySettings } from '../../owners/owner-store.ts';
import { canRefreshOwners, enqueueOwnerRefresh, ownerRefreshPending } from '../../owners/refresh-task.ts';
import { UserSettingsBody, type UserMappingView } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';
import { requestActor } from '../authenticate.ts';
import { recordSettingsChange } from '../../audit/record-audit.ts';

type ById = { Params: { id: string } };

export type UserRouteDeps = Pick<AppDeps, 'db' | 'config' | 'clock' | 'jobs'>;

export function userRoutes(app: FastifyInstance, deps: UserRouteDeps): void {
  const { jobs } = deps;
  const load = async (id: string): Promise<Connection> => (await getConnection(deps.db, id)) ?? Promise.reject(notFound('A connection with that id'));
  const configKey = (row: Connection): string | null => {
    const entry = yamlEntryKey(deps.config, row);
    return entry === null ? null : `${entry}.users`;
  };

  const view = async (row: Connection): Promise<UserMappingView> => {
    const settings = row.settings.users;
    const stored = await readOwnerMapping(deps.db, row.id);
    const fallback = stored.owners.find((owner) => owner.id === stored.defaultOwnerId && !owner.archived) ?? null;
    return {
      mappings: stored.mappings,
      defaultOwner: settings.defaultOwner,
      overrides: settings.overrides,
      fallbackOwner: fallback,
      problems: stored.problems,
      refreshedAt: stored.refreshedAt === null ? null : new Date(stored.refreshedAt).toISOString(),
      lastError: stored.lastError,
      refreshing: await ownerRefreshPending(deps.db, row.id),
      canRefresh: canRefreshOwners(row),
      managedByConfig: row.managedByConfig,
      configKey: configKey(row),
      owners: stored.owners,
    };
  };

  app.get<ById>('/api/connections/:id/users', async (request) => view(await load(request.params.id)));

  app.post<ById>('/api/connections/:id/users/refresh', async (request, reply) => {
    const row = await load(request.params.id);
    if (!canRefreshOwners(row)) {
      throw new HttpError(409, 'not_connected', `'${row.name}' needs both Intercom and HubSpot connected, and an active or paused status, to load its teammates and owners.`);
    }
    await enqueueOwnerRefresh(jobs, row.id);
    reply.code(202);
    return view(row);
  });

  app.put<ById>('/api/connections/:id/users/settings', async (request) => {
    const row = await load(request.params.id);
    const key = configKey(row);
    if (key) throw new HttpError(409, 'managed_by_config', `'${row.name}' takes its user mapping from the configuration file (${key}); change it there.`);
    const users = parseBody(UserSettingsBody, request.body);
    const settings = await updateConnectionSettings(deps.db, row.id, (current) => ({ ...current, users }), deps.clock());
    const updated = { ...row, settings };
    await recordSettingsChange(deps.db, deps.clock(), requestActor(request), row, row.settings, settings);
    await reapplySettings(deps.db, row.id, users);
    // Teammates or owners may have changed upstream too.
    if (canRefreshOwners(updated)) await enqueueOwnerRefresh(jobs, row.id);
    request.log.info({ connectionId: row.id, overrides: users.overrides.length }, 'user mapping settings saved');
    return view(updated);
  });
}
