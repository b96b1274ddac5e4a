// The fields each account really has, per connection and object type (#17 items 4, 5): the Intercom
// workspace's custom data attributes and the HubSpot portal's properties, with their types and
// options. The save-time check and the sync read it to know each mapped field's type; it is cached
// for a few minutes, since both lists change rarely and cost a call each.
//
// Unlike the rest of src/records this module does I/O, through the clients it is given.
import type { Connection } from '../db/repos/connections.ts';
import type { PropertyCalls } from '../integrations/hubspot/calls/settings.ts';
import type { Property } from '../integrations/hubspot/schemas.ts';
import type { DataAttributeMethods, IntercomDataAttribute } from '../integrations/intercom/data-attributes.ts';
import type { AccountFields } from './check-mapping-types.ts';
import { CUSTOM_PREFIX, type RecordObject } from './field-mapping.ts';
import type { HubSpotFieldType, HubSpotPropertyType, IntercomDataType, IntercomFieldType } from './field-types.ts';

/** What the catalogue reads with: the connection's clients (src/connections/clients.ts gives them). */
export interface FieldReaders {
  intercom(row: Connection): Pick<DataAttributeMethods, 'listDataAttributes'>;
  hubspot(row: Connection): { properties: Pick<PropertyCalls, 'list'> };
}

/**
 * What the field pickers show besides a field's type (#18 item 1, src/records/field-list.ts). Only the
 * pickers read it; the sync and the checks go by AccountFields alone.
 */
interface FieldDescriptions {
  /**
   * Intercom attributes by the name a mapping gives them (`email`, `location.city`, a company's
   * `plan`, `custom.<name>`): the workspace's label, and whether the API writes it (`api_writable`).
   */
  intercom: ReadonlyMap<string, { label: string; writable: boolean }>;
  /**
   * HubSpot properties by internal name: label; custom when HubSpot did not define it
   * (`hubspotDefined`); read-only when its value is calculated (`modificationMetadata.readOnlyValue`,
   * hubspot-api.md §13.2 "Property response fields").
   */
  hubspot: ReadonlyMap<string, { label: string; custom: boolean; readOnly: boolean }>;
}

/** The fields as the catalogue reads them: what the sync needs, and what the pickers show. */
export interface CataloguedFields extends AccountFields {
  described?: FieldDescriptions;
}

export interface FieldCatalogue {
  /** The account's fields for this object type, fetched at most every five minutes. */
  fieldsOf(row: Connection, object: RecordObject): Promise<CataloguedFields>;
  /** Drops what is cached for a connection: after a field was created, or its accounts changed. */
  forget(connectionId: string): void;
}

const TTL_MS = 5 * 60_000;

export const INTERCOM_MODEL: Record<RecordObject, 'contact' | 'company'> = { contacts: 'contact', companies: 'company' };

const INTERCOM_TYPES: ReadonlySet<string> = new Set<IntercomDataType>(['string', 'integer', 'float', 'boolean', 'date']);

/** A custom attribute's type, or undefined for a type this version does not know. */
function intercomFieldType(attribute: IntercomDataAttribute): IntercomFieldType | undefined {
  // 2.17 adds `datetime` (intercom-api.md §4.5); it holds Unix seconds like `date`.
  const type = attribute.data_type === 'datetime' ? 'date' : attribute.data_type;
  if (!INTERCOM_TYPES.has(type)) return undefined;
  const options = attribute.options && attribute.options.length > 0 ? { options: attribute.options } : {};
  return { vendor: 'intercom', type: type as IntercomDataType, ...options };
}

const HUBSPOT_TYPES: ReadonlySet<string> = new Set<HubSpotPropertyType>(['string', 'number', 'bool', 'enumeration', 'date', 'datetime', 'phone_number']);

/**
 * A property's type: HubSpot's `type`, except that a string shown as a phone number (`fieldType`
 * phonenumber, hubspot-api.md §13.2) is a phone_number. Only enumerations keep their options (a
 * bool's "true"/"false" options say nothing the type does not). Undefined for a type this version
 * does not know (object_coordinates, json, …).
 */
export function hubspotFieldType(property: Pick<Property, 'type' | 'fieldType' | 'options'>): HubSpotFieldType | undefined {
  const type = property.type === 'string' && property.fieldType === 'phonenumber' ? 'phone_number' : property.type;
  if (!HUBSPOT_TYPES.has(type)) return undefined;
  const options = type === 'enumeration' && property.options ? { options: property.options.map((option) => option.value) } : {};
  return { vendor: 'hubspot', type: type as HubSpotPropertyType, ...options };
}

/** The name a mapping gives an Intercom attribute: custom ones under `custom.`, a company's plan by `plan` (record-sides.ts reads plan.name). */
function mappedIntercomName(object: RecordObject, attribute: IntercomDataAttribute): string {
  if (attribute.custom === true) return `${CUSTOM_PREFIX}${attribute.name}`;
  const name = attribute.full_name ?? attribute.name;
  return object === 'companies' && name === 'plan.name' ? 'plan' : name;
}

async function readFields(readers: FieldReaders, row: Connection, object: RecordObject): Promise<CataloguedFields> {
  // Each side in its own async call: a client that throws at once (no portal yet) must not leave
  // the other side's answer unhandled.
  const [attributes, properties] = await Promise.all([
    (async () => readers.intercom(row).listDataAttributes(INTERCOM_MODEL[object]))(),
    (async () => readers.hubspot(row).properties.list(object))(),
  ]);
  const intercomCustom = new Map<string, IntercomFieldType>();
  const described = { intercom: new Map<string, { label: string; writable: boolean }>(), hubspot: new Map<string, { label: string; custom: boolean; readOnly: boolean }>() };
  for (const attribute of attributes) {
    if (attribute.archived === true) continue;
    described.intercom.set(mappedIntercomName(object, attribute), { label: attribute.label ?? attribute.name, writable: attribute.api_writable !== false });
    // Standard attributes are known by name (field-mapping.ts); archived ones take no values.
    if (attribute.custom !== true) continue;
    const type = intercomFieldType(attribute);
    if (type) intercomCustom.set(attribute.name, type);
  }
  const hubspot = new Map<string, HubSpotFieldType>();
  for (const property of properties) {
    if (property.archived === true) continue;
    const type = hubspotFieldType(property);
    if (!type) continue;
    hubspot.set(property.name, type);
    described.hubspot.set(property.name, { label: property.label, custom: property.hubspotDefined !== true, readOnly: property.modificationMetadata?.readOnlyValue === true });
  }
  return { intercomCustom, hubspot, described };
}

export function createFieldCatalogue(deps: { clients: FieldReaders; now: () => number }): FieldCatalogue {
  // The promise is kept, so callers asking at once share one read; a failed read is not kept.
  const cache = new Map<string, { at: number; fields: Promise<CataloguedFields> }>();
  const keyOf = (connectionId: string, object: RecordObject) => `${connectionId}\u0000${object}`;

  return {
    fieldsOf(row, object) {
      const key = keyOf(row.id, object);
      const now = deps.now();
      const cached = cache.get(key);
      if (cached && now - cached.at < TTL_MS) return cached.fields;
      const fields = readFields(deps.clients, row, object);
      const entry = { at: now, fields };
      cache.set(key, entry);
      fields.catch(() => {
        if (cache.get(key) === entry) cache.delete(key);
      });
      return fields;
    },
    forget(connectionId) {
      for (const object of ['contacts', 'companies'] as const) cache.delete(keyOf(connectionId, object));
    },
  };
}
