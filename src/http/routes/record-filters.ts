// "N of M records would sync" (#18 item 2): filters as given, judged on a sample of the source side's
// records before they are saved. Thin: the filters are checked like saved ones (by key, against the
// accounts' fields) and src/records/filter-sample.ts reads and counts. A POST that writes nothing, but
// it spends calls on both accounts: admins and admin tokens only, like the settings it prepares.
//
// Also here: a settings body refused only for its filters is answered as `filter_invalid` (#18 item 5),
// the code the live check (src/records/check-record-sync.ts) gives too.
import type { FastifyInstance } from 'fastify';
import { getConnection } from '../../db/repos/connections.ts';
import { UpstreamError } from '../../integrations/upstream-error.ts';
import { RetryAfterError } from '../../jobs/outcomes.ts';
import { filterList } from '../../records/filter-schema.ts';
import { previewFilters } from '../../records/filter-sample.ts';
import { filterProblems } from '../../records/record-filters.ts';
import type { RecordSyncDeps } from '../../records/sync-record.ts';
import { FilterPreviewBody, type FilterPreviewAnswer } from '../api/filters.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';
import { upstreamFailure } from './capture.ts';

const OBJECTS = ['contacts', 'companies'] as const;
const isObject = (value: string): value is (typeof OBJECTS)[number] => (OBJECTS as readonly string[]).includes(value);

type Params = { Params: { id: string; object: string } };

/** A save says nothing was saved; a preview has nothing to save. */
const refused = (details: Array<{ path: string; message: string }>, saving = false) =>
  new HttpError(400, 'filter_invalid', `The filters are invalid: ${details.map((detail) => `${detail.path}: ${detail.message}`).join('; ')}.${saving ? ' Nothing was saved.' : ''}`, { details });

/**
 * A settings body that fails only on `recordSync.<object>.filters…` keys becomes `filter_invalid`,
 * its keys written as the YAML documentation writes them (`…filters.toHubSpot[1].operator`).
 */
export function filterRefusal(error: unknown): unknown {
  if (!(error instanceof HttpError) || error.code !== 'invalid_request' || !error.details || error.details.length === 0) return error;
  const details = error.details.map((detail) => ({ ...detail, path: detail.path.replace(/\.(\d+)(?=\.|$)/g, '[$1]') }));
  if (!details.every((detail) => /^recordSync\.(contacts|companies)\.filters(\.|$)/.test(detail.path))) return error;
  return refused(details, true);
}

export function recordFilterRoutes(app: FastifyInstance, deps: { records: RecordSyncDeps }): void {
  app.post<Params>('/api/connections/:id/records/:object/filters/preview', async (request): Promise<FilterPreviewAnswer> => {
    const { id, object } = request.params;
    if (!isObject(object)) throw new HttpError(404, 'not_found', `'${object}' is not a record type: use contacts or companies`);
    const row = await getConnection(deps.records.db, id);
    if (!row) throw notFound('A connection with that id');
    const body = parseBody(FilterPreviewBody, request.body);
    // The shape first (operators, values), then the fields as the accounts have them.
    const shape = filterList('filters', () => 'later').safeParse(body.filters);
    if (!shape.success) {
      throw refused(shape.error.issues.map((issue) => {
        const [index, key] = issue.path;
        return { path: typeof index === 'number' ? `filters[${index}]${key === undefined ? '' : `.${String(key)}`}` : 'filters', message: issue.message };
      }));
    }
    const filters = shape.data;
    if (row.intercomWorkspaceId === null || row.hubspotPortalId === null) {
      throw new HttpError(409, 'not_connected', `'${row.name}' is not connected to both accounts yet: there are no records to preview.`);
    }
    try {
      const fields = await deps.records.catalogue.fieldsOf(row, object);
      const list = body.direction === 'to_hubspot' ? { toHubSpot: filters, toIntercom: [] } : { toHubSpot: [], toIntercom: filters };
      const problems = filterProblems(object, list, fields, row.settings.recordSync[object].mappings);
      if (problems.length > 0) throw refused(problems.map((problem) => ({ path: problem.path.replace(/^to(HubSpot|Intercom)/, 'filters'), message: problem.message })));
      return await previewFilters(deps.records, row, { object, direction: body.direction, filters, fields });
    } catch (error) {
      if (error instanceof UpstreamError) throw upstreamFailure(error);
      if (error instanceof RetryAfterError && error.outcome.type === 'retry_after') {
        const seconds = Math.max(1, Math.ceil(error.outcome.delayMs / 1000));
        throw new HttpError(503, 'retry_later', `${error.message}. Try again in ${seconds} s.`, { headers: { 'retry-after': String(seconds) } });
      }
      throw error;
    }
  });
}
