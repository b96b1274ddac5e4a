// Connections declared in the YAML file are created or updated at every start, identified by
// name, so restarting with the same file changes nothing. Their tokens go into the vault (written
// only when they changed). A connection that left the file stays, managed in the UI from then on,
// unless pruneConnections asks to delete it.
import { pickSettings } from '../config/connection-settings.ts';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config, ConnectionConfig } from '../config/schema.ts';
import { connectionOwner, getCredential, putCredential } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { Vault } from '../vault/vault.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import { STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { webhookSecretKind } from '../webhooks/signing-secrets.ts';
import { lockConnectionCreation } from './create-connection.ts';
import { deleteConnection } from './delete-connection.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Vendor } from '../vendor.ts';

export interface SeedResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Left the file: now managed in the UI. */
  released: string[];
  pruned: string[];
  /** Sides whose YAML token is new, changed, or not identified yet: to be identified (identify-task.ts). */
  identify: Array<{ connectionId: string; side: Vendor }>;
}

/** Vault kinds of the tokens a YAML connection can carry. */
export const TOKEN_KIND = { intercom: INTERCOM_TOKEN_KIND, hubspot: STATIC_TOKEN_KIND } as const;

/**
 * The YAML key that supplies a side's token for a connection the file declares (shown when a
 * person tries to replace it in the UI), or null when the file leaves that side to the UI.
 */
export function yamlTokenKey(config: Config, row: Pick<Connection, 'name' | 'managedByConfig'>, provider: Vendor): string | null {
  if (!row.managedByConfig) return null;
  const index = config.connections.findIndex((connection) => connection.name === row.name);
  if (index < 0 || config.connections[index]?.[provider].accessToken === '') return null;
  return `connections[${index}].${provider}.accessToken`;
}

/** The YAML entry `connections[n]` that declares a connection, or null for one managed in the UI. */
export function yamlEntryKey(config: Config, row: Pick<Connection, 'managedByConfig' | 'name'>): string | null {
  if (!row.managedByConfig) return null;
  const index = config.connections.findIndex((connection) => connection.name === row.name);
  return `connections[${index < 0 ? 'n' : index}]`;
}

/** Where a connection's settings are set, for messages: its YAML entry `connections[n]`, or `settings` (the UI). */
export function settingsKey(config: Config, row: Pick<Connection, 'managedByConfig' | 'name'>): string {
  return yamlEntryKey(config, row) ?? 'settings';
}

/** The settings stored as JSON on the row: everything but identity and secrets. */
function settingsOf(connection: ConnectionConfig): string {
  return JSON.stringify(pickSettings(connection));
}

async function putIfChanged(db: Kysely<Database>, vault: Vault, owner: string, kind: string, value: string, now: number): Promise<boolean> {
  if (value === '') return false;
  const current = await getCredential(db, vault, owner, kind);
  if (current?.value === value) return false;
  await putCredential(db, vault, { owner, kind, value, now });
  return true;
}

/**
 * Applies the YAML's connections in one transaction, holding the lock every connection creation takes:
 * replicas starting together (PostgreSQL) apply the same file at once, and without it both would find
 * a declared connection missing and insert it, and one start would fail on the unique name.
 */
export function seedConnectionsFromConfig(db: Kysely<Database>, vault: Vault, config: Config, now: number): Promise<SeedResult> {
  return withTransaction(db, async (trx) => {
    await lockConnectionCreation(trx);
    return seedInTransaction(trx, vault, config, now);
  });
}

async function seedInTransaction(db: Kysely<Database>, vault: Vault, config: Config, now: number): Promise<SeedResult> {
  const result: SeedResult = { created: [], updated: [], unchanged: [], released: [], pruned: [], identify: [] };
  const declared = new Set(config.connections.map((connection) => connection.name));
  for (const connection of config.connections) {
    const existing = await db.selectFrom('connections').selectAll().where('name', '=', connection.name).executeTakeFirst();
    const id = existing?.id ?? randomUUID();
    const settings = settingsOf(connection);
    let changed = false;
    if (!existing) {
      await db
        .insertInto('connections')
        .values({ id, name: connection.name, status: 'disconnected', managed_by_config: 1, intercom_region: connection.intercom.region, settings, created_at: now, updated_at: now })
        .execute();
    } else if (existing.settings !== settings || existing.intercom_region !== connection.intercom.region || existing.managed_by_config !== 1) {
      await db
        .updateTable('connections')
        .set({ settings, intercom_region: connection.intercom.region, managed_by_config: 1, updated_at: now })
        .where('id', '=', id)
        .execute();
      changed = true;
    }
    const owner = connectionOwner(id);
    for (const provider of ['intercom', 'hubspot'] as const) {
      const tokenChanged = await putIfChanged(db, vault, owner, TOKEN_KIND[provider], connection[provider].accessToken, now);
      changed = tokenChanged || changed;
      changed = (await putIfChanged(db, vault, owner, webhookSecretKind(provider), connection[provider].webhookSecret, now)) || changed;
      const identified = provider === 'intercom' ? existing?.intercom_workspace_id : existing?.hubspot_portal_id;
      if (connection[provider].accessToken !== '' && (tokenChanged || identified === null || identified === undefined)) result.identify.push({ connectionId: id, side: provider });
    }
    if (!existing) result.created.push(connection.name);
    else if (changed) result.updated.push(connection.name);
    else result.unchanged.push(connection.name);
  }

  const leftovers = await db.selectFrom('connections').select(['id', 'name']).where('managed_by_config', '=', 1).execute();
  for (const row of leftovers.filter((r) => !declared.has(r.name))) {
    if (config.pruneConnections) {
      await deleteConnection(db, row.id, now);
      result.pruned.push(row.name);
    } else {
      await db.updateTable('connections').set({ managed_by_config: 0, updated_at: now }).where('id', '=', row.id).execute();
      result.released.push(row.name);
    }
  }
  return result;
}
