// Tickets: a HubSpot ticket per conversation where the connection asks for one, its stage kept in
// step with the conversation's state; the settings are checked at every start.
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import { settingsKey } from '../connections/seed-from-config.ts';
import type { Database } from '../db/schema.ts';
import type { Feature } from '../feature.ts';
import { createPipelineCache, type TicketPipelineDeps } from './ticket-pipeline.ts';
import { enqueueTicketChecks, ticketReactions, ticketTasks } from './ticket-tasks.ts';

/** The ticket pipeline check's services; its messages name where the settings live (YAML entry or UI). */
export function createTicketPipelineDeps(deps: { db: Kysely<Database>; config: Config; clock: () => number }): TicketPipelineDeps {
  return { db: deps.db, pipelines: createPipelineCache({ now: deps.clock }), now: deps.clock, settingsKey: (row) => settingsKey(deps.config, row) };
}

export const ticketsFeature: Feature = {
  name: 'tickets',
  tasks: ({ db, clients, capture, clock }) => ticketTasks({ db, clients, capture, tickets: capture.tickets, now: clock }),
  reactions: ({ db, jobs }) => ticketReactions({ db, jobs }),
  atStart: ({ db, jobs }) => enqueueTicketChecks({ db, jobs }),
};
