// The Work tab's reads and levers (issue #16 item 5): a connection's failed and stuck jobs in plain
// words, and retry / cancel of one job or all of a kind. Each change commits with its audit entry
// (and, for a conversation's work that will not happen, an activity entry) in one transaction, and
// a retry wakes the scheduler so the job runs now rather than at its next look.
import type { Kysely } from 'kysely';
import { recordActivity } from '../activity/activity-log.ts';
import type { AuditActor } from '../audit/audit-entry.ts';
import { CAPTURE_TASK } from '../capture/capture-task.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import {
  cancelProblemJob,
  cancelProblemJobs,
  countProblemJobs,
  LATE_AFTER_MS,
  listProblemJobs,
  retryProblemJob,
  retryProblemJobs,
  type JobFacts,
  type ProblemJob,
  type Refusal,
  type WorkState,
} from '../jobs/job-control.ts';
import { describeJob } from './describe-job.ts';

export interface WorkDeps {
  db: Kysely<Database>;
  clock: () => number;
  /** Tells the scheduler a job is due at this time (src/jobs/wake-ups.ts). */
  wake(runAt: number): void;
}

interface ConnectionRef {
  id: string;
  name: string;
}

export interface WorkItem {
  id: number;
  task: string;
  /** What the job is for, in plain words, from the ids in its payload. */
  what: string;
  conversationId: string | null;
  state: WorkState;
  /** The last error, as the job recorded it. */
  reason: string | null;
  attempts: number;
  maxAttempts: number;
  /** When it runs next: null for failed and parked jobs. */
  nextRunAt: number | null;
  createdAt: number;
  finishedAt: number | null;
  /** A run that gave its key to this newer job, which does its work: retrying it is refused. */
  supersededBy: number | null;
}

export interface WorkPage {
  jobs: WorkItem[];
  counts: Record<WorkState, number>;
  /** Problem jobs per task, for the task filter. */
  tasks: Array<{ task: string; count: number }>;
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: number | null;
  lateAfterMinutes: number;
}

function workItem(job: ProblemJob): WorkItem {
  const described = describeJob(job);
  return {
    id: job.id,
    task: job.task,
    what: described.what,
    conversationId: described.conversationId,
    state: job.state,
    reason: job.last_error,
    attempts: job.attempts,
    maxAttempts: job.max_attempts,
    nextRunAt: job.state === 'failed' || job.state === 'parked' ? null : job.run_at,
    createdAt: job.created_at,
    finishedAt: job.finished_at,
    supersededBy: job.superseded_by,
  };
}

