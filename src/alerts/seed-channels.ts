// Channels declared under alerts.channels are applied at every start, identified by name, the way
// connections are (src/connections/seed-from-config.ts): created, updated when they changed, and
// read-only in the UI. A channel that left the file is deleted: an alert destination nobody
// declares any more should stop receiving (unlike a connection, it holds no history worth keeping).
// Each change is audited with the actor `config`.
import type { Kysely } from 'kysely';
import { CONFIG_ACTOR, type AuditEntry } from '../audit/audit-entry.ts';
import { recordAudits } from '../audit/record-audit.ts';
import type { AlertChannelConfig } from '../config/alerts.ts';
import type { Database } from '../db/schema.ts';
import type { Vault } from '../vault/vault.ts';
import { channelParts, createChannel, deleteChannel, findChannelByName, listChannels, updateChannel } from './channel-store.ts';

export interface ChannelSeedResult {
  created: string[];
  updated: string[];
  removed: string[];
}

export async function seedAlertChannels(db: Kysely<Database>, vault: Vault, declared: readonly AlertChannelConfig[], now: number): Promise<ChannelSeedResult> {
  const result: ChannelSeedResult = { created: [], updated: [], removed: [] };
  const audits: AuditEntry[] = [];
  const target = (id: string | null, name: string) => ({ kind: 'alert_channel' as const, id, name });
  for (const config of declared) {
    const existing = await findChannelByName(db, config.name);
    if (!existing) {
      const channel = await createChannel(db, vault, config, { managedByConfig: true, now });
      result.created.push(config.name);
      audits.push({ at: now, actor: CONFIG_ACTOR, action: 'alert_channel.create', target: target(channel.id, config.name) });
      continue;
    }
    const { settings, secret } = channelParts(config);
    if (await updateChannel(db, vault, existing.id, { name: config.name, settings, secret, managedByConfig: true }, now)) {
      result.updated.push(config.name);
      audits.push({ at: now, actor: CONFIG_ACTOR, action: 'alert_channel.update', target: target(existing.id, config.name) });
    }
  }
  const names = new Set(declared.map((channel) => channel.name));
  for (const channel of await listChannels(db)) {
    if (!channel.managedByConfig || names.has(channel.name)) continue;
    await deleteChannel(db, channel.id);
    result.removed.push(channel.name);
    audits.push({ at: now, actor: CONFIG_ACTOR, action: 'alert_channel.delete', target: target(channel.id, channel.name) });
  }
  await recordAudits(db, audits);
  return result;
}
