// Creating a connection from the UI: a unique name, within maxConnections. It starts
// disconnected; connecting Intercom and HubSpot makes it active.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { lockSection, withTransaction } from '../db/transaction.ts';
import { insertConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';

export type CreateResult = { ok: true; connection: Connection } | { ok: false; reason: 'name_taken' | 'limit_reached'; message: string };

/**
 * Taken by every transaction that adds a connection before it reads what is there (the count against
 * maxConnections, the names taken): two replicas creating at once would otherwise both pass.
 */
export const lockConnectionCreation = (trx: Kysely<Database>) => lockSection(trx, 'connections:create');

/** The sentence a refused create shows, or null when another connection fits within maxConnections. */
export async function connectionLimitReached(trx: Kysely<Database>, maxConnections: number): Promise<string | null> {
  if (maxConnections <= 0) return null;
  const { count } = await trx.selectFrom('connections').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(count) >= maxConnections ? `This installation allows ${maxConnections} connection(s) (maxConnections), and all are in use.` : null;
}

export async function createConnection(db: Kysely<Database>, input: { name: string; maxConnections: number; now: number }): Promise<CreateResult> {
  return withTransaction(db, async (trx) => {
    await lockConnectionCreation(trx);
    const limit = await connectionLimitReached(trx, input.maxConnections);
    if (limit) return { ok: false, reason: 'limit_reached', message: limit } as const;
    const taken = await trx.selectFrom('connections').select('id').where('name', '=', input.name).executeTakeFirst();
    if (taken) return { ok: false, reason: 'name_taken', message: `A connection named '${input.name}' already exists.` } as const;
    const connection = await insertConnection(trx, {
      id: randomUUID(), name: input.name, status: 'disconnected', createdAt: input.now,
      intercomWorkspaceId: null, intercomRegion: 'us', hubspotPortalId: null, intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: null, hubspotAuth: null,
    });
    return { ok: true, connection } as const;
  });
}
