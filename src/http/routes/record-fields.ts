// The Fields tab's and the sync status panel's API (#18 items 1, 4): live field lists, a mapping
// list checked or previewed before it is saved, and the sync counts. Thin: src/records decides.
import type { FastifyInstance } from 'fastify';
import { getConnection, type Connection } from '../../db/repos/connections.ts';
import { checkMappingList, type MappingListCheck } from '../../records/check-mapping-list.ts';
import type { CataloguedFields } from '../../records/field-catalogue.ts';
import { fieldLists } from '../../records/field-list.ts';
import type { RecordObject } from '../../records/field-mapping.ts';
import { PreviewSampleNotFoundError, previewInput, previewMappings } from '../../records/mapping-preview.ts';
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
    return { unavailable: 'The connection is not connected to both Intercom and HubSpot yet' };
  }
  if (fresh) records.catalogue.forget(row.id);
  try {
    return { fields: await records.catalogue.fieldsOf(row, object) };
  } catch (error) {
    return { unavailable: `The accounts' fields could not be read now (${describeError(error)})` };
  }
}

/** Input no mapping editor sends is a 400 naming each path, as parseBody's. */
function refuseMalformed(check: MappingListCheck): MappingListCheck {
  if (check.malformed.length === 0) return check;
  throw new HttpError(400, 'invalid_request', `The request body is invalid: ${check.malformed.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}.`, { details: check.malformed });
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
    return 'fields' in live ? fieldLists(object, live.fields) : { ...fieldLists(object, undefined), unavailable: `${live.unavailable}: only the standard fields are listed.` };
  });

  app.post<ByObject>('/api/connections/:id/records/:object/mappings/check', async (request): Promise<MappingCheckAnswer> => {
    const object = objectOf(request.params.object);
    const body = parseBody(MappingCheckBody, request.body);
    const row = await load(request.params.id);
    const live = await liveFields(deps.records, row, object);
    const check = refuseMalformed(checkMappingList(object, body.mappings, 'fields' in live ? live.fields : undefined));
    return { ok: check.problems.length === 0, problems: check.problems, ...('unavailable' in live ? { unavailable: `${live.unavailable}: the types were not checked.` } : {}) };
  });

  // The answer carries live values of the sample record: it is sent, never logged (Fastify logs no
  // bodies; the onResponse line has the status and timing only) nor stored.
  app.post<ByObject>('/api/connections/:id/records/:object/mappings/preview', async (request): Promise<MappingPreviewAnswer> => {
    const object = objectOf(request.params.object);
    const body = parseBody(MappingPreviewBody, request.body);
    const row = await load(request.params.id);
    const check = refuseMalformed(checkMappingList(object, body.mappings, undefined));
    try {
      return await previewMappings(deps.records, row, object, { ...previewInput(check, body.mappings), ...(body.intercomId !== undefined ? { intercomId: body.intercomId } : {}) });
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
