// Properties and property groups (hubspot-api.md §13): list, read, create with the documented
// type/fieldType matrix, update, archive, batch create/read/archive; groups list/read/create/
// update/archive. Records reject unknown properties, and a created hasUniqueValue property becomes
// usable as idProperty. Every route also answers on 2026-09 (hubspot-routes-2026-09.md "CRM Properties").
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HubSpotError, validation } from './errors.ts';
import { boolParam, crm, parseBody, register, type Params, type Query, type RouteTable, type Runtime } from './http.ts';
import type { Portal, PropertyDef, PropertyGroup } from './state.ts';
import { isoTime, lookupObjectType, objectType, type ObjectTypeName } from './crm/types.ts';

// Properties guide, "Valid type and fieldType pairs".
const FIELD_TYPES: Record<string, string[]> = {
  string: ['text', 'textarea', 'html', 'phonenumber', 'file', 'calculation_equation'],
  number: ['number', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  phone_number: ['phonenumber'],
};

const Option = z.object({ label: z.string(), value: z.string(), hidden: z.boolean().default(false), displayOrder: z.number().int().default(0), description: z.string().optional() });
const PropertyCreate = z.object({
  name: z.string().min(1), label: z.string().min(1), type: z.string(), fieldType: z.string(), groupName: z.string().min(1),
  description: z.string().default(''), options: z.array(Option).default([]), displayOrder: z.number().int().default(-1),
  hasUniqueValue: z.boolean().default(false), hidden: z.boolean().default(false), formField: z.boolean().default(false),
  externalOptions: z.boolean().optional(), referencedObjectType: z.string().optional(), calculationFormula: z.string().optional(),
  dataSensitivity: z.string().optional(), numberDisplayHint: z.string().optional(), textDisplayHint: z.string().optional(),
  showCurrencySymbol: z.boolean().optional(), currencyPropertyName: z.string().optional(),
});
const PropertyUpdate = z.object({
  label: z.string().optional(), description: z.string().optional(), groupName: z.string().optional(), options: z.array(Option).optional(),
  displayOrder: z.number().int().optional(), hidden: z.boolean().optional(), formField: z.boolean().optional(), type: z.string().optional(), fieldType: z.string().optional(),
});
const GroupCreate = z.object({ name: z.string().min(1), label: z.string().min(1), displayOrder: z.number().int().default(-1) });
const GroupUpdate = z.object({ label: z.string().min(1).optional(), displayOrder: z.number().int().optional() });
// Batch bodies [SPEC:properties BatchInputPropertyCreate / BatchReadInputPropertyName / BatchInputPropertyName].
const BatchCreate = z.object({ inputs: z.array(PropertyCreate) });
const BatchNames = z.object({ inputs: z.array(z.object({ name: z.string() })), archived: z.boolean().default(false) });

const propertyJson = (p: PropertyDef) => ({
  updatedAt: isoTime(p.updatedAt), createdAt: isoTime(p.createdAt), name: p.name, label: p.label, type: p.type, fieldType: p.fieldType,
  description: p.description, groupName: p.groupName, options: p.options, displayOrder: p.displayOrder, calculated: p.calculated,
  externalOptions: p.externalOptions, hasUniqueValue: p.hasUniqueValue, hidden: p.hidden, hubspotDefined: p.hubspotDefined,
  modificationMetadata: { archivable: !p.hubspotDefined, readOnlyDefinition: p.hubspotDefined, readOnlyValue: p.readOnlyValue },
  formField: p.formField, dataSensitivity: 'non_sensitive', archived: p.archived,
  ...(p.referencedObjectType ? { referencedObjectType: p.referencedObjectType } : {}),
});
const groupJson = (g: PropertyGroup) => ({ name: g.name, label: g.label, displayOrder: g.displayOrder, archived: g.archived });

function checkTypes(type: string, fieldType: string, options: unknown[]): void {
  const allowed = FIELD_TYPES[type];
  // Texts UNCONFIRMED (hubspot-api.md §19.3); the 400 VALIDATION_ERROR is documented.
  if (!allowed) throw validation(`Invalid property type: ${type}`);
  if (!allowed.includes(fieldType)) throw validation(`Invalid fieldType "${fieldType}" for type "${type}". Allowed: ${allowed.join(', ')}`);
  if (type === 'enumeration' && fieldType !== 'booleancheckbox' && options.length === 0) throw validation('Enumeration properties need options');
}

function createProperty(portal: Portal, type: ObjectTypeName, input: z.infer<typeof PropertyCreate>, at: number): PropertyDef {
  checkTypes(input.type, input.fieldType, input.options);
  const group = portal.groups[type].get(input.groupName);
  if (!group || group.archived) throw validation(`Property group ${input.groupName} does not exist`);
  // 409 on an existing name; text UNCONFIRMED (hubspot-api.md §13.2).
  if (portal.properties[type].has(input.name)) throw new HubSpotError(409, { message: `Property named '${input.name}' already exists.`, category: 'CONFLICT' });
  const created: PropertyDef = {
    name: input.name, label: input.label, type: input.type, fieldType: input.fieldType, groupName: input.groupName,
    description: input.description, options: input.options, displayOrder: input.displayOrder, hasUniqueValue: input.hasUniqueValue,
    hidden: input.hidden, formField: input.formField, hubspotDefined: false, readOnlyValue: input.calculationFormula !== undefined,
    calculated: input.calculationFormula !== undefined, externalOptions: input.externalOptions ?? false,
    ...(input.referencedObjectType ? { referencedObjectType: input.referencedObjectType } : {}),
    createdAt: at, updatedAt: at, archived: false,
  };
  portal.properties[type].set(created.name, created);
  return created;
}

/** The batch envelope of the CRM APIs: 207 with errors on classic paths, the success code with errors on dated ones (hubspot-api.md §1). */
function batchAnswer(reply: FastifyReply, url: string, started: number, completed: number, results: unknown[], errors: unknown[], okStatus: number) {
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt: isoTime(started), completedAt: isoTime(completed) };
  if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors });
  reply.code(errors.length > 0 && !/\/20\d\d-\d\d\//.test(url) ? 207 : okStatus);
  return body;
}

