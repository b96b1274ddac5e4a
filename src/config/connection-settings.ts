// A connection's own settings: how conversations are captured, where they go, how records are
// matched and who owns what HubSpot gets. The same schema validates the YAML's `connections[n]`
// entries and the UI's edits; the row keeps the parsed result as JSON (connections.settings).
import { z } from 'zod';
import { flag, nonNegative, oneOf, text, textList } from './fields.ts';
import { RecordSyncSettings } from '../records/field-mapping.ts';

/**
 * Zones already found valid. Stored settings are parsed on every job that reads a connection, and
 * building an Intl.DateTimeFormat to test the zone cost more than the rest of the parse (~100 µs;
 * test/bench/RESULTS.md "ingest"). A zone's validity does not change while the process runs.
 */
// UTC, the default, is known without asking: the first Intl call maps ~8 MB of ICU data into memory,
// which an idle daemon with default settings need never touch (test/bench/RESULTS.md "startup memory").
const validZones = new Set<string>(['UTC']);

const timeZone = z
  .string({ error: 'must be a text value' })
  .default('UTC')
  .refine(
    (zone) => {
      if (validZones.has(zone)) return true;
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
      } catch {
        return false;
      }
      // Bounded: only zones that exist get in.
      validZones.add(zone);
      return true;
    },
    { error: 'must be an IANA time zone name such as Europe/Berlin or America/New_York' },
  );

const CAPTURE_MODES = ['on_close', 'realtime', 'manual'] as const;

const Capture = z
  .strictObject({
    mode: oneOf(CAPTURE_MODES, 'on_close'),
    graceMinutes: nonNegative(10),
    realtimeDebounceMinutes: nonNegative(2),
    /** Also capture conversations still open after this many hours, again every as many hours; 0 = never. */
    rollingHours: nonNegative(0),
  })
  .prefault({});

const Guards = z
  .strictObject({
    minCustomerMessages: nonNegative(2),
    minDurationMinutes: nonNegative(1),
    requireHumanTeammate: flag(true),
    excludeTags: textList('tags'),
    skipBotOnly: flag(true),
  })
  .prefault({});

/** Where a captured conversation goes: one note associated with each chosen record, and/or a ticket (#8). */
export const DESTINATIONS = ['contact', 'company', 'ticket'] as const;
export type Destination = (typeof DESTINATIONS)[number];
const Destinations = z.array(z.enum(DESTINATIONS, { error: `must be one of ${DESTINATIONS.map((d) => `'${d}'`).join(', ')}` }), {
  error: 'must be a list of destinations (contact, company, ticket); an empty list sends the conversation nowhere',
});

const RuleCondition = z
  .strictObject({
    /** Any of these tags (by name). */
    tags: textList('tag names').optional(),
    /** Assigned to any of these teams (Intercom team ids). */
    teams: textList('team ids').optional(),
    /** Assigned to any of these teammates (Intercom admin ids). */
    assignees: textList('admin ids').optional(),
    /** Started on any of these channels (the source type: conversation, email, push, facebook, twitter, whatsapp, …). */
    channels: textList('channels').optional(),
    priority: z.enum(['priority', 'not_priority'], { error: "must be 'priority' or 'not_priority'" }).optional(),
    /** A conversation attribute (custom_attributes) equal to a value. */
    attribute: z
      .strictObject({
        name: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }),
        equals: z.union([z.string(), z.number(), z.boolean()], { error: 'must be a text, number or true/false value' }),
      })
      .optional(),
  })
  .prefault({});

const TICKET_POLICIES = ['none', 'per_conversation', 'reuse_open'] as const;
export type TicketPolicy = (typeof TICKET_POLICIES)[number];

