// Creating a connection from the UI: a unique name, within maxConnections. It starts
// disconnected; connecting Intercom and HubSpot makes it active.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { withTransaction } from '../db/transaction.ts';
import type { ConnectionRow, Database } from '../db/schema.ts';

export type CreateResult = { ok: true; row: ConnectionRow } | { ok: false; reason: 'name_taken' | 'limit_reached'; message: string };

/** The sentence a refused create shows, or null when another connection fits within maxConnections. */
export async function connectionLimitReached(trx: Kysely<Database>, maxConnections: number): Promise<string | null> {
  if (maxConnections <= 0) return null;
  const { count } = await trx.selectFrom('connections').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(count) >= maxConnections ? `This installation allows ${maxConnections} connection(s) (maxConnections), and all are in use.` : null;
}

export async function createConnection(db: Kysely<Database>, input: { name: string; maxConnections: number; now: number }): Promise<CreateResult> {
  return withTransaction(db, async (trx) => {
    const limit = await connectionLimitReached(trx, input.maxConnections);
    if (limit) return { ok: false, reason: 'limit_reached', message: limit } as const;
    const taken = await trx.selectFrom('connections').select('id').where('name', '=', input.name).executeTakeFirst();
    if (taken) return { ok: false, reason: 'name_taken', message: `A connection named '${input.name}' already exists.` } as const;
    const row: ConnectionRow = {
      id: randomUUID(), name: input.name, status: 'disconnected', managed_by_config: 0, created_at: input.now, updated_at: input.now,
      intercom_workspace_id: null, intercom_region: 'us', hubspot_portal_id: null, settings: '{}', intercom_base_url: null, hubspot_base_url: null, intercom_auth: null, hubspot_auth: null, hubspot_scopes: null, intercom_refused: 0, hubspot_refused: 0,
    };
    await trx.insertInto('connections').values(row).execute();
    return { ok: true, row } as const;
  });
}
