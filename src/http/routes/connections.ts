import type { FastifyInstance } from 'fastify';
import { listConnections } from '../../db/repos/connections.ts';
import type { ConnectionList } from '../api-types.ts';
import type { AppDeps } from '../app.ts';

export function connectionRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/connections', async (): Promise<ConnectionList> => ({
    connections: (await listConnections(deps.db)).map((row) => ({
      id: row.id,
      name: row.name,
      status: row.status,
      managedByConfig: row.managed_by_config === 1,
      createdAt: new Date(row.created_at).toISOString(),
    })),
    maxConnections: deps.config.maxConnections === 0 ? null : deps.config.maxConnections,
  }));
}