const RoutingRule = z.strictObject({
  name: z.string({ error: 'is required: a name that activity entries can cite' }).min(1, { error: 'must not be empty' }),
  /** All the conditions given must hold; a rule without conditions matches everything. */
  when: RuleCondition,
  destinations: Destinations,
  /** How this rule's tickets are made, instead of tickets.policy. */
  ticketPolicy: z.enum(TICKET_POLICIES, { error: `must be one of ${TICKET_POLICIES.map((p) => `'${p}'`).join(', ')}` }).optional(),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

const Routing = z
  .strictObject({
    /** The first rule that matches decides; when none does, `defaultDestinations` apply. */
    rules: z.array(RoutingRule, { error: 'must be a list of rules' }).default([]),
    defaultDestinations: Destinations.default(['contact', 'company']),
  })
  .prefault({});

const Content = z
  .strictObject({
    includeInternalNotes: flag(false),
    includeBotMessages: flag(true),
    /** Also a short note pointing at the transcript on other participants' contacts. */
    referenceNotesForParticipants: flag(false),
  })
  .prefault({});

/** The conversation states a ticket stage is mapped for. */
export const CONVERSATION_STATES = ['open', 'snoozed', 'closed', 'reopened'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

const Tickets = z
  .strictObject({
    /**
     * none: no tickets at all; per_conversation: one ticket per conversation; reuse_open: the
     * contact's open ticket made by this connection, else a new one. Routing decides which
     * conversations get a ticket (destination 'ticket').
     */
    policy: oneOf(TICKET_POLICIES, 'per_conversation'),
    /** At capture, or as soon as the customer's first message arrives. */
    createWhen: oneOf(['capture', 'first_customer_message'], 'capture'),
    /** The ticket pipeline, by id or label; empty: HubSpot's first ticket pipeline. */
    pipeline: text(),
    /** A stage (id or label) per conversation state; empty: the pipeline's first open stage, or its first closed stage for closed. */
    stages: z.strictObject({ open: text(), snoozed: text(), closed: text(), reopened: text() }).prefault({}),
    /** Placeholders: {subject}, {id}, {customer}, {company}, {link}. */
    subjectTemplate: text('{subject}'),
    descriptionTemplate: text('Intercom conversation {id} with {customer}: {link}'),
    /** hs_ticket_priority for Intercom's priority flag; empty: not set. */
    priorities: z.strictObject({ priority: text('HIGH'), notPriority: text('') }).prefault({}),
    /** A ticket moved to a closed stage in HubSpot: nothing, close the conversation, or add an internal note to it. */
    whenClosedInHubSpot: oneOf(['nothing', 'close', 'note'], 'nothing'),
    /** A ticket moved from a closed stage back to an open one reopens the conversation (with close or note above). */
    reopenInIntercom: flag(true),
  })
  .prefault({});

const ADDRESS_POLICIES = ['match', 'match_no_create', 'ignore'] as const;
export type AddressPolicy = (typeof ADDRESS_POLICIES)[number];

const ContactStrategy = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('email'), enabled: flag(true) }),
    z.strictObject({
      type: z.literal('phone'),
      enabled: flag(true),
      /** ISO country for numbers written without a country code (e.g. DE); empty: such numbers do not match. */
      defaultCountry: text(),
    }),
    z.strictObject({
      type: z.literal('external_id'),
      enabled: flag(true),
      pairs: z
        .array(
          z.strictObject({
            /** `external_id`, or `custom_attributes.<name>`. */
            intercom: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }),
            /** The HubSpot contact property holding the same value. */
            hubspot: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }),
          }),
          { error: 'must be a list of {intercom, hubspot} pairs' },
        )
        .default([{ intercom: 'external_id', hubspot: 'intercom_external_id' }]),
    }),
  ],
  { error: "must have a type of 'email', 'phone' or 'external_id'" },
);
export type ContactStrategy = z.infer<typeof ContactStrategy>;

const ContactMatching = z
  .strictObject({
    /** Tried in order; the first that finds a contact wins. */
    strategies: z
      .array(ContactStrategy, { error: 'must be a list of strategies' })
      .default([
        { type: 'email', enabled: true },
        { type: 'phone', enabled: false, defaultCountry: '' },
        { type: 'external_id', enabled: false, pairs: [{ intercom: 'external_id', hubspot: 'intercom_external_id' }] },
      ]),
    email: z
      .strictObject({
        /** ana+billing@acme.test matches ana@acme.test. */
        stripPlusTag: flag(true),
        /** a.na@gmail.com matches ana@gmail.com (Gmail ignores dots). */
        ignoreGmailDots: flag(true),
        /** support@, billing@, …: match an existing contact, also create one, or never use the address. */
        roleAddresses: oneOf(ADDRESS_POLICIES, 'match_no_create'),
        /** Addresses at disposable-mail domains. */
        disposableDomains: oneOf(ADDRESS_POLICIES, 'ignore'),
      })
      .prefault({}),
    onNoMatch: oneOf(['create', 'skip'], 'create'),
    /** Leads without an email: try the other strategies only, or also create a contact from name and phone. */
    leadsWithoutEmail: oneOf(['skip', 'match_only', 'create'], 'match_only'),
    /** Several contacts match: the most recent engagement within this many days wins, then the oldest record. */
    tieBreakEngagementDays: nonNegative(30),
  })
  .prefault({});

