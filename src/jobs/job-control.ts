// A connection's failed and stuck work, and the operator's levers on it (issue #16 item 5): which
// jobs failed, are parked, wait long past their due time or are retrying; retry and cancel one job
// or all of a kind. The SQL lives here because all SQL on the jobs table lives in src/jobs; what the
// jobs are for, the audit trail and the activity log are for the caller (src/work/).
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database, JobRow } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { lockingRead, lockJobKey } from './sql.ts';

/** The kinds of problem work a person looks at. Disjoint: a job is in at most one. */
export const WORK_STATES = ['failed', 'parked', 'late', 'retrying'] as const;
export type WorkState = (typeof WORK_STATES)[number];

/** A queued job this long past its due time is late: the scheduler should have taken it by now. */
export const LATE_AFTER_MS = 5 * 60_000;

/** Longest error text kept on a job (as src/jobs/finish.ts keeps it). */
const MAX_ERROR_LENGTH = 2000;

export interface WorkScope {
  connectionId: string;
  now: number;
  /** Defaults to LATE_AFTER_MS. */
  lateAfterMs?: number;
}

export interface WorkFilter extends WorkScope {
  state?: WorkState | undefined;
  task?: string | undefined;
}

/** What the Work tab and the audit trail need of a job. */
export type JobFacts = Pick<
  JobRow,
  'id' | 'task' | 'payload' | 'key' | 'attempts' | 'max_attempts' | 'run_at' | 'last_error' | 'created_at' | 'updated_at' | 'finished_at' | 'superseded_by'
>;
export type ProblemJob = JobFacts & { state: WorkState };

type Eb = ExpressionBuilder<Database, 'jobs'>;

/**
 * The row condition of each state. A queued job past the threshold is late whatever its attempts
 * (the scheduler is not getting to it); a queued job that ran, failed and waits for its next
 * attempt is retrying.
 */
function stateCondition(eb: Eb, state: WorkState, lateBefore: number) {
  switch (state) {
    case 'failed':
      return eb('status', '=', 'failed');
    case 'parked':
      return eb('status', '=', 'parked');
    case 'late':
      return eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', lateBefore)]);
    case 'retrying':
      return eb.and([eb('status', '=', 'queued'), eb('run_at', '>', lateBefore), eb('attempts', '>', 0), eb('last_error', 'is not', null)]);
  }
}

const lateBeforeOf = (scope: WorkScope) => scope.now - (scope.lateAfterMs ?? LATE_AFTER_MS);

/**
 * The statuses a problem job can have, written literally (not bound) so that SQLite sees the
 * partial index jobs_problems_by_connection (migrations/0028) covers the query.
 */
const PROBLEM_STATUSES = sql<boolean>`status IN ('failed', 'parked', 'queued')`;

function matching(eb: Eb, filter: WorkFilter, states: readonly WorkState[] = WORK_STATES) {
  const lateBefore = lateBeforeOf(filter);
  const chosen = filter.state === undefined ? states : states.filter((state) => state === filter.state);
  const conditions = [eb('connection_id', '=', filter.connectionId), PROBLEM_STATUSES, eb.or(chosen.map((state) => stateCondition(eb, state, lateBefore)))];
  if (filter.task !== undefined) conditions.push(eb('task', '=', filter.task));
  return eb.and(conditions);
}

/** Which problem state a row is in, if any (the same rule as stateCondition, for one row in hand). */
export function workStateOf(row: Pick<JobRow, 'status' | 'run_at' | 'attempts' | 'last_error'>, scope: Pick<WorkScope, 'now' | 'lateAfterMs'>): WorkState | null {
  const lateBefore = scope.now - (scope.lateAfterMs ?? LATE_AFTER_MS);
  if (row.status === 'failed' || row.status === 'parked') return row.status;
  if (row.status !== 'queued') return null;
  if (row.run_at <= lateBefore) return 'late';
  return row.attempts > 0 && row.last_error !== null ? 'retrying' : null;
}

const COLUMNS = ['id', 'task', 'payload', 'key', 'status', 'attempts', 'max_attempts', 'run_at', 'last_error', 'created_at', 'updated_at', 'finished_at', 'superseded_by'] as const;

