// The HubSpot → Intercom enrichment values that are not properties of the record (#17 item 3,
// HUBSPOT_DERIVED in field-mapping.ts): the owner's name and email, the record's page in HubSpot,
// and the number and total amount of its open deals. Read for one contact or company, costing calls
// only for the names asked for:
//   - @owner.*: none when the owner list is cached (per connection, OWNERS_TTL_MS), else the
//     owners listing, active and archived (an owner deactivated since still resolves);
//   - @record.url: none once the portal's UI domain is known (given, or read once per connection);
//   - @deals.*: one associations read and one batch read of the deals (none when it has no deals).
// Values are held in memory only (#17 item 10); the cache keeps owners' names and emails, which are
// HubSpot users, not conversation content, and only in memory.
//
// Unlike the pure part of src/records this module does I/O, through the client it is given.
import { DEALS_READ_SCOPE } from '../integrations/hubspot/scopes.ts';
import { z } from 'zod';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import type { RecordObject } from './field-mapping.ts';
import { HUBSPOT_DERIVED } from './field-mapping.ts';

export type DerivedValue = string | number | null;

/** What is cached per connection and portal (cacheKey): the owners (a listing) and the portal's UI domain. */
export interface DerivedCache {
  owners: Map<string, { fetchedAt: number; owners: Promise<ReadonlyMap<string, OwnerName>> }>;
  uiDomains: Map<string, Promise<string>>;
}

export interface DerivedDeps {
  cache: DerivedCache;
  now: () => number;
}

export interface DerivedInput {
  /** Keys the cache with the portal id: owners and the UI domain are per connection and portal. */
  connectionId: string;
  hubspot: HubSpotClient;
  /** Null while the connection has no portal yet: no record URL then. */
  portalId: string | null;
  object: RecordObject;
  recordId: string;
  /** The record's properties as already read; the owner values use its hubspot_owner_id. */
  properties: Readonly<Record<string, string | null | undefined>>;
  /** The portal's UI host (account details' uiDomain) when the caller knows it; read and cached otherwise. */
  uiDomain?: string;
}

interface OwnerName {
  name: string | null;
  email: string | null;
}

/** Owners change rarely; a few minutes of staleness in a name written to Intercom is acceptable. */
const OWNERS_TTL_MS = 5 * 60_000;

/**
 * The most deals read per record: one batch read takes at most 100 ids (hubspot-api.md §5.7), so a
 * record with more open deals than that shows the count and amount of its first 100 associated deals.
 */
export const MAX_DEALS_READ = 100;

/** HubSpot's object type ids in record page paths (developers.hubspot.com/docs/guides/crm/using-object-apis: contacts 0-1, companies 0-2). */
const OBJECT_TYPE_ID: Record<RecordObject, string> = { contacts: '0-1', companies: '0-2' };

const DEFAULT_UI_DOMAIN = 'app.hubspot.com';

/** GET /account-info/2026-09/details: `uiDomain`, "the domain used for accessing the HubSpot user interface" (app.hubspot.com, app-eu1.hubspot.com). */
const AccountDetails = z.object({ uiDomain: z.string().optional() });

export function createDerivedCache(): DerivedCache {
  return { owners: new Map(), uiDomains: new Map() };
}

/** What the record sync has at hand when it needs derived values (src/records/sync-record.ts DeriveValues). */
interface SyncDeriveInput {
  row: { id: string; hubspotPortalId: number | null };
  hubspot: HubSpotClient;
  object: RecordObject;
  record: { id: string; properties: Readonly<Record<string, string | null>> };
  names: readonly string[];
}

/**
 * readDerived in the record sync's shape, with one cache for the process: `derive: deriveValues(Date.now)`.
 * The sync reads derived values as HubSpot values of their HUBSPOT_DERIVED type, and HubSpot gives
 * every value as a string (hubspot-api.md "Property values"): the deal count and amount go as
 * decimal strings, or field-types.ts refuses them as "not a valid HubSpot number value".
 */