const CompanyStrategy = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('domain'), enabled: flag(true) }),
    z.strictObject({ type: z.literal('name'), enabled: flag(true) }),
    z.strictObject({
      type: z.literal('id_property'),
      enabled: flag(true),
      /** The HubSpot company property holding Intercom's company id. */
      property: text('intercom_company_id'),
    }),
  ],
  { error: "must have a type of 'domain', 'name' or 'id_property'" },
);
export type CompanyStrategy = z.infer<typeof CompanyStrategy>;

const CompanyMatching = z
  .strictObject({
    strategies: z
      .array(CompanyStrategy, { error: 'must be a list of strategies' })
      .default([
        { type: 'domain', enabled: true },
        { type: 'name', enabled: false },
        { type: 'id_property', enabled: false, property: 'intercom_company_id' },
      ]),
    onNoMatch: oneOf(['create', 'skip'], 'create'),
    /** Associate the contact with its company in HubSpot. */
    associateContact: flag(true),
  })
  .prefault({});

const Users = z
  .strictObject({
    /** Owner of notes whose teammate has no HubSpot owner: an owner's email or id; empty: no owner. */
    defaultOwner: text(),
    /** Pairs that override matching by email. */
    overrides: z
      .array(
        z.strictObject({
          /** The Intercom teammate's email or id. */
          intercomAdmin: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }),
          /** The HubSpot owner's email or id. */
          hubspotOwner: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }),
        }),
        { error: 'must be a list of {intercomAdmin, hubspotOwner} pairs' },
      )
      .default([]),
  })
  .prefault({});

/** Spread into the YAML's connection entry (src/config/schema.ts). */
export const ConnectionSettingsShape = {
  timeZone,
  conversations: z
    .strictObject({
      capture: Capture,
      guards: Guards,
      routing: Routing,
      content: Content,
      /** A later capture of the same conversation: update its note, or add a new one. */
      notePolicy: oneOf(['update_existing', 'always_new'], 'update_existing'),
    })
    .prefault({}),
  matching: z.strictObject({ contacts: ContactMatching, companies: CompanyMatching }).prefault({}),
  tickets: Tickets,
  users: Users,
  /** Contact and company sync (#17; src/records/field-mapping.ts): off by default. */
  recordSync: RecordSyncSettings,
};

export const ConnectionSettings = z.strictObject(ConnectionSettingsShape);
export type ConnectionSettings = z.infer<typeof ConnectionSettings>;
export type CaptureSettings = ConnectionSettings['conversations']['capture'];
export type GuardSettings = ConnectionSettings['conversations']['guards'];
export type RoutingSettings = ConnectionSettings['conversations']['routing'];
export type ContentSettings = ConnectionSettings['conversations']['content'];
export type ContactMatchingSettings = ConnectionSettings['matching']['contacts'];
export type CompanyMatchingSettings = ConnectionSettings['matching']['companies'];
export type UserSettings = ConnectionSettings['users'];
export type TicketSettings = ConnectionSettings['tickets'];

/**
 * Parses of stored settings by their JSON. Every job that reads its connection parses them, and the
 * schema's defaults and checks cost ~100 µs a time (test/bench/RESULTS.md "ingest"); the same few
 * strings come back. The parse is shared, so it is frozen all the way down: a caller that wants a
 * changed copy makes one (a write to it throws). Cleared when full rather than aged: a settings
 * change is a new string.
 */
const parsedSettings = new Map<string, ConnectionSettings>();
const PARSED_SETTINGS_MAX = 64;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The settings of a stored row; a row written by an older version gets today's defaults for what it lacks. */
export function parseStoredSettings(json: string): ConnectionSettings {
  const known = parsedSettings.get(json);
  if (known) return known;
  const parsed = ConnectionSettings.safeParse(JSON.parse(json));
  if (parsed.success) {
    if (parsedSettings.size >= PARSED_SETTINGS_MAX) parsedSettings.clear();
    parsedSettings.set(json, deepFreeze(parsed.data));
    return parsed.data;
  }
  // Stored settings were validated on the way in: this is a value a newer version no longer takes.
  const issue = parsed.error.issues[0];
  throw new Error(`the connection's stored settings no longer validate (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}); save them again in the UI or the YAML`);
}

/** What a connection's row stores: the settings part of its YAML entry. */
export function pickSettings(entry: ConnectionSettings): ConnectionSettings {
  return { timeZone: entry.timeZone, conversations: entry.conversations, matching: entry.matching, tickets: entry.tickets, users: entry.users, recordSync: entry.recordSync };
}
