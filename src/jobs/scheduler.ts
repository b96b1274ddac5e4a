// The in-process scheduler: claims due jobs under a lease and runs them, within a global and a
// per-connection concurrency limit. It wakes at once when told a job is due now, otherwise sleeps
// until the next due time or lease expiry (capped, which doubles as its heartbeat), so there is no
// fixed polling latency.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, JobRow } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import type { BackoffPolicy } from './backoff.ts';
import { claimJobs, NO_CONNECTION, nextWakeAt, reclaimExpiredLeases } from './claim.ts';
import { completeJobs, extendLease, rescheduleJob } from './finish.ts';
import { createHandlerStats, type TaskDurations } from './handler-stats.ts';
import { runJob, type RunEnvironment } from './run-job.ts';
import type { TaskRegistry } from './task.ts';
import type { WakeUps } from './wake-ups.ts';

/** The shortest renewal period: a tiny lease (tests) should not become a busy loop of writes. */
const RENEW_FLOOR_MS = 50;

export interface SchedulerOptions {
  db: Kysely<Database>;
  tasks: TaskRegistry;
  log: Logger;
  concurrency: number;
  perConnectionConcurrency: number;
  leaseMs: number;
  maxSleepMs: number;
  backoff: BackoffPolicy;
  clock?: () => number;
  random?: () => number;
  workerId?: string;
  /** The job queue's wake-ups (src/jobs/wake-ups.ts); the scheduler listens from here on. */
  wakeUps?: WakeUps;
  /** Told of each run (metrics, src/metrics): how late it started and how long its handler took. */
  observer?: JobRunObserver;
  /**
   * True while webhook intake is in a burst (src/webhooks/record-deliveries.ts). The scheduler then
   * looks at the table at most once every BUSY_TICK_MS instead of after every finished job: taking
   * deliveries in — Intercom retries a failed one only once — keeps the thread, and the event jobs
   * wait in the table, durably, to be worked off at full speed when the burst ends.
   */
  intakeBusy?: () => boolean;
}

/**
 * How often the scheduler still looks at the table during an intake burst: the work keeps moving
 * (no job waits for the burst to end: a due capture or stage sync is at most this late, plus its
 * place in the queue), while most of the thread goes to the deliveries. With one event job per
 * commit, a look every 50 ms worked ~3,600 events off during a 10-s burst at the intake's expense;
 * every 200 ms, ~1,000 (test/bench/RESULTS.md "ingest after batching").
 */
const BUSY_TICK_MS = 200;
/**
 * How many jobs a look claims during an intake burst. An event job carries every delivery a commit
 * took for its connection (tens in a burst), so one job a look still moves hundreds of events a
 * second while the deliveries keep the thread.
 */
const BUSY_CLAIMS = 1;

export interface JobRunObserver {
  /** A run starts `latenessMs` after its due time (started_at − run_at). */
  started(task: string, latenessMs: number): void;
  /** Its handler took `ms`, whatever its outcome. */
  ran(task: string, ms: number): void;
}

export interface Scheduler {
  readonly workerId: string;
  start(): void;
  /** A job became due at `runAt` (default now): wake early if that is sooner than planned. */
  notify(runAt?: number): void;
  /** Runs everything due now, and whatever that makes due now, until idle. For tests with a manual clock. */
  drain(): Promise<void>;
  /** Stops claiming, waits for running jobs up to `timeoutMs`, then hands the rest back to the queue. */
  stop(timeoutMs: number): Promise<{ unfinished: number }>;
  /** When the loop last completed a look at the table (epoch ms), or null before the first one. */
  lastHeartbeat(): number | null;
  /** Why the loop cannot complete a look at the table, while it cannot: the error, since when, how often. */
  tickFailure(): TickFailure | null;
  handlerDurations(): Record<string, TaskDurations>;
  runningCount(): number;
}

interface TickFailure {
  message: string;
  since: number;
  count: number;
}

