// The webhooks ticket sync reacts to, in one place: the reactions subscribe to these lists
// (ticket-tasks.ts), the sandbox subscribes its simulated apps to them, and the connection page,
// README and config.example.yaml say which a person must set up (src/webhooks/needed-webhooks.ts).
// No imports: cheap to load from anywhere.

/** Intercom topics that change a conversation's state (intercom-api.md §2.4). */
export const STATE_TOPICS = [
  'conversation.admin.closed', 'conversation.admin.opened', 'conversation.admin.snoozed', 'conversation.admin.unsnoozed',
  'conversation.user.replied', 'conversation.admin.replied',
] as const;

/**
 * The HubSpot subscriptions ticket sync reacts to, in their legacy form (the generic object.* form
 * with objectTypeId 0-5 is recorded under these names: src/webhooks/payloads.ts). A stage change
 * is a propertyChange of hs_pipeline_stage (hubspot-api.md §16.1: propertyChange subscriptions name
 * one property); deletion stops a ticket's sync, merge moves its conversations to the surviving
 * ticket, restore starts it again.
 */
export const TICKET_HUBSPOT_SUBSCRIPTIONS = [
  { topic: 'ticket.propertyChange', propertyName: 'hs_pipeline_stage' },
  { topic: 'ticket.deletion' },
  { topic: 'ticket.merge' },
  { topic: 'ticket.restore' },
] as const;

