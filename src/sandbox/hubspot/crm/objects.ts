// /crm/v3/objects/{type} and /crm/objects/2026-0x/{type}: list, create, read, update, archive and
// search (hubspot-api.md §5, §10).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validation } from '../errors.ts';
import { boolParam, crm, listParam, parseBody, register, stringParam, type Query, type RouteTable, type Runtime } from '../http.ts';
import type { CrmRecord } from '../state.ts';
import { associationsOf } from './association-store.ts';
import { archive, commitCreate, commitUpdate, find, prepareCreate, prepareUpdate, serialize, type Ctx, type ReadOptions } from './records.ts';
import { registerMerge } from './merge.ts';
import { checkLimits, search, SearchRequest } from './search.ts';
import { lookupObjectType, objectType, type ObjectTypeInfo } from './types.ts';

export const PropertiesInput = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const AssociationInput = z.object({
  to: z.object({ id: z.union([z.string(), z.number()]) }),
  types: z.array(z.object({
    associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED', 'WORK']),
    associationTypeId: z.number().int(),
  })),
});
// The spec marks `associations` required, the docs omit it: both are accepted (hubspot-api.md §5.5).
export const CreateInput = z.object({
  properties: PropertiesInput.default({}),
  associations: z.array(AssociationInput).optional(),
  objectWriteTraceId: z.string().optional(),
});
const UpdateInput = z.object({ properties: PropertiesInput, objectWriteTraceId: z.string().optional() });

const readScopes = (params: Record<string, string>) => lookupObjectType(params.objectType ?? '')?.readScopes ?? [];
const writeScopes = (params: Record<string, string>) => lookupObjectType(params.objectType ?? '')?.writeScopes ?? [];

/** `associations=companies,notes` on GET: the v3 shape [{id, type}] per association type. */
function associationOptions(ctx: Ctx, info: ObjectTypeInfo, names: string[] | undefined): ReadOptions['associations'] {
  return (names ?? []).flatMap((name) => {
    const to = lookupObjectType(name);
    if (!to) return []; // unknown types are ignored (using-object-apis)
    const list = (record: CrmRecord) =>
      associationsOf(ctx.portal, { info, id: record.id }, to).flatMap((a) => a.types.map((t) => ({ id: a.id, type: t.name })));
    return [{ info: to, list }];
  });
}

function limitParam(value: string | string[] | undefined, fallback: number, max: number): number {
  const raw = stringParam(value);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  // The cap and its 400 are documented, the text is UNCONFIRMED (hubspot-api.md §5 checklist).
  if (!Number.isInteger(n) || n < 1 || n > max) throw validation(`limit must be an integer between 1 and ${max}, got ${raw}`);
  return n;
}

export function registerObjects(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  // POST …/{type}/merge (crm/merge.ts): a fixed segment like search.
  registerMerge(app, rt, table);
  register(app, rt, table, {
    method: 'GET', paths: crm('objects', '/:objectType'), scopes: readScopes, limit: 'standard',
    handler: (request, _reply, { ctx }) => {
      const info = objectType((request.params as { objectType: string }).objectType);
      const query = request.query as Query;
      const limit = limitParam(query.limit, 10, 100);
      const after = Number(stringParam(query.after) ?? 0);
      const archived = boolParam(query.archived);
      const options = {
        properties: listParam(query.properties), propertiesWithHistory: listParam(query.propertiesWithHistory),
        associations: associationOptions(ctx, info, listParam(query.associations)),
      };
      const page: CrmRecord[] = [];
      let next: CrmRecord | undefined;
      // `after` is the next record's id: ids grow with creation, so it doubles as a position.
      for (const record of ctx.portal.records[info.name].values()) {
        if (record.archived !== archived || Number(record.id) < after) continue;
        if (page.length === limit) {
          next = record;
          break;
        }
        page.push(record);
      }
      const results = page.map((r) => serialize(ctx, info, r, options));
      if (!next) return { results };
      const link = `${request.url.split('?')[0]}?limit=${limit}&after=${next.id}`;
      return { results, paging: { next: { after: next.id, link } } };
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType'), scopes: writeScopes, limit: 'standard',
    handler: (request, reply, { ctx }) => {
      const info = objectType((request.params as { objectType: string }).objectType);
      const input = parseBody(CreateInput, request.body);
      const record = commitCreate(ctx, prepareCreate(ctx, info, input));
      reply.code(201);
      return serialize(ctx, info, record, { properties: Object.keys(record.properties) });
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('objects', '/:objectType/:objectId'), scopes: readScopes, limit: 'standard',
    handler: (request, _reply, { ctx }) => {
      const { objectType: type, objectId } = request.params as { objectType: string; objectId: string };
      const info = objectType(type);
      const query = request.query as Query;
      const record = find(ctx, info, objectId, stringParam(query.idProperty), boolParam(query.archived));
      return serialize(ctx, info, record, {
        properties: listParam(query.properties), propertiesWithHistory: listParam(query.propertiesWithHistory),
        associations: associationOptions(ctx, info, listParam(query.associations)),
      });
    },
  });

  register(app, rt, table, {
    method: 'PATCH', paths: crm('objects', '/:objectType/:objectId'), scopes: writeScopes, limit: 'standard',
    handler: (request, _reply, { ctx }) => {
      const { objectType: type, objectId } = request.params as { objectType: string; objectId: string };
      const info = objectType(type);
      const record = find(ctx, info, objectId, stringParam((request.query as Query).idProperty));
      const input = parseBody(UpdateInput, request.body);
      commitUpdate(ctx, info, record, prepareUpdate(ctx, info, record, input.properties));
      return serialize(ctx, info, record, { properties: Object.keys(record.properties) });
    },
  });

  register(app, rt, table, {
    method: 'DELETE', paths: crm('objects', '/:objectType/:objectId'), scopes: writeScopes, limit: 'standard',
    handler: (request, reply, { ctx }) => {
      const { objectType: type, objectId } = request.params as { objectType: string; objectId: string };
      const info = objectType(type);
      const record = ctx.portal.records[info.name].get(objectId);
      // Archiving is idempotent: an already archived or unknown id answers 204 as well.
      if (record) archive(ctx, info, record);
      reply.code(204);
      return undefined;
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType/search'), scopes: readScopes, limit: 'search',
    handler: (request, _reply, { ctx }) => {
      const info = objectType((request.params as { objectType: string }).objectType);
      const input = parseBody(SearchRequest, request.body ?? {});
      checkLimits(input, ctx.state.settings.searchFilterCaps);
      const { total, hits, next } = search(ctx.portal, info, input, ctx.state.clock.now());
      const results = hits.map((hit) => serialize(ctx, info, hit.record, { properties: input.properties, source: hit.properties }));
      return next === undefined ? { total, results } : { total, results, paging: { next: { after: next } } };
    },
  });
}