interface Running {
  job: JobRow;
  controller: AbortController;
  done: Promise<void>;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const clock = options.clock ?? Date.now;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const log = options.log.child({ component: 'scheduler' });
  const stats = createHandlerStats();
  const env: RunEnvironment = {
    db: options.db,
    tasks: options.tasks,
    log,
    workerId,
    clock,
    random: options.random ?? Math.random,
    backoff: options.backoff,
    recordDuration: options.observer
      ? (task, ms) => {
          stats.record(task, ms);
          options.observer?.ran(task, ms);
        }
      : stats.record,
    complete(job) {
      const jobId = job.id;
      // While stopping there is no next claim to ride on: write at once.
      if (stopping) return completeJobs(options.db, [leaseOf(job)], clock()).then((held) => held.has(jobId));
      return new Promise<boolean>((resolve) => {
        completions.push({ job, resolve });
        if (started) scheduleTick();
        else wakeDrain();
      });
    },
  };
  // Successful runs waiting to be recorded: written together with the next claim, so a burst of
  // quick jobs costs one commit per batch instead of one each. Until then the slot stays taken.
  // Each entry is the run's own row (its lease token), never looked up by id: after a reclaim the same
  // id may be running again under a newer lease that a stale run must not complete.
  let completions: Array<{ job: JobRow; resolve: (held: boolean) => void }> = [];
  let wakeDrain: () => void = () => undefined;
  const running = new Map<number, Running>();
  const perGroup = new Map<string, number>();
  let lastGroup: string | undefined;
  let started = false;
  let stopping = false;
  let ticking = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let plannedWake = Infinity;
  let heartbeat: number | null = null;

  const groupOf = (job: JobRow) => job.connection_id ?? NO_CONNECTION;
  /** The lease of a run this scheduler holds: its claim's token (claim.ts), never just the worker id. */
  const leaseOf = (job: JobRow) => ({ id: job.id, token: job.locked_by ?? '' });

  function launch(job: JobRow): void {
    options.observer?.started(job.task, Math.max(0, clock() - job.run_at));
    const group = groupOf(job);
    perGroup.set(group, (perGroup.get(group) ?? 0) + 1);
    const controller = new AbortController();
    // Renew the lease while a long handler runs; losing it means another run may start: stop.
    // Every third of the lease, so two renewals may fail or lag before it runs out (a floor of one
    // second left a lease of a second or less never renewed in time).
    const renew = setInterval(() => {
      extendLease(options.db, leaseOf(job), clock() + options.leaseMs).then(
        (held) => held || controller.abort(new Error('lease lost')),
        (error: unknown) => log.warn({ err: error, jobId: job.id }, 'could not renew a lease'),
      );
    }, Math.max(RENEW_FLOOR_MS, Math.floor(options.leaseMs / 3)));
    renew.unref();
    const done = runJob(env, job, controller.signal)
      .then(
        () => undefined,
        (error: unknown) => log.error({ err: error, jobId: job.id }, 'recording a job result failed; its lease will expire and it will run again'),
      )
      .finally(() => {
        clearInterval(renew);
        // Only this run's own entry: a reclaimed job may be running again under the same id.
        if (running.get(job.id)?.job === job) running.delete(job.id);
        perGroup.set(group, (perGroup.get(group) ?? 1) - 1);
        if (started && !stopping) scheduleTick();
      });
    running.set(job.id, { job, controller, done });
  }

  /** When the last claim looked at the table. */
  let lastClaimAt = 0;
  /** The earliest lease that may run out; until then there is nothing to reclaim. 0 = look now. */
  let nextLeaseExpiry = 0;

  async function claimAndLaunch(): Promise<number> {
    const now = clock();
    lastClaimAt = now;
    if (now >= nextLeaseExpiry) await reclaimExpiredLeases(options.db, now);
    const finished = completions;
    completions = [];
    const finishedGroups = new Map<string, number>();
    for (const { job } of finished) {
      if (running.get(job.id)?.job === job) finishedGroups.set(groupOf(job), (finishedGroups.get(groupOf(job)) ?? 0) + 1);
    }
    let held = new Set<number>();
    const claimed = await withTransaction(options.db, async (trx) => {
      held = await completeJobs(trx, finished.map((entry) => leaseOf(entry.job)), now);
      return claimJobs(trx, {
        workerId,
        now,
        leaseMs: options.leaseMs,
        // The runs completed here free their slots for this very claim.
        limit: Math.min(options.concurrency - running.size + finished.length, options.intakeBusy?.() ? BUSY_CLAIMS : Infinity),
        perConnectionLimit: options.perConnectionConcurrency,
        running: new Map([...perGroup].map(([group, count]) => [group, count - (finishedGroups.get(group) ?? 0)])),
        after: lastGroup,
      });
    }).catch((error: unknown) => {
      // Nothing was written: the completions wait for the next claim.
      completions.unshift(...finished);
      throw error;
    });
    for (const entry of finished) entry.resolve(held.has(entry.job.id));
    lastGroup = claimed.lastGroup;
    for (const job of claimed.jobs) launch(job);
    // Only a look that completed counts as a heartbeat: /readyz must not say ok while every tick fails.
    heartbeat = now;
    recovered();
    return claimed.jobs.length;
  }

