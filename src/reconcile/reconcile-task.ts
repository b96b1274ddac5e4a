// The reconciliation sweep (DESIGN.md §2): Intercom retries a failed webhook only once and orders
// nothing, so each connection's conversations updated since a stored watermark (minus an overlap)
// are searched regularly, and each one found goes through the same path as a webhook delivery —
// recorded once per conversation version, then its event job. Reactions see the synthetic topic
// SWEPT_TOPIC and look at the conversation fresh, so a close whose webhook was lost is caught.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectionClients } from '../connections/clients.ts';
import type { Config } from '../config/schema.ts';
import { getConnection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { defineTask, type TaskDefinition } from '../jobs/task.ts';
import type { DeliveryRecord, DeliveryRecorder } from '../webhooks/record-deliveries.ts';

export const RECONCILE_TASK = 'intercom.reconcile';
export const SWEPT_TOPIC = 'interhubz.conversation.swept';
export const reconcileKey = (connectionId: string) => `reconcile:${connectionId}`;

export interface ReconcileDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  recorder: DeliveryRecorder;
  jobs: JobQueue;
  settings: Config['reconcile'];
  clock: () => number;
  /** Run after each pass's search (capture re-checks the closes no capture followed); returns how many it queued. */
  afterSweep?: (connectionId: string) => Promise<number>;
}

/** Records go in batches: a first sweep of a busy workspace can find thousands of conversations. */
const BATCH = 200;

export function reconcileTasks(deps: ReconcileDeps): TaskDefinition[] {
  return [
    defineTask({
      name: RECONCILE_TASK,
      payload: z.object({}),
      async run(_payload, ctx) {
        const connectionId = ctx.job.connectionId;
        if (connectionId === null) return { type: 'fail', reason: 'a reconciliation job without a connection' };
        const row = await getConnection(deps.db, connectionId);
        // Deleted, paused or not connected: nothing to sweep, and no next sweep (the chore starts one again).
        if (!row || row.status !== 'active' || row.intercomWorkspaceId === null) return undefined;

        const now = deps.clock();
        const state = await deps.db.selectFrom('reconcile_state').selectAll().where('connection_id', '=', connectionId).executeTakeFirst();
        const overlap = deps.settings.overlapMinutes * 60;
        // A first sweep starts one interval back: history before the connection is not its business.
        const start = state?.watermark ?? Math.floor(now / 1000) - deps.settings.intervalMinutes * 60;
        let watermark = start;
        let found = 0;
        let batch: DeliveryRecord[] = [];
        const flush = async () => {
          if (batch.length > 0) await deps.recorder.record(batch);
          batch = [];
        };
        try {
          const client = deps.clients.intercom(row);
          const query = { field: 'updated_at', operator: '>' as const, value: start - overlap };
          for await (const conversation of client.searchConversations(query, { sort: { field: 'updated_at', order: 'ascending' } })) {
            ctx.signal.throwIfAborted();
            found += 1;
            watermark = Math.max(watermark, conversation.updated_at);
            batch.push({
              provider: 'intercom',
              // One record per conversation version: a later change is found again, a re-sweep is not.
              // updated_at is in whole seconds, so a close (or a reply) in the same second as the
              // version an earlier sweep saw would look like that version again: the state and the
              // count of parts tell them apart (a chaos run lost such a close, its webhook lost too).
              deliveryId: `sweep:${conversation.id}:${conversation.updated_at}:${conversation.state ?? ''}:${conversation.statistics?.count_conversation_parts ?? ''}`,
              connectionId,
              accountId: row.intercomWorkspaceId,
              topic: SWEPT_TOPIC,
              objectId: String(conversation.id),
              occurredAt: conversation.updated_at * 1000,
            });
            if (batch.length >= BATCH) await flush();
          }
          await flush();
        } catch (error) {
          throw toJobOutcomeError(error);
        }
        const rechecked = deps.afterSweep ? await deps.afterSweep(connectionId) : 0;
        await deps.db
          .insertInto('reconcile_state')
          .values({ connection_id: connectionId, watermark, last_run_at: now, last_found: found })
          .onConflict((oc) => oc.column('connection_id').doUpdateSet({ watermark, last_run_at: now, last_found: found }))
          .execute();
        ctx.log.info({ found, watermark, rechecked }, 'reconciliation sweep done');
        // The next sweep; `keep` so that the chore's own enqueue does not move it.
        await deps.jobs.enqueue({ task: RECONCILE_TASK, payload: {}, connectionId, key: reconcileKey(connectionId), keyMode: 'keep', runAt: now + deps.settings.intervalMinutes * 60_000 });
        return undefined;
      },
    }),
  ];
}

/** The chore: every connected, active connection has a sweep pending (a no-op for those that do). */
export async function ensureSweepsScheduled(deps: Pick<ReconcileDeps, 'db' | 'jobs'>): Promise<number> {
  const rows = await deps.db.selectFrom('connections').select('id').where('status', '=', 'active').where('intercom_workspace_id', 'is not', null).execute();
  let added = 0;
  for (const { id } of rows) {
    const result = await deps.jobs.enqueue({ task: RECONCILE_TASK, payload: {}, connectionId: id, key: reconcileKey(id), keyMode: 'keep' });
    if (result.result === 'inserted') added += 1;
  }
  return added;
}
