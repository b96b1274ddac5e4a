// Closes that no capture has followed yet (migrations/0019). A close webhook or a sweep that sees a
// closed conversation remembers the close; every reconciliation pass then re-checks the closes that
// are newer than the conversation's last decision and have no capture job waiting or running, and
// queues one. So a capture whose job was lost (cancelled, or its close's webhook dropped after the
// sweep had already recorded that version) comes back on the next pass instead of never.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { greatest } from '../db/sql-dialect.ts';
import { hasUnfinishedJob } from '../jobs/queue.ts';

/** Remembers a close; an older one never replaces a newer. */
export async function rememberClose(db: Kysely<Database>, connectionId: string, conversationId: string, closedAt: number): Promise<void> {
  await db
    .insertInto('pending_closes')
    .values({ connection_id: connectionId, conversation_id: conversationId, closed_at: closedAt })
    // Qualified: in PostgreSQL's DO UPDATE a bare closed_at could be either row's.
    .onConflict((oc) => oc.columns(['connection_id', 'conversation_id']).doUpdateSet({ closed_at: greatest(db, sql.ref<number>('pending_closes.closed_at'), sql.ref<number>('excluded.closed_at')) }))
    .execute();
}

/** A close this old that no capture followed is given up on (its failure is in the activity log). */
const FORGET_AFTER_MS = 30 * 24 * 3_600_000;

/**
 * The conversations whose last close no decision has followed and that have no capture job queued,
 * parked or running. Closes that a decision has followed are forgotten here, so the table holds only
 * the open question; a capture that failed for good forgets its close too (`forgetClose`): the
 * failure waits for a person in the activity log and the job list, and re-queuing it every pass
 * would only repeat it.
 */
export async function closesToRecheck(db: Kysely<Database>, connectionId: string, keyOf: (conversationId: string) => string, now: number): Promise<Array<{ conversationId: string; closedAt: number }>> {
  await db
    .deleteFrom('pending_closes')
    .where('connection_id', '=', connectionId)
    .where((eb) =>
      eb.or([
        eb('closed_at', '<', now - FORGET_AFTER_MS),
        eb.exists(
          eb
            .selectFrom('conversation_captures as c')
            .select(sql`1`.as('one'))
            .whereRef('c.connection_id', '=', 'pending_closes.connection_id')
            .whereRef('c.conversation_id', '=', 'pending_closes.conversation_id')
            .whereRef('c.last_decided_at', '>=', 'pending_closes.closed_at'),
        ),
      ]),
    )
    .execute();
  const rows = await db.selectFrom('pending_closes').select(['conversation_id', 'closed_at']).where('connection_id', '=', connectionId).execute();
  const due: Array<{ conversationId: string; closedAt: number }> = [];
  for (const row of rows) {
    if (!(await hasUnfinishedJob(db, keyOf(row.conversation_id)))) due.push({ conversationId: row.conversation_id, closedAt: row.closed_at });
  }
  return due;
}

/** Nothing to re-check: the conversation is gone, or its capture failed for good (the activity log says so). */
export async function forgetClose(db: Kysely<Database>, connectionId: string, conversationId: string): Promise<void> {
  await db.deleteFrom('pending_closes').where('connection_id', '=', connectionId).where('conversation_id', '=', conversationId).execute();
}
