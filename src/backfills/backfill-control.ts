// Starting, pausing, resuming and cancelling a backfill: each a state change of its row and of its
// one page job, in one transaction. A request that cannot be honoured is refused with the key it is
// about, before anything is written or queued.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { getConnection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { BackfillDirection, BackfillRow, BackfillState } from './backfill-kind.ts';
import { activeBackfill, changeState, getBackfill, insertBackfill } from './backfill-store.ts';
import { backfillKey, enqueuePage } from './backfill-task.ts';

export type BackfillRequest =
  | { kind: 'contacts' | 'companies'; direction: BackfillDirection }
  | { kind: 'conversations'; closedFrom: string; closedTo: string };

export class BackfillRefusedError extends Error {
  override name = 'BackfillRefusedError';
  readonly status: 404 | 409;
  readonly code: string;
  /** The setting or field the refusal is about, or the backfill in the way. */
  readonly details: { key?: string; backfillId?: string };

  constructor(status: 404 | 409, code: string, message: string, details: { key?: string; backfillId?: string } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface BackfillControlDeps {
  db: Kysely<Database>;
  jobs: JobQueue;
  now: () => number;
}

/** 'contacts backfill to HubSpot', 'conversations backfill': in refusals and the audit trail. */
export const describeBackfill = (backfill: Pick<BackfillRow, 'kind' | 'direction'>) =>
  backfill.kind === 'conversations' ? 'conversations backfill' : `${backfill.kind} backfill ${backfill.direction === 'to_intercom' ? 'to Intercom' : 'to HubSpot'}`;

function runningRefusal(running: BackfillRow): BackfillRefusedError {
  return new BackfillRefusedError(409, 'backfill_running', `A ${describeBackfill(running)} is already ${running.state} (${running.id}): cancel it or wait for it to finish.`, { backfillId: running.id });
}

/**
 * The partial unique index (migrations/0030) holding off a second active backfill. SQLite says "UNIQUE
 * constraint failed: index 'backfills_one_active'"; PostgreSQL a unique_violation (23505) naming it.
 */
const isActiveClash = (error: unknown) => {
  if (!(error instanceof Error)) return false;
  const { code, constraint } = error as Error & { code?: unknown; constraint?: unknown };
  return (error.message.includes('UNIQUE constraint failed') && error.message.includes('backfills_one_active')) || (code === '23505' && constraint === 'backfills_one_active');
};

/** Starts a backfill: its row and its first page job, in one transaction. */
export async function startBackfill(deps: BackfillControlDeps, connectionId: string, request: BackfillRequest): Promise<BackfillRow> {
  const row = await getConnection(deps.db, connectionId);
  if (!row) throw new BackfillRefusedError(404, 'not_found', `There is no connection ${connectionId}.`);
  if (row.status !== 'active') {
    throw new BackfillRefusedError(409, 'connection_not_active', `The connection '${row.name}' is ${row.status.replace('_', ' ')}: a backfill starts only on an active connection.`, { key: 'status' });
  }
  if (request.kind !== 'conversations' && !row.settings.recordSync[request.kind].enabled) {
    const key = `recordSync.${request.kind}.enabled`;
    throw new BackfillRefusedError(409, 'record_sync_disabled', `${key}: record sync of ${request.kind} is off for '${row.name}'; turn it on before backfilling them.`, { key });
  }
  const direction = request.kind === 'conversations' ? null : request.direction;
  const now = deps.now();
  try {
    return await withTransaction(deps.db, async (trx) => {
      const running = await activeBackfill(trx, connectionId, request.kind, direction);
      if (running) throw runningRefusal(running);
      const backfill = await insertBackfill(trx, {
        id: randomUUID(), connectionId, kind: request.kind, direction,
        closedFrom: request.kind === 'conversations' ? request.closedFrom : null,
        closedTo: request.kind === 'conversations' ? request.closedTo : null,
      }, now);
      await enqueuePage(deps.jobs, backfill, trx);
      return backfill;
    });
  } catch (error) {
    if (!isActiveClash(error)) throw error;
    const running = await activeBackfill(deps.db, connectionId, request.kind, direction);
    throw running ? runningRefusal(running) : error;
  }
}

async function existing(deps: BackfillControlDeps, connectionId: string, backfillId: string): Promise<BackfillRow> {
  const backfill = await getBackfill(deps.db, connectionId, backfillId);
  if (!backfill) throw new BackfillRefusedError(404, 'not_found', `Connection ${connectionId} has no backfill ${backfillId}.`);
  return backfill;
}

function notFrom(backfill: BackfillRow, action: string): BackfillRefusedError {
  return new BackfillRefusedError(409, 'backfill_finished', `The ${describeBackfill(backfill)} ${backfill.id} is ${backfill.state}: it cannot be ${action}.`, { backfillId: backfill.id });
}

/**
 * One state change. `already`: the state the action leads to, answered as it is (pausing a paused
 * backfill changes nothing). `job`: what becomes of the page job, in the same transaction.
 */
async function transition(
  deps: BackfillControlDeps,
  connectionId: string,
  backfillId: string,
  change: { from: readonly BackfillState[]; to: BackfillState; action: string; job: (trx: Kysely<Database>, backfill: BackfillRow) => Promise<unknown> },
): Promise<BackfillRow> {
  const backfill = await existing(deps, connectionId, backfillId);
  if (backfill.state === change.to) return backfill;
  if (!change.from.includes(backfill.state)) throw notFrom(backfill, change.action);
  try {
    const changed = await withTransaction(deps.db, async (trx) => {
      const after = await changeState(trx, backfill, { from: change.from, to: change.to, now: deps.now() });
      if (after) await change.job(trx, after);
      return after;
    });
    // Changed by someone else between the read and the write: answer with what it is now.
    return changed ?? (await existing(deps, connectionId, backfillId));
  } catch (error) {
    if (!isActiveClash(error)) throw error;
    const running = await activeBackfill(deps.db, connectionId, backfill.kind, backfill.direction);
    throw running ? runningRefusal(running) : error;
  }
}

/** The queued page is cancelled; a page in flight finishes, keeps its counts and queues no next one. */
export function pauseBackfill(deps: BackfillControlDeps, connectionId: string, backfillId: string): Promise<BackfillRow> {
  return transition(deps, connectionId, backfillId, { from: ['running'], to: 'paused', action: 'paused', job: (trx, b) => deps.jobs.cancelByKey(backfillKey(b.id), trx) });
}

/** Goes on from the stored cursor; a failed backfill resumes the same way (its last page is tried again). */
export function resumeBackfill(deps: BackfillControlDeps, connectionId: string, backfillId: string): Promise<BackfillRow> {
  return transition(deps, connectionId, backfillId, { from: ['paused', 'failed'], to: 'running', action: 'resumed', job: (trx, b) => enqueuePage(deps.jobs, b, trx) });
}

/** Stops for good; the counts so far are kept and the backfill stays listed. */
export function cancelBackfill(deps: BackfillControlDeps, connectionId: string, backfillId: string): Promise<BackfillRow> {
  return transition(deps, connectionId, backfillId, { from: ['running', 'paused', 'failed'], to: 'cancelled', action: 'cancelled', job: (trx, b) => deps.jobs.cancelByKey(backfillKey(b.id), trx) });
}
