// The Fields tab's and the sync status panel's API (#18 items 1, 4): live field lists, a mapping
// list checked or previewed before it is saved, and the sync counts. Thin: src/records decides.
import type { FastifyInstance } from 'fastify';
import { getConnection, type Connection } from '../../db/repos/connections.ts';
import { checkMappingList } from '../../records/check-mapping-list.ts';
import type { CataloguedFields } from '../../records/field-catalogue.ts';
import { fieldLists } from '../../records/field-list.ts';
import type { RecordObject } from '../../records/field-mapping.ts';
import { PreviewSampleNotFoundError, previewMappings, type RefusedMapping } from '../../records/mapping-preview.ts';
import { createSyncStatus } from '../../records/sync-status.ts';
import type { RecordSyncDeps } from '../../records/sync-record.ts';
import { MappingCheckBody, MappingPreviewBody, RecordFieldsQuery, type MappingCheckAnswer, type MappingPreviewAnswer, type RecordFieldsAnswer } from '../api/record-fields.ts';
import type { SyncStatusAnswer } from '../api/sync-status.ts';
import { HttpError, notFound, parseBody, parseQuery } from '../errors.ts';

const OBJECTS = ['contacts', 'companies'] as const;
const isObject = (value: string): value is RecordObject => (OBJECTS as readonly string[]).includes(value);

type ById = { Params: { id: string } };
type ByObject = { Params: { id: string; object: string } };

export interface RecordFieldsDeps {
  records: RecordSyncDeps;
  clock: () => number;
}

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The accounts' fields, or why they cannot be read now (the answer says so instead of failing). */
async function liveFields(records: RecordSyncDeps, row: Connection, object: RecordObject, fresh = false): Promise<{ fields: CataloguedFields } | { unavailable: string }> {
  if (row.intercomWorkspaceId === null || row.hubspotPortalId === null) {
    return { unavailable: 'The connection is not connected to both Intercom and HubSpot yet: only the standard fields are listed.' };
  }
  if (fresh) records.catalogue.forget(row.id);
  try {
    return { fields: await records.catalogue.fieldsOf(row, object) };
  } catch (error) {
    return { unavailable: `The accounts' fields could not be read now (${describeError(error)}): only the standard fields are listed.` };
  }
}

export function recordFieldRoutes(app: FastifyInstance, deps: RecordFieldsDeps): void {
  const status = createSyncStatus({ db: deps.records.db, clients: deps.records.clients, now: deps.clock });
  const load = async (id: string): Promise<Connection> => (await getConnection(deps.records.db, id)) ?? Promise.reject(notFound('A connection with that id'));
  const objectOf = (object: string): RecordObject => {
    if (!isObject(object)) throw new HttpError(404, 'not_found', `'${object}' is not a record type: use contacts or companies`);
    return object;
  };

  app.get<ByObject>('/api/connections/:id/records/:object/fields', async (request): Promise<RecordFieldsAnswer> => {
    const object = objectOf(request.params.object);
    const query = parseQuery(RecordFieldsQuery, request.query);
    const row = await load(request.params.id);
    const live = await liveFields(deps.records, row, object, query.fresh === 'true');
    return 'fields' in live ? fieldLists(object, live.fields) : { ...fieldLists(object, undefined), unavailable: live.unavailable };
  });

  app.post<ByObject>('/api/connections/:id/records/:object/mappings/check', async (request): Promise<MappingCheckAnswer> => {
    const object = objectOf(request.params.object);
    const body = parseBody(MappingCheckBody, request.body);
    const row = await load(request.params.id);
    const live = await liveFields(deps.records, row, object);
    const check = checkMappingList(object, body.mappings, 'fields' in live ? live.fields : undefined);
    if (check.malformed.length > 0) {
      throw new HttpError(400, 'invalid_request', `The request body is invalid: ${check.malformed.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}.`, { details: check.malformed });
    }
    return { ok: check.problems.length === 0, problems: check.problems, ...('unavailable' in live ? { unavailable: live.unavailable.replace(/only the standard fields are listed\.$/, 'the types were not checked.') } : {}) };
  });

  // The answer carries live values of the sample record: it is sent, never logged (Fastify logs no
  // bodies; the onResponse line has the status and timing only) nor stored.
  app.post<ByObject>('/api/connections/:id/records/:object/mappings/preview', async (request): Promise<MappingPreviewAnswer> => {
    const object = objectOf(request.params.object);
    const body = parseBody(MappingPreviewBody, request.body);
    const row = await load(request.params.id);
    const check = checkMappingList(object, body.mappings, undefined);
    if (check.malformed.length > 0) {
      throw new HttpError(400, 'invalid_request', `The request body is invalid: ${check.malformed.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}.`, { details: check.malformed });
    }
    // A mapping the schema refuses is shown skipped with its problem; the others are previewed.
    const refusedAt = new Set(check.problems.map((problem) => problem.index));
    const refused = check.mappings.flatMap((mapping, index): RefusedMapping[] => {
      if (!refusedAt.has(index)) return [];
      const given = (body.mappings[index] ?? {}) as Partial<Record<'intercom' | 'hubspot' | 'direction', unknown>>;
      const text = (value: unknown) => (typeof value === 'string' ? value : '');
      const direction = mapping?.direction ?? (given.direction === 'to_intercom' || given.direction === 'both' ? given.direction : 'to_hubspot');
      const reason = check.problems.filter((problem) => problem.index === index).map((problem) => `${problem.key}: ${problem.message}`).join('; ');
      return [{ index, intercom: mapping?.intercom ?? text(given.intercom), hubspot: mapping?.hubspot ?? text(given.hubspot), direction, reason }];
    });
    const mappings = check.saved ?? check.mappings.filter((mapping, index): mapping is NonNullable<typeof mapping> => mapping !== undefined && !refusedAt.has(index));
    try {
      return await previewMappings(deps.records, row, object, { mappings, refused, ...(body.intercomId !== undefined ? { intercomId: body.intercomId } : {}) });
    } catch (error) {
      if (error instanceof PreviewSampleNotFoundError) throw new HttpError(404, 'not_found', `${error.message}.`);
      throw error;
    }
  });

  app.get<ById>('/api/connections/:id/records/status', async (request): Promise<SyncStatusAnswer> => {
    const row = await load(request.params.id);
    return status.statusOf(row);
  });
}
