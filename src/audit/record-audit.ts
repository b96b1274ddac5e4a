// Writing to the audit trail. Callers pass what changed; this never takes a value, so a secret has
// no way in. Runs on whatever Kysely handle it is given, a transaction's included.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AuditActor, AuditAction, AuditEntry, AuditTarget } from './audit-entry.ts';
import { changedKeys } from './changed-keys.ts';

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await recordAudits(db, [entry]);
}

export async function recordAudits(db: Kysely<Database>, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      entries.map((entry) => ({
        at: entry.at,
        actor_kind: entry.actor.kind,
        actor_id: entry.actor.id,
        actor_name: entry.actor.name,
        action: entry.action,
        target_kind: entry.target?.kind ?? null,
        target_id: entry.target?.id ?? null,
        target_name: entry.target?.name ?? null,
        key: entry.key ?? null,
      })),
    )
    .execute();
}

/** One settings.change entry per changed key (see changedKeys). */
function settingsChanges(at: number, actor: AuditActor, target: AuditTarget, keys: readonly string[]): AuditEntry[] {
  return keys.map((key) => ({ at, actor, action: 'settings.change' satisfies AuditAction, target, key }));
}

/** A connection's settings saved: one entry per changed key (changedKeys), none when nothing changed. */
export async function recordSettingsChange(db: Kysely<Database>, at: number, actor: AuditActor, connection: { id: string; name: string }, before: unknown, after: unknown): Promise<void> {
  await recordAudits(db, settingsChanges(at, actor, { kind: 'connection', id: connection.id, name: connection.name }, changedKeys(before, after)));
}

/** Something done to one connection (created, connected, paused, resumed, deleted). */
export async function recordConnectionChange(db: Kysely<Database>, at: number, actor: AuditActor, action: AuditAction, connection: { id: string; name: string }): Promise<void> {
  await recordAudit(db, { at, actor, action, target: { kind: 'connection', id: connection.id, name: connection.name } });
}