function factsOf(row: Pick<JobRow, (typeof COLUMNS)[number]>): JobFacts {
  const { status: _status, ...facts } = row;
  return facts;
}

type PageFilter = WorkFilter & { before?: number | undefined; limit: number };

/** The query of one page; exported for the query-plan test. */
export function problemJobsQuery(db: Kysely<Database>, filter: PageFilter) {
  const query = db.selectFrom('jobs').select(COLUMNS).where((eb) => matching(eb, filter));
  return (filter.before === undefined ? query : query.where('id', '<', filter.before)).orderBy('id', 'desc').limit(filter.limit);
}

/** One page of a connection's problem jobs, newest first; `before` is the last id of the previous page. */
export async function listProblemJobs(db: Kysely<Database>, filter: PageFilter): Promise<ProblemJob[]> {
  const rows = await problemJobsQuery(db, filter).execute();
  return rows.flatMap((row) => {
    const state = workStateOf(row, filter);
    return state === null ? [] : [{ ...factsOf(row), state }];
  });
}

export interface WorkCounts {
  byState: Record<WorkState, number>;
  /** Problem jobs per task, for the task filter. */
  byTask: Record<string, number>;
}

const zeroCounts = (): Record<WorkState, number> => ({ failed: 0, parked: 0, late: 0, retrying: 0 });

/** SQL that names a row's problem state (or NULL), the same rule as stateCondition. */
function stateCase(lateBefore: number) {
  return sql<WorkState | null>`CASE
    WHEN status = 'failed' THEN 'failed'
    WHEN status = 'parked' THEN 'parked'
    WHEN status = 'queued' AND run_at <= ${lateBefore} THEN 'late'
    WHEN status = 'queued' AND attempts > 0 AND last_error IS NOT NULL THEN 'retrying'
  END`;
}

/** How many of a connection's jobs are in each problem state, and per task. */
export async function countProblemJobs(db: Kysely<Database>, scope: WorkScope): Promise<WorkCounts> {
  const rows = await db
    .selectFrom('jobs')
    .select(['task', stateCase(lateBeforeOf(scope)).as('state'), (eb) => eb.fn.countAll<number>().as('n')])
    .where((eb) => matching(eb, scope))
    .groupBy(['task', 'state'])
    .execute();
  const counts: WorkCounts = { byState: zeroCounts(), byTask: {} };
  for (const row of rows) {
    if (row.state === null) continue;
    counts.byState[row.state] += Number(row.n);
    counts.byTask[row.task] = (counts.byTask[row.task] ?? 0) + Number(row.n);
  }
  return counts;
}

