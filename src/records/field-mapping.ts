// A connection's record-sync settings (#17 item 2): per object type, whether records sync and which
// Intercom attribute goes to which HubSpot property, in which direction. This zod schema is the one
// source of truth for the YAML's `connections[n].recordSync`, the stored settings and (later) the API.
//
// Pure: zod only. src/config/connection-settings.ts spreads it into a connection's settings, so this
// module sits at the configuration layer and imports nothing above it.
import { z } from 'zod';
import { flag } from '../config/fields.ts';
import { DEFAULT_MAPPINGS } from './default-mapping.ts';
import { filterKind, filterSettings, type KnownField } from './filter-schema.ts';
import type { Direction, HubSpotPropertyType, IntercomDataType } from './field-types.ts';

export type RecordObject = 'contacts' | 'companies';

interface StandardAttribute {
  type: IntercomDataType;
  /** Intercom's update endpoint takes it; a read-only one can only go to HubSpot. */
  writable: boolean;
}

// The standard attributes, with their Intercom types: Intercom spec 2.14 schemas `contact`,
// `update_contact_request`, `company` and `create_or_update_company_request` (dates are Unix seconds).
const INTERCOM_STANDARD_ATTRIBUTES: Record<RecordObject, Record<string, StandardAttribute>> = {
  contacts: {
    email: { type: 'string', writable: true },
    name: { type: 'string', writable: true },
    phone: { type: 'string', writable: true },
    external_id: { type: 'string', writable: true },
    owner_id: { type: 'integer', writable: true },
    signed_up_at: { type: 'date', writable: true },
    last_seen_at: { type: 'date', writable: true },
    unsubscribed_from_emails: { type: 'boolean', writable: true },
    created_at: { type: 'date', writable: false },
    updated_at: { type: 'date', writable: false },
    last_replied_at: { type: 'date', writable: false },
    last_contacted_at: { type: 'date', writable: false },
    last_email_opened_at: { type: 'date', writable: false },
    last_email_clicked_at: { type: 'date', writable: false },
    has_hard_bounced: { type: 'boolean', writable: false },
    marked_email_as_spam: { type: 'boolean', writable: false },
    'location.city': { type: 'string', writable: false },
    'location.region': { type: 'string', writable: false },
    'location.country': { type: 'string', writable: false },
    'location.country_code': { type: 'string', writable: false },
  },
  companies: {
    name: { type: 'string', writable: true },
    website: { type: 'string', writable: true },
    size: { type: 'integer', writable: true },
    industry: { type: 'string', writable: true },
    monthly_spend: { type: 'integer', writable: true },
    /** The plan's name (`plan.name` when read). */
    plan: { type: 'string', writable: true },
    remote_created_at: { type: 'date', writable: true },
    company_id: { type: 'string', writable: false },
    created_at: { type: 'date', writable: false },
    updated_at: { type: 'date', writable: false },
    last_request_at: { type: 'date', writable: false },
    session_count: { type: 'integer', writable: false },
    user_count: { type: 'integer', writable: false },
  },
};

/** A standard attribute's Intercom type, or undefined for a custom attribute or an unknown name. */
export function standardAttributeType(object: RecordObject, intercom: string): IntercomDataType | undefined {
  return Object.hasOwn(INTERCOM_STANDARD_ATTRIBUTES[object], intercom) ? INTERCOM_STANDARD_ATTRIBUTES[object][intercom]?.type : undefined;
}

/** What a filter on an Intercom attribute can know without the workspace: a standard attribute's kind; a custom one's comes from the workspace. */
function knownIntercomField(object: RecordObject, name: string): KnownField {
  const type = standardAttributeType(object, name);
  if (type) return { kind: filterKind({ vendor: 'intercom', type }) };
  if (name.startsWith(CUSTOM_PREFIX) && name.length > CUSTOM_PREFIX.length) return 'later';
  return { problem: `'${name}' is not a standard Intercom ${object === 'contacts' ? 'contact' : 'company'} attribute (${Object.keys(INTERCOM_STANDARD_ATTRIBUTES[object]).join(', ')}) nor custom.<name>` };
}

/** An object type's standard attributes in the order above, for the field pickers (src/records/field-list.ts). */
export const standardAttributes = (object: RecordObject): Array<StandardAttribute & { name: string }> =>
  Object.entries(INTERCOM_STANDARD_ATTRIBUTES[object]).map(([name, attribute]) => ({ name, ...attribute }));

/** A custom attribute: `custom.<name>` (the key in Intercom's `custom_attributes`). */
export const CUSTOM_PREFIX = 'custom.';

/**
 * HubSpot's `firstname` and `lastname` together, for the contact's `name`: written split at the first
 * space (as a contact created at capture is, src/matching/contact-lookups.ts), read joined by a space.
 */
export const HUBSPOT_FULL_NAME = 'firstname+lastname';

