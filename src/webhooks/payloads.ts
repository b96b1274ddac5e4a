// The parts of the vendors' webhook payloads the intake relies on, validated with zod; everything
// else in them (the conversation itself) is never stored.
import { z } from 'zod';

const id = z.union([z.string(), z.number()]).transform(String);

/**
 * Intercom's notification_event envelope (intercom-api.md §2.3). `id` is null on a `ping`
 * (intercom-api.md §2.3, "For `ping`, `id` was null"); the intake refuses a null id on any other topic.
 */
export const IntercomNotification = z.looseObject({
  type: z.literal('notification_event'),
  id: z.string().min(1).nullable(),
  topic: z.string().min(1),
  app_id: z.string().min(1),
  created_at: z.number().optional(),
  data: z.looseObject({
    item: z
      .looseObject({ type: z.string().optional(), id: id.nullish(), conversation_id: id.nullish() })
      .nullish(),
  }),
});
export type IntercomNotification = z.infer<typeof IntercomNotification>;

/** The object an Intercom event is about: the item's id, or for deletions the conversation_id. */
export function intercomObjectId(notification: IntercomNotification): string | null {
  const item = notification.data.item;
  return item?.id ?? item?.conversation_id ?? null;
}

/**
 * One HubSpot webhook event; a delivery is an array of them (hubspot-api.md §16.2). Two formats
 * arrive: the legacy `ticket.propertyChange`, and the generic `object.propertyChange` with
 * `objectTypeId: "0-5"` that apps on HubSpot's newer developer platform receive (hubspot-api.md
 * §16.1/§16.2; developers.hubspot.com/changelog/public-beta-generic-webhook-subscriptions: "Old
 * Format: contact.creation … New Format: object.creation … with the related object defined in the
 * objectTypeId field"). Merge events add primaryObjectId, mergedObjectIds[] and newObjectId
 * (developers.hubspot.com/changelog/new-subscription-types-for-webhooks); restore adds nothing.
 */
export const HubSpotEvent = z.looseObject({
  eventId: id,
  portalId: z.number().int(),
  subscriptionType: z.string().min(1),
  objectTypeId: z.string().optional(),
  objectId: id.optional(),
  occurredAt: z.number().optional(),
  propertyName: z.string().optional(),
  changeSource: z.string().optional(),
  primaryObjectId: id.optional(),
  mergedObjectIds: z.array(id).optional(),
  newObjectId: id.optional(),
  /** associationChange: the two records, and the kind (CONTACT_TO_COMPANY, …; hubspot-api.md §16.2, field list UNCONFIRMED verbatim). */
  fromObjectId: id.optional(),
  toObjectId: id.optional(),
  associationType: z.string().optional(),
  associationRemoved: z.boolean().optional(),
});
export type HubSpotEvent = z.infer<typeof HubSpotEvent>;

/** HubSpot's object type ids (hubspot-api.md §11.3 and §9) → the legacy subscription prefix. */
const HUBSPOT_OBJECT_TYPES: Readonly<Record<string, string>> = { '0-1': 'contact', '0-2': 'company', '0-3': 'deal', '0-5': 'ticket', '0-46': 'note' };

/**
 * The topic an event is recorded and reacted to under: the legacy form, whichever format it came
 * in, so every feature lists one topic per change and both formats reach it alike. A generic event
 * for an object type we do not know keeps its own `object.*` name, and so reaches no reaction.
 */
export function hubspotTopic(event: Pick<HubSpotEvent, 'subscriptionType' | 'objectTypeId'>): string {
  const generic = /^object\.(.+)$/.exec(event.subscriptionType);
  if (!generic) return event.subscriptionType;
  const prefix = event.objectTypeId === undefined ? undefined : HUBSPOT_OBJECT_TYPES[event.objectTypeId];
  return prefix ? `${prefix}.${generic[1]}` : event.subscriptionType;
}

/** The legacy and generic names of a HubSpot topic, for telling a person what to subscribe to. */
export function genericForm(topic: string): { subscriptionType: string; objectTypeId: string } | null {
  const [prefix, action] = topic.split('.', 2);
  const typeId = Object.entries(HUBSPOT_OBJECT_TYPES).find(([, name]) => name === prefix)?.[0];
  return typeId && action ? { subscriptionType: `object.${action}`, objectTypeId: typeId } : null;
}

/**
 * The object an event is about. For a merge, the record that survives it (newObjectId when HubSpot
 * made a new one, else the primary): the merged-away ids are read back from that record's
 * hs_merged_object_ids, so a retried job still finds them.
 */
export function hubspotObjectId(event: Pick<HubSpotEvent, 'objectId' | 'primaryObjectId' | 'newObjectId' | 'subscriptionType' | 'fromObjectId'>): string | null {
  if (event.subscriptionType.endsWith('.merge')) return event.newObjectId ?? event.primaryObjectId ?? event.objectId ?? null;
  // An association change names its two ends; it is about the record whose subscription it is (the "from" end).
  if (event.subscriptionType.endsWith('.associationChange')) return event.fromObjectId ?? event.objectId ?? null;
  return event.objectId ?? null;
}

export const HubSpotDelivery = z.array(HubSpotEvent).min(1).max(1000);
