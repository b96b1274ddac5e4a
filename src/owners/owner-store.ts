// The stored user mapping of each connection: the mapping rows, the portal's owners as last fetched,
// and when it was rebuilt. Capture reads one teammate's owner with ownerForAdmin.
import type { Kysely, Transaction } from 'kysely';
import type { UserSettings } from '../config/connection-settings.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { resolveOwners, type MappingSource, type OwnerMapping, type OwnerSummary, type ResolvedOwners, type Teammate } from './resolve-owners.ts';

export interface StoredOwnerMapping {
  mappings: OwnerMapping[];
  owners: OwnerSummary[];
  /** Null until the first refresh ran. */
  refreshedAt: number | null;
  attemptedAt: number | null;
  lastError: string | null;
  problems: string[];
  defaultOwnerId: string | null;
}

/** Rows per INSERT: far below SQLite's bound-parameter limit. */
const CHUNK = 200;

async function insertChunks<T>(rows: readonly T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

async function writeMapping(trx: Transaction<Database>, connectionId: string, resolved: ResolvedOwners, refreshedAt: number): Promise<void> {
  await trx.deleteFrom('user_mappings').where('connection_id', '=', connectionId).execute();
  await insertChunks(resolved.mappings, (chunk) =>
    trx
      .insertInto('user_mappings')
      .values(
        chunk.map((m) => ({
          connection_id: connectionId,
          admin_id: m.adminId,
          admin_name: m.adminName,
          admin_email: m.adminEmail,
          owner_id: m.ownerId,
          owner_name: m.ownerName,
          owner_email: m.ownerEmail,
          owner_archived: m.ownerArchived ? (1 as const) : (0 as const),
          source: m.source,
          refreshed_at: refreshedAt,
        })),
      )
      .execute(),
  );
}

/** A refresh's result replaces the connection's mapping and owner list in one transaction. */
export async function replaceOwnerMapping(db: Kysely<Database>, connectionId: string, resolved: ResolvedOwners, owners: readonly OwnerSummary[], now: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    await writeMapping(trx, connectionId, resolved, now);
    await trx.deleteFrom('hubspot_owners').where('connection_id', '=', connectionId).execute();
    await insertChunks(owners, (chunk) =>
      trx
        .insertInto('hubspot_owners')
        .values(chunk.map((o) => ({ connection_id: connectionId, owner_id: o.id, name: o.name, email: o.email, archived: o.archived ? (1 as const) : (0 as const) })))
        .execute(),
    );
    const state = { refreshed_at: now, attempted_at: now, last_error: null, problems: JSON.stringify(resolved.problems), default_owner_id: resolved.defaultOwner?.id ?? null };
    await trx
      .insertInto('user_mapping_state')
      .values({ connection_id: connectionId, ...state })
      .onConflict((oc) => oc.column('connection_id').doUpdateSet(state))
      .execute();
  });
}

/** A failed refresh keeps the last good mapping; the failure is shown next to it. */
export async function recordRefreshFailure(db: Kysely<Database>, connectionId: string, message: string, now: number): Promise<void> {
  await db
    .insertInto('user_mapping_state')
    .values({ connection_id: connectionId, refreshed_at: null, attempted_at: now, last_error: message, default_owner_id: null })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet({ attempted_at: now, last_error: message }))
    .execute();
}

/**
 * Settings changed: the mapping is resolved again at once from the teammates and owners fetched
 * last, so the UI shows the effect without waiting for HubSpot and Intercom. False when nothing was
 * fetched yet.
 */
export async function reapplySettings(db: Kysely<Database>, connectionId: string, settings: UserSettings): Promise<boolean> {
  return withTransaction(db, async (trx) => {
    const state = await trx.selectFrom('user_mapping_state').select('refreshed_at').where('connection_id', '=', connectionId).executeTakeFirst();
    if (!state || state.refreshed_at === null) return false;
    const admins: Teammate[] = (await trx.selectFrom('user_mappings').select(['admin_id', 'admin_name', 'admin_email']).where('connection_id', '=', connectionId).execute()).map(
      (row) => ({ id: row.admin_id, name: row.admin_name, email: row.admin_email }),
    );
    const owners = await readOwners(trx, connectionId);
    const resolved = resolveOwners(admins, owners, settings);
    await writeMapping(trx, connectionId, resolved, state.refreshed_at);
    await trx
      .updateTable('user_mapping_state')
      .set({ problems: JSON.stringify(resolved.problems), default_owner_id: resolved.defaultOwner?.id ?? null })
      .where('connection_id', '=', connectionId)
      .execute();
    return true;
  });
}

async function readOwners(db: Kysely<Database>, connectionId: string): Promise<OwnerSummary[]> {
  const rows = await db.selectFrom('hubspot_owners').selectAll().where('connection_id', '=', connectionId).orderBy('name').orderBy('owner_id').execute();
  return rows.map((row) => ({ id: row.owner_id, name: row.name, email: row.email, archived: row.archived === 1 }));
}

export async function readOwnerMapping(db: Kysely<Database>, connectionId: string): Promise<StoredOwnerMapping> {
  const rows = await db.selectFrom('user_mappings').selectAll().where('connection_id', '=', connectionId).orderBy('admin_name').orderBy('admin_id').execute();
  const state = await db.selectFrom('user_mapping_state').selectAll().where('connection_id', '=', connectionId).executeTakeFirst();
  return {
    mappings: rows.map((row) => ({
      adminId: row.admin_id,
      adminName: row.admin_name,
      adminEmail: row.admin_email,
      ownerId: row.owner_id,
      ownerName: row.owner_name,
      ownerEmail: row.owner_email,
      ownerArchived: row.owner_archived === 1,
      source: row.source,
    })),
    owners: await readOwners(db, connectionId),
    refreshedAt: state?.refreshed_at ?? null,
    attemptedAt: state?.attempted_at ?? null,
    lastError: state?.last_error ?? null,
    problems: state ? (JSON.parse(state.problems) as string[]) : [],
    defaultOwnerId: state?.default_owner_id ?? null,
  };
}

/**
 * The HubSpot owner for notes and tickets of this teammate: the mapped owner while it is active,
 * else the default owner, else none. A teammate added since the last refresh gets the default owner.
 */
export async function ownerForAdmin(db: Kysely<Database>, connectionId: string, adminId: string): Promise<{ ownerId: string | null; source: MappingSource }> {
  const row = await db
    .selectFrom('user_mappings')
    .select(['owner_id', 'owner_archived', 'source'])
    .where('connection_id', '=', connectionId)
    .where('admin_id', '=', adminId)
    .executeTakeFirst();
  if (row && row.owner_id !== null && row.owner_archived === 0) return { ownerId: row.owner_id, source: row.source };
  const state = await db.selectFrom('user_mapping_state').select('default_owner_id').where('connection_id', '=', connectionId).executeTakeFirst();
  if (state?.default_owner_id) return { ownerId: state.default_owner_id, source: 'default' };
  return { ownerId: null, source: 'none' };
}