/**
 * Values HubSpot has but not as a property of the record (#17 item 3): read by the sync, only ever
 * written to Intercom. The deals ones need the deals scope, asked for only when a mapping uses them.
 */
export const HUBSPOT_DERIVED: Record<string, { type: HubSpotPropertyType; needsDealsScope: boolean }> = {
  '@owner.name': { type: 'string', needsDealsScope: false },
  '@owner.email': { type: 'string', needsDealsScope: false },
  '@record.url': { type: 'string', needsDealsScope: false },
  '@deals.open_count': { type: 'number', needsDealsScope: true },
  '@deals.open_amount': { type: 'number', needsDealsScope: true },
};

/** HubSpot maintains these itself (hubspot-api.md §5: createdate, lastmodifieddate / hs_lastmodifieddate, hs_object_id). */
const HUBSPOT_READ_ONLY = new Set(['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate']);

/** Always mapped, whatever the list says (#17 item 2); the direction shown is the one they get when the list omits them. */
const ALWAYS_MAPPED: Record<RecordObject, readonly FieldMapping[]> = {
  contacts: [
    // The matching key: written to HubSpot only, so a HubSpot edit cannot move an Intercom identity.
    { intercom: 'email', hubspot: 'email', direction: 'to_hubspot', create: false },
    { intercom: 'name', hubspot: HUBSPOT_FULL_NAME, direction: 'both', onConflict: 'newest_wins', create: false },
    { intercom: 'phone', hubspot: 'phone', direction: 'both', onConflict: 'newest_wins', create: false },
  ],
  companies: [
    { intercom: 'name', hubspot: 'name', direction: 'both', onConflict: 'newest_wins', create: false },
    // The matching key, as for contacts' email.
    { intercom: 'website', hubspot: 'domain', direction: 'to_hubspot', create: false },
  ],
};

const DIRECTIONS = ['to_hubspot', 'to_intercom', 'both'] as const satisfies readonly Direction[];
const CONFLICT_RULES = ['newest_wins', 'intercom_wins', 'hubspot_wins'] as const;
export type ConflictRule = (typeof CONFLICT_RULES)[number];
const list = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

const MappingInput = z.strictObject({
  /** A standard attribute (`email`, `location.city`, …) or `custom.<name>`. */
  intercom: z.string({ error: 'is required: a standard attribute such as email, or custom.<name>' }).min(1, { error: 'must not be empty' }),
  /** A property's internal name, `firstname+lastname`, or a derived value (`@owner.name`, …). */
  hubspot: z
    .string({ error: 'is required: a HubSpot property name' })
    .min(1, { error: 'must not be empty' })
    .refine((name) => !/\s/.test(name), { error: 'must be a property name (no spaces)' }),
  direction: z.enum(DIRECTIONS, { error: `must be one of ${list(DIRECTIONS)}` }),
  /** Only for direction both. */
  onConflict: z.enum(CONFLICT_RULES, { error: `must be one of ${list(CONFLICT_RULES)}` }).optional(),
  /** Create the field this mapping writes when it is missing: the HubSpot property or the Intercom data attribute (#17 item 5). */
  create: flag(false),
});
type MappingInput = z.infer<typeof MappingInput>;

export interface FieldMapping {
  intercom: string;
  hubspot: string;
  direction: Direction;
  /** Set exactly when direction is both. */
  onConflict?: ConflictRule;
  create: boolean;
}

const writesHubSpot = (direction: Direction) => direction !== 'to_intercom';
const writesIntercom = (direction: Direction) => direction !== 'to_hubspot';

/** What is wrong with one mapping on its own, by key. */
function mappingProblems(object: RecordObject, mapping: MappingInput): { key: keyof MappingInput; message: string }[] {
  const problems: { key: keyof MappingInput; message: string }[] = [];
  const standard = Object.hasOwn(INTERCOM_STANDARD_ATTRIBUTES[object], mapping.intercom) ? INTERCOM_STANDARD_ATTRIBUTES[object][mapping.intercom] : undefined;
  const custom = mapping.intercom.startsWith(CUSTOM_PREFIX) && mapping.intercom.length > CUSTOM_PREFIX.length;
  if (!standard && !custom) {
    problems.push({
      key: 'intercom',
      message: `'${mapping.intercom}' is not a standard Intercom ${object === 'contacts' ? 'contact' : 'company'} attribute (${Object.keys(INTERCOM_STANDARD_ATTRIBUTES[object]).join(', ')}) nor custom.<name>`,
    });
  }
  if (standard && !standard.writable && writesIntercom(mapping.direction)) {
    problems.push({ key: 'direction', message: `'${mapping.intercom}' is read-only in Intercom: only 'to_hubspot' works` });
  }
  const derived = mapping.hubspot.startsWith('@');
  if (derived && !Object.hasOwn(HUBSPOT_DERIVED, mapping.hubspot)) {
    problems.push({ key: 'hubspot', message: `'${mapping.hubspot}' is not a derived HubSpot value (${Object.keys(HUBSPOT_DERIVED).join(', ')})` });
  }
  if (mapping.hubspot === HUBSPOT_FULL_NAME && !(object === 'contacts' && mapping.intercom === 'name')) {
    problems.push({ key: 'hubspot', message: `'${HUBSPOT_FULL_NAME}' is only for the contact's name` });
  }
  if ((derived || HUBSPOT_READ_ONLY.has(mapping.hubspot)) && writesHubSpot(mapping.direction)) {
    problems.push({ key: 'direction', message: `'${mapping.hubspot}' cannot be written in HubSpot: only 'to_intercom' works` });
  }
  if (object === 'contacts' && (mapping.hubspot === 'firstname' || mapping.hubspot === 'lastname') && writesHubSpot(mapping.direction)) {
    problems.push({ key: 'hubspot', message: `'${mapping.hubspot}' is written by the always-mapped name (${HUBSPOT_FULL_NAME})` });
  }
  if (mapping.onConflict && mapping.direction !== 'both') {
    problems.push({ key: 'onConflict', message: "only applies to direction 'both' (remove it, or set direction: both)" });
  }
  return problems;
}

