// Mappings checked against the fields the two accounts really have, when they are saved (#17 item 4):
// a missing field without `create: true`, or types that cannot carry values the mapping's way, are
// refused by key, with what would work. The caller fetches the fields (Intercom GET /data_attributes,
// HubSpot GET /crm/properties/{object}) and prefixes the key path (`connections[0].recordSync.contacts.mappings`).
import { CUSTOM_PREFIX, HUBSPOT_DERIVED, HUBSPOT_FULL_NAME, standardAttributeType, type FieldMapping, type RecordObject } from './field-mapping.ts';
import type { Vendor } from '../vendor.ts';
import { compatible, counterpartType, type HubSpotFieldType, type IntercomFieldType } from './field-types.ts';

export interface AccountFields {
  /** Intercom custom data attributes of the object's model, by name. */
  intercomCustom: ReadonlyMap<string, IntercomFieldType>;
  /** HubSpot properties of the object type, by internal name. */
  hubspot: ReadonlyMap<string, HubSpotFieldType>;
}

export interface MappingProblem {
  /** Relative to the mapping list: [index, key]. */
  path: [number, Vendor];
  message: string;
}

/** A mapping's Intercom field type: its standard attribute's, else the workspace's custom data attribute's. */
export function intercomType(object: RecordObject, mapping: FieldMapping, fields: AccountFields): IntercomFieldType | undefined {
  const standard = standardAttributeType(object, mapping.intercom);
  if (standard) return { vendor: 'intercom', type: standard };
  return fields.intercomCustom.get(mapping.intercom.slice(CUSTOM_PREFIX.length));
}

/** A mapping's HubSpot field type: a derived value's, the full name's, else the account's property's. */
export function hubspotType(mapping: FieldMapping, fields: AccountFields): HubSpotFieldType | undefined {
  const derived = Object.hasOwn(HUBSPOT_DERIVED, mapping.hubspot) ? HUBSPOT_DERIVED[mapping.hubspot] : undefined;
  if (derived) return { vendor: 'hubspot', type: derived.type };
  // firstname and lastname are text properties every HubSpot account has.
  if (mapping.hubspot === HUBSPOT_FULL_NAME) return { vendor: 'hubspot', type: 'string' };
  return fields.hubspot.get(mapping.hubspot);
}

/** Problems of each mapping against the accounts' fields; none means the list can be saved. */
export function mappingTypeProblems(object: RecordObject, mappings: readonly FieldMapping[], fields: AccountFields): MappingProblem[] {
  return mappings.flatMap((mapping, index): MappingProblem[] => {
    let intercom = intercomType(object, mapping, fields);
    let hubspot = hubspotType(mapping, fields);
    const createsIntercom = mapping.create && mapping.direction !== 'to_hubspot';
    const createsHubSpot = mapping.create && mapping.direction !== 'to_intercom';
    const problems: MappingProblem[] = [];
    if (!intercom && !createsIntercom) {
      const hint = mapping.direction === 'to_hubspot' ? 'it is read from Intercom, so it must exist there' : 'create: true would create it';
      problems.push({ path: [index, 'intercom'], message: `the Intercom workspace has no data attribute '${mapping.intercom.slice(CUSTOM_PREFIX.length)}' (${hint})` });
    }
    if (!hubspot && !createsHubSpot) {
      const hint = mapping.direction === 'to_intercom' ? 'it is read from HubSpot, so it must exist there' : 'create: true would create it';
      problems.push({ path: [index, 'hubspot'], message: `the HubSpot account has no property '${mapping.hubspot}' (${hint})` });
    }
    if (problems.length > 0) return problems;
    // A field to be created gets the other side's matching type, so the pair is compatible by construction.
    if (!intercom && hubspot) intercom = counterpartType(hubspot);
    if (!hubspot && intercom) hubspot = counterpartType(intercom);
    if (!intercom || !hubspot) return [];
    const verdict = compatible(intercom, hubspot, mapping.direction);
    if (verdict.ok) return [];
    const wouldWork = verdict.wouldWork.length > 0 ? `; would work: ${verdict.wouldWork.join(', ')}` : '';
    return [{ path: [index, 'hubspot'], message: `${verdict.reason} (direction ${mapping.direction})${wouldWork}` }];
  });
}
