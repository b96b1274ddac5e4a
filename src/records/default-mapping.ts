// The mapping that ships (#17 item 2) and the ready-made HubSpot → Intercom enrichment (#17 item 3).
//
// Default, besides the always-mapped fields (field-mapping.ts ALWAYS_MAPPED: contacts email, name,
// phone; companies name, website → domain): only properties every HubSpot account has, so nothing is
// created unasked, and only towards HubSpot where Intercom is the better source —
// - contacts: Intercom's location (city, region, country; read-only in Intercom) → HubSpot city,
//   state, country;
// - companies: website → HubSpot website (the full URL; domain holds the bare domain), size →
//   numberofemployees.
// Intercom's industry is free text while HubSpot's `industry` is an enumeration with fixed options,
// so it is not in the default: most values would be refused.
import type { FieldMapping, RecordObject } from './field-mapping.ts';

type MappingInput = Omit<FieldMapping, 'create'> & { create?: boolean };

export const DEFAULT_MAPPINGS: Record<RecordObject, MappingInput[]> = {
  contacts: [
    { intercom: 'location.city', hubspot: 'city', direction: 'to_hubspot' },
    { intercom: 'location.region', hubspot: 'state', direction: 'to_hubspot' },
    { intercom: 'location.country', hubspot: 'country', direction: 'to_hubspot' },
  ],
  companies: [
    { intercom: 'website', hubspot: 'website', direction: 'to_hubspot' },
    { intercom: 'size', hubspot: 'numberofemployees', direction: 'to_hubspot' },
  ],
};

/**
 * HubSpot → Intercom enrichment, by name, for contacts and companies alike: what a teammate sees in
 * the Intercom inbox. Each writes an Intercom custom attribute, created when missing; the deals ones
 * need the deals scope (field-mapping.ts needsDealsScope).
 */
export const ENRICHMENT_PRESETS = {
  lifecycle_stage: { intercom: 'custom.hubspot_lifecycle_stage', hubspot: 'lifecyclestage', direction: 'to_intercom', create: true },
  owner_name: { intercom: 'custom.hubspot_owner_name', hubspot: '@owner.name', direction: 'to_intercom', create: true },
  owner_email: { intercom: 'custom.hubspot_owner_email', hubspot: '@owner.email', direction: 'to_intercom', create: true },
  record_url: { intercom: 'custom.hubspot_record_url', hubspot: '@record.url', direction: 'to_intercom', create: true },
  open_deals_count: { intercom: 'custom.hubspot_open_deals', hubspot: '@deals.open_count', direction: 'to_intercom', create: true },
  open_deals_amount: { intercom: 'custom.hubspot_open_deals_amount', hubspot: '@deals.open_amount', direction: 'to_intercom', create: true },
} as const satisfies Record<string, FieldMapping>;
