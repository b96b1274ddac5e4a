// The backfill's job: ONE page per run. It reads the row (a backfill that is not running stops here,
// with no next job), runs its kind's page from the stored cursor, then in ONE transaction adds the
// page's counts, moves the cursor, and queues the next page (or marks the backfill done). A restart
// or a SIGKILL therefore redoes at most the page that was in flight, and the kinds' pages are
// idempotent (backfill-kind.ts), so a redone page writes nothing twice.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordActivity } from '../activity/activity-log.ts';
import { getConnection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { inBackground } from '../integrations/rate-budget.ts';
import { withTransaction } from '../db/transaction.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { hasUnfinishedJob } from '../jobs/queue.ts';
import { NeedsReauthError, PermanentJobError, RetryAfterError, outcome, type JobOutcome } from '../jobs/outcomes.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../jobs/task.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import { doneOf, type BackfillPages, type BackfillRow } from './backfill-kind.ts';
import { changeState, commitPage, getBackfill, runningBackfills } from './backfill-store.ts';

export const BACKFILL_PAGE_TASK = 'backfill.page';
export const backfillKey = (backfillId: string) => `backfill:${backfillId}`;

/**
 * Live work keeps priority: claim.ts takes a connection's due jobs by priority, highest first, and
 * live jobs are 0 or above (ticket stage syncs above it), so a page waits while live work is due.
 */
export const BACKFILL_PRIORITY = -10;

/**
 * One page per connection at a time: a connection may run several backfills (each kind and
 * direction), and their pages together must not take every one of its job slots, or live work would
 * wait for pages to finish (priority only orders what is claimed next). A second page waits this long.
 */
const OTHER_PAGE_WAIT_MS = 2_000;

/** A paused connection captures and syncs nothing; its backfill looks again after this long. */
const CONNECTION_PAUSED_WAIT_MS = 5 * 60_000;

export interface BackfillDeps {
  db: Kysely<Database>;
  jobs: JobQueue;
  now: () => number;
  pages: BackfillPages;
}

const PagePayload = z.strictObject({ backfillId: z.string().min(1) });

/** Queues the backfill's next page (inside the caller's transaction when given one). */
export async function enqueuePage(jobs: JobQueue, backfill: Pick<BackfillRow, 'id' | 'connectionId'>, trx?: Kysely<Database>): Promise<void> {
  await jobs.enqueue(
    { task: BACKFILL_PAGE_TASK, payload: { backfillId: backfill.id }, connectionId: backfill.connectionId, key: backfillKey(backfill.id), priority: BACKFILL_PRIORITY },
    trx,
  );
}

/**
 * A running backfill always has its page job waiting or running: one whose job is gone — cancelled
 * by hand on the Work tab, failed outside the handler (a task unknown to a downgraded build), or
 * lost in a way nobody foresaw — gets it back, from its stored cursor. Run at start and every few
 * minutes, so a backfill never says "running" while nothing moves (DESIGN.md §2, invariant 7).
 */
export async function keepBackfillsMoving(deps: Pick<BackfillDeps, 'db' | 'jobs'>): Promise<number> {
  let queued = 0;
  for (const backfill of await runningBackfills(deps.db)) {
    if (await hasUnfinishedJob(deps.db, backfillKey(backfill.id))) continue;
    await enqueuePage(deps.jobs, backfill);
    queued += 1;
  }
  return queued;
}

/** A failure after which no retry of the page follows. */
function isFinal(error: unknown, ctx: TaskContext): boolean {
  if (error instanceof PermanentJobError) return true;
  if (error instanceof NeedsReauthError || error instanceof RetryAfterError) return false;
  return ctx.job.attempt >= ctx.job.maxAttempts;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/** The backfill stops as failed, said in the activity log (DESIGN.md §2, invariant 7). Resuming starts again from its cursor. */
async function markFailed(deps: BackfillDeps, backfill: BackfillRow, message: string): Promise<void> {
  const now = deps.now();
  await withTransaction(deps.db, async (trx) => {
    const failed = await changeState(trx, backfill, { from: ['running'], to: 'failed', now, lastError: message });
    if (!failed) return;
    await recordActivity(trx, {
      connectionId: backfill.connectionId, at: now, kind: 'backfill', subjectId: backfill.id, outcome: 'failed', reason: message,
      detail: { kind: backfill.kind, ...(backfill.direction ? { direction: backfill.direction } : {}), pages: failed.pages, done: doneOf(failed.counts) },
    });
  });
}

async function runPage(deps: BackfillDeps, paging: Set<string>, backfillId: string, ctx: TaskContext): Promise<JobOutcome | undefined> {
  const connectionId = ctx.job.connectionId;
  if (connectionId === null) return outcome.fail('a backfill page without a connection');
  if (paging.has(connectionId)) return outcome.retryAfter(OTHER_PAGE_WAIT_MS, 'another backfill of this connection is on a page; one page runs at a time');
  paging.add(connectionId);
  try {
    return await runOwnPage(deps, connectionId, backfillId, ctx);
  } finally {
    paging.delete(connectionId);
  }
}

async function runOwnPage(deps: BackfillDeps, connectionId: string, backfillId: string, ctx: TaskContext): Promise<JobOutcome | undefined> {
  const backfill = await getBackfill(deps.db, connectionId, backfillId);
  // Paused, cancelled, or gone with its connection: nothing to do, and no next page.
  if (!backfill || backfill.state !== 'running') return undefined;
  const row = await getConnection(deps.db, connectionId);
  if (!row) return undefined;
  if (row.status === 'needs_reauth') return outcome.park(`the connection '${row.name}' needs re-authorising`);
  if (row.status !== 'active') return outcome.retryAfter(CONNECTION_PAUSED_WAIT_MS, `the connection '${row.name}' is ${row.status}; the backfill waits`);

  let page;
  try {
    // The background lane of the rate budgets: live syncs and captures waiting for a slot go first.
    page = await inBackground(() => deps.pages[backfill.kind]({ row, backfill, cursor: backfill.cursor, signal: ctx.signal }));
    // A source that answers with the cursor it was given would page forever (search is stateless, D-pag).
    if (page.cursor !== null && page.cursor === backfill.cursor) throw new PermanentJobError(`the ${backfill.kind} source answered page ${backfill.pages + 1} with the cursor it was given; stopped rather than going round in circles`);
  } catch (thrown) {
    const error = toJobOutcomeError(thrown);
    if (isFinal(error, ctx)) await markFailed(deps, backfill, error instanceof PermanentJobError ? messageOf(error) : `gave up after ${ctx.job.attempt} attempts: ${messageOf(error)}`);
    throw error;
  }
  const now = deps.now();
  await withTransaction(deps.db, async (trx) => {
    const committed = await commitPage(trx, backfill, { fromPages: backfill.pages, cursor: page.cursor, counts: page.counts, total: page.total, now });
    if (committed?.state === 'running') await enqueuePage(deps.jobs, committed, trx);
  });
  return undefined;
}

export function backfillTasks(deps: BackfillDeps): TaskDefinition[] {
  /** Connections with a page running in this process. */
  const paging = new Set<string>();
  return [
    defineTask({
      name: BACKFILL_PAGE_TASK,
      payload: PagePayload,
      run: (payload, ctx) => runPage(deps, paging, payload.backfillId, ctx),
    }),
  ];
}
