// Batch read/create/update/upsert/archive (hubspot-api.md §5.7): at most 100 inputs; a failing
// input fails the whole batch, except on batch create when every input carries a distinct
// objectWriteTraceId (then 207 with errors[]). 2026-09 paths keep 200/201 and add errors/numErrors.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HubSpotError, errorPayload, validation } from '../errors.ts';
import { boolParam, crm, parseBody, register, type Query, type RouteTable, type Runtime } from '../http.ts';
import { isoTime, lookupObjectType, objectType } from './types.ts';
import { CreateInput, PropertiesInput } from './objects.ts';
import {
  archive, commitCreate, commitUpdate, find, findByUnique, isUniqueProperty, nonUnique, prepareCreate, prepareUpdate, serialize, type Ctx,
} from './records.ts';
import { randomUUID } from 'node:crypto';

const MAX_INPUTS = 100;
const MAX_HISTORY_INPUTS = 50;
const inputs = <T extends z.ZodType>(item: T) =>
  // The 100-input cap is documented (using-object-apis); the 400 text is UNCONFIRMED.
  z.array(item).max(MAX_INPUTS, `Batch inputs are limited to ${MAX_INPUTS} per request`);

const ReadBody = z.object({
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
  inputs: inputs(z.object({ id: z.union([z.string(), z.number()]).transform(String) })),
});
const CreateBody = z.object({ inputs: inputs(CreateInput) });
const UpdateBody = z.object({
  inputs: inputs(z.object({ id: z.union([z.string(), z.number()]).transform(String), idProperty: z.string().optional(), properties: PropertiesInput, objectWriteTraceId: z.string().optional() })),
});
const UpsertBody = z.object({
  inputs: inputs(z.object({ id: z.string(), idProperty: z.string(), properties: PropertiesInput, objectWriteTraceId: z.string().optional() })),
});
const ArchiveBody = z.object({ inputs: inputs(z.object({ id: z.union([z.string(), z.number()]).transform(String) })) });

type StandardError = Record<string, unknown>;

function envelope(ctx: Ctx, request: FastifyRequest, started: number, results: unknown[], errors: StandardError[], okStatus: number) {
  const completed = ctx.state.clock.now();
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: isoTime(started), completedAt: isoTime(completed) };
  if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors });
  // Classic paths answer 207 with errors; 2026-09 folds the 207 schema into 200/201 (hubspot-api.md §1).
  const dated = /\/20\d\d-\d\d\//.test(request.url);
  return { body, status: errors.length > 0 && !dated ? 207 : okStatus };
}

function standardError(error: HubSpotError, context: Record<string, string[]>): StandardError {
  const payload = errorPayload(error.body, randomUUID());
  delete payload.correlationId;
  return { ...payload, context: { ...(error.body.context ?? {}), ...context } };
}

