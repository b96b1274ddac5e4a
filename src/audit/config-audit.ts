// What a start applied from the configuration file, as audit entries with the actor `config`:
// the connections it created, updated, released to the UI or removed, and the accounts of
// admin.username and admin.users it created, updated or removed.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { CONFIG_ACTOR, type AuditAction, type AuditEntry } from './audit-entry.ts';
import { recordAudits } from './record-audit.ts';

/** The names of the connections seeding touched (src/connections/seed-from-config.ts's SeedResult). */
export interface SeededConnections {
  created: readonly string[];
  updated: readonly string[];
  released: readonly string[];
  pruned: readonly string[];
}

export interface ConfiguredUserChange {
  action: 'user.create' | 'user.update' | 'user.remove';
  userId: string;
  username: string;
}

export async function recordConfigChanges(db: Kysely<Database>, seeded: SeededConnections, users: readonly ConfiguredUserChange[], now: number): Promise<number> {
  const named = [...seeded.created, ...seeded.updated, ...seeded.released];
  const ids = new Map<string, string>();
  if (named.length > 0) {
    for (const row of await db.selectFrom('connections').select(['id', 'name']).where('name', 'in', named).execute()) ids.set(row.name, row.id);
  }
  const connection = (action: AuditAction) => (name: string): AuditEntry => ({ at: now, actor: CONFIG_ACTOR, action, target: { kind: 'connection', id: ids.get(name) ?? null, name } });
  const entries: AuditEntry[] = [
    ...seeded.created.map(connection('connection.create')),
    ...seeded.updated.map(connection('connection.config_update')),
    ...seeded.released.map(connection('connection.release')),
    ...seeded.pruned.map(connection('connection.delete')),
    ...users.map((change): AuditEntry => ({ at: now, actor: CONFIG_ACTOR, action: change.action, target: { kind: 'user', id: change.userId, name: change.username } })),
  ];
  await recordAudits(db, entries);
  return entries.length;
}
