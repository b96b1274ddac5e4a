// CRM object calls shared by contacts, companies, tickets and notes (hubspot-api.md §5, §10), on the
// date-versioned paths (DESIGN.md §2: /crm/objects/2026-09/{objectType}, generic in 2026-09 per §1).
import { z } from 'zod';
import type { UpstreamClient } from '../../upstream-client.ts';
import { paginate } from '../paginate.ts';
import { BatchResult, CrmObject, CrmPage, SearchPage, type BatchResult as BatchResultType, type CrmObject as CrmObjectType } from '../schemas.ts';

export const API_VERSION = '2026-09';
export type ObjectTypeName = 'contacts' | 'companies' | 'deals' | 'tickets' | 'notes';

/** hubspot-api.md §5.5: associationCategory is a vendor enum, kept a string. */
export interface AssociationSpec {
  associationCategory: string;
  associationTypeId: number;
}
export interface InlineAssociation {
  to: { id: string };
  types: AssociationSpec[];
}

export type Properties = Record<string, string>;

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
  highValue?: string;
}

/** hubspot-api.md §10: groups OR-ed, filters in a group AND-ed; limit ≤ 200; 10,000 results at most. */
interface SearchRequest {
  filterGroups?: Array<{ filters: SearchFilter[] }>;
  sorts?: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  query?: string;
  properties?: string[];
  limit?: number;
}

interface ReadOptions {
  properties?: readonly string[];
  /** Properties whose change history comes back too (hubspot-api.md §5.2: fewer objects per page when set). */
  propertiesWithHistory?: readonly string[];
  idProperty?: string;
  associations?: readonly string[];
  archived?: boolean;
}

const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? values.join(',') : undefined);

export interface ObjectCalls {
  get(id: string, options?: ReadOptions): Promise<CrmObjectType>;
  /** Every match, page by page (search budget: 5/s, not the 10-s bucket). */
  search(request: SearchRequest): AsyncGenerator<CrmObjectType, void, undefined>;
  searchPage(request: SearchRequest & { after?: string }): Promise<z.infer<typeof SearchPage>>;
  list(options?: ReadOptions & { limit?: number }): AsyncGenerator<CrmObjectType, void, undefined>;
  /** One page of the list, from `after` (a backfill keeps the cursor between pages). */
  listPage(options?: ReadOptions & { limit?: number; after?: string }): Promise<z.infer<typeof CrmPage>>;
  /** At most 100 ids; 50 when propertiesWithHistory is given (hubspot-api.md §5.3). */
  batchRead(ids: readonly string[], options?: { properties?: readonly string[]; propertiesWithHistory?: readonly string[]; idProperty?: string }): Promise<BatchResultType>;
  batchCreate(inputs: Array<{ properties: Properties; associations?: InlineAssociation[]; objectWriteTraceId?: string }>): Promise<BatchResultType>;
  batchUpdate(inputs: Array<{ id: string; properties: Properties; idProperty?: string }>): Promise<BatchResultType>;
  batchUpsert(inputs: Array<{ id: string; idProperty: string; properties: Properties }>): Promise<BatchResultType>;
  create(input: { properties: Properties; associations?: InlineAssociation[] }): Promise<CrmObjectType>;
  update(id: string, properties: Properties, options?: { idProperty?: string }): Promise<CrmObjectType>;
}

export function objectCalls(http: UpstreamClient, type: ObjectTypeName): ObjectCalls {
  const base = `/crm/objects/${API_VERSION}/${type}`;
  const searchPage = (request: SearchRequest & { after?: string }) =>
    // A search is a read sent as POST: safe to repeat.
    http.json({ method: 'POST', path: `${base}/search`, body: request, budget: 'search', idempotent: true }, SearchPage);

  const listPage = (options: ReadOptions & { limit?: number; after?: string } = {}) =>
    http.json({
      method: 'GET', path: base,
      query: { limit: options.limit ?? 100, after: options.after, properties: list(options.properties), associations: list(options.associations), archived: options.archived },
    }, CrmPage);

  return {
    get: (id, options = {}) =>
      http.json({
        method: 'GET', path: `${base}/${encodeURIComponent(id)}`,
        query: {
          properties: list(options.properties), propertiesWithHistory: list(options.propertiesWithHistory),
          idProperty: options.idProperty, associations: list(options.associations), archived: options.archived,
        },
      }, CrmObject),
    searchPage,
    search: (request) => paginate((after) => searchPage(after === undefined ? request : { ...request, after })),
    list: (options = {}) => paginate((after) => listPage({ ...options, ...(after === undefined ? {} : { after }) })),
    listPage,
    batchRead: (ids, options = {}) =>
      http.json({
        method: 'POST', path: `${base}/batch/read`, idempotent: true,
        body: { inputs: ids.map((id) => ({ id })), properties: options.properties ?? [], propertiesWithHistory: options.propertiesWithHistory ?? [], ...(options.idProperty ? { idProperty: options.idProperty } : {}) },
      }, BatchResult),
    // Creates are not idempotent: a lost answer surfaces as ambiguous_write, and the caller looks
    // (search by its own key) before creating again.
    batchCreate: (inputs) => http.json({ method: 'POST', path: `${base}/batch/create`, body: { inputs } }, BatchResult),
    // Setting the same values twice has one effect: updates and upserts are safe to repeat.
    batchUpdate: (inputs) => http.json({ method: 'POST', path: `${base}/batch/update`, body: { inputs }, idempotent: true }, BatchResult),
    batchUpsert: (inputs) => http.json({ method: 'POST', path: `${base}/batch/upsert`, body: { inputs }, idempotent: true }, BatchResult),
    create: (input) => http.json({ method: 'POST', path: base, body: { properties: input.properties, associations: input.associations ?? [] } }, CrmObject),
    update: (id, properties, options = {}) =>
      http.json({ method: 'PATCH', path: `${base}/${encodeURIComponent(id)}`, query: { idProperty: options.idProperty }, body: { properties }, idempotent: true }, CrmObject),
  };
}
