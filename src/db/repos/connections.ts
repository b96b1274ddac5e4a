import type { Kysely } from 'kysely';
import type { ConnectionRow, Database } from '../schema.ts';
import type { Vendor } from '../../vendor.ts';
import { withTransaction } from '../transaction.ts';

export async function listConnections(db: Kysely<Database>): Promise<ConnectionRow[]> {
  return db.selectFrom('connections').selectAll().orderBy('name').execute();
}

/** Marks one side's credential refused: the connection needs re-authorising (src/connections/reauth.ts also parks its jobs). */
export async function setNeedsReauth(db: Kysely<Database>, connectionId: string, side: Vendor, now: number): Promise<void> {
  const refused = side === 'intercom' ? { intercom_refused: 1 as const } : { hubspot_refused: 1 as const };
  await db.updateTable('connections').set({ status: 'needs_reauth', ...refused, updated_at: now }).where('id', '=', connectionId).execute();
}

/** Clears the refusals: the connection is active again (src/connections/reauth.ts also resumes its jobs). */
export async function setReauthorised(db: Kysely<Database>, connectionId: string, now: number): Promise<void> {
  await db.updateTable('connections').set({ status: 'active', intercom_refused: 0, hubspot_refused: 0, updated_at: now }).where('id', '=', connectionId).execute();
}

export async function getConnection(db: Kysely<Database>, id: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Changes a connection's settings document in one read-modify-write transaction, so two editors of
 * different sections (the Conversations tab, the Users tab) never lose each other's change.
 * `change` gets the stored JSON and returns the new JSON (it may throw to refuse).
 */
export async function updateConnectionSettings(db: Kysely<Database>, id: string, change: (stored: string) => string, now: number): Promise<string> {
  return withTransaction(db, async (trx) => {
    const current = await trx.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
    const settings = change(current.settings);
    await trx.updateTable('connections').set({ settings, updated_at: now }).where('id', '=', id).execute();
    return settings;
  });
}
