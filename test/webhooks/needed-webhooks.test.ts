// Which webhooks each feature needs is derived from the code that reacts to them, and the README and
// config.example.yaml list exactly that (issue #14 item 19); HubSpot's generic object.* events are
// recorded under their legacy names (item 18).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { FEATURE_LABELS, FEATURE_SETTINGS, captureTopics, enabledFeatures, neededWebhooks, webhooksByFeature, type WebhookFeature } from '../../src/webhooks/needed-webhooks.ts';
import { HubSpotDelivery, hubspotObjectId, hubspotTopic } from '../../src/webhooks/payloads.ts';

/** The documented list, one line per feature, as both documents must carry it. */
function documented(): string[] {
  return (Object.entries(webhooksByFeature()) as Array<[WebhookFeature, ReturnType<typeof webhooksByFeature>[WebhookFeature]]>).map(([feature, webhooks]) => {
    const intercom = webhooks.filter((w) => w.provider === 'intercom').map((w) => `\`${w.topic}\``);
    const hubspot = webhooks
      .filter((w) => w.provider === 'hubspot')
      .map((w) => `\`${w.topic}\`${w.propertyName ? ` on \`${w.propertyName}\`` : ''}${w.generic ? ` (generic: \`${w.generic.subscriptionType}\`, objectTypeId \`${w.generic.objectTypeId}\`)` : ''}`);
    const parts = [intercom.length > 0 ? `Intercom ${intercom.join(', ')}` : '', hubspot.length > 0 ? `HubSpot ${hubspot.join(', ')}` : ''].filter(Boolean);
    return `- ${FEATURE_LABELS[feature]} (${FEATURE_SETTINGS[feature]}): ${parts.join('; ')}.`;
  });
}

function block(file: string, start: string, end: string, prefix: string): string[] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').split('\n');
  const from = text.findIndex((line) => line.trim() === start);
  const to = text.findIndex((line) => line.trim() === end);
  if (from < 0 || to < from) return [];
  return text.slice(from + 1, to).map((line) => (line.startsWith(prefix) ? line.slice(prefix.length) : line));
}

t.test('README and config.example.yaml list exactly the webhooks the code needs, per feature', async (t) => {
  t.same(block('README.md', '<!-- webhook-topics:start -->', '<!-- webhook-topics:end -->', '    '), documented(), 'README.md');
  t.same(block('config.example.yaml', '# webhook-topics:start', '# webhook-topics:end', '#   '), documented(), 'config.example.yaml');
});

t.test("capture's topics per mode come from its own trigger decision", async (t) => {
  t.same(captureTopics('on_close'), ['conversation.admin.closed', 'conversation.deleted']);
  t.same(captureTopics('manual'), []);
  t.ok(captureTopics('realtime').includes('conversation.user.replied'));
});

t.test('what a connection needs follows its settings', async (t) => {
  const settings = (patch: Record<string, unknown>) => ConnectionSettings.parse(patch);
  t.same(enabledFeatures(settings({})), ['capture.on_close'], 'the defaults: tickets are not routed to');
  t.same(enabledFeatures(settings({ conversations: { capture: { mode: 'manual' } } })), []);
  const tickets = settings({ conversations: { routing: { defaultDestinations: ['contact', 'ticket'] } }, tickets: { createWhen: 'first_customer_message', whenClosedInHubSpot: 'note' } });
  t.same(enabledFeatures(tickets), ['capture.on_close', 'tickets.stage_sync', 'tickets.links', 'tickets.first_customer_message', 'tickets.sync_back']);
  t.same(enabledFeatures(settings({ conversations: { routing: { defaultDestinations: ['ticket'] } }, tickets: { policy: 'none' } })), ['capture.on_close'], "policy 'none' makes no tickets");
  const needed = neededWebhooks(tickets);
  t.same(needed.filter((w) => w.topic === 'conversation.admin.closed').map((w) => w.features), [['capture.on_close', 'tickets.stage_sync']], 'listed once, with both features');
  t.ok(needed.findIndex((w) => w.provider === 'hubspot') > needed.findLastIndex((w) => w.provider === 'intercom'), 'Intercom first');
});

t.test("HubSpot's generic events are recorded under the legacy name; a merge is about the surviving record", async (t) => {
  // Field set per hubspot-api.md §16.2 and HubSpot's changelog for generic subscriptions and merge events.
  const parsed = HubSpotDelivery.parse([
    { eventId: 1, portalId: 7, subscriptionType: 'object.propertyChange', objectTypeId: '0-5', objectId: 42, propertyName: 'hs_pipeline_stage', propertyValue: '4', occurredAt: 1 },
    { eventId: 2, portalId: 7, subscriptionType: 'object.merge', objectTypeId: '0-5', objectId: 43, primaryObjectId: 43, mergedObjectIds: [42], newObjectId: 43, numberOfPropertiesMoved: 2 },
    { eventId: 3, portalId: 7, subscriptionType: 'ticket.deletion', objectId: 44 },
    { eventId: 4, portalId: 7, subscriptionType: 'object.creation', objectTypeId: '2-999', objectId: 45 },
  ]);
  t.same(parsed.map(hubspotTopic), ['ticket.propertyChange', 'ticket.merge', 'ticket.deletion', 'object.creation'], 'an unknown object type keeps its generic name and reaches no reaction');
  t.same(parsed.map(hubspotObjectId), ['42', '43', '44', '45']);
  t.equal(hubspotObjectId({ subscriptionType: 'ticket.merge', objectId: '1', primaryObjectId: '2', newObjectId: '3' }), '3', 'a merge that made a new record: that one');
});

t.test('record sync needs one HubSpot propertyChange subscription per property its mappings read', async (t) => {
  const settings = ConnectionSettings.parse({
    recordSync: { contacts: { enabled: true, mappings: [{ intercom: 'custom.stage', hubspot: 'lifecyclestage', direction: 'to_intercom' }] } },
  });
  const properties = neededWebhooks(settings).filter((w) => w.topic === 'contact.propertyChange').map((w) => w.propertyName);
  t.same(properties.sort(), ['firstname', 'lastname', 'lifecyclestage', 'phone']);
});
