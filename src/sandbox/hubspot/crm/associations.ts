// Associations v4 (hubspot-api.md §11–§12): record-level PUT default / PUT labelled / GET / DELETE,
// the batch endpoints, and association labels. Object ids come back as JSON numbers in v4 bodies.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { checkScopes } from '../auth.ts';
import { validation } from '../errors.ts';
import { associationPaths, crm, parseBody, register, stringParam, type Params, type Query, type RouteTable, type Runtime } from '../http.ts';
import type { AssociationTypeDef, Portal } from '../state.ts';
import {
  addTypes, associationsOf, checkSpec, removePair, removeTypes, replaceTypes, typesBetween, unlabeledType, type End,
} from './association-store.ts';
import { associationChanged } from './association-events.ts';
import { noteAssociated } from './engagement-dates.ts';
import type { Ctx } from './records.ts';
import { isoTime, lookupObjectType, objectType, type ObjectTypeInfo } from './types.ts';

const Spec = z.object({ associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']), associationTypeId: z.number().int() });
const Id = z.object({ id: z.union([z.string(), z.number()]).transform(String) });
const cap = (n: number) => `Batch inputs are limited to ${n} per request`;
const DefaultBody = z.object({ inputs: z.array(z.object({ from: Id, to: Id })).max(2000, cap(2000)) });
const CreateBody = z.object({ inputs: z.array(z.object({ from: Id, to: Id, types: z.array(Spec).min(1) })).max(2000, cap(2000)) });
const ReadBody = z.object({ inputs: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String), after: z.string().optional() })).max(1000, cap(1000)) });
const ArchiveBody = z.object({ inputs: z.array(z.object({ from: Id, to: z.array(Id) })).max(2000, cap(2000)) });
const LabelBody = z.object({ name: z.string().min(1), label: z.string().min(1), inverseLabel: z.string().optional() });

const typeJson = (d: AssociationTypeDef) => ({ category: d.category, typeId: d.typeId, label: d.label });
const num = (id: string) => Number(id);

function end(ctx: Ctx, info: ObjectTypeInfo, id: string): End {
  if (ctx.portal.records[info.name].get(id)?.archived !== false) {
    // Text UNCONFIRMED (hubspot-api.md §11.4).
    throw validation('One or more associations are invalid', { errors: [{ message: `No ${info.singular} with ID ${id} exists`, code: 'INVALID_OBJECT_IDS', context: { ids: [id] } }] });
  }
  return { info, id };
}

function defaultPair(ctx: Ctx, from: End, to: End) {
  const def = unlabeledType(ctx.portal, from.info.typeId, to.info.typeId);
  if (!def) throw validation(`No default association type exists from ${from.info.typeId} to ${to.info.typeId}`);
  addTypes(ctx.portal, from, to, [def]);
  associationChanged(ctx, from, to, false);
  noteAssociated(ctx, from, to);
  const spec = (d: AssociationTypeDef) => ({ associationCategory: d.category, associationTypeId: d.typeId });
  // Both directions listed (the docs do not show this; UNCONFIRMED, hubspot-api.md §11.2).
  return [
    { from: { id: from.id }, to: { id: to.id }, associationSpec: spec(def) },
    { from: { id: to.id }, to: { id: from.id }, associationSpec: { associationCategory: def.category, associationTypeId: def.inverseTypeId } },
  ];
}

function labelsBetween(ctx: Ctx, from: End, to: End) {
  const types = associationsOf(ctx.portal, from, to.info).find((a) => a.id === to.id)?.types ?? [];
  return {
    fromObjectTypeId: from.info.typeId, fromObjectId: num(from.id), toObjectTypeId: to.info.typeId, toObjectId: num(to.id),
    labels: types.map((t) => t.label).filter((l): l is string => l !== null),
  };
}

function listItems(portal: Portal, from: End, to: ObjectTypeInfo) {
  return associationsOf(portal, from, to).map((a) => ({ toObjectId: num(a.id), associationTypes: a.types.map(typeJson) }));
}

/** v4 paging cursors are opaque; base64 of the offset looks like HubSpot's ("MjAw"). */
const cursor = (offset: number) => Buffer.from(String(offset)).toString('base64');
const offsetOf = (after: string | undefined) => (after ? Number(Buffer.from(after, 'base64').toString()) || 0 : 0);

function page<T>(items: T[], after: string | undefined, limit: number) {
  const offset = offsetOf(after);
  const results = items.slice(offset, offset + limit);
  return offset + limit < items.length ? { results, paging: { next: { after: cursor(offset + limit) } } } : { results };
}

