// The connections API: thin routes over src/connections/*.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { connectHubSpotToken, connectIntercomToken, type ConnectResult } from '../../connections/connect-with-token.ts';
import { createConnection } from '../../connections/create-connection.ts';
import { createSandboxConnection, findSandboxConnection } from '../../connections/create-sandbox-connection.ts';
import { deleteConnection } from '../../connections/delete-connection.ts';
import { describeConnection } from '../../connections/describe-connection.ts';
import { healthThresholds } from '../../health/connection-health.ts';
import { listConnectionsAtAGlance } from '../../connections/connection-glance.ts';
import { getConnection, setPaused, type Connection } from '../../db/repos/connections.ts';
import { yamlTokenKey } from '../../connections/seed-from-config.ts';
import { CreateConnectionBody, HubSpotTokenBody, IntercomTokenBody, SandboxConnectionBody, type ConnectionDetail, type ConnectionList } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requestActor } from '../authenticate.ts';
import { recordConnectionChange } from '../../audit/record-audit.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';
import { publicBaseUrl } from '../public-url.ts';
import { listeningUrl, ownBaseUrl } from '../../own-url.ts';
import { oauthStartPath, type OAuthDeps } from './oauth.ts';
import type { Vendor } from '../../vendor.ts';

type ById = { Params: { id: string } };

export function connectionRoutes(app: FastifyInstance, deps: AppDeps, oauth: OAuthDeps): void {
  const load = async (id: string): Promise<Connection> => (await getConnection(deps.db, id)) ?? Promise.reject(notFound('A connection with that id'));
  const detail = async (request: FastifyRequest, id: string, notice?: string): Promise<ConnectionDetail> => {
    const described = await describeConnection(deps.db, await load(id), {
      config: deps.config,
      baseUrl: publicBaseUrl(deps.config, request),
      now: deps.clock(),
      oauthStart: (row, provider) => (oauth.client.forConnection(row, provider) && !yamlTokenKey(deps.config, row, provider) ? oauthStartPath(row.id, provider) : null),
    });
    return notice ? { ...described, notice } : described;
  };

  app.get('/api/connections', async (): Promise<ConnectionList> => ({
    connections: await listConnectionsAtAGlance(deps.db, deps.clock(), healthThresholds(deps.config)),
    maxConnections: deps.config.maxConnections === 0 ? null : deps.config.maxConnections,
  }));

  app.post('/api/connections', async (request, reply): Promise<ConnectionDetail> => {
    const body = parseBody(CreateConnectionBody, request.body);
    const created = await createConnection(deps.db, { name: body.name, maxConnections: deps.config.maxConnections, now: deps.clock() });
    if (!created.ok) throw new HttpError(409, created.reason, created.message);
    request.log.info({ connectionId: created.connection.id }, 'connection created');
    await recordConnectionChange(deps.db, deps.clock(), requestActor(request), 'connection.create', created.connection);
    reply.code(201);
    return detail(request, created.connection.id);
  });

  app.get<ById>('/api/connections/:id', async (request) => detail(request, request.params.id));

  app.post('/api/connections/sandbox', async (request, reply): Promise<ConnectionDetail> => {
    const sandbox = request.server.sandbox;
    if (!sandbox) throw new HttpError(409, 'sandbox_off', 'The built-in sandbox is off (sandbox.enabled in the configuration file).');
    // "Try the sandbox" twice opens the one there is; a second one only when asked for by name.
    const { another } = parseBody(SandboxConnectionBody, request.body ?? {});
    const existing = another ? undefined : await findSandboxConnection(deps.db);
    if (existing) return detail(request, existing.id);
    // The daemon's own addresses, never the request's Host (src/own-url.ts).
    const created = await createSandboxConnection(
      { db: deps.db, vault: deps.vault, sandbox, maxConnections: deps.config.maxConnections, now: deps.clock() },
      { upstreamBase: listeningUrl(request.server.server), webhookBase: ownBaseUrl(deps.config, request.server.server) },
    );
    if (!created.ok) throw new HttpError(409, created.reason, created.message);
    request.log.info({ connectionId: created.connection.id }, 'sandbox connection created');
    await recordConnectionChange(deps.db, deps.clock(), requestActor(request), 'connection.create', created.connection);
    reply.code(201);
    return detail(request, created.connection.id);
  });

  const tokenRoute = <S extends z.ZodType>(provider: Vendor, schema: S, connect: (row: Connection, body: z.infer<S>) => Promise<ConnectResult>) => {
    app.post<ById>(`/api/connections/:id/${provider}/token`, async (request) => {
      const row = await load(request.params.id);
      const yamlKey = yamlTokenKey(deps.config, row, provider);
      if (yamlKey) throw new HttpError(409, 'managed_by_config', `'${row.name}' gets this token from the configuration file (${yamlKey}); change it there.`);
      const result = await connect(row, parseBody(schema, request.body));
      if (!result.ok) throw new HttpError(result.status, result.code, result.message);
      request.log.info({ connectionId: row.id, provider }, 'connected with an access token');
      await recordConnectionChange(deps.db, deps.clock(), requestActor(request), 'connection.connect', row);
      return detail(request, row.id, result.notice);
    });
  };
  const connectDeps = { db: deps.db, vault: deps.vault, upstream: deps.upstream, log: deps.log, clock: deps.clock };
  tokenRoute('intercom', IntercomTokenBody, (row, body) => connectIntercomToken(connectDeps, row, body));
  tokenRoute('hubspot', HubSpotTokenBody, (row, body) => connectHubSpotToken(connectDeps, row, body));

  for (const action of ['pause', 'resume'] as const) {
    app.post<ById>(`/api/connections/:id/${action}`, async (request) => {
      const row = await load(request.params.id);
      if (action === 'resume' && row.status !== 'paused') throw new HttpError(409, 'not_paused', `'${row.name}' is not paused.`);
      if (action === 'pause' && row.status !== 'active') throw new HttpError(409, 'not_active', `Only an active connection can be paused; '${row.name}' is ${row.status}.`);
      await setPaused(deps.db, row.id, action === 'pause', deps.clock());
      await recordConnectionChange(deps.db, deps.clock(), requestActor(request), action === 'pause' ? 'connection.pause' : 'connection.resume', row);
      return detail(request, row.id);
    });
  }

  app.delete<ById>('/api/connections/:id', async (request, reply) => {
    const row = await load(request.params.id);
    if (row.managedByConfig) {
      throw new HttpError(409, 'managed_by_config', `'${row.name}' is declared in the configuration file: remove it there (with pruneConnections: true) to delete it.`);
    }
    const result = await deleteConnection(deps.db, row.id, deps.clock());
    request.log.info({ connectionId: row.id, ...result }, 'connection deleted');
    await recordConnectionChange(deps.db, deps.clock(), requestActor(request), 'connection.delete', row);
    return reply.code(204).send();
  });
}
