import type { Kysely } from 'kysely';
import { parkConnectionJobs, resumeConnectionJobs } from '../../jobs/queue.ts';
import type { ConnectionRow, Database } from '../schema.ts';

export async function listConnections(db: Kysely<Database>): Promise<ConnectionRow[]> {
  return db.selectFrom('connections').selectAll().orderBy('name').execute();
}

/**
 * A credential was revoked or a refresh was refused: the connection needs a person to re-authorise
 * it, and its queued jobs wait (parked) instead of failing one by one. One transaction, so no job
 * is claimed in between.
 */
export async function markNeedsReauth(db: Kysely<Database>, connectionId: string, side: 'intercom' | 'hubspot', now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const refused = side === 'intercom' ? { intercom_refused: 1 as const } : { hubspot_refused: 1 as const };
    await trx.updateTable('connections').set({ status: 'needs_reauth', ...refused, updated_at: now }).where('id', '=', connectionId).execute();
    await parkConnectionJobs(trx, connectionId, now);
  });
}

/** Re-authorised: active again, and its parked jobs resume now. */
export async function markReauthorised(db: Kysely<Database>, connectionId: string, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('connections').set({ status: 'active', intercom_refused: 0, hubspot_refused: 0, updated_at: now }).where('id', '=', connectionId).execute();
    await resumeConnectionJobs(trx, connectionId, now);
  });
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
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
    const settings = change(current.settings);
    await trx.updateTable('connections').set({ settings, updated_at: now }).where('id', '=', id).execute();
    return settings;
  });
}