export function deriveValues(now: () => number): (input: SyncDeriveInput) => Promise<Record<string, string | null>> {
  const deps: DerivedDeps = { cache: createDerivedCache(), now };
  return async ({ row, hubspot, object, record, names }) => {
    const values = await readDerived(deps, {
      connectionId: row.id, hubspot, portalId: row.hubspotPortalId === null ? null : String(row.hubspotPortalId),
      object, recordId: record.id, properties: record.properties,
    }, names);
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, typeof value === 'number' ? String(value) : value]));
  };
}

/**
 * A HubSpot record's page, https://<uiDomain>/contacts/<portalId>/record/<type id>/<record id>: the
 * form src/activity/activity-view.ts links records with, on the portal's own UI host, since an EU
 * portal's pages live on app-eu1.hubspot.com (account details' uiDomain).
 */
function hubspotRecordUrl(uiDomain: string, portalId: string, object: RecordObject, recordId: string): string {
  return `https://${uiDomain}/contacts/${encodeURIComponent(portalId)}/record/${OBJECT_TYPE_ID[object]}/${encodeURIComponent(recordId)}`;
}

/**
 * A call refused for want of a scope, named: the connection must be re-authorised with it (OAuth asks
 * for the deals scope only when a mapping uses a deals value). Still an UpstreamError of kind
 * forbidden, so a job fails permanently with this message (src/jobs/upstream-outcome.ts).
 */
export class MissingHubSpotScopeError extends UpstreamError {
  readonly scope: string;

  constructor(scope: string, reading: string, cause: UpstreamError) {
    super({ ...cause.details, missingScopes: [scope], cause });
    this.name = 'MissingHubSpotScopeError';
    this.message = `Reading ${reading} from HubSpot needs the scope ${scope}, which this connection has not been granted: re-authorise the connection with it (${cause.message})`;
    this.scope = scope;
  }
}

function refusedScope(error: unknown, prefix: string): error is UpstreamError {
  if (!(error instanceof UpstreamError) || error.kind !== 'forbidden') return false;
  const named = error.details.missingScopes ?? [];
  // HubSpot names the scopes any one of which would do; a 403 naming none is taken as this one.
  return named.length === 0 || named.some((scope) => scope.startsWith(prefix));
}

/** Computes the asked HUBSPOT_DERIVED values; names that are not derived values are left out. */
export async function readDerived(deps: DerivedDeps, input: DerivedInput, names: readonly string[]): Promise<Record<string, DerivedValue>> {
  const asked = new Set(names.filter((name) => Object.hasOwn(HUBSPOT_DERIVED, name)));
  const out: Record<string, DerivedValue> = {};
  const wants = (prefix: string) => [...asked].some((name) => name.startsWith(prefix));

  const [owner, url, deals] = await Promise.all([
    wants('@owner.') ? ownerOf(deps, input) : undefined,
    asked.has('@record.url') ? recordUrl(deps, input) : undefined,
    wants('@deals.') ? openDeals(input) : undefined,
  ]);
  if (asked.has('@owner.name')) out['@owner.name'] = owner?.name ?? null;
  if (asked.has('@owner.email')) out['@owner.email'] = owner?.email ?? null;
  if (url !== undefined) out['@record.url'] = url;
  if (deals && asked.has('@deals.open_count')) out['@deals.open_count'] = deals.count;
  if (deals && asked.has('@deals.open_amount')) out['@deals.open_amount'] = deals.amount;
  return out;
}

async function ownerOf(deps: DerivedDeps, input: DerivedInput): Promise<OwnerName | null> {
  const ownerId = input.properties['hubspot_owner_id']?.trim();
  if (!ownerId) return null;
  const owners = await ownerNames(deps, input);
  return owners.get(ownerId) ?? null;
}

/** The connection's owners, active and archived, listed at most once per OWNERS_TTL_MS (concurrent readers share one listing). */
/** A connection pointed at another portal must not see the first one's owners. */
const cacheKey = (input: DerivedInput) => `${input.connectionId}/${input.portalId ?? ''}`;

