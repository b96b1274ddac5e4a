// GET /api/config/export (issue #16 item 10): every connection's settings as a YAML file in the
// configuration file's format, secrets as ${VAR} placeholders (src/config/export-config.ts). Admins
// only — an admin's session or an `admin` token: nothing secret is in it, but it is the whole setup.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { exportConfigYaml, type ExportedConnection } from '../../config/export-config.ts';
import { connectionOwner, credentialKindsByOwner } from '../../db/repos/credentials.ts';
import { listConnections, type Connection } from '../../db/repos/connections.ts';
import { INTERCOM_TOKEN_KIND } from '../../integrations/intercom/auth.ts';
import { STATIC_TOKEN_KIND } from '../../integrations/hubspot/auth.ts';
import { webhookSecretKind } from '../../webhooks/signing-secrets.ts';
import type { AppDeps } from '../app.ts';
import { HttpError } from '../errors.ts';

function requireAdmin(request: FastifyRequest): void {
  const caller = request.caller;
  if (caller?.kind === 'apiToken' && caller.scope !== 'admin') {
    throw new HttpError(403, 'insufficient_scope', `This API token's scope (${caller.scope}) does not allow the configuration export; it needs an admin token.`);
  }
  if (caller?.kind === 'session' && caller.role !== 'admin') {
    throw new HttpError(403, 'admin_only', `You are signed in as ${caller.username}, a viewer: the configuration export is for admins.`);
  }
}

function describe(connection: Connection, kinds: ReadonlySet<string>): ExportedConnection {
  // An OAuth side's vault entry is a grant, not a token a file could carry.
  const credential = (auth: Connection['intercomAuth'], tokenKind: string) => (auth === 'oauth' ? 'oauth' : kinds.has(tokenKind) ? 'token' : 'none');
  return {
    name: connection.name,
    intercomRegion: connection.intercomRegion,
    settings: connection.settings,
    credentials: { intercom: credential(connection.intercomAuth, INTERCOM_TOKEN_KIND), hubspot: credential(connection.hubspotAuth, STATIC_TOKEN_KIND) },
    webhookSecrets: { intercom: kinds.has(webhookSecretKind('intercom')), hubspot: kinds.has(webhookSecretKind('hubspot')) },
    sandbox: connection.intercomBaseUrl !== null || connection.hubspotBaseUrl !== null,
  };
}

export function configExportRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/config/export', async (request, reply) => {
    requireAdmin(request);
    const [connections, kinds] = await Promise.all([listConnections(deps.db), credentialKindsByOwner(deps.db)]);
    const now = deps.clock();
    const { yaml } = exportConfigYaml(connections.map((connection) => describe(connection, kinds.get(connectionOwner(connection.id)) ?? new Set())), now);
    const day = new Date(now).toISOString().slice(0, 10);
    return reply
      .type('application/yaml; charset=utf-8')
      .header('content-disposition', `attachment; filename="interhubz-config-${day}.yaml"`)
      .header('cache-control', 'no-store')
      .send(yaml);
  });
}
