// What the job table says about each connection's health (src/health/ turns it into a state a
// person reads): work retrying, parked, failed lately or late. Here because all SQL on the jobs
// table lives in src/jobs. Two grouped queries over every connection, never one per connection:
// the alerts ask every minute and the connection list on every poll. Every subquery in FROM is
// named: PostgreSQL (before 16) refuses one without an alias.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { LATE_AFTER_MS } from './job-control.ts';

/** One job standing for its kind (the most tried retry, the latest failure, the oldest late job). */
interface SampleJob {
  task: string;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  lastError: string | null;
  finishedAt: number | null;
}

export interface KindOfWork {
  count: number;
  sample: SampleJob;
  /** How many of them per task. */
  byTask: Record<string, number>;
}

/** A connection's problem work; a kind with none is absent. */
export interface JobHealthFacts {
  retrying?: KindOfWork;
  parked?: KindOfWork;
  /** Failed for good since `failedSince`. */
  failed?: KindOfWork;
  /** Queued and due for longer than the late threshold (the Work tab's `late`). */
  late?: KindOfWork;
}

type HealthWorkKind = keyof JobHealthFacts;

export interface HealthFactsWindow {
  now: number;
  /** Failed jobs that finished at or after this count. */
  failedSince: number;
  /** Defaults to LATE_AFTER_MS, the Work tab's own threshold, so its `late` filter shows the same jobs. */
  lateAfterMs?: number;
  /** Only this connection's work (a connection's own page); all connections when absent. */
  connectionId?: string;
}

/**
 * The kind of a row, by the Work tab's rules (src/jobs/job-control.ts): a queued job past the late
 * threshold is late whatever its attempts; one that ran, failed and waits for its next try is retrying.
 */
function kindCase(lateBefore: number, failedSince: number) {
  return sql<HealthWorkKind | null>`CASE
    WHEN status = 'parked' THEN 'parked'
    WHEN status = 'failed' AND finished_at >= ${failedSince} THEN 'failed'
    WHEN status = 'queued' AND run_at <= ${lateBefore} THEN 'late'
    WHEN status = 'queued' AND attempts > 0 AND last_error IS NOT NULL THEN 'retrying'
  END`;
}

type SampleRow = {
  connection_id: string; kind: HealthWorkKind; n: number; task: string; attempts: number; max_attempts: number; run_at: number; last_error: string | null; finished_at: number | null;
};

/** The two queries, built apart so the query-plan test can look at them (test/health/health-query-plan.test.ts). */
export function healthFactsQueries(window: HealthFactsWindow) {
  const lateBefore = window.now - (window.lateAfterMs ?? LATE_AFTER_MS);
  const kind = kindCase(lateBefore, window.failedSince);
  const owner = window.connectionId === undefined ? sql`connection_id IS NOT NULL` : sql`connection_id = ${window.connectionId}`;
  // Rows that can be problem work at all, one arm per status so that each is served by its partial
  // index (jobs_parked, jobs_failed_by_time of migrations/0027, jobs_due_by_connection): an OR of the three scans the table.
  const columns = sql`id, connection_id, task, status, attempts, max_attempts, run_at, last_error, finished_at`;
  const candidates = sql`
    SELECT ${columns} FROM jobs WHERE status = 'parked' AND ${owner}
    UNION ALL
    SELECT ${columns} FROM jobs WHERE finished_at >= ${window.failedSince} AND status = 'failed' AND ${owner}
    UNION ALL
    SELECT ${columns} FROM jobs WHERE status = 'queued' AND ${owner} AND (run_at <= ${lateBefore} OR (attempts > 0 AND last_error IS NOT NULL))`;

  // One sample per (connection, kind): the retry with the most attempts (then the soonest), the
  // latest failure, the oldest late or parked job.
  const samples = sql<SampleRow>`
    SELECT connection_id, kind, n, task, attempts, max_attempts, run_at, last_error, finished_at FROM (
      SELECT connection_id, kind, task, attempts, max_attempts, run_at, last_error, finished_at,
        count(*) OVER (PARTITION BY connection_id, kind) AS n,
        row_number() OVER (
          PARTITION BY connection_id, kind
          ORDER BY CASE kind WHEN 'retrying' THEN -attempts WHEN 'failed' THEN -finished_at ELSE 0 END, run_at, id
        ) AS rn
      FROM (SELECT candidates.*, ${kind} AS kind FROM (${candidates}) AS candidates) AS kinds
      WHERE kind IS NOT NULL
    ) AS ranked WHERE rn = 1`;

  const perTask = sql<{ connection_id: string; kind: HealthWorkKind; task: string; n: number }>`
    SELECT connection_id, kind, task, count(*) AS n
    FROM (SELECT connection_id, task, ${kind} AS kind FROM (${candidates}) AS candidates) AS kinds
    WHERE kind IS NOT NULL
    GROUP BY connection_id, kind, task`;
  return { samples, perTask };
}

/** Problem work of every connection that has some (connections without any are absent), or of one. */
export async function jobHealthFacts(db: Kysely<Database>, window: HealthFactsWindow): Promise<Map<string, JobHealthFacts>> {
  const queries = healthFactsQueries(window);
  const samples = await queries.samples.execute(db);
  const perTask = await queries.perTask.execute(db);

  const facts = new Map<string, JobHealthFacts>();
  for (const row of samples.rows) {
    const entry = facts.get(row.connection_id) ?? {};
    entry[row.kind] = {
      count: Number(row.n),
      byTask: {},
      sample: { task: row.task, attempts: row.attempts, maxAttempts: row.max_attempts, runAt: row.run_at, lastError: row.last_error, finishedAt: row.finished_at },
    };
    facts.set(row.connection_id, entry);
  }
  for (const row of perTask.rows) {
    const work = facts.get(row.connection_id)?.[row.kind];
    if (work) work.byTask[row.task] = Number(row.n);
  }
  return facts;
}