/** Problem jobs per connection, for the connection list: connections with none are absent. */
export async function workCounts(db: Kysely<Database>, now: number, lateAfterMs = LATE_AFTER_MS): Promise<Map<string, Record<WorkState, number>>> {
  const lateBefore = now - lateAfterMs;
  const rows = await db
    .selectFrom('jobs')
    .select(['connection_id', stateCase(lateBefore).as('state'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('connection_id', 'is not', null)
    .where(PROBLEM_STATUSES)
    .groupBy(['connection_id', 'state'])
    .execute();
  const counts = new Map<string, Record<WorkState, number>>();
  for (const row of rows) {
    if (row.state === null || row.connection_id === null) continue;
    const entry = counts.get(row.connection_id) ?? zeroCounts();
    entry[row.state] += Number(row.n);
    counts.set(row.connection_id, entry);
  }
  return counts;
}

/** Why a job cannot be retried or cancelled, as the API says it. */
export type Refusal =
  | { reason: 'running' }
  | { reason: 'parked' }
  | { reason: 'finished'; status: JobRow['status'] }
  | { reason: 'not_waiting' }
  | { reason: 'already_queued'; holder: number }
  | { reason: 'superseded'; by: number };

export type RetryOutcome =
  | { result: 'not_found' }
  | { result: 'refused'; refusal: Refusal; job: JobFacts }
  /** A failed job requeued with fresh attempts, or a waiting one made due now. */
  | { result: 'retried'; from: WorkState; job: JobFacts; runAt: number };

export type CancelOutcome =
  | { result: 'not_found' }
  | { result: 'refused'; refusal: Refusal; job: JobFacts }
  /** `from` is null for a queued job that was in no problem state (waiting for its due time). */
  | { result: 'cancelled'; from: WorkState | null; job: JobFacts };

/** The job, locked until the transaction ends (PostgreSQL): what is decided from it is written before anyone else may change it. */
async function jobOfConnection(db: Kysely<Database>, connectionId: string, id: number) {
  return lockingRead(db, db.selectFrom('jobs').select(COLUMNS).where('id', '=', id).where('connection_id', '=', connectionId)).executeTakeFirst();
}

/**
 * The key rule (migrations/0012): at most one unfinished job holds a key. A failed job whose key
 * another job now holds — waiting, parked or running — has its work done by that job; requeuing
 * it would be a second run of the same work, so it is refused, never duplicated.
 */
async function keyHolderOf(db: Kysely<Database>, job: Pick<JobRow, 'id' | 'key'>): Promise<number | null> {
  if (job.key === null) return null;
  const holder = await db.selectFrom('jobs').select('id').where('key', '=', job.key).where('status', 'in', ['queued', 'parked', 'running']).where('id', '!=', job.id).executeTakeFirst();
  return holder?.id ?? null;
}

/** Whether a failed job may be requeued; a refusal when not. */
async function failedRetryRefusal(db: Kysely<Database>, job: Pick<JobRow, 'id' | 'key' | 'superseded_by'>): Promise<Refusal | null> {
  // A run that gave its key to a newer job: that job does the work (src/jobs/queue.ts retryJob).
  if (job.superseded_by !== null) return { reason: 'superseded', by: job.superseded_by };
  // PostgreSQL: no enqueue or retry of this key between this look and the requeue (src/jobs/sql.ts).
  if (job.key !== null) await lockJobKey(db, job.key);
  const holder = await keyHolderOf(db, job);
  return holder === null ? null : { reason: 'already_queued', holder };
}

async function requeueFailed(db: Kysely<Database>, id: number, now: number): Promise<void> {
  // Fresh attempts, so it gets its full retries; the last error stays until the next run says otherwise.
  await db.updateTable('jobs').set({ status: 'queued', run_at: now, attempts: 0, finished_at: null, updated_at: now }).where('id', '=', id).where('status', '=', 'failed').execute();
}

/**
 * A waiting job is made due now. One already overdue keeps its earlier due time, which keeps its
 * place ahead of jobs that became due after it.
 */
const dueNow = (now: number) => sql<number>`CASE WHEN run_at > ${now} THEN ${now} ELSE run_at END`;

/** Retries one job of the connection: a failed one is requeued with fresh attempts; a late or retrying one runs now. */
export async function retryProblemJob(db: Kysely<Database>, scope: WorkScope & { jobId: number }): Promise<RetryOutcome> {
  return withTransaction(db, async (trx) => {
    const row = await jobOfConnection(trx, scope.connectionId, scope.jobId);
    if (!row) return { result: 'not_found' };
    const state = workStateOf(row, scope);
    const job = factsOf(row);
    if (row.status === 'running') return { result: 'refused', refusal: { reason: 'running' }, job };
    if (row.status === 'parked') return { result: 'refused', refusal: { reason: 'parked' }, job };
    if (state === null) {
      return { result: 'refused', refusal: row.status === 'queued' ? { reason: 'not_waiting' } : { reason: 'finished', status: row.status }, job };
    }
    if (state === 'failed') {
      const refusal = await failedRetryRefusal(trx, row);
      if (refusal) return { result: 'refused', refusal, job };
      await requeueFailed(trx, row.id, scope.now);
    } else {
      await trx.updateTable('jobs').set({ run_at: dueNow(scope.now), updated_at: scope.now }).where('id', '=', row.id).where('status', '=', 'queued').execute();
    }
    return { result: 'retried', from: state, job, runAt: state === 'failed' ? scope.now : Math.min(row.run_at, scope.now) };
  });
}

const clip = (text: string) => (text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text);

/** What a cancelled job's last_error says; a failed job dismissed keeps why it failed. */
function cancelReason(by: string, lastError: string | null, failed: boolean): string {
  return failed ? clip(`dismissed by ${by}; it had failed: ${lastError ?? 'no reason recorded'}`) : clip(`cancelled by ${by}`);
}

/**
 * Cancels one job of the connection that has not run to its end: waiting, parked, retrying or late
 * (a failed one is dismissed: it leaves the failed list). A running job holds a lease and is refused.
 */
export async function cancelProblemJob(db: Kysely<Database>, scope: WorkScope & { jobId: number; by: string }): Promise<CancelOutcome> {
  return withTransaction(db, async (trx) => {
    const row = await jobOfConnection(trx, scope.connectionId, scope.jobId);
    if (!row) return { result: 'not_found' };
    const job = factsOf(row);
    if (row.status === 'running') return { result: 'refused', refusal: { reason: 'running' }, job };
    if (row.status !== 'queued' && row.status !== 'parked' && row.status !== 'failed') return { result: 'refused', refusal: { reason: 'finished', status: row.status }, job };
    const state = workStateOf(row, scope);
    await trx
      .updateTable('jobs')
      .set({ status: 'cancelled', finished_at: scope.now, updated_at: scope.now, last_error: cancelReason(scope.by, row.last_error, row.status === 'failed') })
      .where('id', '=', row.id)
      .where('status', '=', row.status)
      .execute();
    return { result: 'cancelled', from: state, job };
  });
}

export interface BulkRetryResult {
  /** Jobs requeued (failed) or made due now (late, retrying). */
  retried: JobFacts[];
  /** Failed jobs whose work another job with the same key already does: left as they are. */
  alreadyQueued: JobFacts[];
}

/**
 * Retries every job of a kind (connection + state + optional task) in one transaction. Parked jobs
 * are refused by the caller: they resume when the connection is re-authorised. Among failed jobs of
 * one key the newest is requeued and the older ones count as already queued.
 */
export async function retryProblemJobs(db: Kysely<Database>, filter: WorkFilter & { state: Exclude<WorkState, 'parked'> }): Promise<BulkRetryResult> {
  return withTransaction(db, async (trx) => {
    // Locked (PostgreSQL): the rows reported are the rows written, whatever other replicas do meanwhile.
    const rows = (await lockingRead(trx, trx.selectFrom('jobs').select(COLUMNS).where((eb) => matching(eb, filter)).orderBy('id', 'desc')).execute()).map(factsOf);
    const result: BulkRetryResult = { retried: [], alreadyQueued: [] };
    if (filter.state !== 'failed') {
      if (rows.length > 0) await trx.updateTable('jobs').set({ run_at: dueNow(filter.now), updated_at: filter.now }).where((eb) => matching(eb, filter)).execute();
      result.retried = rows;
      return result;
    }
    // One at a time: a requeued job takes its key, which the next failed job of that key then finds held.
    for (const row of rows) {
      if (await failedRetryRefusal(trx, row)) result.alreadyQueued.push(row);
      else {
        await requeueFailed(trx, row.id, filter.now);
        result.retried.push(row);
      }
    }
    return result;
  });
}

/** Cancels (or, for failed jobs, dismisses) every job of a kind in one statement; returns them. */
export async function cancelProblemJobs(db: Kysely<Database>, filter: WorkFilter & { state: WorkState; by: string }): Promise<JobFacts[]> {
  const failed = filter.state === 'failed';
  const reason = failed ? sql<string>`substr(${`dismissed by ${filter.by}; it had failed: `} || coalesce(last_error, 'no reason recorded'), 1, ${MAX_ERROR_LENGTH})` : cancelReason(filter.by, null, false);
  const rows = await db
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: filter.now, updated_at: filter.now, last_error: reason })
    .where((eb) => matching(eb, filter))
    .returning(COLUMNS)
    .execute();
  return rows.map(factsOf);
}
