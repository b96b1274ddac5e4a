// Putting work into the job table, and the operator's levers on it (retry, cancel, park, resume).
// Every function takes the database or the caller's transaction first, so a webhook's delivery
// record and its job commit together.
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Database, JobRow, JobStatus } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { lockingRead, lockJobKey } from './sql.ts';

/** Payloads carry ids and small values; a larger one is a bug that might be carrying text. */
const MAX_PAYLOAD_BYTES = 4096;

type KeyMode = 'replace' | 'keep';

export interface EnqueueSpec {
  task: string;
  payload: Record<string, unknown>;
  /** Epoch ms when the job becomes due; defaults to now. */
  runAt?: number;
  /** At most one pending job per key. */
  key?: string;
  /** replace (default): reschedule the pending job with this key; keep: the pending job wins. */
  keyMode?: KeyMode;
  /**
   * keep only: a run of this key that started at or after this time (epoch ms) covers the new job —
   * it reads what the caller saw, or newer — so nothing is added and the run keeps its key. Without
   * it a running key gets a second job (graphile-worker's rule: the run may have read too early).
   */
  coveredByRunSince?: number;
  connectionId?: string | null;
  maxAttempts?: number;
  /** Claimed before the connection's other due jobs when higher (default 0): quick, time-critical work. */
  priority?: number;
}

export interface EnqueueResult {
  id: number;
  /** covered: a run that started after `coveredByRunSince` holds the key, and nothing was added. */
  result: 'inserted' | 'replaced' | 'kept' | 'covered';
  runAt: number;
  status: 'queued' | 'parked' | 'running';
}

class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

export interface EnqueueDefaults {
  now: number;
  maxAttempts: number;
}

/**
 * Adds a job, or applies its key mode to the pending job with the same key. Joins the caller's
 * transaction when given one; otherwise runs in its own, so the look-up and the write cannot
 * interleave with another enqueue of the same key.
 */
export async function enqueueJob(db: Kysely<Database>, spec: EnqueueSpec, defaults: EnqueueDefaults): Promise<EnqueueResult> {
  // Without a key there is nothing to look up first, so no transaction is needed.
  if (db.isTransaction || spec.key === undefined) return enqueueInTransaction(db, spec, defaults);
  return withTransaction(db, (trx) => enqueueInTransaction(trx, spec, defaults));
}

/** The payload as stored, refused when it is too large to be only ids and small values. */
export function storedPayload(spec: Pick<EnqueueSpec, 'task' | 'payload'>): string {
  const payload = JSON.stringify(spec.payload);
  const bytes = Buffer.byteLength(payload);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new PayloadTooLargeError(
      `the payload of a '${spec.task}' job is ${bytes} bytes; jobs carry ids and small values (at most ${MAX_PAYLOAD_BYTES} bytes), never content`,
    );
  }
  return payload;
}

/** An enqueue the webhook intake makes: due now, no key, so one INSERT and nothing to look up. */
export type PlainJobSpec = Pick<EnqueueSpec, 'task' | 'payload' | 'connectionId' | 'maxAttempts' | 'priority'> & {
  /** The connection's status, read by the caller in the same transaction (the intake's routing). */
  connectionStatus: string | null;
};

/** A plain job's first status: parked while its connection needs re-authorising (status read by the caller). */
export const plainJobStatus = (spec: Pick<PlainJobSpec, 'connectionStatus'>): 'queued' | 'parked' => (spec.connectionStatus === 'needs_reauth' ? 'parked' : 'queued');

/**
 * enqueueJob for plain jobs as one prepared statement, for a caller inside a synchronous
 * better-sqlite3 transaction (the webhook intake's group commit, src/webhooks/record-deliveries.ts):
 * the same row, and the same rule — a job of a connection that needs re-authorising starts parked —
 * decided from the connection's status the caller read in that transaction, without building the
 * query each time (~15 µs a delivery, test/bench/RESULTS.md "ingest").
 */
