// Settings → Audit: who changed what, when. GET /api/audit pages the trail newest first;
// GET /api/audit/export streams it as CSV or NDJSON. Reads: viewers and `read` tokens may call both.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { AUDIT_ACTIONS } from '../../audit/audit-entry.ts';
import { allAuditEntries, auditActorNames, listAudit } from '../../audit/audit-log.ts';
import { exportHeader, exportLine, type AuditExportFormat } from '../../audit/export-format.ts';
import type { AuditLogRow } from '../../db/schema.ts';
import { AuditExportQuery, AuditQuery, type AuditEntryInfo, type AuditList } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { HttpError } from '../errors.ts';

function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ path: key, message: 'is not a parameter of this endpoint' })) : [{ path: issue.path.join('.') || '(query)', message: issue.message }],
  );
  throw new HttpError(400, 'invalid_query', `The query is invalid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}.`, { details });
}

function toInfo(row: AuditLogRow): AuditEntryInfo {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: { kind: row.actor_kind, id: row.actor_id, name: row.actor_name },
    action: row.action,
    target: row.target_kind === null || row.target_id === null ? null : { kind: row.target_kind, id: row.target_id, name: row.target_name },
    key: row.key,
  };
}

const CONTENT_TYPE: Record<AuditExportFormat, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' };

async function* exportLines(entries: AsyncIterable<AuditLogRow>, format: AuditExportFormat): AsyncGenerator<string> {
  const header = exportHeader(format);
  if (header) yield header;
  for await (const row of entries) yield exportLine(format, row);
}

export function auditRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/audit', async (request): Promise<AuditList> => {
    const query = parseQuery(AuditQuery, request.query);
    const page = await listAudit(deps.db, { actor: query.actor, action: query.action }, { before: query.before, limit: query.limit });
    return { entries: page.entries.map(toInfo), nextBefore: page.nextBefore, actors: await auditActorNames(deps.db), actions: [...AUDIT_ACTIONS] };
  });

  app.get('/api/audit/export', async (request, reply) => {
    const query = parseQuery(AuditExportQuery, request.query);
    const day = new Date(deps.clock()).toISOString().slice(0, 10);
    return reply
      .type(CONTENT_TYPE[query.format])
      .header('content-disposition', `attachment; filename="interhubz-audit-${day}.${query.format}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(exportLines(allAuditEntries(deps.db, { actor: query.actor, action: query.action }), query.format)));
  });
}
