// GET /api/connections/:id/budget: the rate-budget meter on the connection's Overview (issue #16
// item 9), built by src/connections/connection-budget.ts. A read: viewers and `read` tokens may call it.
import type { FastifyInstance } from 'fastify';
import { connectionBudget } from '../../connections/connection-budget.ts';
import { getConnection } from '../../db/repos/connections.ts';
import type { ConnectionBudgetView } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { notFound } from '../errors.ts';

export function budgetRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'upstream' | 'clock'>): void {
  app.get<{ Params: { id: string } }>('/api/connections/:id/budget', async (request): Promise<ConnectionBudgetView> => {
    const connection = await getConnection(deps.db, request.params.id);
    if (!connection) throw notFound('A connection with that id');
    return connectionBudget(deps, connection, deps.clock());
  });
}
