// Alert channels: a row of what is not secret, and the secret (webhook secret, Slack URL, SMTP
// password) sealed by the vault in `credentials` under the channel's own owner, so deleting the
// channel erases it. A row becomes an AlertChannel here and nowhere else.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AlertChannelConfig } from '../config/alerts.ts';
import { deleteCredentials, getCredential, putCredential } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Vault } from '../vault/vault.ts';

type AlertChannelType = AlertChannelConfig['type'];

/** What is stored in the clear, per type. */
export type ChannelSettings =
  | { type: 'webhook'; url: string }
  | { type: 'slack' }
  | { type: 'email'; smtp: { host: string; port: number; secure: boolean | null; user: string }; from: string; to: string[] };

export interface AlertChannel {
  id: string;
  name: string;
  type: AlertChannelType;
  settings: ChannelSettings;
  managedByConfig: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The channel's one secret: the webhook's signing secret, Slack's URL, or the SMTP password ('' when none). */
const SECRET_KIND = 'alert-secret';
const ownerOf = (channelId: string) => `alert-channel:${channelId}`;

function splitSecret(config: AlertChannelConfig): { settings: ChannelSettings; secret: string } {
  switch (config.type) {
    case 'webhook':
      return { settings: { type: 'webhook', url: config.url }, secret: config.secret };
    case 'slack':
      return { settings: { type: 'slack' }, secret: config.url };
    case 'email':
      return {
        settings: { type: 'email', smtp: { host: config.smtp.host, port: config.smtp.port, secure: config.smtp.secure ?? null, user: config.smtp.user }, from: config.from, to: config.to },
        secret: config.smtp.password,
      };
  }
}

function toChannel(row: { id: string; name: string; type: AlertChannelType; settings: string; managed_by_config: number; created_at: number; updated_at: number }): AlertChannel {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    settings: JSON.parse(row.settings) as ChannelSettings,
    managedByConfig: row.managed_by_config === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listChannels(db: Kysely<Database>): Promise<AlertChannel[]> {
  return (await db.selectFrom('alert_channels').selectAll().orderBy('name').execute()).map(toChannel);
}

export async function getChannel(db: Kysely<Database>, id: string): Promise<AlertChannel | undefined> {
  const row = await db.selectFrom('alert_channels').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toChannel(row);
}

export async function findChannelByName(db: Kysely<Database>, name: string): Promise<AlertChannel | undefined> {
  const row = await db.selectFrom('alert_channels').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toChannel(row);
}

/** The secret in the clear, for sending only; never for an API answer. */
export async function channelSecret(db: Kysely<Database>, vault: Vault, channelId: string): Promise<string> {
  return (await getCredential(db, vault, ownerOf(channelId), SECRET_KIND))?.value ?? '';
}

/** Whether a secret is stored (the UI shows "set"). */
export async function hasChannelSecret(db: Kysely<Database>, channelId: string): Promise<boolean> {
  const row = await db.selectFrom('credentials').select('id').where('owner', '=', ownerOf(channelId)).where('kind', '=', SECRET_KIND).executeTakeFirst();
  return row !== undefined;
}

export async function createChannel(db: Kysely<Database>, vault: Vault, config: AlertChannelConfig, options: { managedByConfig: boolean; now: number }): Promise<AlertChannel> {
  const id = randomUUID();
  const { settings, secret } = splitSecret(config);
  await withTransaction(db, async (trx) => {
    await trx
      .insertInto('alert_channels')
      .values({ id, name: config.name, type: config.type, settings: JSON.stringify(settings), managed_by_config: options.managedByConfig ? 1 : 0, created_at: options.now, updated_at: options.now })
      .execute();
    if (secret !== '') await putCredential(trx, vault, { owner: ownerOf(id), kind: SECRET_KIND, value: secret, now: options.now });
  });
  return { id, name: config.name, type: config.type, settings, managedByConfig: options.managedByConfig, createdAt: options.now, updatedAt: options.now };
}

/**
 * Replaces a channel's settings; `secret: undefined` keeps the stored secret (the UI never has it
 * to send back). Returns whether anything changed.
 */
export async function updateChannel(
  db: Kysely<Database>,
  vault: Vault,
  id: string,
  change: { name: string; settings: ChannelSettings; secret: string | undefined; managedByConfig: boolean },
  now: number,
): Promise<boolean> {
  return withTransaction(db, async (trx) => {
    const row = await trx.selectFrom('alert_channels').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return false;
    const settings = JSON.stringify(change.settings);
    let changed = row.name !== change.name || row.settings !== settings || row.type !== change.settings.type || (row.managed_by_config === 1) !== change.managedByConfig;
    if (change.secret !== undefined) {
      const current = await getCredential(trx, vault, ownerOf(id), SECRET_KIND);
      if ((current?.value ?? '') !== change.secret) {
        changed = true;
        if (change.secret === '') await deleteCredentials(trx, ownerOf(id));
        else await putCredential(trx, vault, { owner: ownerOf(id), kind: SECRET_KIND, value: change.secret, now });
      }
    }
    if (changed) {
      await trx
        .updateTable('alert_channels')
        .set({ name: change.name, type: change.settings.type, settings, managed_by_config: change.managedByConfig ? 1 : 0, updated_at: now })
        .where('id', '=', id)
        .execute();
    }
    return changed;
  });
}

/** The split of a full channel configuration (YAML or a create body) into settings and secret. */
export function channelParts(config: AlertChannelConfig): { settings: ChannelSettings; secret: string } {
  return splitSecret(config);
}

export async function deleteChannel(db: Kysely<Database>, id: string): Promise<boolean> {
  return withTransaction(db, async (trx) => {
    await deleteCredentials(trx, ownerOf(id));
    await trx.deleteFrom('alert_deliveries').where('channel_id', '=', id).execute();
    const result = await trx.deleteFrom('alert_channels').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  });
}
