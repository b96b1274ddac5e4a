// The two records of a pair as record sync sees them: what each mapped field holds (in memory only,
// #17 item 10), when it changed, and the one update call per side that writes what the plan decided.
// Pure except for the reads and writes at the bottom, which take the clients they use.
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { IntercomClient } from '../integrations/intercom/client.ts';
import type { ContactChanges } from '../integrations/intercom/people.ts';
import type { IntercomCompany, IntercomContact } from '../integrations/intercom/schemas.ts';
import { CUSTOM_PREFIX, HUBSPOT_DERIVED, HUBSPOT_FULL_NAME, type FieldMapping, type RecordObject } from './field-mapping.ts';
import type { FieldValue } from './field-types.ts';
import { joinFullName, splitFullName } from './full-name.ts';
import { hubspotPropertiesRead } from './record-webhooks.ts';

export type IntercomRecord = IntercomContact | IntercomCompany;

/** A value as JSON gives it, narrowed to what a field holds; anything else (a list, an object) is no value. */
function scalar(value: unknown): FieldValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

/** An Intercom record's value of a mapped attribute: `custom.<name>`, `location.<part>`, a company's `plan` (its name), or a top-level attribute. */
export function intercomValue(record: IntercomRecord, attribute: string): FieldValue {
  if (attribute.startsWith(CUSTOM_PREFIX)) return scalar(record.custom_attributes?.[attribute.slice(CUSTOM_PREFIX.length)]);
  const fields = record as Record<string, unknown>;
  const dot = attribute.indexOf('.');
  if (dot > 0) {
    const parent = fields[attribute.slice(0, dot)];
    return parent && typeof parent === 'object' ? scalar((parent as Record<string, unknown>)[attribute.slice(dot + 1)]) : null;
  }
  if (attribute === 'plan') {
    const plan = fields['plan'];
    return plan && typeof plan === 'object' ? scalar((plan as Record<string, unknown>)['name']) : scalar(plan);
  }
  return scalar(fields[attribute]);
}

/** Intercom's update time, in epoch ms. */
export const intercomUpdatedAt = (record: IntercomRecord): number => (record.updated_at ?? 0) * 1000;

/** What a HubSpot read must ask for so every mapped field (and the owner, for the owner values) is there. */
export function hubspotReadPlan(object: RecordObject, mappings: readonly FieldMapping[]): { properties: string[]; propertiesWithHistory: string[] } {
  const properties = new Set<string>([object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate']);
  const history = new Set<string>();
  for (const mapping of mappings) {
    const names = hubspotPropertiesRead(mapping.hubspot);
    names.forEach((name) => properties.add(name));
    // A field's own change time decides newest_wins (#17 item 2); other rules do not need it.
    if (mapping.direction === 'both' && mapping.onConflict === 'newest_wins') names.forEach((name) => history.add(name));
  }
  return { properties: [...properties], propertiesWithHistory: [...history] };
}

/** A HubSpot record's value of a mapped property; derived values (`@…`) come from `derived`. */
export function hubspotValue(record: CrmObject, name: string, derived: Readonly<Record<string, FieldValue>>): FieldValue {
  if (name === HUBSPOT_FULL_NAME) return joinFullName(record.properties['firstname'], record.properties['lastname']);
  if (Object.hasOwn(HUBSPOT_DERIVED, name)) return derived[name] ?? null;
  return record.properties[name] ?? null;
}

/** When HubSpot last changed a property (its newest history entry), where the read asked for its history. */
export function hubspotChangedAt(record: CrmObject, name: string): number | undefined {
  const times = hubspotPropertiesRead(name)
    .map((property) => record.propertiesWithHistory?.[property]?.[0]?.timestamp)
    .map((timestamp) => (timestamp === undefined ? Number.NaN : Date.parse(timestamp)))
    .filter((ms) => Number.isFinite(ms));
  return times.length > 0 ? Math.max(...times) : undefined;
}

export const hubspotUpdatedAt = (record: CrmObject): number => {
  const ms = Date.parse(record.updatedAt);
  return Number.isFinite(ms) ? ms : 0;
};

/** The HubSpot update body for the fields to write (every value a string; "" clears, hubspot-api.md "Property values"). */
export function hubspotChanges(writes: ReadonlyArray<{ mapping: FieldMapping; value: FieldValue }>): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const { mapping, value } of writes) {
    if (mapping.hubspot === HUBSPOT_FULL_NAME) Object.assign(properties, splitFullName(value));
    else properties[mapping.hubspot] = value === null ? '' : String(value);
  }
  return properties;
}

/**
 * The Intercom update body: standard attributes by name, custom ones under custom_attributes.
 * Intercom's company update takes no nulls for its standard attributes (spec 2.14
 * `update_company_request`): a value HubSpot cleared is not cleared there, and `cleared` names it.
 */
export function intercomChanges(object: RecordObject, writes: ReadonlyArray<{ mapping: FieldMapping; value: FieldValue }>): { body: ContactChanges; cleared: string[] } {
  const body: ContactChanges = {};
  const custom: Record<string, FieldValue> = {};
  const cleared: string[] = [];
  for (const { mapping, value } of writes) {
    if (mapping.intercom.startsWith(CUSTOM_PREFIX)) custom[mapping.intercom.slice(CUSTOM_PREFIX.length)] = value;
    else if (value === null && object === 'companies') cleared.push(mapping.intercom);
    else body[mapping.intercom] = value;
  }
  if (Object.keys(custom).length > 0) body['custom_attributes'] = custom;
  return { body, cleared };
}

export async function writeHubSpot(hubspot: HubSpotClient, object: RecordObject, id: string, properties: Record<string, string>): Promise<void> {
  if (Object.keys(properties).length === 0) return;
  await hubspot[object].update(id, properties);
}

/** The record as Intercom answers the update (its updated_at recognises the webhook it causes); undefined when nothing was written. */
export async function writeIntercom(intercom: IntercomClient, object: RecordObject, id: string, body: ContactChanges): Promise<IntercomRecord | undefined> {
  if (Object.keys(body).length === 0) return undefined;
  return object === 'contacts' ? intercom.updateContact(id, body) : intercom.updateCompany(id, body);
}
