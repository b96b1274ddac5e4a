// The webhooks record sync reacts to, in one place: the reactions subscribe to these lists
// (record-tasks.ts), and the connection page, README and config.example.yaml say which a person must
// set up (src/webhooks/needed-webhooks.ts). Imports only types: cheap to load from anywhere.
import type { FieldMapping, RecordObject } from './field-mapping.ts';

/** Intercom topics about contacts and companies (intercom-api.md §2.4). */
export const INTERCOM_RECORD_TOPICS: Readonly<Record<RecordObject, readonly string[]>> = {
  contacts: ['contact.user.created', 'contact.user.updated', 'contact.lead.created', 'contact.lead.updated', 'contact.lead.signed_up', 'contact.merged', 'contact.deleted'],
  companies: ['company.created', 'company.updated', 'company.deleted'],
};

/** HubSpot's subscription prefix per object type (legacy form; generic object.* with 0-1 / 0-2 is recorded under it). */
export const HUBSPOT_RECORD_PREFIX: Readonly<Record<RecordObject, 'contact' | 'company'>> = { contacts: 'contact', companies: 'company' };

/** What documents show for the propertyChange subscriptions, whose property names come from the mapping. */
const EACH_MAPPED_PROPERTY = '<each property a mapping reads from HubSpot>';

/**
 * HubSpot subscriptions for one object type (hubspot-api.md §16.1: a propertyChange subscription
 * names one property, so there is one per property read from HubSpot). Deal values are not announced
 * by contact or company events: the sweep brings them.
 */
export function hubspotRecordSubscriptions(object: RecordObject, mappings?: readonly FieldMapping[]): Array<{ topic: string; propertyName?: string }> {
  const prefix = HUBSPOT_RECORD_PREFIX[object];
  const properties = mappings === undefined ? [EACH_MAPPED_PROPERTY] : [...new Set(mappings.filter((mapping) => mapping.direction !== 'to_hubspot').flatMap((mapping) => hubspotPropertiesRead(mapping.hubspot)))];
  return [
    { topic: `${prefix}.creation` },
    ...properties.map((propertyName) => ({ topic: `${prefix}.propertyChange`, propertyName })),
    { topic: `${prefix}.merge` },
    { topic: `${prefix}.deletion` },
    // A contact added to a company in HubSpot joins the paired Intercom company (memberships.ts).
    ...(object === 'contacts' ? [{ topic: 'contact.associationChange' }] : []),
  ];
}

/** The HubSpot properties a mapped name reads (and whose change it must hear of): the name's two parts, the owner id for owner values, none for deal or URL values. */
export function hubspotPropertiesRead(name: string): string[] {
  if (name === 'firstname+lastname') return ['firstname', 'lastname'];
  if (name.startsWith('@owner.')) return ['hubspot_owner_id'];
  if (name.startsWith('@')) return [];
  return [name];
}