export function preparePlainEnqueue(sqlite: SQLite.Database): (spec: PlainJobSpec, defaults: EnqueueDefaults) => { id: number; status: 'queued' | 'parked' } {
  const insert = sqlite.prepare<[string, string, string | null, 'queued' | 'parked', number, number, number, number, number]>(
    `INSERT INTO jobs (task, payload, key, connection_id, status, run_at, attempts, max_attempts, priority, created_at, updated_at)
     VALUES (?, ?, NULL, ?, ?, ?, 0, ?, ?, ?, ?)`,
  );
  return (spec, defaults) => {
    const now = defaults.now;
    const status = plainJobStatus(spec);
    const { lastInsertRowid } = insert.run(spec.task, storedPayload(spec), spec.connectionId ?? null, status, now, spec.maxAttempts ?? defaults.maxAttempts, spec.priority ?? 0, now, now);
    return { id: Number(lastInsertRowid), status };
  };
}

async function enqueueInTransaction(db: Kysely<Database>, spec: EnqueueSpec, defaults: EnqueueDefaults): Promise<EnqueueResult> {
  const payload = storedPayload(spec);
  const now = defaults.now;
  const runAt = spec.runAt ?? now;
  const connectionId = spec.connectionId ?? null;
  // A job of a connection that needs re-authorising starts parked; decided inside the INSERT so
  // that enqueue stays one statement on the webhook path.
  const status =
    connectionId === null
      ? sql<JobStatus>`'queued'`
      : sql<JobStatus>`CASE WHEN EXISTS (SELECT 1 FROM connections WHERE id = ${connectionId} AND status = 'needs_reauth') THEN 'parked' ELSE 'queued' END`;
  const row = {
    task: spec.task,
    payload,
    key: spec.key ?? null,
    connection_id: connectionId,
    status,
    run_at: runAt,
    attempts: 0,
    max_attempts: spec.maxAttempts ?? defaults.maxAttempts,
    priority: spec.priority ?? 0,
    created_at: now,
    updated_at: now,
  };
  const insert = async (): Promise<EnqueueResult> => {
    const inserted = await db.insertInto('jobs').values(row).returning(['id', 'status']).executeTakeFirstOrThrow();
    return { id: inserted.id, result: 'inserted', runAt, status: inserted.status as 'queued' | 'parked' };
  };

  if (spec.key === undefined) return insert();

  // On PostgreSQL, what SQLite's single writer gives: no other enqueue or retry of this key between
  // the look-up and the write, and the holder locked against a claim turning it into a run meanwhile.
  await lockJobKey(db, spec.key);
  const holder = await keyHolder(db, spec.key, { lock: true });
  if (holder && holder.status !== 'running') {
    if ((spec.keyMode ?? 'replace') === 'keep') {
      return { id: holder.id, result: 'kept', runAt: holder.run_at, status: holder.status };
    }
    await db
      .updateTable('jobs')
      .set({
        task: row.task,
        payload,
        connection_id: connectionId,
        run_at: runAt,
        attempts: 0,
        max_attempts: row.max_attempts,
        priority: row.priority,
        last_error: null,
        updated_at: now,
      })
      .where('id', '=', holder.id)
      .execute();
    return { id: holder.id, result: 'replaced', runAt, status: holder.status };
  }
  if (!holder) return insert();
  // A running job's updated_at is when its run started: nothing else writes it while a keyed job runs.
  if (spec.keyMode === 'keep' && spec.coveredByRunSince !== undefined && holder.updated_at >= spec.coveredByRunSince) {
    return { id: holder.id, result: 'covered', runAt: holder.run_at, status: 'running' };
  }
  // The key's job is running: the new job takes the key and the run is detached from it.
  return detachingRun(db, holder.id, now, insert);
}

/** Unfinished states: the unique index lets at most one row in them hold a key (migrations/0012). */
const UNFINISHED = ['queued', 'parked', 'running'] as const;

type KeyHolder = { id: number; run_at: number; status: 'queued' | 'parked' | 'running'; updated_at: number };

/** `lock`: keep the holder as read until the transaction ends (PostgreSQL; the caller writes what it decides from it). */
async function keyHolder(db: Kysely<Database>, key: string, options: { lock: boolean } = { lock: false }): Promise<KeyHolder | undefined> {
  const query = db.selectFrom('jobs').select(['id', 'run_at', 'status', 'updated_at']).where('key', '=', key).where('status', 'in', UNFINISHED);
  const row = await (options.lock ? lockingRead(db, query) : query).executeTakeFirst();
  return row as KeyHolder | undefined;
}

/**
 * Gives a running job's key to a new pending job (graphile-worker's rule): the run loses its key and
 * remembers the job that replaces it, so whatever becomes of the run — it finishes, asks for a
 * retry, or its lease runs out after a crash — it can never be a second pending job of the key.
 */
