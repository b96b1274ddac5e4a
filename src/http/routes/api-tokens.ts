// API tokens for scripts and Intercom workflows. Listing, creating and revoking them needs a session
// (creating and revoking an admin's), so a leaked token cannot list the others' names and prefixes,
// mint more tokens, or revoke the ones that would replace it.
import type { FastifyInstance } from 'fastify';
import { createApiToken, listApiTokens, revokeApiToken } from '../../db/repos/api-tokens.ts';
import type { ApiTokenRow } from '../../db/schema.ts';
import { CreateApiTokenBody, type ApiTokenInfo, type ApiTokenList, type CreatedApiToken } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requestActor, requireSession, type RouteAuthConfig } from '../authenticate.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const SESSION_ONLY: { config: RouteAuthConfig } = { config: { sessionOnly: true } };

function toInfo(row: ApiTokenRow): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    createdAt: iso(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : iso(row.last_used_at),
    expiresAt: row.expires_at === null ? null : iso(row.expires_at),
  };
}

export function apiTokenRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/tokens', SESSION_ONLY, async (): Promise<ApiTokenList> => ({ tokens: (await listApiTokens(deps.db)).map(toInfo) }));

  app.post('/api/tokens', SESSION_ONLY, async (request, reply): Promise<CreatedApiToken> => {
    requireSession(request);
    const body = parseBody(CreateApiTokenBody, request.body);
    const now = deps.clock();
    const expiresAt = body.expiresAt === undefined ? null : Date.parse(body.expiresAt);
    if (expiresAt !== null && expiresAt <= now) {
      throw new HttpError(400, 'invalid_request', 'The request body is invalid: expiresAt: must be in the future.', {
        details: [{ path: 'expiresAt', message: 'must be in the future' }],
      });
    }
    const { row, secret } = await createApiToken(deps.db, { name: body.name, scope: body.scope, expiresAt }, now);
    request.log.info({ tokenId: row.id, tokenName: row.name, scope: row.scope }, 'API token created');
    await recordAudit(deps.db, { at: now, actor: requestActor(request), action: 'token.create', target: { kind: 'token', id: row.id, name: row.name } });
    reply.code(201);
    return { token: toInfo(row), secret };
  });

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', SESSION_ONLY, async (request, reply) => {
    requireSession(request);
    const revoked = (await listApiTokens(deps.db)).find((token) => token.id === request.params.id);
    if (!(await revokeApiToken(deps.db, request.params.id, deps.clock()))) throw notFound('An active API token with that id');
    await recordAudit(deps.db, { at: deps.clock(), actor: requestActor(request), action: 'token.revoke', target: { kind: 'token', id: request.params.id, name: revoked?.name } });
    request.log.info({ tokenId: request.params.id }, 'API token revoked');
    return reply.code(204).send();
  });
}
