// The CRM object types the simulator serves, with the per-type facts the API varies on: type id,
// scopes, default properties, the text fields `query` searches, and the naming drift of the
// timestamp properties (hubspot-api.md §5.3, §6–§10).
import { unknownObjectType } from '../errors.ts';

export type ObjectTypeName = 'contacts' | 'companies' | 'deals' | 'tickets' | 'notes';

export interface ObjectTypeInfo {
  name: ObjectTypeName;
  singular: string;
  typeId: string;
  /** HubSpot's upper-case name in messages: "Error creating NOTE." */
  upper: string;
  readScopes: string[];
  writeScopes: string[];
  schemaWriteScopes: string[];
  defaultProperties: string[];
  createdProperty: string;
  modifiedProperty: string;
  searchText: string[];
}

// Scopes per [SPEC:contacts/companies/tickets/notes] via hubspot-api.md §2.7: any one listed suffices.
// Notes are guarded by the contacts scopes (plus crm.objects.notes.read for reads); tickets by `tickets`.
export const OBJECT_TYPES: Record<ObjectTypeName, ObjectTypeInfo> = {
  contacts: {
    name: 'contacts', singular: 'contact', typeId: '0-1', upper: 'CONTACT',
    readScopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
    writeScopes: ['crm.objects.contacts.write'],
    schemaWriteScopes: ['crm.schemas.contacts.write'],
    defaultProperties: ['firstname', 'lastname', 'email'],
    createdProperty: 'createdate', modifiedProperty: 'lastmodifieddate',
    searchText: ['firstname', 'lastname', 'email', 'phone', 'hs_additional_emails', 'fax', 'mobilephone', 'company', 'hs_marketable_until_renewal'],
  },
  companies: {
    name: 'companies', singular: 'company', typeId: '0-2', upper: 'COMPANY',
    readScopes: ['crm.objects.companies.read', 'crm.objects.companies.write'],
    writeScopes: ['crm.objects.companies.write'],
    schemaWriteScopes: ['crm.schemas.companies.write'],
    defaultProperties: ['name', 'domain'],
    createdProperty: 'createdate', modifiedProperty: 'hs_lastmodifieddate',
    searchText: ['website', 'phone', 'name', 'domain'],
  },
  // Deals (0-3): scopes crm.objects.deals.read/write (hubspot-api.md §2.6's MISSING_SCOPES example
  // names crm.objects.deals.read; deals guide); default properties per the search guide's table
  // ("dealname, amount, closedate, pipeline, dealstage"); `query` text fields per the same guide.
  deals: {
    name: 'deals', singular: 'deal', typeId: '0-3', upper: 'DEAL',
    readScopes: ['crm.objects.deals.read', 'crm.objects.deals.write'],
    writeScopes: ['crm.objects.deals.write'],
    schemaWriteScopes: ['crm.schemas.deals.write'],
    defaultProperties: ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage'],
    createdProperty: 'createdate', modifiedProperty: 'hs_lastmodifieddate',
    searchText: ['dealname', 'pipeline', 'dealstage', 'description', 'dealtype'],
  },
  tickets: {
    name: 'tickets', singular: 'ticket', typeId: '0-5', upper: 'TICKET',
    readScopes: ['tickets'],
    writeScopes: ['tickets'],
    schemaWriteScopes: ['crm.schemas.tickets.write', 'tickets'],
    defaultProperties: ['content', 'hs_pipeline', 'hs_pipeline_stage', 'hs_ticket_category', 'hs_ticket_priority', 'subject'],
    createdProperty: 'createdate', modifiedProperty: 'hs_lastmodifieddate',
    searchText: ['subject', 'content', 'hs_pipeline_stage', 'hs_ticket_category', 'hs_ticket_id'],
  },
  notes: {
    name: 'notes', singular: 'note', typeId: '0-46', upper: 'NOTE',
    readScopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.notes.read'],
    writeScopes: ['crm.objects.contacts.write'],
    schemaWriteScopes: ['crm.schemas.contacts.write'],
    defaultProperties: [],
    createdProperty: 'hs_createdate', modifiedProperty: 'hs_lastmodifieddate',
    searchText: ['hs_note_body'],
  },
};

const ALIASES = new Map<string, ObjectTypeName>();
for (const info of Object.values(OBJECT_TYPES)) {
  for (const alias of [info.name, info.singular, info.typeId, info.upper.toLowerCase()]) ALIASES.set(alias, info.name);
}

/** Path segments accept plural and singular names and type ids (hubspot-api.md §11.1). */
export function lookupObjectType(segment: string): ObjectTypeInfo | undefined {
  const name = ALIASES.get(segment.toLowerCase());
  return name ? OBJECT_TYPES[name] : undefined;
}

export function objectType(segment: string): ObjectTypeInfo {
  const info = lookupObjectType(segment);
  if (!info) throw unknownObjectType(segment);
  return info;
}

/** Properties every response carries whatever was asked for (the docs' example responses). */
export const alwaysReturned = (info: ObjectTypeInfo) => [info.createdProperty, info.modifiedProperty, 'hs_object_id'];

/** HubSpot-style timestamp: ISO-8601 with milliseconds, the fraction dropped when zero ([2ND] Instant.toString()). */
export function isoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
