// One run of one claimed job: find its task, validate its payload, run the handler, and record
// the outcome under the lease. Bad rows (unknown task, payload that does not parse or match) fail
// permanently with a reason instead of crash-looping.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, JobRow } from '../db/schema.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { failJob, parkJob, rescheduleJob } from './finish.ts';
import { outcomeOfThrown, type JobOutcome } from './outcomes.ts';
import type { TaskContext, TaskRegistry } from './task.ts';

export interface RunEnvironment {
  db: Kysely<Database>;
  tasks: TaskRegistry;
  log: Logger;
  workerId: string;
  clock: () => number;
  random: () => number;
  backoff: BackoffPolicy;
  recordDuration(task: string, ms: number): void;
  /** Marks a run succeeded under its lease; the scheduler batches these into its next claim. */
  complete(job: JobRow): Promise<boolean>;
}

type Prepared = { ok: true; payload: unknown } | { ok: false; reason: string };

function prepare(env: RunEnvironment, job: JobRow): Prepared {
  const task = env.tasks.get(job.task);
  if (!task) return { ok: false, reason: `no handler is registered for task '${job.task}' (was it removed in an upgrade?)` };
  let raw: unknown;
  try {
    raw = JSON.parse(job.payload);
  } catch {
    return { ok: false, reason: `the payload of job ${job.id} is not valid JSON` };
  }
  const parsed = task.payload.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
    return { ok: false, reason: `the payload does not match task '${job.task}': ${problems}` };
  }
  return { ok: true, payload: parsed.data };
}

export async function runJob(env: RunEnvironment, job: JobRow, signal: AbortSignal): Promise<JobOutcome> {
  // A child logger costs a redaction set-up; most runs never log, so it is made on first use.
  let childLog: Logger | undefined;
  const logger = () =>
    (childLog ??= env.log.child({ jobId: job.id, task: job.task, attempt: job.attempts, connectionId: job.connection_id ?? undefined }));
  const prepared = prepare(env, job);
  let result: JobOutcome;
  if (!prepared.ok) {
    result = { type: 'fail', reason: prepared.reason };
  } else {
    const task = env.tasks.get(job.task);
    const ctx: TaskContext = {
      job: { id: job.id, task: job.task, key: job.key, connectionId: job.connection_id, attempt: job.attempts, maxAttempts: job.max_attempts },
      get log() {
        return logger();
      },
      now: env.clock,
      signal,
    };
    const started = performance.now();
    try {
      result = (await task?.run(prepared.payload, ctx)) ?? { type: 'done' };
    } catch (thrown) {
      result = outcomeOfThrown(thrown);
    }
    env.recordDuration(job.task, performance.now() - started);
    // Stopped from outside — a shutdown (the scheduler hands the job back) or a lost lease (the newer
    // run counts): whatever the handler returned, it may have cut its work short, so its result is
    // not recorded. Recorded, a handler that returns when told to stop would mark unfinished work
    // done, and on PostgreSQL that write could land before the shutdown's hand-back.
    if (signal.aborted) {
      logger().info({ reason: String((signal.reason as Error | undefined)?.message ?? signal.reason) }, 'the run was stopped; its result is not recorded');
      return result;
    }
  }
  await record(env, job, result, logger);
  return result;
}

async function record(env: RunEnvironment, job: JobRow, result: JobOutcome, logger: () => Logger): Promise<void> {
  const lease = { id: job.id, token: job.locked_by ?? '' };
  const now = env.clock();
  let held: boolean;
  switch (result.type) {
    case 'done':
      held = await env.complete(job);
      if (held && env.log.isLevelEnabled('debug')) logger().debug('job done');
      break;
    case 'retry_after':
      held = await rescheduleJob(env.db, lease, { runAt: now + result.delayMs, reason: result.reason, refundAttempt: true, now });
      if (held) logger().info({ delayMs: result.delayMs, reason: result.reason }, 'job will retry after the wait the upstream asked for');
      break;
    case 'retry':
      if (job.attempts >= job.max_attempts) {
        const reason = `gave up after ${job.attempts} attempts: ${result.reason}`;
        held = await failJob(env.db, lease, reason, now);
        if (held) logger().warn({ reason }, 'job failed');
      } else {
        const delayMs = backoffDelay(job.attempts, env.backoff, env.random);
        held = await rescheduleJob(env.db, lease, { runAt: now + delayMs, reason: result.reason, refundAttempt: false, now });
        if (held) logger().info({ delayMs, reason: result.reason }, 'job will retry with backoff');
      }
      break;
    case 'fail':
      held = await failJob(env.db, lease, result.reason, now);
      if (held) logger().warn({ reason: result.reason }, 'job failed permanently');
      break;
    case 'park':
      held = await parkJob(env.db, { ...lease, connectionId: job.connection_id }, result.reason, now, result.side ?? null);
      if (held) logger().warn({ reason: result.reason }, 'job parked until the connection is re-authorised');
      break;
  }
  if (!held) logger().warn({ outcome: result.type }, 'the lease was lost before the job finished; this result is discarded and the newer run counts');
}

