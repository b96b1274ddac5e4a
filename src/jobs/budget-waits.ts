// Jobs of a connection that wait on a vendor's rate budget (the rate-budget meter, issue #16 item 9):
// queued for later because a call was refused with 429 or the daily quota asked for a wait too long
// to sleep in the call. Both reach the job as RetryAfterError with the UpstreamError's message
// (src/jobs/upstream-outcome.ts), which reads "… failed with 429…" or, when no call was sent because
// our own plan said wait, "… failed with rate_limited…" (src/integrations/upstream-error.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

// LIKE is case-sensitive on PostgreSQL and not on SQLite; these are our own messages, written in
// exactly this case, so both stores match the same rows.
const RATE_LIMITED_REASONS = ['% failed with 429%', '% failed with rate_limited%'];

export async function jobsWaitingOnBudget(db: Kysely<Database>, connectionId: string, now: number): Promise<{ count: number; nextRunAt: number | null }> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('run_at').as('next')])
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'queued')
    .where('run_at', '>', now)
    .where((eb) => eb.or(RATE_LIMITED_REASONS.map((pattern) => eb('last_error', 'like', pattern))))
    .executeTakeFirst();
  const count = Number(row?.n ?? 0);
  return { count, nextRunAt: count > 0 && typeof row?.next === 'number' ? row.next : null };
}
