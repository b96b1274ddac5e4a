// Reading the audit trail: newest first, filtered by actor and action, paged by id (a keyset, so a
// page never repeats or skips an entry written meanwhile). Exports read it in pages too, so a slow
// download never holds the database for long.
import type { Kysely } from 'kysely';
import type { AuditLogRow, Database } from '../db/schema.ts';

export interface AuditFilter {
  /** An actor's name, exactly as recorded. */
  actor?: string | undefined;
  action?: string | undefined;
}

export interface AuditPage {
  entries: AuditLogRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export async function listAudit(db: Kysely<Database>, filter: AuditFilter, page: { before?: number | undefined; limit: number }): Promise<AuditPage> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (filter.actor) query = query.where('actor_name', '=', filter.actor);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  const rows = await query.execute();
  const entries = rows.slice(0, page.limit);
  const last = entries.at(-1);
  return { entries, nextBefore: rows.length > page.limit && last ? last.id : null };
}

/** Every entry matching the filter, newest first, read `pageSize` at a time. */
export async function* allAuditEntries(db: Kysely<Database>, filter: AuditFilter, pageSize = 500): AsyncGenerator<AuditLogRow> {
  let before: number | undefined;
  for (;;) {
    const page = await listAudit(db, filter, { before, limit: pageSize });
    yield* page.entries;
    if (page.nextBefore === null) return;
    before = page.nextBefore;
  }
}

/** The names that appear as actors, for the filter's choices. */
export async function auditActorNames(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('actor_name').distinct().orderBy('actor_name').execute();
  return rows.map((row) => row.actor_name);
}
