// Which webhooks a connection's enabled features need, derived from the code that reacts to them
// (one source of truth): capture from its trigger decision itself (src/capture/triggers.ts: a topic
// is needed in a mode when the decision for it does something), ticket sync from its own lists
// (src/tickets/ticket-webhooks.ts). The connection page, the README and config.example.yaml show
// these; test/webhooks/needed-webhooks.test.ts checks that the two documents list exactly them.
// Pure: no I/O.
import { ConnectionSettings } from '../config/connection-settings.ts';
import { CAPTURE_TOPICS, triggerFor } from '../capture/triggers.ts';
import { STATE_TOPICS, TICKET_HUBSPOT_SUBSCRIPTIONS } from '../tickets/ticket-webhooks.ts';
import { hubspotRecordSubscriptions, INTERCOM_RECORD_TOPICS } from '../records/record-webhooks.ts';
import { genericForm } from './payloads.ts';
import type { Provider } from './signing-secrets.ts';

export type WebhookFeature =
  | 'capture.on_close' | 'capture.realtime' | 'tickets.stage_sync' | 'tickets.first_customer_message' | 'tickets.links' | 'tickets.sync_back'
  | 'records.contacts' | 'records.companies';

/** What each feature is called where a person reads it. */
export const FEATURE_LABELS: Readonly<Record<WebhookFeature, string>> = {
  'capture.on_close': 'Capture on close',
  'capture.realtime': 'Realtime capture',
  'tickets.stage_sync': 'Ticket stage follows the conversation',
  'tickets.first_customer_message': 'Ticket on the first customer message',
  'tickets.links': 'Tickets deleted, merged or restored in HubSpot',
  'tickets.sync_back': 'Ticket stage changes back to Intercom',
  'records.contacts': 'Contact sync',
  'records.companies': 'Company sync',
};

/** What turns each feature on, in the settings' own words (README and config.example.yaml cite it). */
export const FEATURE_SETTINGS: Readonly<Record<WebhookFeature, string>> = {
  'capture.on_close': 'conversations.capture.mode: on_close, the default',
  'capture.realtime': 'conversations.capture.mode: realtime',
  'tickets.stage_sync': "tickets.policy other than none, and routing sends conversations to 'ticket'",
  'tickets.first_customer_message': 'tickets in use and tickets.createWhen: first_customer_message',
  'tickets.links': 'tickets in use',
  'tickets.sync_back': 'tickets in use and tickets.whenClosedInHubSpot: close or note',
  'records.contacts': 'recordSync.contacts.enabled: true',
  'records.companies': 'recordSync.companies.enabled: true',
};

export interface NeededWebhook {
  provider: Provider;
  /** Intercom topic, or HubSpot subscription type in its legacy form. */
  topic: string;
  /** HubSpot propertyChange subscriptions name one property. */
  propertyName?: string;
  /** HubSpot only: the same subscription in the generic form (apps on HubSpot's newer developer platform). */
  generic?: { subscriptionType: string; objectTypeId: string };
  features: WebhookFeature[];
}

/** The Intercom topics capture reacts to in a mode: those its trigger decision acts on. */
export function captureTopics(mode: ConnectionSettings['conversations']['capture']['mode']): string[] {
  const capture = ConnectionSettings.parse({ conversations: { capture: { mode } } }).conversations.capture;
  return CAPTURE_TOPICS.filter((topic) => triggerFor({ topic, occurredAt: null, now: 0, capture }).kind !== 'none');
}