function ownerNames(deps: DerivedDeps, input: DerivedInput): Promise<ReadonlyMap<string, OwnerName>> {
  const key = cacheKey(input);
  const cached = deps.cache.owners.get(key);
  if (cached && deps.now() - cached.fetchedAt < OWNERS_TTL_MS) return cached.owners;
  const owners = (async () => {
    const byId = new Map<string, OwnerName>();
    try {
      // listAll: active owners, then the archived ones, which HubSpot lists apart (hubspot-api.md §15).
      for await (const owner of input.hubspot.owners.listAll()) {
        // An id both active and archived: the active entry was listed first and stays.
        if (byId.has(owner.id)) continue;
        const name = [owner.firstName, owner.lastName].map((part) => part?.trim()).filter(Boolean).join(' ');
        byId.set(owner.id, { name: name || null, email: owner.email?.trim() || null });
      }
    } catch (error) {
      if (refusedScope(error, 'crm.objects.owners.')) throw new MissingHubSpotScopeError('crm.objects.owners.read', 'owners', error);
      throw error;
    }
    return byId;
  })();
  deps.cache.owners.set(key, { fetchedAt: deps.now(), owners });
  // A failed listing is not kept: the next read tries again.
  owners.catch(() => {
    if (deps.cache.owners.get(key)?.owners === owners) deps.cache.owners.delete(key);
  });
  return owners;
}

async function recordUrl(deps: DerivedDeps, input: DerivedInput): Promise<string | null> {
  if (input.portalId === null) return null;
  const uiDomain = input.uiDomain ?? (await uiDomainOf(deps, input));
  return hubspotRecordUrl(uiDomain, input.portalId, input.object, input.recordId);
}

/** The portal's UI host, read once per connection (it does not change); scope `oauth`, which every token has. */
function uiDomainOf(deps: DerivedDeps, input: DerivedInput): Promise<string> {
  const key = cacheKey(input);
  const cached = deps.cache.uiDomains.get(key);
  if (cached) return cached;
  const domain = input.hubspot.http
    .json({ method: 'GET', path: '/account-info/2026-09/details' }, AccountDetails)
    .then((details) => details.uiDomain?.trim() || DEFAULT_UI_DOMAIN);
  deps.cache.uiDomains.set(key, domain);
  domain.catch(() => {
    if (deps.cache.uiDomains.get(key) === domain) deps.cache.uiDomains.delete(key);
  });
  return domain;
}

/** Open = not closed (hs_is_closed, which HubSpot calculates from the deal stage); a missing amount counts 0. */
async function openDeals(input: DerivedInput): Promise<{ count: number; amount: number }> {
  try {
    const ids: string[] = [];
    for await (const item of input.hubspot.associations.list(input.object, input.recordId, 'deals')) {
      ids.push(item.toObjectId);
      if (ids.length === MAX_DEALS_READ) break;
    }
    if (ids.length === 0) return { count: 0, amount: 0 };
    const read = await input.hubspot.deals.batchRead(ids, { properties: ['amount', 'hs_is_closed'] });
    const open = read.results.filter((deal) => deal.properties['hs_is_closed'] !== 'true');
    return { count: open.length, amount: sumAmounts(open.map((deal) => deal.properties['amount'])) };
  } catch (error) {
    if (refusedScope(error, 'crm.objects.deals.')) throw new MissingHubSpotScopeError(DEALS_READ_SCOPE, 'deals', error);
    throw error;
  }
}

/** Sums decimal strings without float noise (0.1 + 0.2 is 0.3): rounded to the most decimals any amount has. */
function sumAmounts(amounts: ReadonlyArray<string | null | undefined>): number {
  let total = 0;
  let decimals = 0;
  for (const raw of amounts) {
    const value = Number(raw?.trim() || 0);
    // HubSpot validates amount as a number; anything else read back counts as no amount.
    if (!Number.isFinite(value)) continue;
    total += value;
    decimals = Math.max(decimals, (raw?.split('.')[1] ?? '').length);
  }
  return Number(total.toFixed(Math.min(decimals, 10)));
}
