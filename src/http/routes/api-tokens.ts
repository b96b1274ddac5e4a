// API tokens for scripts and Intercom workflows. Creating and revoking one needs an admin session,
// so a leaked token cannot mint more tokens or revoke the ones that would replace it.
import type { FastifyInstance } from 'fastify';
import { createApiToken, listApiTokens, revokeApiToken } from '../../db/repos/api-tokens.ts';
import type { ApiTokenRow } from '../../db/schema.ts';
import { CreateApiTokenBody, type ApiTokenInfo, type ApiTokenList, type CreatedApiToken } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requireSession } from '../authenticate.ts';
import { notFound, parseBody } from '../errors.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function toInfo(row: ApiTokenRow): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: iso(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : iso(row.last_used_at),
  };
}

export function apiTokenRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/tokens', async (): Promise<ApiTokenList> => ({ tokens: (await listApiTokens(deps.db)).map(toInfo) }));

  app.post('/api/tokens', async (request, reply): Promise<CreatedApiToken> => {
    requireSession(request);
    const body = parseBody(CreateApiTokenBody, request.body);
    const { row, secret } = await createApiToken(deps.db, body.name, deps.clock());
    request.log.info({ tokenId: row.id, tokenName: row.name }, 'API token created');
    reply.code(201);
    return { token: toInfo(row), secret };
  });

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', async (request, reply) => {
    requireSession(request);
    if (!(await revokeApiToken(deps.db, request.params.id, deps.clock()))) throw notFound('An active API token with that id');
    request.log.info({ tokenId: request.params.id }, 'API token revoked');
    return reply.code(204).send();
  });
}
