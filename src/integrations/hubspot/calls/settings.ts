// Portal settings the sync reads and prepares: ticket pipelines and stages (hubspot-api.md §14),
// owners including archived ones (§15), properties and property groups (§13). Date-versioned paths
// per DESIGN.md §2 (/crm/pipelines/2026-09/…, /crm/owners/2026-09, /crm/properties/2026-09/…).
import { z } from 'zod';
import type { UpstreamClient } from '../../upstream-client.ts';
import { paginate } from '../paginate.ts';
import { Owner, OwnerPage, Pipeline, PipelineStage, Property, PropertyGroup } from '../schemas.ts';
import { API_VERSION } from './objects.ts';

export interface PipelineCalls {
  list(objectType?: string): Promise<Pipeline[]>;
  get(pipelineId: string, objectType?: string): Promise<Pipeline>;
  stages(pipelineId: string, objectType?: string): Promise<PipelineStage[]>;
}

export function pipelineCalls(http: UpstreamClient): PipelineCalls {
  const base = (type: string) => `/crm/pipelines/${API_VERSION}/${type}`;
  return {
    list: async (type = 'tickets') => (await http.json({ method: 'GET', path: base(type) }, z.object({ results: z.array(Pipeline) }))).results,
    get: (id, type = 'tickets') => http.json({ method: 'GET', path: `${base(type)}/${encodeURIComponent(id)}` }, Pipeline),
    stages: async (id, type = 'tickets') =>
      (await http.json({ method: 'GET', path: `${base(type)}/${encodeURIComponent(id)}/stages` }, z.object({ results: z.array(PipelineStage) }))).results,
  };
}

export interface OwnerCalls {
  /** Active owners, or (archived: true) only the deactivated ones — HubSpot lists them separately. */
  list(options?: { archived?: boolean; email?: string }): AsyncGenerator<Owner, void, undefined>;
  /** Active and archived owners together (to resolve an owner id seen on an old record). */
  listAll(): AsyncGenerator<Owner, void, undefined>;
  get(ownerId: string, options?: { archived?: boolean }): Promise<Owner>;
}

export function ownerCalls(http: UpstreamClient): OwnerCalls {
  const base = `/crm/owners/${API_VERSION}`;
  const list = (options: { archived?: boolean; email?: string } = {}) =>
    paginate((after) => http.json({ method: 'GET', path: base, query: { limit: 100, after, archived: options.archived, email: options.email } }, OwnerPage));
  return {
    list,
    async *listAll() {
      yield* list({ archived: false });
      yield* list({ archived: true });
    },
    get: (id, options = {}) => http.json({ method: 'GET', path: `${base}/${encodeURIComponent(id)}`, query: { archived: options.archived } }, Owner),
  };
}

interface PropertyCreateInput {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  hasUniqueValue?: boolean;
  formField?: boolean;
  options?: Array<{ label: string; value: string; displayOrder?: number; hidden?: boolean }>;
}

export interface PropertyCalls {
  list(objectType: string, options?: { archived?: boolean }): Promise<Property[]>;
  /** 409 CONFLICT if it exists (§13.2: treat as success after a GET). */
  create(objectType: string, input: PropertyCreateInput): Promise<Property>;
  listGroups(objectType: string): Promise<PropertyGroup[]>;
  createGroup(objectType: string, input: { name: string; label: string; displayOrder?: number }): Promise<PropertyGroup>;
}

export function propertyCalls(http: UpstreamClient): PropertyCalls {
  const base = (type: string) => `/crm/properties/${API_VERSION}/${type}`;
  return {
    list: async (type, options = {}) =>
      (await http.json({ method: 'GET', path: base(type), query: { archived: options.archived } }, z.object({ results: z.array(Property) }))).results,
    create: (type, input) => http.json({ method: 'POST', path: base(type), body: input }, Property),
    listGroups: async (type) => (await http.json({ method: 'GET', path: `${base(type)}/groups` }, z.object({ results: z.array(PropertyGroup) }))).results,
    createGroup: (type, input) => http.json({ method: 'POST', path: `${base(type)}/groups`, body: { displayOrder: -1, ...input } }, PropertyGroup),
  };
}
