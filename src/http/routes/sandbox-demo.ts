// The sandbox's demonstration, for sandbox connections only: act out a customer conversation in the
// simulated Intercom, and show what the simulated HubSpot portal holds. Thin: src/connections/sandbox-demo.ts acts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isSandboxConnection } from '../../connections/create-sandbox-connection.ts';
import { ensureDemoTeammate, sandboxPortal, simulateConversation } from '../../connections/sandbox-demo.ts';
import { getConnection, type Connection } from '../../db/repos/connections.ts';
import type { AppDeps } from '../app.ts';
import type { SandboxHubSpotView, SimulatedConversationView } from '../api-types.ts';
import { HttpError, notFound } from '../errors.ts';
import type { MountedSandbox } from '../../sandbox-mount/mounted-sandbox.ts';
import { ownerForAdmin } from '../../owners/owner-store.ts';
import { enqueueOwnerRefresh } from '../../owners/refresh-task.ts';

type ById = { Params: { id: string } };

async function sandboxConnection(deps: Pick<AppDeps, 'db'>, request: FastifyRequest<ById>): Promise<{ row: Connection; sandbox: MountedSandbox }> {
  const row = await getConnection(deps.db, request.params.id);
  if (!row) throw notFound('A connection with that id');
  if (!isSandboxConnection(row)) throw new HttpError(409, 'not_sandbox', 'Only a sandbox connection ("Try the sandbox") has simulated conversations to show.');
  const sandbox = request.server.sandbox;
  if (!sandbox) throw new HttpError(409, 'sandbox_off', 'The built-in sandbox is off (sandbox.enabled in the configuration file).');
  await sandbox.load();
  return { row, sandbox };
}

/** When the capture of a conversation closed now follows, or null when no close triggers one. */
function captureDelaySeconds(row: Connection): number | null {
  if (row.status !== 'active') return null;
  const capture = row.settings.conversations.capture;
  if (capture.mode === 'on_close') return capture.graceMinutes * 60;
  if (capture.mode === 'realtime') return capture.realtimeDebounceMinutes * 60;
  return null;
}

export function sandboxDemoRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'jobs'>): void {
  app.post<ById>('/api/connections/:id/sandbox/conversations', async (request, reply): Promise<SimulatedConversationView> => {
    const { row, sandbox } = await sandboxConnection(deps, request);
    const workspaceId = row.intercomWorkspaceId ?? sandbox.intercom.defaults?.workspaceId ?? '';
    const hubId = row.hubspotPortalId ?? sandbox.hubspot.control.defaultHubId();
    // The demo's teammate has a HubSpot owner with the same email; until the user mapping has paired
    // them, it is refreshed now rather than at the hourly chore, well before the capture's grace window ends.
    const teammateId = ensureDemoTeammate(sandbox, workspaceId, hubId);
    const mapped = await ownerForAdmin(deps.db, row.id, teammateId);
    if (mapped.source !== 'email' && mapped.source !== 'override') await enqueueOwnerRefresh(deps.jobs, row.id);
    const simulated = simulateConversation(sandbox, workspaceId, hubId);
    reply.code(201);
    return { ...simulated, closedAt: new Date(simulated.closedAt).toISOString(), capturesAfterSeconds: captureDelaySeconds(row) };
  });

  app.get<ById>('/api/connections/:id/sandbox/hubspot', async (request, reply): Promise<SandboxHubSpotView> => {
    const { row, sandbox } = await sandboxConnection(deps, request);
    // Note bodies are conversation text: they pass through to the browser and nowhere else.
    reply.header('cache-control', 'no-store');
    return { ...sandboxPortal(sandbox, row.hubspotPortalId ?? sandbox.hubspot.control.defaultHubId()), capturesAfterSeconds: captureDelaySeconds(row) };
  });
}
