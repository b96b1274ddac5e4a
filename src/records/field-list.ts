// The field pickers' lists (#18 item 1): each side's fields for one object type with their types,
// custom ones marked, labels, options, and whether they take writes; HubSpot's derived values; the
// always-mapped pairs. Pure: the live lists come in as the catalogue read them (field-catalogue.ts),
// or not at all when the accounts cannot be read — the standard fields are listed then anyway.
import type { CataloguedFields } from './field-catalogue.ts';
import { CUSTOM_PREFIX, HUBSPOT_DERIVED, HUBSPOT_FULL_NAME, RecordSyncSettings, standardAttributes, type RecordObject } from './field-mapping.ts';
import type { HubSpotPropertyType } from './field-types.ts';

interface IntercomFieldEntry {
  name: string;
  label: string;
  type: string;
  custom: boolean;
  writable: boolean;
  options?: string[];
}

interface HubSpotFieldEntry {
  name: string;
  label: string;
  type: string;
  custom: boolean;
  readOnly: boolean;
  options?: string[];
}

export interface FieldLists {
  object: RecordObject;
  intercom: IntercomFieldEntry[];
  hubspot: HubSpotFieldEntry[];
  derived: Array<{ name: string; label: string; type: string }>;
  alwaysMapped: Array<{ intercom: string; hubspot: string }>;
}

const DERIVED_LABELS: Record<string, string> = {
  '@owner.name': 'Owner name',
  '@owner.email': 'Owner email',
  '@record.url': 'Link to the HubSpot record',
  '@deals.open_count': 'Open deals (count)',
  '@deals.open_amount': 'Open deals (amount)',
};

/**
 * Properties every HubSpot account has (HubSpot's default contact and company properties, the
 * properties guide; the simulator seeds the same, src/sandbox/hubspot/seed.ts): listed when the
 * account's own list cannot be read, so the pickers still offer the usual choices.
 */
const HUBSPOT_DEFAULTS: Record<RecordObject, ReadonlyArray<[string, string, HubSpotPropertyType, boolean?]>> = {
  contacts: [
    ['email', 'Email', 'string'],
    ['phone', 'Phone Number', 'phone_number'],
    ['mobilephone', 'Mobile Phone Number', 'phone_number'],
    ['company', 'Company Name', 'string'],
    ['website', 'Website URL', 'string'],
    ['jobtitle', 'Job Title', 'string'],
    ['city', 'City', 'string'],
    ['state', 'State/Region', 'string'],
    ['country', 'Country/Region', 'string'],
    ['lifecyclestage', 'Lifecycle Stage', 'enumeration'],
    ['createdate', 'Create Date', 'datetime', true],
    ['lastmodifieddate', 'Last Modified Date', 'datetime', true],
  ],
  companies: [
    ['name', 'Company name', 'string'],
    ['domain', 'Company Domain Name', 'string'],
    ['website', 'Website URL', 'string'],
    ['phone', 'Phone Number', 'phone_number'],
    ['description', 'Description', 'string'],
    ['city', 'City', 'string'],
    ['country', 'Country/Region', 'string'],
    ['numberofemployees', 'Number of Employees', 'number'],
    ['annualrevenue', 'Annual Revenue', 'number'],
    ['industry', 'Industry', 'enumeration'],
    ['lifecyclestage', 'Lifecycle Stage', 'enumeration'],
    ['createdate', 'Create Date', 'datetime', true],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', true],
  ],
};

/** `location.country_code` → "Location country code": for a standard attribute the workspace did not label. */
const labelOf = (name: string) => {
  const words = name.replace(/[._]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const byLabel = <T extends { label: string; name: string }>(a: T, b: T) => a.label.localeCompare(b.label) || a.name.localeCompare(b.name);

const withOptions = (options: readonly string[] | undefined) => (options ? { options: [...options] } : {});

/** The always-mapped pairs: what the settings' own schema adds to an empty mapping list. */
function alwaysMappedPairs(object: RecordObject): Array<{ intercom: string; hubspot: string }> {
  const settings = RecordSyncSettings.parse({ [object]: { mappings: [] } });
  return settings[object].mappings.map((mapping) => ({ intercom: mapping.intercom, hubspot: mapping.hubspot }));
}

/** Both sides' fields for the pickers; `fields` undefined when the accounts could not be read. */
export function fieldLists(object: RecordObject, fields: CataloguedFields | undefined): FieldLists {
  const described = fields?.described;
  const intercomStandard = standardAttributes(object).map((attribute): IntercomFieldEntry => ({
    name: attribute.name,
    label: described?.intercom.get(attribute.name)?.label ?? labelOf(attribute.name),
    type: attribute.type,
    custom: false,
    // field-mapping.ts decides what a mapping may write, whatever the workspace says.
    writable: attribute.writable,
  }));
  const intercomCustom = [...(fields?.intercomCustom ?? new Map())].map(([name, type]): IntercomFieldEntry => {
    const info = described?.intercom.get(`${CUSTOM_PREFIX}${name}`);
    return { name: `${CUSTOM_PREFIX}${name}`, label: info?.label ?? name, type: type.type, custom: true, writable: info?.writable ?? true, ...withOptions(type.options) };
  });

  const hubspot: HubSpotFieldEntry[] = fields
    ? [...fields.hubspot].map(([name, type]) => {
        const info = described?.hubspot.get(name);
        return { name, label: info?.label ?? name, type: type.type, custom: info?.custom ?? false, readOnly: info?.readOnly ?? false, ...withOptions(type.options) };
      })
    : HUBSPOT_DEFAULTS[object].map(([name, label, type, readOnly]) => ({ name, label, type, custom: false, readOnly: readOnly === true }));
  hubspot.sort(byLabel);
  // The contact's name goes to firstname and lastname together (field-mapping.ts HUBSPOT_FULL_NAME).
  if (object === 'contacts') hubspot.unshift({ name: HUBSPOT_FULL_NAME, label: 'First name + Last name', type: 'string', custom: false, readOnly: false });

  return {
    object,
    intercom: [...intercomStandard, ...intercomCustom.sort(byLabel)],
    hubspot,
    derived: Object.entries(HUBSPOT_DERIVED).map(([name, value]) => ({ name, label: DERIVED_LABELS[name] ?? name, type: value.type })),
    alwaysMapped: alwaysMappedPairs(object),
  };
}
