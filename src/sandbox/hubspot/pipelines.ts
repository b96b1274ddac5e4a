// Ticket pipelines (hubspot-api.md §14): the seeded default pipeline "0" with stages 1–4, create,
// read, stages, archive, and 404 for unknown or archived pipelines. Deal pipelines (the seeded
// "default" sales pipeline, crm/deals.ts) are served for reading; writing them is not simulated.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HubSpotError, validation } from './errors.ts';
import { boolParam, crm, parseBody, register, type Params, type Query, type RouteTable, type Runtime } from './http.ts';
import type { Pipeline, PipelineStage, Portal } from './state.ts';
import { isoTime, lookupObjectType } from './crm/types.ts';

const StageInput = z.object({ label: z.string().min(1), displayOrder: z.number().int().default(0), metadata: z.record(z.string(), z.string()).default({}) });
const PipelineInput = z.object({ label: z.string().min(1), displayOrder: z.number().int().default(0), stages: z.array(StageInput).min(1).max(100) });

// Any object read scope reads pipelines [SPEC:pipelines] (hubspot-api.md §2.7).
const READ = ['tickets', 'crm.objects.contacts.read', 'crm.objects.companies.read', 'crm.objects.deals.read', 'crm.schemas.tickets.read'];
const WRITE = ['tickets', 'crm.schemas.tickets.write'];

const stageJson = (s: PipelineStage) => ({
  id: s.id, label: s.label, displayOrder: s.displayOrder, metadata: s.metadata, archived: s.archived,
  createdAt: isoTime(s.createdAt), updatedAt: isoTime(s.updatedAt), writePermissions: s.writePermissions,
});
const pipelineJson = (p: Pipeline) => ({
  id: p.id, label: p.label, displayOrder: p.displayOrder, archived: p.archived,
  createdAt: isoTime(p.createdAt), updatedAt: isoTime(p.updatedAt), stages: p.stages.filter((s) => !s.archived).map(stageJson),
});

function ticketsOnly(params: Params): void {
  const type = lookupObjectType(params.objectType ?? '')?.name;
  // Deal pipelines can be written at HubSpot; the simulator does not (yet): a plain 400 says so.
  if (type === 'deals') throw validation('The simulator serves deal pipelines read-only');
  if (type !== 'tickets') throw validation(`Unable to infer object type from: ${params.objectType}`);
}

/** The pipelines a read names: tickets' or deals'. */
function pipelinesOf(portal: Portal, params: Params): Map<string, Pipeline> {
  const type = lookupObjectType(params.objectType ?? '')?.name;
  if (type === 'deals') return portal.dealPipelines;
  if (type !== 'tickets') throw validation(`Unable to infer object type from: ${params.objectType}`);
  return portal.pipelines;
}

function pipeline(pipelines: Map<string, Pipeline>, id: string): Pipeline {
  const found = pipelines.get(id);
  // 404 for an unknown or archived pipeline [SPEC:pipelines info]; the text is UNCONFIRMED.
  if (!found || found.archived) throw new HubSpotError(404, { message: `Unable to find pipeline ${id}`, category: 'OBJECT_NOT_FOUND' });
  return found;
}

function uniqueLabels(stages: Array<{ label: string }>): void {
  const labels = stages.map((s) => s.label.toLowerCase());
  if (new Set(labels).size !== labels.length) throw validation('Stage labels must be unique within a pipeline');
}

export function registerPipelines(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  const now = () => rt.state.clock.now();
  const makeStage = (input: z.infer<typeof StageInput>): PipelineStage => ({
    id: rt.state.ids.next('hubspot-stage'), label: input.label, displayOrder: input.displayOrder, metadata: input.metadata,
    archived: false, createdAt: now(), updatedAt: now(), writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('pipelines', '/:objectType'), scopes: () => READ, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const archived = boolParam((request.query as Query).archived);
      return { results: [...pipelinesOf(portal, request.params as Params).values()].filter((p) => p.archived === archived).map(pipelineJson) };
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('pipelines', '/:objectType'), scopes: () => WRITE, limit: 'standard',
    handler: (request, reply, { portal }) => {
      ticketsOnly(request.params as Params);
      const input = parseBody(PipelineInput, request.body);
      uniqueLabels(input.stages);
      const created: Pipeline = {
        id: rt.state.ids.next('hubspot-pipeline'), label: input.label, displayOrder: input.displayOrder, archived: false,
        createdAt: now(), updatedAt: now(), stages: input.stages.map(makeStage),
      };
      portal.pipelines.set(created.id, created);
      reply.code(201);
      return pipelineJson(created);
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('pipelines', '/:objectType/:pipelineId'), scopes: () => READ, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const params = request.params as Params;
      return pipelineJson(pipeline(pipelinesOf(portal, params), params.pipelineId!));
    },
  });

  register(app, rt, table, {
    method: 'DELETE', paths: crm('pipelines', '/:objectType/:pipelineId'), scopes: () => WRITE, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const params = request.params as Params;
      ticketsOnly(params);
      const found = pipeline(portal.pipelines, params.pipelineId!);
      if (boolParam((request.query as Query).validateReferencesBeforeDelete)) {
        const stageIds = new Set(found.stages.map((s) => s.id));
        const using = [...portal.records.tickets.values()].filter((t) => !t.archived && t.properties.hs_pipeline === found.id && stageIds.has(t.properties.hs_pipeline_stage ?? ''));
        if (using.length > 0) {
          // Pipelines guide: blocked delete → 400 with this subCategory and message.
          throw validation(`Stage IDs: [${[...new Set(using.map((t) => t.properties.hs_pipeline_stage))].join(', ')}] are being referenced by object IDs: [${using.map((t) => t.id).join(', ')}]`, { subCategory: 'PipelineError.STAGE_ID_IN_USE' });
        }
      }
      found.archived = true;
      found.updatedAt = now();
      reply.code(204);
      return undefined;
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('pipelines', '/:objectType/:pipelineId/stages'), scopes: () => READ, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const params = request.params as Params;
      return { results: pipeline(pipelinesOf(portal, params), params.pipelineId!).stages.filter((s) => !s.archived).map(stageJson) };
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('pipelines', '/:objectType/:pipelineId/stages'), scopes: () => WRITE, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const params = request.params as Params;
      ticketsOnly(params);
      const found = pipeline(portal.pipelines, params.pipelineId!);
      const input = parseBody(StageInput, request.body);
      if (found.stages.length >= 100) throw validation('Ticket pipelines allow at most 100 stages');
      uniqueLabels([...found.stages.filter((s) => !s.archived), input]);
      const created = makeStage(input);
      found.stages.push(created);
      reply.code(201);
      return stageJson(created);
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('pipelines', '/:objectType/:pipelineId/stages/:stageId'), scopes: () => READ, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const params = request.params as Params;
      const stage = pipeline(pipelinesOf(portal, params), params.pipelineId!).stages.find((s) => s.id === params.stageId && !s.archived);
      if (!stage) throw new HubSpotError(404, { message: `Unable to find stage ${params.stageId}`, category: 'OBJECT_NOT_FOUND' });
      return stageJson(stage);
    },
  });
}
