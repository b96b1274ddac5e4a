// A routed Intercom delivery as the intake hands it to the recorder (src/webhooks/record-deliveries.ts):
// a reply to conversation 42 in workspace ws-1, for whichever connections know that workspace.
import type { RoutedDelivery } from '../../src/webhooks/record-deliveries.ts';

export const replyDelivery = (id: string, occurredAt: number): RoutedDelivery => ({
  provider: 'intercom',
  deliveryId: id,
  accountId: 'ws-1',
  topic: 'conversation.user.replied',
  objectId: '42',
  occurredAt,
  route: { account: 'ws-1', onlyConnection: null },
});