async function detachingRun<T extends { id: number }>(db: Kysely<Database>, runId: number, now: number, insert: () => Promise<T>): Promise<T> {
  await db.updateTable('jobs').set({ key: null, updated_at: now }).where('id', '=', runId).execute();
  const inserted = await insert();
  await db.updateTable('jobs').set({ superseded_by: inserted.id }).where('id', '=', runId).execute();
  return inserted;
}

/** Cancels the pending job with this key (a reopen inside the grace window). Returns how many. */
export async function cancelJobByKey(db: Kysely<Database>, key: string, now: number): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: now, updated_at: now, last_error: 'cancelled by key' })
    .where('key', '=', key)
    .where('status', 'in', ['queued', 'parked'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Cancels one job that is not running. */
export async function cancelJob(db: Kysely<Database>, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'parked', 'failed'])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type RetryResult = 'retried' | 'not_retryable' | 'superseded';

/**
 * Puts a failed or cancelled job back in the queue with fresh attempts. If a newer job with the
 * same key is already pending, that one will do the work: the old job stays as it is. If one is
 * running, the retried job takes the key and the run is detached from it, as an enqueue would.
 */
export async function retryJob(db: Kysely<Database>, id: number, now: number): Promise<RetryResult> {
  const work = async (trx: Kysely<Database>): Promise<RetryResult> => {
    // Locked (PostgreSQL) so that two retries of one job cannot both requeue it.
    const job = await lockingRead(trx, trx.selectFrom('jobs').select(['status', 'key', 'superseded_by']).where('id', '=', id)).executeTakeFirst();
    if (!job || (job.status !== 'failed' && job.status !== 'cancelled')) return 'not_retryable';
    // A run that gave its key to a newer job: that job did (or does) the work; retrying this one
    // would run it a second time, without a key.
    if (job.superseded_by !== null) return 'superseded';
    if (job.key !== null) await lockJobKey(trx, job.key);
    const holder = job.key === null ? undefined : await keyHolder(trx, job.key, { lock: true });
    if (holder && holder.status !== 'running') return 'superseded';
    const requeue = async () => {
      await trx
        .updateTable('jobs')
        .set({ status: 'queued', run_at: now, attempts: 0, finished_at: null, superseded_by: null, updated_at: now })
        .where('id', '=', id)
        .execute();
      return { id };
    };
    if (holder) await detachingRun(trx, holder.id, now, requeue);
    else await requeue();
    return 'retried';
  };
  return withTransaction(db, work);
}

/** Parks every queued job of a connection (its credentials need re-authorising). */
export async function parkConnectionJobs(db: Kysely<Database>, connectionId: string, now: number): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'parked', updated_at: now })
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Resumes a connection's parked jobs, due now, once it is active again. */
export async function resumeConnectionJobs(db: Kysely<Database>, connectionId: string, now: number): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'queued', run_at: now, updated_at: now })
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'parked')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Cancels everything pending for a connection (it is being deleted). */
export async function cancelConnectionJobs(db: Kysely<Database>, connectionId: string, now: number): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: now, updated_at: now, last_error: 'connection deleted' })
    .where('connection_id', '=', connectionId)
    .where('status', 'in', ['queued', 'parked'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Whether a job with this key is waiting, parked or running: for a feature that must not queue the
 * same work twice or wants to show "in progress". An index seek on jobs_unfinished_key (migrations/0012).
 */
export async function hasUnfinishedJob(db: Kysely<Database>, key: string): Promise<boolean> {
  return (await keyHolder(db, key)) !== undefined;
}

/** Of these keys, the ones a queued, parked or running job holds (one query for a batch of records). */
export async function unfinishedKeys(db: Kysely<Database>, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.selectFrom('jobs').select('key').where('key', 'in', [...keys]).where('status', 'in', UNFINISHED).execute();
  return new Set(rows.map((row) => row.key).filter((key): key is string => key !== null));
}

export async function getJob(db: Kysely<Database>, id: number): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listJobs(
  db: Kysely<Database>,
  filter: { status?: JobRow['status']; task?: string; connectionId?: string; limit?: number } = {},
): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll();
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.task) query = query.where('task', '=', filter.task);
  if (filter.connectionId) query = query.where('connection_id', '=', filter.connectionId);
  return query.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
}