/**
 * A list of mappings for one object type. The always-mapped fields are added when missing and may
 * not be mapped differently; one field is not written by two mappings (they would overwrite each
 * other). For direction both, onConflict defaults to newest_wins.
 */
function mappingList(object: RecordObject) {
  const always = ALWAYS_MAPPED[object];
  return z
    .array(MappingInput, { error: 'must be a list of {intercom, hubspot, direction} mappings' })
    .superRefine((mappings, ctx) => {
      const writersOf = { hubspot: new Map<string, number>(), intercom: new Map<string, number>() };
      mappings.forEach((mapping, index) => {
        for (const problem of mappingProblems(object, mapping)) ctx.addIssue({ code: 'custom', path: [index, problem.key], message: problem.message });
        // Another source for an always-mapped field is refused; copying one elsewhere (website → website) is not.
        const fixed = always.find(
          (entry) =>
            (entry.hubspot === mapping.hubspot && entry.intercom !== mapping.intercom && writesHubSpot(mapping.direction)) ||
            (entry.intercom === mapping.intercom && entry.hubspot !== mapping.hubspot && writesIntercom(mapping.direction)),
        );
        if (fixed) {
          const key = fixed.intercom === mapping.intercom ? 'hubspot' : 'intercom';
          ctx.addIssue({
            code: 'custom',
            path: [index, key],
            message: `${fixed.intercom} ↔ ${fixed.hubspot} is always mapped and cannot be mapped differently (its direction and onConflict may be set)`,
          });
        }
        for (const side of ['hubspot', 'intercom'] as const) {
          const writes = side === 'hubspot' ? writesHubSpot(mapping.direction) : writesIntercom(mapping.direction);
          if (!writes) continue;
          const first = writersOf[side].get(mapping[side]);
          if (first !== undefined) {
            ctx.addIssue({ code: 'custom', path: [index, side], message: `'${mapping[side]}' is already written by mappings[${first}]; one field takes one source` });
          } else writersOf[side].set(mapping[side], index);
        }
      });
    })
    .transform((mappings): FieldMapping[] => {
      const missing = always.filter((entry) => !mappings.some((mapping) => mapping.intercom === entry.intercom && mapping.hubspot === entry.hubspot));
      return [...missing, ...mappings].map(({ onConflict, ...mapping }) =>
        mapping.direction === 'both' ? { ...mapping, onConflict: onConflict ?? 'newest_wins' } : mapping,
      );
    });
}

const objectSync = (object: RecordObject) =>
  z
    .strictObject({
      /** Off until asked for: record sync writes to both systems. */
      enabled: flag(false),
      // prefault: the default list is normalised like a given one.
      mappings: mappingList(object).prefault(DEFAULT_MAPPINGS[object]),
      /** Which records sync each way (#18 item 2); none by default. */
      filters: filterSettings((name) => knownIntercomField(object, name)),
    })
    .prefault({});

/** `connections[n].recordSync`: off by default, with the default mapping when the list is not given. */
export const RecordSyncSettings = z
  .strictObject({ contacts: objectSync('contacts'), companies: objectSync('companies') })
  .prefault({});
export type RecordSyncSettings = z.infer<typeof RecordSyncSettings>;

/** Whether any mapping reads deals, so the deals scope is needed (#17 item 3). */
export function needsDealsScope(settings: RecordSyncSettings): boolean {
  return [settings.contacts, settings.companies].some(
    (sync) => sync.enabled && sync.mappings.some((mapping) => HUBSPOT_DERIVED[mapping.hubspot]?.needsDealsScope === true),
  );
}
