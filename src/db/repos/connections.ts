// The store for connections: every read of a connection row goes through here and comes out a
// `Connection` (settings parsed, flags as booleans), so no caller handles the row or the JSON.
import type { Kysely } from 'kysely';
import { parseStoredSettings, type ConnectionSettings } from '../../config/connection-settings.ts';
import type { ConnectionRow, Database } from '../schema.ts';
import type { Vendor } from '../../vendor.ts';
import { withTransaction } from '../transaction.ts';

/** A connection as the code uses it: a row turned into a domain object once, by `toConnection`. */
export interface Connection {
  id: string;
  name: string;
  status: ConnectionRow['status'];
  /** Declared in the configuration file's `connections` list (seeded at start). */
  managedByConfig: boolean;
  createdAt: number;
  updatedAt: number;
  intercomWorkspaceId: string | null;
  intercomRegion: ConnectionRow['intercom_region'];
  hubspotPortalId: number | null;
  /** Set for a sandbox connection (src/sandbox-mount/mounted-sandbox.ts); null: the vendor's own API. */
  intercomBaseUrl: string | null;
  hubspotBaseUrl: string | null;
  intercomAuth: ConnectionRow['intercom_auth'];
  hubspotAuth: ConnectionRow['hubspot_auth'];
  /** The scopes HubSpot reported at connect time; null when not known (a static token, not yet connected). */
  hubspotScopes: string[] | null;
  /** This side's credential stands refused (status needs_reauth). */
  intercomRefused: boolean;
  hubspotRefused: boolean;
  settings: ConnectionSettings;
}

function parseScopes(stored: string | null): string[] | null {
  if (stored === null) return null;
  const parsed: unknown = JSON.parse(stored);
  return Array.isArray(parsed) ? parsed.filter((scope): scope is string => typeof scope === 'string') : null;
}

/** The one place a connection row is read: its settings JSON is parsed here and nowhere else. */
function toConnection(row: ConnectionRow): Connection {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    managedByConfig: row.managed_by_config === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    intercomWorkspaceId: row.intercom_workspace_id,
    intercomRegion: row.intercom_region,
    hubspotPortalId: row.hubspot_portal_id,
    intercomBaseUrl: row.intercom_base_url,
    hubspotBaseUrl: row.hubspot_base_url,
    intercomAuth: row.intercom_auth,
    hubspotAuth: row.hubspot_auth,
    hubspotScopes: parseScopes(row.hubspot_scopes),
    intercomRefused: row.intercom_refused === 1,
    hubspotRefused: row.hubspot_refused === 1,
    settings: parseStoredSettings(row.settings),
  };
}

export async function listConnections(db: Kysely<Database>): Promise<Connection[]> {
  return (await db.selectFrom('connections').selectAll().orderBy('name').execute()).map(toConnection);
}

/** The connections the configuration file declares under these names (a start-up's re-seeded ones). */
export async function listConnectionsNamed(db: Kysely<Database>, names: readonly string[]): Promise<Connection[]> {
  if (names.length === 0) return [];
  return (await db.selectFrom('connections').selectAll().where('name', 'in', names).execute()).map(toConnection);
}

/** Active, with both Intercom and HubSpot connected: the ones a sync chore works for. */
export async function listActiveConnections(db: Kysely<Database>): Promise<Connection[]> {
  const rows = await db.selectFrom('connections').selectAll().where('status', '=', 'active').where('intercom_workspace_id', 'is not', null).where('hubspot_portal_id', 'is not', null).execute();
  return rows.map(toConnection);
}

/** A connection made in the UI (the YAML's are seeded by src/connections/seed-from-config.ts). */
export type NewConnection = Pick<
  Connection,
  'id' | 'name' | 'status' | 'createdAt' | 'intercomWorkspaceId' | 'intercomRegion' | 'hubspotPortalId' | 'intercomBaseUrl' | 'hubspotBaseUrl' | 'intercomAuth' | 'hubspotAuth'
> & {
  /** Omitted: stored as `{}`, so the connection follows each version's defaults until someone saves settings. */
  settings?: ConnectionSettings;
};