/** The webhooks every feature needs when it is on, whatever a connection's settings: for documents. */
export function webhooksByFeature(): Record<WebhookFeature, Array<Omit<NeededWebhook, 'features'>>> {
  const intercom = (topics: readonly string[]) => topics.map((topic) => ({ provider: 'intercom' as const, topic }));
  const hubspot = (subscriptions: ReadonlyArray<{ topic: string; propertyName?: string }>) => subscriptions.map(hubspotWebhook);
  const [stageChange, ...linkChanges] = TICKET_HUBSPOT_SUBSCRIPTIONS;
  return {
    'capture.on_close': intercom(captureTopics('on_close')),
    'capture.realtime': intercom(captureTopics('realtime')),
    'tickets.stage_sync': intercom(STATE_TOPICS),
    'tickets.first_customer_message': intercom(['conversation.user.created']),
    'tickets.links': hubspot(linkChanges),
    'tickets.sync_back': hubspot(stageChange ? [stageChange] : []),
    'records.contacts': [...intercom(INTERCOM_RECORD_TOPICS.contacts), ...hubspot(hubspotRecordSubscriptions('contacts'))],
    'records.companies': [...intercom(INTERCOM_RECORD_TOPICS.companies), ...hubspot(hubspotRecordSubscriptions('companies'))],
  };
}

/** The HubSpot webhook in both forms, as documents and the connection page show it. */
function hubspotWebhook(subscription: { topic: string; propertyName?: string }): Omit<NeededWebhook, 'features'> {
  const generic = genericForm(subscription.topic);
  return { provider: 'hubspot', topic: subscription.topic, ...(subscription.propertyName ? { propertyName: subscription.propertyName } : {}), ...(generic ? { generic } : {}) };
}

/** Tickets are in use when a policy makes them and routing sends some conversation to one. */
function ticketsInUse(settings: ConnectionSettings): boolean {
  const { routing } = settings.conversations;
  return settings.tickets.policy !== 'none' && (routing.defaultDestinations.includes('ticket') || routing.rules.some((rule) => rule.destinations.includes('ticket')));
}

/** The features a connection's settings turn on. */
export function enabledFeatures(settings: ConnectionSettings): WebhookFeature[] {
  const features: WebhookFeature[] = [];
  const mode = settings.conversations.capture.mode;
  if (mode === 'on_close') features.push('capture.on_close');
  if (mode === 'realtime') features.push('capture.realtime');
  if (ticketsInUse(settings)) {
    features.push('tickets.stage_sync', 'tickets.links');
    if (settings.tickets.createWhen === 'first_customer_message') features.push('tickets.first_customer_message');
    if (settings.tickets.whenClosedInHubSpot !== 'nothing') features.push('tickets.sync_back');
  }
  if (settings.recordSync.contacts.enabled) features.push('records.contacts');
  if (settings.recordSync.companies.enabled) features.push('records.companies');
  return features;
}

/** A feature's webhooks for these settings: record sync's propertyChange subscriptions are one per property its mappings read. */
function webhooksOf(feature: WebhookFeature, all: ReturnType<typeof webhooksByFeature>, settings: ConnectionSettings): Array<Omit<NeededWebhook, 'features'>> {
  if (feature !== 'records.contacts' && feature !== 'records.companies') return all[feature];
  const object = feature === 'records.contacts' ? 'contacts' : 'companies';
  return [
    ...all[feature].filter((webhook) => webhook.provider === 'intercom'),
    ...hubspotRecordSubscriptions(object, settings.recordSync[object].mappings).map(hubspotWebhook),
  ];
}

/** Every webhook a connection needs, once each, with the features that need it. Intercom first. */
export function neededWebhooks(settings: ConnectionSettings): NeededWebhook[] {
  const all = webhooksByFeature();
  const byKey = new Map<string, NeededWebhook>();
  for (const feature of enabledFeatures(settings)) {
    for (const webhook of webhooksOf(feature, all, settings)) {
      // A HubSpot propertyChange subscription names one property: one per property, not one per topic.
      const key = `${webhook.provider}:${webhook.topic}:${webhook.propertyName ?? ''}`;
      const existing = byKey.get(key);
      if (existing) existing.features.push(feature);
      else byKey.set(key, { ...webhook, features: [feature] });
    }
  }
  const order = (webhook: NeededWebhook) => (webhook.provider === 'intercom' ? 0 : 1);
  return [...byKey.values()].sort((a, b) => order(a) - order(b));
}