export function registerBatch(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  const read = (p: Record<string, string>) => lookupObjectType(p.objectType ?? '')?.readScopes ?? [];
  const write = (p: Record<string, string>) => lookupObjectType(p.objectType ?? '')?.writeScopes ?? [];

  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType/batch/read'), scopes: read, limit: 'standard',
    handler: (request, reply, { ctx }) => {
      const started = ctx.state.clock.now();
      const info = objectType((request.params as { objectType: string }).objectType);
      const body = parseBody(ReadBody, request.body);
      const archived = boolParam((request.query as Query).archived);
      // Histories cap a batch read at 50 inputs; message as reported in [ISSUE:PipedreamHQ/pipedream#8462]
      // (status and category assumed: the usual 400 VALIDATION_ERROR).
      if ((body.propertiesWithHistory?.length ?? 0) > 0 && body.inputs.length > MAX_HISTORY_INPUTS) {
        throw validation(`The maximum number of inputs supported in a batch request for property histories is ${MAX_HISTORY_INPUTS}. Please reduce the number of items and try again`);
      }
      if (body.idProperty && body.idProperty !== 'hs_object_id' && !isUniqueProperty(ctx, info, body.idProperty)) throw nonUnique(info);
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const { id } of body.inputs) {
        try {
          results.push(serialize(ctx, info, find(ctx, info, id, body.idProperty, archived), { properties: body.properties, propertiesWithHistory: body.propertiesWithHistory }));
        } catch {
          missing.push(id);
        }
      }
      // Message as returned by HubSpot for unknown ids in batch/read (observed; not in hubspot-api.md).
      const errors = missing.length === 0 ? [] : [{
        status: 'error', category: 'OBJECT_NOT_FOUND',
        message: `Could not get some ${info.upper} objects, they may be deleted or not exist. Check that ids are valid.`,
        context: { ids: missing },
      }];
      const out = envelope(ctx, request, started, results, errors, 200);
      reply.code(out.status);
      return out.body;
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType/batch/create'), scopes: write, limit: 'standard',
    handler: (request, reply, { ctx }) => {
      const started = ctx.state.clock.now();
      const info = objectType((request.params as { objectType: string }).objectType);
      const body = parseBody(CreateBody, request.body);
      const traceIds = body.inputs.map((i) => i.objectWriteTraceId);
      const partial = traceIds.length > 0 && traceIds.every((t) => t !== undefined) && new Set(traceIds).size === traceIds.length;
      const results: unknown[] = [];
      const errors: StandardError[] = [];
      if (partial) {
        for (const input of body.inputs) {
          try {
            const record = commitCreate(ctx, prepareCreate(ctx, info, input));
            results.push({ ...serialize(ctx, info, record, { properties: Object.keys(record.properties) }), objectWriteTraceId: input.objectWriteTraceId });
          } catch (error) {
            if (!(error instanceof HubSpotError)) throw error;
            errors.push(standardError(error, { objectWriteTraceId: [input.objectWriteTraceId ?? ''] }));
          }
        }
      } else {
        // All or nothing: validate everything (duplicate emails inside the batch too) before writing.
        const prepared = body.inputs.map((input) => prepareCreate(ctx, info, input));
        if (info.name === 'contacts') {
          const seen = new Set<string>();
          for (const p of prepared) {
            const email = p.properties.email?.toLowerCase();
            if (email && seen.has(email)) throw validation(`Duplicate emails found in batch input: ${email}`);
            if (email) seen.add(email);
          }
        }
        for (const p of prepared) {
          const record = commitCreate(ctx, p);
          results.push(serialize(ctx, info, record, { properties: Object.keys(record.properties) }));
        }
      }
      const out = envelope(ctx, request, started, results, errors, 201);
      reply.code(out.status);
      return out.body;
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType/batch/update'), scopes: write, limit: 'standard',
    handler: (request, reply, { ctx }) => {
      const started = ctx.state.clock.now();
      const info = objectType((request.params as { objectType: string }).objectType);
      const body = parseBody(UpdateBody, request.body);
      // The same id twice refuses the whole batch; body as captured in a client's test fixture
      // (rudderlabs/rudder-transformer, HubSpot batch update: "…: [12877907025]. IDs must be unique", context.ids).
      const ids = body.inputs.map((i) => i.id);
      const duplicates = [...new Set(ids.filter((id, at) => ids.indexOf(id) !== at))];
      if (duplicates.length > 0) throw validation(`Duplicate IDs found in batch input: [${duplicates.join(', ')}]. IDs must be unique`, { context: { ids: duplicates } });
      // Batch update needs record ids for contacts; idProperty=email fails as in [ISSUE:HubSpot/hubspot-api-nodejs#548].
      const plan = body.inputs.map((input) => {
        if (input.idProperty && (input.idProperty === 'email' || !isUniqueProperty(ctx, info, input.idProperty))) throw nonUnique(info);
        const record = find(ctx, info, input.id, input.idProperty);
        return { record, properties: prepareUpdate(ctx, info, record, input.properties) };
      });
      const results = plan.map(({ record, properties }) => {
        commitUpdate(ctx, info, record, properties);
        return serialize(ctx, info, record, { properties: Object.keys(record.properties) });
      });
      const out = envelope(ctx, request, started, results, [], 200);
      reply.code(out.status);
      return out.body;
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType/batch/upsert'), scopes: write, limit: 'standard',
    handler: (request, reply, { ctx }) => {
      const started = ctx.state.clock.now();
      const info = objectType((request.params as { objectType: string }).objectType);
      const body = parseBody(UpsertBody, request.body);
      // All-or-nothing, as the docs advise for email upserts (hubspot-api.md §6).
      const seen = new Set<string>();
      const plan = body.inputs.map((input) => {
        if (!isUniqueProperty(ctx, info, input.idProperty)) throw nonUnique(info);
        const key = `${input.idProperty}\u0000${input.idProperty === 'email' ? input.id.toLowerCase() : input.id}`;
        if (seen.has(key)) throw validation(`Duplicate ${input.idProperty} values found in batch input: ${input.id}`);
        seen.add(key);
        const existing = findByUnique(ctx, info, input.idProperty, input.id);
        if (existing) return { existing, properties: prepareUpdate(ctx, info, existing, input.properties) };
        return { prepared: prepareCreate(ctx, info, { properties: { ...input.properties, [input.idProperty]: input.id } }) };
      });
      const results = plan.map((step) => {
        const record = step.existing ? commitUpdate(ctx, info, step.existing, step.properties) : commitCreate(ctx, step.prepared!);
        return { ...serialize(ctx, info, record, { properties: Object.keys(record.properties) }), new: !step.existing };
      });
      const out = envelope(ctx, request, started, results, [], 200);
      reply.code(out.status);
      return out.body;
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType/batch/archive'), scopes: write, limit: 'standard',
    handler: (request, reply, { ctx }) => {
      const info = objectType((request.params as { objectType: string }).objectType);
      const body = parseBody(ArchiveBody, request.body);
      for (const { id } of body.inputs) {
        const record = ctx.portal.records[info.name].get(id);
        if (record) archive(ctx, info, record);
      }
      reply.code(204);
      return undefined;
    },
  });
}