export function registerAssociations(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  const scopesOf = (segment: string | undefined, write: boolean) => {
    const info = lookupObjectType(segment ?? '');
    return info ? (write ? info.writeScopes : info.readScopes) : [];
  };
  const fromRead = (p: Params) => scopesOf(p.objectType ?? p.fromObjectType, false);
  const fromWrite = (p: Params) => scopesOf(p.objectType ?? p.fromObjectType, true);
  const record = (suffix: string) => [...crm('objects', suffix, 'v4')];
  const ends = (p: Params, write: boolean, token: Parameters<typeof checkScopes>[0]) => {
    const from = objectType(p.objectType ?? p.fromObjectType ?? '');
    const to = objectType(p.toObjectType ?? '');
    checkScopes(token, write ? to.writeScopes : to.readScopes);
    return { from, to };
  };

  register(app, rt, table, {
    method: 'PUT', paths: record('/:objectType/:objectId/associations/default/:toObjectType/:toObjectId'), scopes: fromWrite, limit: 'standard',
    handler: (request, _reply, { ctx, token }) => {
      const p = request.params as Params;
      const { from, to } = ends(p, true, token);
      const started = isoTime(ctx.state.clock.now());
      const results = defaultPair(ctx, end(ctx, from, p.objectId!), end(ctx, to, p.toObjectId!));
      return { status: 'COMPLETE', results, startedAt: started, completedAt: isoTime(ctx.state.clock.now()) };
    },
  });

  register(app, rt, table, {
    method: 'PUT', paths: record('/:objectType/:objectId/associations/:toObjectType/:toObjectId'), scopes: fromWrite, limit: 'standard',
    handler: (request, reply, { ctx, token }) => {
      const p = request.params as Params;
      const { from, to } = ends(p, true, token);
      const specs = parseBody(z.array(Spec).min(1), request.body);
      const a = end(ctx, from, p.objectId!);
      const b = end(ctx, to, p.toObjectId!);
      // The request's labels replace the pair's labels (associate-records guide).
      replaceTypes(ctx.portal, a, b, specs.map((s) => checkSpec(ctx.portal, from, to, s)));
      associationChanged(ctx, a, b, false);
      noteAssociated(ctx, a, b);
      reply.code(201);
      return labelsBetween(ctx, a, b);
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: record('/:objectType/:objectId/associations/:toObjectType'), scopes: fromRead, limit: 'standard',
    handler: (request, _reply, { ctx, token }) => {
      const p = request.params as Params;
      const { from, to } = ends(p, false, token);
      const query = request.query as Query;
      const limit = Math.min(Number(stringParam(query.limit) ?? 500) || 500, 500);
      return page(listItems(ctx.portal, { info: from, id: p.objectId! }, to), stringParam(query.after), limit);
    },
  });

  register(app, rt, table, {
    method: 'DELETE', paths: record('/:objectType/:objectId/associations/:toObjectType/:toObjectId'), scopes: fromWrite, limit: 'standard',
    handler: (request, reply, { ctx, token }) => {
      const p = request.params as Params;
      const { from, to } = ends(p, true, token);
      const pair = [{ info: from, id: p.objectId! }, { info: to, id: p.toObjectId! }] as const;
      if (removePair(ctx.portal, ...pair)) associationChanged(ctx, ...pair, true);
      reply.code(204);
      return undefined;
    },
  });

  const batch = (suffix: string) => associationPaths(`/:fromObjectType/:toObjectType/batch${suffix}`);
  const envelope = (ctx: Ctx, started: number, results: unknown[], extra: Record<string, unknown> = {}) =>
    ({ status: 'COMPLETE', results, ...extra, startedAt: isoTime(started), completedAt: isoTime(ctx.state.clock.now()) });

  // Batch and label endpoints are exempt from the ten-secondly limit [SPEC:assoc] (hubspot-api.md §3).
  register(app, rt, table, {
    method: 'POST', paths: batch('/associate/default'), scopes: fromWrite, limit: 'daily',
    handler: (request, _reply, { ctx, token }) => {
      const started = ctx.state.clock.now();
      const { from, to } = ends(request.params as Params, true, token);
      const body = parseBody(DefaultBody, request.body);
      const pairs = body.inputs.map((i) => [end(ctx, from, i.from.id), end(ctx, to, i.to.id)] as const);
      return envelope(ctx, started, pairs.flatMap(([a, b]) => defaultPair(ctx, a, b)));
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: batch('/create'), scopes: fromWrite, limit: 'daily',
    handler: (request, reply, { ctx, token }) => {
      const started = ctx.state.clock.now();
      const { from, to } = ends(request.params as Params, true, token);
      const body = parseBody(CreateBody, request.body);
      const plan = body.inputs.map((i) => ({ a: end(ctx, from, i.from.id), b: end(ctx, to, i.to.id), defs: i.types.map((s) => checkSpec(ctx.portal, from, to, s)) }));
      for (const { a, b, defs } of plan) {
        addTypes(ctx.portal, a, b, defs);
        associationChanged(ctx, a, b, false);
        noteAssociated(ctx, a, b);
      }
      reply.code(201);
      return envelope(ctx, started, plan.map(({ a, b }) => labelsBetween(ctx, a, b)));
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: batch('/read'), scopes: fromRead, limit: 'daily',
    handler: (request, reply, { ctx, token }) => {
      const started = ctx.state.clock.now();
      const { from, to } = ends(request.params as Params, false, token);
      const body = parseBody(ReadBody, request.body);
      const results: unknown[] = [];
      const errors: unknown[] = [];
      for (const input of body.inputs) {
        if (ctx.portal.records[from.name].get(input.id)?.archived !== false) {
          // An id that is no record of the from type (another type's id, say) is not found, like an
          // unknown one: ids are never read as another type's (hubspot-api.md §11.2, text UNCONFIRMED).
          errors.push({
            status: 'error', category: 'OBJECT_NOT_FOUND', subCategory: 'crm.associations.OBJECT_NOT_FOUND',
            message: `No ${from.singular} with ID ${input.id} exists.`, context: { fromObjectId: [input.id] },
          });
          continue;
        }
        const items = listItems(ctx.portal, { info: from, id: input.id }, to);
        if (items.length === 0) {
          // Ids with nothing associated come back in errors[] with 207 (exact body UNCONFIRMED, §11.2).
          errors.push({
            status: 'error', category: 'OBJECT_NOT_FOUND', subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
            message: `No ${to.singular} is associated with ${from.singular} ${input.id}.`, context: { fromObjectId: [input.id] },
          });
          continue;
        }
        const { results: targets, ...paging } = page(items, input.after, 500);
        results.push({ from: { id: input.id }, to: targets, ...paging });
      }
      const dated = /\/20\d\d-\d\d\//.test(request.url);
      if (errors.length > 0 && !dated) reply.code(207);
      return envelope(ctx, started, results, errors.length > 0 ? { numErrors: errors.length, errors } : {});
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: batch('/archive'), scopes: fromWrite, limit: 'daily',
    handler: (request, reply, { ctx, token }) => {
      const { from, to } = ends(request.params as Params, true, token);
      for (const input of parseBody(ArchiveBody, request.body).inputs) {
        for (const target of input.to) {
          const pair = [{ info: from, id: input.from.id }, { info: to, id: target.id }] as const;
          if (removePair(ctx.portal, ...pair)) associationChanged(ctx, ...pair, true);
        }
      }
      reply.code(204);
      return undefined;
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: batch('/labels/archive'), scopes: fromWrite, limit: 'daily',
    handler: (request, reply, { ctx, token }) => {
      const { from, to } = ends(request.params as Params, true, token);
      const body = parseBody(CreateBody, request.body);
      const plan = body.inputs.map((i) => ({ i, defs: i.types.map((s) => checkSpec(ctx.portal, from, to, s)) }));
      for (const { i, defs } of plan) {
        const a = { info: from, id: i.from.id };
        const b = { info: to, id: i.to.id };
        removeTypes(ctx.portal, a, b, defs);
        // A label removed is a change of the pair; removing its unlabeled type removes the pair.
        associationChanged(ctx, a, b, !associationsOf(ctx.portal, a, to).some((x) => x.id === b.id));
      }
      reply.code(204);
      return undefined;
    },
  });

  const labels = associationPaths('/:fromObjectType/:toObjectType/labels', ['/crm/associations/v4/:fromObjectType/:toObjectType/labels']);
  register(app, rt, table, {
    method: 'GET', paths: labels, scopes: fromRead, limit: 'daily',
    handler: (request, _reply, { ctx, token }) => {
      const { from, to } = ends(request.params as Params, false, token);
      return { results: typesBetween(ctx.portal, from.typeId, to.typeId).map(typeJson) };
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: labels, scopes: fromWrite, limit: 'daily',
    handler: (request, _reply, { ctx, token }) => {
      const { from, to } = ends(request.params as Params, true, token);
      const body = parseBody(LabelBody, request.body);
      const forward = Number(ctx.state.ids.next('hubspot-association-type'));
      const same = from.typeId === to.typeId && body.inverseLabel === undefined;
      const inverse = same ? forward : Number(ctx.state.ids.next('hubspot-association-type'));
      const make = (typeId: number, inverseTypeId: number, f: ObjectTypeInfo, t: ObjectTypeInfo, label: string): AssociationTypeDef =>
        ({ typeId, inverseTypeId, fromTypeId: f.typeId, toTypeId: t.typeId, category: 'USER_DEFINED', label, name: body.name, unlabeled: false, primary: false });
      const created = [make(forward, inverse, from, to, body.label)];
      if (!same) created.push(make(inverse, forward, to, from, body.inverseLabel ?? body.label));
      ctx.portal.userTypes.push(...created);
      return { results: created.map(typeJson) };
    },
  });
}
