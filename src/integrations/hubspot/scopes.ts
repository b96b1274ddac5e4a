// The HubSpot scopes the product needs (hubspot-api.md §2.7): contacts (and with them notes),
// companies, tickets, owners — and, only when a connection's record sync uses them (#17 items 3, 5),
// the schema write scope of an object whose mappings create properties and the deals read scope.
// OAuth asks for exactly these; a private-app token is checked for them.
import { HUBSPOT_DERIVED, HUBSPOT_FULL_NAME, type RecordObject, type RecordSyncSettings } from '../../records/field-mapping.ts';

export const REQUIRED_SCOPES: readonly string[] = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'tickets',
  'crm.objects.owners.read',
];

/** Creating a property (or property group) of the object (hubspot-api.md §2.7 "Create properties / groups"). */
export const schemaWriteScope = (object: RecordObject): string => `crm.schemas.${object}.write`;

/** Reading deals, for the open-deals values (hubspot-api.md §2.6's MISSING_SCOPES example names it). */
export const DEALS_READ_SCOPE = 'crm.objects.deals.read';

/** A scope a connection's settings need beyond REQUIRED_SCOPES, and the mapping that needs it. */
export interface ScopeNeed {
  scope: string;
  /** The mapping by its settings key and what it does, e.g. "recordSync.contacts.mappings[3] (custom.plan → plan, create: true)". */
  neededBy: string;
}

/**
 * What an enabled object's mappings need: the schema write scope for each that may create a HubSpot
 * property (create: true, written to HubSpot, a real property), the deals read scope for each that
 * reads a deals value. A disabled object needs nothing until it is enabled (and checked on save).
 */
export function recordSyncScopeNeeds(recordSync: RecordSyncSettings): ScopeNeed[] {
  const needs: ScopeNeed[] = [];
  for (const object of ['contacts', 'companies'] as const) {
    if (!recordSync[object].enabled) continue;
    recordSync[object].mappings.forEach((mapping, index) => {
      const key = `recordSync.${object}.mappings[${index}]`;
      const derived = Object.hasOwn(HUBSPOT_DERIVED, mapping.hubspot) ? HUBSPOT_DERIVED[mapping.hubspot] : undefined;
      const createsProperty = mapping.create && mapping.direction !== 'to_intercom' && !derived && mapping.hubspot !== HUBSPOT_FULL_NAME;
      if (createsProperty) needs.push({ scope: schemaWriteScope(object), neededBy: `${key} (${mapping.intercom} → ${mapping.hubspot}, create: true)` });
      if (derived?.needsDealsScope) needs.push({ scope: DEALS_READ_SCOPE, neededBy: `${key} (${mapping.hubspot} → ${mapping.intercom})` });
    });
  }
  return needs;
}

/** The scopes to ask for: the product's, and those the record-sync settings need (none when not given). */
export function requiredScopes(recordSync?: RecordSyncSettings): string[] {
  const extra = recordSync ? recordSyncScopeNeeds(recordSync).map((need) => need.scope) : [];
  return [...new Set([...REQUIRED_SCOPES, ...extra])];
}

/** Required scopes a grant lacks; none when the grant is unknown (null). */
export function missingScopes(granted: readonly string[] | null, recordSync?: RecordSyncSettings): string[] {
  if (granted === null) return [];
  const have = new Set(granted);
  return requiredScopes(recordSync).filter((scope) => !have.has(scope));
}

/** The record-sync needs a grant does not meet, each naming its mapping; none when the grant is unknown. */
export function unmetScopeNeeds(granted: readonly string[] | null, recordSync: RecordSyncSettings): ScopeNeed[] {
  if (granted === null) return [];
  const have = new Set(granted);
  return recordSyncScopeNeeds(recordSync).filter((need) => !have.has(need.scope));
}