  async function planWake(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopping) return;
    const wake = await nextWakeAt(options.db);
    nextLeaseExpiry = wake.leaseExpiry ?? Infinity;
    const next = wake.at;
    const now = clock();
    let delay: number;
    if (next === null) delay = options.maxSleepMs;
    // Due since the claim looked (time passes while a tick runs): look again at once.
    else if (next > lastClaimAt && next <= now) delay = 0;
    // Due already when the claim looked, yet left: every slot it could use is busy, and a
    // finishing job will tick.
    else if (next <= now) delay = options.maxSleepMs;
    else delay = Math.min(next - now, options.maxSleepMs);
    if (stopping) return; // stop() may have come while the table was read
    if (timer) clearTimeout(timer);
    // During an intake burst a look "at once" waits its turn like any other (scheduleTick).
    if (delay === 0) delay = burstWait();
    plannedWake = now + delay;
    // Not unref'd: a started scheduler keeps the process alive until stop() clears it.
    timer = setTimeout(() => void tick(), delay);
  }

  let tickScheduled = false;
  /** When the last tick began, in the process's own time (not `clock`, which tests may stop). */
  let lastTickAt = 0;
  /** How long the next look must wait: during an intake burst, until BUSY_TICK_MS after the last. */
  const burstWait = () => (options.intakeBusy?.() ? Math.max(0, lastTickAt + BUSY_TICK_MS - performance.now()) : 0);
  /** Coalesces wake-ups: jobs finishing together, or a burst of enqueues, make one claim, not one each. */
  function scheduleTick(): void {
    if (tickScheduled) return;
    tickScheduled = true;
    const run = () => {
      tickScheduled = false;
      void tick();
    };
    const wait = burstWait();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  async function tick(): Promise<void> {
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    lastTickAt = performance.now();
    try {
      do {
        again = false;
        if (stopping) return;
        await claimAndLaunch();
        await planWake();
      } while (again);
    } catch (error) {
      failed(error);
      if (!stopping) {
        timer = setTimeout(() => void tick(), Math.min(1000, options.maxSleepMs));
      }
    } finally {
      ticking = false;
    }
  }

  // A tick that cannot complete is an outage (invariant 7): it is said once per distinct error, with
  // a count when it ends or changes, not once per tick, and /readyz reports it meanwhile.
  let failure: TickFailure | null = null;
  function failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (failure && failure.message === message) {
      failure.count += 1;
      return;
    }
    if (failure) log.error({ error: failure.message, times: failure.count }, 'the scheduler error above stopped repeating');
    failure = { message, since: clock(), count: 1 };
    log.error({ err: error }, 'the scheduler cannot complete a look at the job table; no job runs until this is fixed (retrying every second)');
  }
  function recovered(): void {
    if (!failure) return;
    log.warn({ error: failure.message, times: failure.count, sinceMs: clock() - failure.since }, 'the scheduler is running jobs again');
    failure = null;
  }

  const scheduler: Scheduler = {
    workerId,
    start() {
      if (started) return;
      started = true;
      void tick();
    },
    notify(runAt = clock()) {
      if (!started || stopping) return;
      if (runAt <= clock() || runAt < plannedWake) scheduleTick();
    },
    async drain() {
      for (;;) {
        const launched = await claimAndLaunch();
        if (launched === 0 && running.size === 0 && completions.length === 0) return;
        if (completions.length > 0) continue;
        const completed = new Promise<void>((resolve) => {
          wakeDrain = resolve;
        });
        await Promise.race([completed, ...[...running.values()].map((entry) => entry.done)]);
      }
    },
    async stop(timeoutMs) {
      stopping = true;
      if (timer) clearTimeout(timer);
      const pending = completions;
      completions = [];
      const held = await completeJobs(options.db, pending.map((entry) => leaseOf(entry.job)), clock());
      for (const entry of pending) entry.resolve(held.has(entry.job.id));
      const all = Promise.allSettled([...running.values()].map((entry) => entry.done));
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((resolve) => {
          timeout = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timeout);
      if (!timedOut) return { unfinished: 0 };
      const left = [...running.values()];
      for (const entry of left) entry.controller.abort(new Error('shutting down'));
      // Hand them back now rather than after their lease: the next start picks them up at once.
      for (const entry of left) {
        await rescheduleJob(options.db, leaseOf(entry.job), { runAt: clock(), reason: 'interrupted by shutdown', refundAttempt: true, now: clock() });
      }
      log.warn({ unfinished: left.length }, 'shutdown timed out; unfinished jobs were returned to the queue');
      return { unfinished: left.length };
    },
    lastHeartbeat: () => heartbeat,
    tickFailure: () => (failure ? { ...failure } : null),
    handlerDurations: stats.snapshot,
    runningCount: () => running.size,
  };
  options.wakeUps?.listen((runAt) => scheduler.notify(runAt));
  return scheduler;
}
