// CRM search (hubspot-api.md §10): OR of AND-ed filter groups over the search index (which lags
// writes by the configurable delay), one sort, `after` as a numeric offset, and the limits: 200 per
// page, 10,000 results per query, and caps on filter groups and filters.
import { z } from 'zod';
import { validation } from '../errors.ts';
import type { CrmRecord, Portal, PropertyDef, SearchVersion, SimSettings } from '../state.ts';
import { associatedIds } from './association-store.ts';
import { lookupObjectType, type ObjectTypeInfo } from './types.ts';
import { timeValue } from './validate.ts';

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
export const Filter = z.object({
  propertyName: z.string(),
  operator: z.enum(['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN']),
  value: Scalar.optional(),
  highValue: Scalar.optional(),
  values: z.array(Scalar).optional(),
});
export type Filter = z.infer<typeof Filter>;

// The spec types `sorts` as string[], the docs as objects; both are accepted (hubspot-api.md §10).
const Sort = z.union([z.string(), z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING') })]);

export const SearchRequest = z.object({
  filterGroups: z.array(z.object({ filters: z.array(Filter).default([]) })).default([]),
  filters: z.array(Filter).optional(),
  sorts: z.array(Sort).default([]),
  query: z.string().optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(0).default(10),
  after: z.union([z.string(), z.number()]).transform(String).optional(),
});
export type SearchRequest = z.infer<typeof SearchRequest>;

type Kind = 'number' | 'time' | 'enum' | 'string';
const kindOf = (def: PropertyDef | undefined): Kind =>
  !def ? 'string' : def.type === 'number' ? 'number' : def.type === 'date' || def.type === 'datetime' ? 'time' : def.type === 'enumeration' || def.type === 'bool' ? 'enum' : 'string';

function numeric(value: string, kind: Kind): number | undefined {
  if (kind === 'number') {
    const n = Number(value);
    return value.trim() === '' || Number.isNaN(n) ? undefined : n;
  }
  if (kind === 'time') return timeValue(value);
  return undefined;
}

function compare(a: string, b: string, kind: Kind): number {
  const x = numeric(a, kind);
  const y = numeric(b, kind);
  if (x !== undefined && y !== undefined) return x - y;
  // Values are case-insensitive except enumerations (search guide).
  return kind === 'enum' ? (a < b ? -1 : a > b ? 1 : 0) : a.toLowerCase().localeCompare(b.toLowerCase());
}

const tokens = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '');

function containsToken(value: string, wanted: string): boolean {
  if (wanted.includes('*')) {
    const pattern = wanted.toLowerCase().split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    const regex = new RegExp(`^${pattern}$`);
    return regex.test(value.toLowerCase()) || value.split(/\s+/).some((word) => regex.test(word.toLowerCase()));
  }
  const have = tokens(value);
  const want = tokens(wanted);
  if (want.length === 0) return false;
  for (let i = 0; i + want.length <= have.length; i++) if (want.every((t, j) => have[i + j] === t)) return true;
  return false;
}

export type AssociationLookup = (singular: string) => Set<string>;

/** Pure: does one filter hold for a record's indexed properties? */
export function matchFilter(filter: Filter, props: Record<string, string>, defs: Map<string, PropertyDef>, associations: AssociationLookup): boolean {
  if (filter.propertyName.startsWith('associations.')) {
    // "associations.contact EQ <id>": records associated with that record (search guide).
    const ids = associations(filter.propertyName.slice('associations.'.length));
    const hit = filter.operator === 'IN' ? (filter.values ?? []).some((v) => ids.has(v)) : ids.has(filter.value ?? '');
    return filter.operator === 'NEQ' || filter.operator === 'NOT_IN' ? !hit : hit;
  }
  const kind = kindOf(defs.get(filter.propertyName));
  const raw = props[filter.propertyName];
  const has = raw !== undefined && raw !== '';
  const value = raw ?? '';
  const eq = (other: string) => (kind === 'enum' ? value === other : compare(value, other, kind) === 0);
  // IN/NOT_IN on strings need lower-case values: the index holds lower-cased strings (search guide).
  const inList = (values: string[]) => values.some((v) => (kind === 'string' ? value.toLowerCase() === v : eq(v)));
  const v = filter.value ?? '';
  switch (filter.operator) {
    case 'EQ': return has && eq(v);
    case 'NEQ': return !(has && eq(v));
    case 'LT': return has && compare(value, v, kind) < 0;
    case 'LTE': return has && compare(value, v, kind) <= 0;
    case 'GT': return has && compare(value, v, kind) > 0;
    case 'GTE': return has && compare(value, v, kind) >= 0;
    case 'BETWEEN': return has && compare(value, v, kind) >= 0 && compare(value, filter.highValue ?? '', kind) <= 0;
    case 'IN': return has && inList(filter.values ?? []);
    case 'NOT_IN': return !(has && inList(filter.values ?? []));
    case 'HAS_PROPERTY': return has;
    case 'NOT_HAS_PROPERTY': return !has;
    case 'CONTAINS_TOKEN': return has && containsToken(value, v);
    case 'NOT_CONTAINS_TOKEN': return !(has && containsToken(value, v));
  }
}

/** The version search sees now, or undefined before the first one is indexed. */
function visibleVersion(record: CrmRecord, now: number): SearchVersion | undefined {
  let found: SearchVersion | undefined;
  for (const version of record.versions) if (version.visibleAt <= now) found = version;
  return found;
}

export interface SearchHit {
  record: CrmRecord;
  properties: Record<string, string>;
}

export function checkLimits(request: SearchRequest, caps: SimSettings['searchFilterCaps']): void {
  const groups = [...request.filterGroups, ...(request.filters ? [{ filters: request.filters }] : [])];
  const total = groups.reduce((sum, g) => sum + g.filters.length, 0);
  // Texts are UNCONFIRMED (hubspot-api.md §19.3); the 400 VALIDATION_ERROR is documented.
  if (groups.length > caps.groups) throw validation(`Too many filter groups: ${groups.length}. The maximum is ${caps.groups}.`);
  if (groups.some((g) => g.filters.length > caps.perGroup)) throw validation(`Too many filters in a filter group. The maximum is ${caps.perGroup}.`);
  if (total > caps.total) throw validation(`Too many filters: ${total}. The maximum is ${caps.total} across all filter groups.`);
  if (request.limit > 200) throw validation(`limit must be at most 200, got ${request.limit}`);
  if ((request.query?.length ?? 0) > 3000) throw validation('query must be at most 3000 characters');
}

const SEARCH_RESULT_CAP = 10_000;

/**
 * How long a write stays invisible to search unless a test or the control API says otherwise.
 * HubSpot: "It may take a few moments for newly created or updated CRM objects to appear in search
 * results" (search guide), integrators report up to ~30 s (hubspot-api.md §10). A few seconds is the
 * common case, and every test then meets a lag as the product does: code that creates and expects
 * search to see it at once fails here as it would against HubSpot. Records seeded through the
 * control API stand for data already in the portal and are searchable at once.
 */
export const DEFAULT_SEARCH_INDEX_DELAY_MS = 3_000;

/** Filters, sorts and pages; `after` is an offset into the sorted hits. */
export function search(portal: Portal, info: ObjectTypeInfo, request: SearchRequest, now: number): { total: number; hits: SearchHit[]; next?: string } {
  const offset = request.after === undefined ? 0 : Number(request.after);
  if (!Number.isInteger(offset) || offset < 0) throw validation(`after must be an integer formatted as a string, got ${request.after}`);
  if (offset >= SEARCH_RESULT_CAP) {
    // "Paging beyond 10,000 results returns a 400" (search guide, Limits); the text is UNCONFIRMED.
    throw validation(`Cannot page beyond ${SEARCH_RESULT_CAP} results; narrow the search with filters.`);
  }
  const defs = portal.properties[info.name];
  const groups = [...request.filterGroups, ...(request.filters ? [{ filters: request.filters }] : [])].filter((g) => g.filters.length > 0);
  const query = request.query?.trim().toLowerCase();
  const hits: SearchHit[] = [];
  for (const record of portal.records[info.name].values()) {
    const version = visibleVersion(record, now);
    if (!version || version.archived) continue;
    const props = version.properties;
    if (query && !info.searchText.some((name) => props[name]?.toLowerCase().includes(query))) continue;
    if (groups.length > 0) {
      const lookup: AssociationLookup = (singular) => {
        const target = lookupObjectType(singular);
        return target ? associatedIds(portal, { info, id: record.id }, target) : new Set();
      };
      if (!groups.some((g) => g.filters.every((f) => matchFilter(f, props, defs, lookup)))) continue;
    }
    hits.push({ record, properties: props });
  }
  // Only one sort rule applies; without one, creation order (search guide).
  const first = request.sorts[0];
  if (first !== undefined) {
    const sort = typeof first === 'string'
      ? { propertyName: first.replace(/^-/, ''), direction: first.startsWith('-') ? 'DESCENDING' : 'ASCENDING' }
      : first;
    const kind = kindOf(defs.get(sort.propertyName));
    const sign = sort.direction === 'DESCENDING' ? -1 : 1;
    hits.sort((a, b) => {
      const x = a.properties[sort.propertyName];
      const y = b.properties[sort.propertyName];
      if (x === undefined || y === undefined) return x === y ? Number(a.record.id) - Number(b.record.id) : x === undefined ? 1 : -1;
      return sign * compare(x, y, kind) || Number(a.record.id) - Number(b.record.id);
    });
  }
  const end = Math.min(offset + request.limit, SEARCH_RESULT_CAP);
  const page = hits.slice(offset, end);
  return { total: hits.length, hits: page, ...(end < hits.length && end < SEARCH_RESULT_CAP ? { next: String(end) } : {}) };
}
