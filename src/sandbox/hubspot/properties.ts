// Properties and property groups (hubspot-api.md §13): list, read, create with the documented
// type/fieldType matrix, update, archive; groups list/read/create. Records reject unknown
// properties, and a created hasUniqueValue property becomes usable as idProperty.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HubSpotError, validation } from './errors.ts';
import { boolParam, crm, parseBody, register, type Params, type Query, type RouteTable, type Runtime } from './http.ts';
import type { PropertyDef, PropertyGroup } from './state.ts';
import { isoTime, lookupObjectType, objectType } from './crm/types.ts';

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
      const input = parseBody(PropertyCreate, request.body);
      checkTypes(input.type, input.fieldType, input.options);
      if (!portal.groups[info.name].get(input.groupName)) throw validation(`Property group ${input.groupName} does not exist`);
      // 409 on an existing name; text UNCONFIRMED (hubspot-api.md §13.2).
      if (portal.properties[info.name].has(input.name)) throw new HubSpotError(409, { message: `Property named '${input.name}' already exists.`, category: 'CONFLICT' });
      const created: PropertyDef = {
        name: input.name, label: input.label, type: input.type, fieldType: input.fieldType, groupName: input.groupName,
        description: input.description, options: input.options, displayOrder: input.displayOrder, hasUniqueValue: input.hasUniqueValue,
        hidden: input.hidden, formField: input.formField, hubspotDefined: false, readOnlyValue: input.calculationFormula !== undefined,
        calculated: input.calculationFormula !== undefined, externalOptions: input.externalOptions ?? false,
        ...(input.referencedObjectType ? { referencedObjectType: input.referencedObjectType } : {}),
        createdAt: now(), updatedAt: now(), archived: false,
      };
      portal.properties[info.name].set(created.name, created);
      reply.code(201);
      return propertyJson(created);
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
