// The contact's always-mapped name (#17 item 2): Intercom has one `name`, HubSpot `firstname` and
// `lastname` (field-mapping.ts HUBSPOT_FULL_NAME). Read, HubSpot's two are joined by a space; written,
// the name is split as a contact created at capture is (first word, then the rest), and a part the
// name lacks is cleared ("" clears a HubSpot value, hubspot-api.md "Property values"). A name
// HubSpot holds split differently ("Ana María" + "López") joins to the same text, so it agrees and is
// not rewritten.
import { splitName } from '../matching/contact-lookups.ts';
import type { FieldValue } from './field-types.ts';

/** HubSpot's firstname and lastname as the one value the mapping compares; null when both are empty. */
export function joinFullName(firstname: string | null | undefined, lastname: string | null | undefined): string | null {
  const name = [firstname, lastname].map((part) => part?.trim() ?? '').filter((part) => part !== '').join(' ');
  return name === '' ? null : name;
}

/** The firstname and lastname to write for a name. */
export function splitFullName(name: FieldValue): { firstname: string; lastname: string } {
  const parts = typeof name === 'string' ? splitName(name) : {};
  return { firstname: parts.firstname ?? '', lastname: parts.lastname ?? '' };
}