export async function listWork(db: Kysely<Database>, query: { connectionId: string; now: number; state?: WorkState | undefined; task?: string | undefined; before?: number | undefined; limit: number }): Promise<WorkPage> {
  // One more than asked: whether an older page exists, without a second query.
  const rows = await listProblemJobs(db, { ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const counts = await countProblemJobs(db, { connectionId: query.connectionId, now: query.now });
  return {
    jobs: page.map(workItem),
    counts: counts.byState,
    tasks: Object.entries(counts.byTask)
      .map(([task, count]) => ({ task, count }))
      .sort((a, b) => a.task.localeCompare(b.task)),
    next: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    lateAfterMinutes: LATE_AFTER_MS / 60_000,
  };
}

/** Who did it, as a cancelled job's reason and the activity log name them. */
const actorWords = (actor: AuditActor) => (actor.kind === 'token' ? `API token "${actor.name}"` : actor.name);

/** Why a retry or cancel was refused, in a sentence (the API's 409 message). */
function refusalMessage(refusal: Refusal, jobId: number, action: 'retry' | 'cancel'): string {
  switch (refusal.reason) {
    case 'running':
      return `Job ${jobId} is running now (it holds a lease); wait for it to finish${action === 'retry' ? '' : ', then cancel it if it is still waiting'}.`;
    case 'parked':
      return `Job ${jobId} is parked until the connection is re-authorised: re-authorise it and its parked work resumes by itself.`;
    case 'finished':
      return `Job ${jobId} has ${refusal.status === 'succeeded' ? 'succeeded' : `ended (${refusal.status})`}; there is nothing to ${action}.`;
    case 'not_waiting':
      return `Job ${jobId} is waiting for its due time and has not failed; there is nothing to retry.`;
    case 'already_queued':
      return `Job ${refusal.holder} with the same work is already queued or running; it does what job ${jobId} would, so job ${jobId} is not retried.`;
    case 'superseded':
      return `Job ${refusal.by} replaced job ${jobId} and does its work; job ${jobId} is not retried.`;
  }
}

export type WorkActionOutcome =
  | { result: 'not_found' }
  | { result: 'refused'; code: Refusal['reason']; message: string }
  | { result: 'done'; retried: number; alreadyQueued: number; cancelled: number; message: string };

const auditTarget = (job: JobFacts, connection: ConnectionRef) => ({ kind: 'job' as const, id: String(job.id), name: `${describeJob(job).what} (${connection.name})` });

/** Activity kinds of work that is about one conversation (src/activity/activity-log.ts ACTIVITY_KINDS). */
function activityKindOf(task: string): 'capture' | 'ticket' | null {
  if (task === CAPTURE_TASK) return 'capture';
  return task.startsWith('ticket.') ? 'ticket' : null;
}

/** A conversation's capture or ticket work that will now not happen shows on its activity as skipped. */
async function recordCancelActivity(db: Kysely<Database>, connectionId: string, jobs: readonly JobFacts[], actor: AuditActor, now: number): Promise<void> {
  for (const job of jobs) {
    const kind = activityKindOf(job.task);
    const { conversationId } = describeJob(job);
    if (kind === null || conversationId === null) continue;
    await recordActivity(db, { connectionId, at: now, kind, subjectId: conversationId, outcome: 'skipped', reason: `cancelled by ${actorWords(actor)}`.slice(0, 300), detail: { job: job.id, task: job.task } });
  }
}

export async function retryOneJob(deps: WorkDeps, connection: ConnectionRef, jobId: number, actor: AuditActor): Promise<WorkActionOutcome> {
  const now = deps.clock();
  const outcome = await withTransaction(deps.db, async (trx) => {
    const retried = await retryProblemJob(trx, { connectionId: connection.id, jobId, now });
    if (retried.result === 'retried') await recordAudit(trx, { at: now, actor, action: 'job.retry', target: auditTarget(retried.job, connection) });
    return retried;
  });
  if (outcome.result === 'not_found') return outcome;
  if (outcome.result === 'refused') return { result: 'refused', code: outcome.refusal.reason, message: refusalMessage(outcome.refusal, jobId, 'retry') };
  deps.wake(outcome.runAt);
  const what = describeJob(outcome.job).what;
  const message = outcome.from === 'failed' ? `Job ${jobId} is queued again with fresh attempts: ${what}.` : `Job ${jobId} runs now: ${what}.`;
  return { result: 'done', retried: 1, alreadyQueued: 0, cancelled: 0, message };
}

export async function cancelOneJob(deps: WorkDeps, connection: ConnectionRef, jobId: number, actor: AuditActor): Promise<WorkActionOutcome> {
  const now = deps.clock();
  const outcome = await withTransaction(deps.db, async (trx) => {
    const cancelled = await cancelProblemJob(trx, { connectionId: connection.id, jobId, now, by: actorWords(actor) });
    if (cancelled.result === 'cancelled') {
      await recordAudit(trx, { at: now, actor, action: 'job.cancel', target: auditTarget(cancelled.job, connection) });
      await recordCancelActivity(trx, connection.id, [cancelled.job], actor, now);
    }
    return cancelled;
  });
  if (outcome.result === 'not_found') return outcome;
  if (outcome.result === 'refused') return { result: 'refused', code: outcome.refusal.reason, message: refusalMessage(outcome.refusal, jobId, 'cancel') };
  const verb = outcome.from === 'failed' ? 'dismissed' : 'cancelled';
  return { result: 'done', retried: 0, alreadyQueued: 0, cancelled: 1, message: `Job ${jobId} ${verb}: ${describeJob(outcome.job).what}.` };
}

/** The audit trail's key for a bulk action: the filter and how many jobs it took. */
const bulkKey = (state: WorkState, task: string | undefined, count: number) => `state=${state}${task === undefined ? '' : ` task=${task}`} jobs=${count}`;

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export async function retryAllJobs(deps: WorkDeps, connection: ConnectionRef, filter: { state: Exclude<WorkState, 'parked'>; task?: string | undefined }, actor: AuditActor): Promise<WorkActionOutcome> {
  const now = deps.clock();
  const result = await withTransaction(deps.db, async (trx) => {
    const done = await retryProblemJobs(trx, { connectionId: connection.id, now, state: filter.state, task: filter.task });
    if (done.retried.length > 0) {
      await recordAudit(trx, { at: now, actor, action: 'job.retry', target: { kind: 'connection', id: connection.id, name: connection.name }, key: bulkKey(filter.state, filter.task, done.retried.length) });
    }
    return done;
  });
  if (result.retried.length > 0) deps.wake(now);
  const parts = [`${plural(result.retried.length, 'job', 'jobs')} ${filter.state === 'failed' ? 'queued again' : 'made due now'}`];
  if (result.alreadyQueued.length > 0) parts.push(`${plural(result.alreadyQueued.length, 'job was', 'jobs were')} left as they are: a newer job with the same work is already queued`);
  return { result: 'done', retried: result.retried.length, alreadyQueued: result.alreadyQueued.length, cancelled: 0, message: `${parts.join('; ')}.` };
}

export async function cancelAllJobs(deps: WorkDeps, connection: ConnectionRef, filter: { state: WorkState; task?: string | undefined }, actor: AuditActor): Promise<WorkActionOutcome> {
  const now = deps.clock();
  const cancelled = await withTransaction(deps.db, async (trx) => {
    const jobs = await cancelProblemJobs(trx, { connectionId: connection.id, now, state: filter.state, task: filter.task, by: actorWords(actor) });
    if (jobs.length > 0) {
      await recordAudit(trx, { at: now, actor, action: 'job.cancel', target: { kind: 'connection', id: connection.id, name: connection.name }, key: bulkKey(filter.state, filter.task, jobs.length) });
      await recordCancelActivity(trx, connection.id, jobs, actor, now);
    }
    return jobs.length;
  });
  const verb = filter.state === 'failed' ? 'dismissed' : 'cancelled';
  return { result: 'done', retried: 0, alreadyQueued: 0, cancelled, message: `${plural(cancelled, 'job', 'jobs')} ${verb}.` };
}