const notFound = (what: string) => new HubSpotError(404, { message: `${what} does not exist`, category: 'OBJECT_NOT_FOUND' });

export function registerProperties(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  const read = (p: Params) => {
    const info = lookupObjectType(p.objectType ?? '');
    return info ? [...info.readScopes, `crm.schemas.${info.name}.read`] : [];
  };
  const write = (p: Params) => lookupObjectType(p.objectType ?? '')?.schemaWriteScopes ?? [];
  const now = () => rt.state.clock.now();

  register(app, rt, table, {
    method: 'GET', paths: crm('properties', '/:objectType'), scopes: read, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const info = objectType((request.params as Params).objectType!);
      const archived = boolParam((request.query as Query).archived);
      return { results: [...portal.properties[info.name].values()].filter((p) => p.archived === archived && p.name !== '').map(propertyJson) };
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('properties', '/:objectType'), scopes: write, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const info = objectType((request.params as Params).objectType!);
      const created = createProperty(portal, info.name, parseBody(PropertyCreate, request.body), now());
      reply.code(201);
      return propertyJson(created);
    },
  });

  // Batch create: each input on its own; failures are reported beside the created ones, 207 on the
  // classic path (hubspot-api.md §13.1 "201 or 207") and 201 with errors on 2026-09 (§1).
  register(app, rt, table, {
    method: 'POST', paths: crm('properties', '/:objectType/batch/create'), scopes: write, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const started = now();
      const info = objectType((request.params as Params).objectType!);
      const body = parseBody(BatchCreate, request.body);
      const results: unknown[] = [];
      const errors: unknown[] = [];
      for (const input of body.inputs) {
        try {
          results.push(propertyJson(createProperty(portal, info.name, input, now())));
        } catch (error) {
          if (!(error instanceof HubSpotError)) throw error;
          errors.push({ status: 'error', category: error.body.category, message: error.body.message, context: { name: [input.name] } });
        }
      }
      return batchAnswer(reply, request.url, started, now(), results, errors, 201);
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('properties', '/:objectType/batch/read'), scopes: read, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const started = now();
      const info = objectType((request.params as Params).objectType!);
      const body = parseBody(BatchNames, request.body);
      const found = body.inputs.map(({ name }) => portal.properties[info.name].get(name)).filter((p): p is PropertyDef => p !== undefined && p.archived === body.archived);
      const missing = body.inputs.map(({ name }) => name).filter((name) => !found.some((p) => p.name === name));
      // Wording UNCONFIRMED; the OBJECT_NOT_FOUND category and 207 follow the objects' batch/read.
      const errors = missing.length === 0 ? [] : [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: `Could not find some properties: ${missing.join(', ')}`, context: { names: missing } }];
      return batchAnswer(reply, request.url, started, now(), found.map(propertyJson), errors, 200);
    },
  });

  // 204 "regardless of the initial state of the property (active, archived, non-existent)" [SPEC:properties].
  register(app, rt, table, {
    method: 'POST', paths: crm('properties', '/:objectType/batch/archive'), scopes: write, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const info = objectType((request.params as Params).objectType!);
      const body = parseBody(BatchNames, request.body);
      const defs = body.inputs.map(({ name }) => portal.properties[info.name].get(name));
      const builtIn = defs.find((p) => p?.hubspotDefined);
      if (builtIn) throw validation(`Property ${builtIn.name} is a HubSpot-defined property and cannot be archived`);
      for (const p of defs) if (p) p.archived = true;
      reply.code(204);
      return undefined;
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('properties', '/:objectType/groups'), scopes: read, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const info = objectType((request.params as Params).objectType!);
      return { results: [...portal.groups[info.name].values()].filter((g) => !g.archived).map(groupJson) };
    },
  });

  register(app, rt, table, {
    method: 'POST', paths: crm('properties', '/:objectType/groups'), scopes: write, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const info = objectType((request.params as Params).objectType!);
      const input = parseBody(GroupCreate, request.body);
      if (portal.groups[info.name].has(input.name)) throw new HubSpotError(409, { message: `Property group named '${input.name}' already exists.`, category: 'CONFLICT' });
      const group: PropertyGroup = { ...input, archived: false };
      portal.groups[info.name].set(group.name, group);
      reply.code(201);
      return groupJson(group);
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('properties', '/:objectType/groups/:groupName'), scopes: read, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const params = request.params as Params;
      const group = portal.groups[objectType(params.objectType!).name].get(params.groupName!);
      if (!group || group.archived) throw notFound(`Property group ${params.groupName}`);
      return groupJson(group);
    },
  });

  register(app, rt, table, {
    method: 'PATCH', paths: crm('properties', '/:objectType/groups/:groupName'), scopes: write, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const params = request.params as Params;
      const group = portal.groups[objectType(params.objectType!).name].get(params.groupName!);
      if (!group || group.archived) throw notFound(`Property group ${params.groupName}`);
      const input = parseBody(GroupUpdate, request.body);
      if (input.label !== undefined) group.label = input.label;
      if (input.displayOrder !== undefined) group.displayOrder = input.displayOrder;
      return groupJson(group);
    },
  });

  register(app, rt, table, {
    method: 'DELETE', paths: crm('properties', '/:objectType/groups/:groupName'), scopes: write, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const params = request.params as Params;
      const info = objectType(params.objectType!);
      const group = portal.groups[info.name].get(params.groupName!);
      if (!group || group.archived) throw notFound(`Property group ${params.groupName}`);
      // HubSpot keeps a group's properties from being orphaned; the exact 400 text is UNCONFIRMED.
      if ([...portal.properties[info.name].values()].some((p) => !p.archived && p.groupName === group.name)) {
        throw validation(`Property group ${group.name} still has properties; move or archive them first`);
      }
      group.archived = true;
      reply.code(204);
      return undefined;
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('properties', '/:objectType/:propertyName'), scopes: read, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const params = request.params as Params;
      const found = portal.properties[objectType(params.objectType!).name].get(params.propertyName!);
      if (!found || found.archived !== boolParam((request.query as Query).archived)) throw notFound(`Property ${params.propertyName}`);
      return propertyJson(found);
    },
  });

  register(app, rt, table, {
    method: 'PATCH', paths: crm('properties', '/:objectType/:propertyName'), scopes: write, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const params = request.params as Params;
      const info = objectType(params.objectType!);
      const found = portal.properties[info.name].get(params.propertyName!);
      if (!found || found.archived) throw notFound(`Property ${params.propertyName}`);
      const input = parseBody(PropertyUpdate, request.body);
      // A HubSpot-defined property reports readOnlyDefinition: its type stays (text UNCONFIRMED).
      if (found.hubspotDefined && ((input.type ?? found.type) !== found.type || (input.fieldType ?? found.fieldType) !== found.fieldType)) {
        throw validation(`Property ${found.name} is a HubSpot-defined property; its type and fieldType cannot be changed`);
      }
      const type = input.type ?? found.type;
      const fieldType = input.fieldType ?? found.fieldType;
      checkTypes(type, fieldType, input.options ?? found.options);
      if (input.groupName && !portal.groups[info.name].has(input.groupName)) throw validation(`Property group ${input.groupName} does not exist`);
      Object.assign(found, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)), { updatedAt: now() });
      return propertyJson(found);
    },
  });

  register(app, rt, table, {
    method: 'DELETE', paths: crm('properties', '/:objectType/:propertyName'), scopes: write, limit: 'standard',
    handler: (request, reply, { portal }) => {
      const params = request.params as Params;
      const found = portal.properties[objectType(params.objectType!).name].get(params.propertyName!);
      if (!found) throw notFound(`Property ${params.propertyName}`);
      if (found.hubspotDefined) throw validation(`Property ${found.name} is a HubSpot-defined property and cannot be archived`);
      found.archived = true;
      reply.code(204);
      return undefined;
    },
  });
}
