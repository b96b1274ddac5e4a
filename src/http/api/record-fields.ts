// The Fields tab's API shapes (#18 item 1): the live fields of both accounts for the pickers, a
// mapping list checked before it is saved, and a per-field preview against a sample record. The UI
// imports the types with `import type`; the routes parse bodies with the schemas.
import { z } from 'zod';

const IntercomField = z.object({
  /** As a mapping names it: `email`, `location.city`, `custom.plan`. */
  name: z.string(),
  label: z.string(),
  /** Intercom's data type: string, integer, float, boolean, date. */
  type: z.string(),
  custom: z.boolean(),
  /** The API writes it: false for attributes Intercom keeps itself (created_at, location.*, …). */
  writable: z.boolean(),
  /** A list attribute's options. */
  options: z.array(z.string()).optional(),
});

const HubSpotField = z.object({
  /** The property's internal name (`firstname+lastname` stands for the contact's full name). */
  name: z.string(),
  label: z.string(),
  /** HubSpot's type: string, number, bool, enumeration, date, datetime, phone_number. */
  type: z.string(),
  custom: z.boolean(),
  /** Calculated or kept by HubSpot: only a source, never written. */
  readOnly: z.boolean(),
  /** An enumeration's option values. */
  options: z.array(z.string()).optional(),
});

const RecordFieldsAnswer = z.object({
  object: z.enum(['contacts', 'companies']),
  intercom: z.array(IntercomField),
  hubspot: z.array(HubSpotField),
  /** Values HubSpot has but not as properties (`@owner.name`, …): read, only ever written to Intercom. */
  derived: z.array(z.object({ name: z.string(), label: z.string(), type: z.string() })),
  /** Mapped whatever the list says; shown locked. */
  alwaysMapped: z.array(z.object({ intercom: z.string(), hubspot: z.string() })),
  /** Why the accounts' own lists could not be read; the standard fields are listed anyway. */
  unavailable: z.string().optional(),
});
export type RecordFieldsAnswer = z.infer<typeof RecordFieldsAnswer>;

/** GET …/fields?fresh=true reads both accounts again instead of the list cached up to five minutes. */
export const RecordFieldsQuery = z.strictObject({
  fresh: z.enum(['true', 'false'], { error: "must be 'true' or 'false'" }).optional(),
});

/** A mapping as the settings take it; checked by the settings' own schema (src/records/field-mapping.ts). */
const MappingList = z.array(z.unknown(), { error: 'must be a list of {intercom, hubspot, direction} mappings' }).max(200, { error: 'takes at most 200 mappings' });

export const MappingCheckBody = z.strictObject({ mappings: MappingList });
export type MappingCheckBody = z.input<typeof MappingCheckBody>;

const MappingProblemKey = z.enum(['intercom', 'hubspot', 'direction', 'onConflict']);

const MappingCheckAnswer = z.object({
  ok: z.boolean(),
  /** By the mapping's index in the list sent and the key to show it at. */
  problems: z.array(z.object({ index: z.number(), key: MappingProblemKey, message: z.string() })),
  /** The types could not be checked against the accounts (why); the shape was. */
  unavailable: z.string().optional(),
});
export type MappingCheckAnswer = z.infer<typeof MappingCheckAnswer>;

export const MappingPreviewBody = z.strictObject({
  mappings: MappingList,
  /** The Intercom record to preview with; default: the pair synced last, else the first Intercom record. */
  intercomId: z.string().min(1, { error: 'must not be empty' }).max(200).optional(),
});
export type MappingPreviewBody = z.input<typeof MappingPreviewBody>;

/** A value as text (numbers and booleans written out), or null for none. */
const PreviewValue = z.string().nullable();

const MappingPreviewAnswer = z.object({
  sample: z.object({ intercomId: z.string(), hubspotId: z.string().nullable(), label: z.string() }).nullable(),
  fields: z.array(
    z.object({
      intercom: z.string(),
      hubspot: z.string(),
      direction: z.enum(['to_hubspot', 'to_intercom', 'both']),
      action: z.enum(['write_hubspot', 'write_intercom', 'unchanged', 'skipped']),
      /** Read live, old → new, for a write; never stored. */
      from: PreviewValue.optional(),
      to: PreviewValue.optional(),
      reason: z.string().optional(),
    }),
  ),
  /** Why there is no sample (no records, the accounts cannot be read). */
  unavailable: z.string().optional(),
});
export type MappingPreviewAnswer = z.infer<typeof MappingPreviewAnswer>;
