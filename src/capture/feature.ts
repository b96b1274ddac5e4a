// Capture: a closed conversation becomes a HubSpot note (webhook-triggered, swept, rolling).
import type { Kysely } from 'kysely';
import type { ConnectionClients } from '../connections/clients.ts';
import type { Database } from '../db/schema.ts';
import type { Feature } from '../feature.ts';
import type { MatchKeyHasher } from '../matching/match-key.ts';
import type { CaptureDeps } from './capture-conversation.ts';
import { captureReaction, captureTasks } from './capture-task.ts';
import { createKeyedLock } from '../conversations/keyed-lock.ts';
import { queueRollingCaptures } from './rolling-captures.ts';

/** What capturing a conversation needs; the owner lookup and the ticket check come from their features. */
export function createCaptureDeps(deps: {
  db: Kysely<Database>;
  clients: ConnectionClients;
  clock: () => number;
  matchKeys: MatchKeyHasher;
  ownerFor: CaptureDeps['ownerFor'];
  tickets: CaptureDeps['tickets'];
  /** Told of each decision (metrics). */
  observer?: CaptureDeps['observer'];
  /** The contacts' record filters for conversations (src/records/conversation-filter.ts). */
  contactFilter?: CaptureDeps['contactFilter'];
  /** Several replicas on PostgreSQL: the keyed locks hold across them too. */
  clusterLocks?: Parameters<typeof createKeyedLock>[0];
}): CaptureDeps {
  return {
    db: deps.db, clients: deps.clients, locks: createKeyedLock(deps.clusterLocks), now: deps.clock, ownerFor: deps.ownerFor, tickets: deps.tickets, matchKeys: deps.matchKeys,
    ...(deps.observer ? { observer: deps.observer } : {}),
    ...(deps.contactFilter ? { contactFilter: deps.contactFilter } : {}),
  };
}

export const captureFeature: Feature = {
  name: 'capture',
  tasks: ({ capture }) => captureTasks(capture),
  reactions: ({ db, jobs, clients }) => [captureReaction({ db, jobs, clients })],
  chores: ({ db, clients, jobs, clock, log }) => [{ name: 'rolling-captures', schedule: '*/15 * * * *', run: async () => void (await queueRollingCaptures({ db, clients, jobs, clock, log })) }],
};
