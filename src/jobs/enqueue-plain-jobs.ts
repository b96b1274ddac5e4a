// The webhook intake's enqueue on PostgreSQL (src/webhooks/record-deliveries-postgres.ts): the rows
// preparePlainEnqueue writes on SQLite (src/jobs/queue.ts), as one multi-row INSERT in the caller's
// transaction — due now, no key, and parked when the caller read that the connection needs
// re-authorising.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { plainJobStatus, storedPayload, type EnqueueDefaults, type PlainJobSpec } from './queue.ts';
import { notifySchedulers } from './wake-ups.ts';

export async function enqueuePlainJobs(db: Kysely<Database>, specs: readonly PlainJobSpec[], defaults: EnqueueDefaults): Promise<Array<{ id: number; status: 'queued' | 'parked' }>> {
  if (specs.length === 0) return [];
  const now = defaults.now;
  const rows = specs.map((spec) => ({
    task: spec.task,
    payload: storedPayload(spec),
    key: null,
    connection_id: spec.connectionId ?? null,
    status: plainJobStatus(spec),
    run_at: now,
    attempts: 0,
    max_attempts: spec.maxAttempts ?? defaults.maxAttempts,
    priority: spec.priority ?? 0,
    created_at: now,
    updated_at: now,
  }));
  const inserted = await db.insertInto('jobs').values(rows).returning(['id', 'status']).execute();
  // Every replica's scheduler, at the commit: one notification for the whole batch (no connection named).
  if (inserted.some((row) => row.status === 'queued')) await notifySchedulers(db, null);
  return inserted.map((row) => ({ id: row.id, status: row.status as 'queued' | 'parked' }));
}
