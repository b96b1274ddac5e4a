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

/** One HubSpot webhook event; a delivery is an array of them (hubspot-api.md §16). */
export const HubSpotEvent = z.looseObject({
  eventId: id,
  portalId: z.number().int(),
  subscriptionType: z.string().min(1),
  objectId: id.optional(),
  occurredAt: z.number().optional(),
  propertyName: z.string().optional(),
  changeSource: z.string().optional(),
});
export type HubSpotEvent = z.infer<typeof HubSpotEvent>;

export const HubSpotDelivery = z.array(HubSpotEvent).min(1).max(1000);