/** Inserts a connection made in the UI; `db` may be a transaction. */
export async function insertConnection(db: Kysely<Database>, connection: NewConnection): Promise<Connection> {
  const row: ConnectionRow = {
    id: connection.id, name: connection.name, status: connection.status, managed_by_config: 0, created_at: connection.createdAt, updated_at: connection.createdAt,
    intercom_workspace_id: connection.intercomWorkspaceId, intercom_region: connection.intercomRegion, hubspot_portal_id: connection.hubspotPortalId,
    settings: connection.settings === undefined ? '{}' : JSON.stringify(connection.settings),
    intercom_base_url: connection.intercomBaseUrl, hubspot_base_url: connection.hubspotBaseUrl, intercom_auth: connection.intercomAuth, hubspot_auth: connection.hubspotAuth,
    hubspot_scopes: null, intercom_refused: 0, hubspot_refused: 0,
  };
  await db.insertInto('connections').values(row).execute();
  return toConnection(row);
}

/** Marks one side's credential refused: the connection needs re-authorising (src/connections/reauth.ts also parks its jobs). */
/** `side` null: a refusal whose side is not known (a job parked without saying); the flags stay as they are. */
export async function setNeedsReauth(db: Kysely<Database>, connectionId: string, side: Vendor | null, now: number): Promise<void> {
  const refused = side === null ? {} : side === 'intercom' ? { intercom_refused: 1 as const } : { hubspot_refused: 1 as const };
  await db.updateTable('connections').set({ status: 'needs_reauth', ...refused, updated_at: now }).where('id', '=', connectionId).execute();
}

/** Pauses or resumes a connection (the caller checks the status it comes from). */
export async function setPaused(db: Kysely<Database>, connectionId: string, paused: boolean, now: number): Promise<void> {
  await db.updateTable('connections').set({ status: paused ? 'paused' : 'active', updated_at: now }).where('id', '=', connectionId).execute();
}

/** Clears the refusals: the connection is active again (src/connections/reauth.ts also resumes its jobs). */
export async function setReauthorised(db: Kysely<Database>, connectionId: string, now: number): Promise<void> {
  await db.updateTable('connections').set({ status: 'active', intercom_refused: 0, hubspot_refused: 0, updated_at: now }).where('id', '=', connectionId).execute();
}

/** Where a sandbox connection reaches the simulators this start, and what they call its accounts (src/connections/rewire-sandbox.ts). */
export async function setSandboxEndpoints(
  db: Kysely<Database>,
  connectionId: string,
  endpoints: Pick<Connection, 'intercomWorkspaceId' | 'hubspotPortalId' | 'intercomBaseUrl' | 'hubspotBaseUrl'>,
  now: number,
): Promise<void> {
  await db
    .updateTable('connections')
    .set({
      intercom_workspace_id: endpoints.intercomWorkspaceId, hubspot_portal_id: endpoints.hubspotPortalId,
      intercom_base_url: endpoints.intercomBaseUrl, hubspot_base_url: endpoints.hubspotBaseUrl, updated_at: now,
    })
    .where('id', '=', connectionId)
    .execute();
}

export async function getConnection(db: Kysely<Database>, id: string): Promise<Connection | undefined> {
  const row = await db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toConnection(row);
}

/**
 * Changes a connection's settings document in one read-modify-write transaction, so two editors of
 * different sections (the Conversations tab, the Users tab) never lose each other's change.
 * `change` gets the stored settings and returns the new ones (it may throw to refuse); the answer is
 * what was stored, read back as every reader reads it.
 */
export async function updateConnectionSettings(
  db: Kysely<Database>, id: string, change: (current: ConnectionSettings) => ConnectionSettings, now: number,
): Promise<ConnectionSettings> {
  return withTransaction(db, async (trx) => {
    const current = await trx.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
    const settings = JSON.stringify(change(parseStoredSettings(current.settings)));
    await trx.updateTable('connections').set({ settings, updated_at: now }).where('id', '=', id).execute();
    return parseStoredSettings(settings);
  });
}
