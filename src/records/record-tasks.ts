// Live record sync (#17 item 6): each contact or company change either side announces becomes one
// keyed job per record, due a few seconds later, so a burst of changes is one sync that reads the
// record fresh. Deletions end the pair (never propagated, item 8); HubSpot merges move the pairs of
// the merged-away records to the survivor before it syncs.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordActivity } from '../activity/activity-log.ts';
import { getConnection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { defineTask, type TaskDefinition } from '../jobs/task.ts';
import { outcomeOfThrown } from '../jobs/outcomes.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import type { Vendor } from '../vendor.ts';
import type { EventReaction, ReactionEvent } from '../webhooks/event-tasks.ts';
import type { RecordObject } from './field-mapping.ts';
import { isEcho } from './echo-hints.ts';
import { attachInIntercom } from './memberships.ts';
import { followHubSpotMerge, followIntercomMerge, pairTypeOf, unpair } from './pair-store.ts';
import { HUBSPOT_RECORD_PREFIX, hubspotRecordSubscriptions, INTERCOM_RECORD_TOPICS } from './record-webhooks.ts';
import { RecordSyncRefusedError, syncRecord, type RecordSyncDeps } from './sync-record.ts';

const RECORD_SYNC_TASK = 'records.sync';

/**
 * Changes within this window become one sync (item 6: a burst — an import, a form setting several
 * attributes — is one read and one write). Short, because a change should reach the other side
 * within two seconds while the budget has room (the recordsync benchmark's
 * change_to_other_side_p99_ms); the sync reads both records fresh, so later changes are never lost.
 */
const RECORD_SYNC_DEBOUNCE_MS = 1_000;

const INTERCOM_TOPIC_OBJECT = new Map(Object.entries(INTERCOM_RECORD_TOPICS).flatMap(([object, topics]) => topics.map((topic) => [topic, object as RecordObject] as const)));
const HUBSPOT_PREFIX_OBJECT = new Map<string, RecordObject>(Object.entries(HUBSPOT_RECORD_PREFIX).map(([object, prefix]) => [prefix, object as RecordObject]));
const HUBSPOT_TOPICS = (['contacts', 'companies'] as const).flatMap((object) => hubspotRecordSubscriptions(object).map((subscription) => subscription.topic));

const SyncPayload = z.strictObject({
  object: z.enum(['contacts', 'companies']),
  side: z.enum(['intercom', 'hubspot']),
  id: z.string().min(1),
  /** The side whose event asked for the sync; absent for a sweep. */
  trigger: z.enum(['intercom', 'hubspot']).optional(),
  /** A HubSpot merge: move the merged-away records' pairs to this one first. */
  merged: z.boolean().optional(),
  /** A HubSpot contact's companies changed: the paired ones join the Intercom contact. */
  memberships: z.boolean().optional(),
});
type SyncPayload = z.infer<typeof SyncPayload>;

export const recordSyncKey = (connectionId: string, payload: Pick<SyncPayload, 'object' | 'side' | 'id'>) => `records:${connectionId}:${payload.object}:${payload.side}:${payload.id}`;

/** Queues one record's sync, a few seconds out; a sync already waiting for it stays as it is (it reads the record fresh). */
export function enqueueRecordSync(jobs: JobQueue, connectionId: string, payload: SyncPayload, now: number, trx?: Kysely<Database>) {
  return jobs.enqueue(
    // A merge or a membership change is its own job: a pending change of the record must not swallow it.
    { task: RECORD_SYNC_TASK, payload, connectionId, key: `${recordSyncKey(connectionId, payload)}${payload.merged ? ':merge' : payload.memberships ? ':memberships' : ''}`, keyMode: 'keep', runAt: now + RECORD_SYNC_DEBOUNCE_MS },
    trx,
  );
}

/** Text in quotes is masked: a vendor's validation message can quote the value it refused (#17 item 10). */
const maskQuoted = (message: string) => message.replace(/"(?:[^"\\]|\\.)*"|'[^'\s]*'/g, '"…"').slice(0, 1000);

export function recordTasks(deps: RecordSyncDeps): TaskDefinition[] {
  return [
    defineTask({
      name: RECORD_SYNC_TASK,
      payload: SyncPayload,
      async run(payload, ctx) {
        const connectionId = ctx.job.connectionId;
        if (connectionId === null) return { type: 'fail', reason: 'a record sync job without a connection' };
        try {
          if (payload.merged) await followMerge(deps, connectionId, payload);
          if (payload.memberships) return await syncMemberships(deps, connectionId, payload.id);
          await syncRecord(deps, connectionId, { object: payload.object, side: payload.side, id: payload.id, dryRun: false, ...(payload.trigger ? { trigger: payload.trigger } : {}) });
          return undefined;
        } catch (error) {
          if (error instanceof RecordSyncRefusedError) return { type: 'done' };
          const result = outcomeOfThrown(toJobOutcomeError(error));
          // A wait (rate budget, search index) or an attempt that will be retried is not a failure yet:
          // the entry is written when the sync gives up or cannot go on (the Work tab shows it meanwhile).
          const last = result.type === 'fail' || result.type === 'park' || (result.type === 'retry' && ctx.job.attempt >= ctx.job.maxAttempts);
          if (!last) throw toJobOutcomeError(error);
          const message = error instanceof UpstreamError ? `${error.details.service} ${error.details.status ?? ''} ${error.details.kind}: ${maskQuoted(error.message)}` : maskQuoted(error instanceof Error ? error.message : String(error));
          await recordActivity(deps.db, {
            connectionId, at: deps.now(), kind: payload.object === 'contacts' ? 'contact' : 'company', subjectId: payload.side === 'intercom' ? payload.id : null,
            outcome: 'failed', reason: message, detail: { side: payload.side, id: payload.id, attempt: ctx.job.attempt },
          });
          throw toJobOutcomeError(error);
        }
      },
    }),
  ];
}

async function syncMemberships(deps: RecordSyncDeps, connectionId: string, hubspotContactId: string): Promise<undefined> {
  const row = await getConnection(deps.db, connectionId);
  if (!row || row.status !== 'active') return undefined;
  const attached = await attachInIntercom(deps, row, hubspotContactId);
  if (attached.length > 0) {
    await recordActivity(deps.db, {
      connectionId, at: deps.now(), kind: 'contact', subjectId: null, outcome: 'updated',
      reason: `joined ${attached.length} paired compan${attached.length === 1 ? 'y' : 'ies'} in Intercom, as in HubSpot`,
      detail: { hubspotId: hubspotContactId, intercomCompanyIds: attached, trigger: 'hubspot' },
    });
  }
  return undefined;
}

/** The survivor's hs_merged_object_ids name the records merged into it (hubspot-api.md §16: merge events). */
async function followMerge(deps: RecordSyncDeps, connectionId: string, payload: SyncPayload): Promise<void> {
  const row = await getConnection(deps.db, connectionId);
  if (!row) return;
  const record = await deps.clients.hubspot(row)[payload.object].get(payload.id, { properties: ['hs_merged_object_ids'] });
  const merged = (record.properties['hs_merged_object_ids'] ?? '').split(';').map((id) => id.trim()).filter((id) => id !== '');
  await followHubSpotMerge(deps.db, connectionId, pairTypeOf(payload.object), merged, record.id, deps.now());
}

export function recordReactions(deps: { db: Kysely<Database>; jobs: JobQueue; now: () => number }): EventReaction[] {
  const enabled = async (event: ReactionEvent, object: RecordObject) => {
    const row = await event.connection();
    return row !== undefined && row.status === 'active' && row.settings.recordSync[object].enabled;
  };
  const ended = (connectionId: string, object: RecordObject, side: Vendor, id: string) =>
    recordActivity(deps.db, {
      connectionId, at: deps.now(), kind: object === 'contacts' ? 'contact' : 'company', subjectId: side === 'intercom' ? id : null, outcome: 'skipped',
      reason: `deleted in ${side === 'intercom' ? 'Intercom' : 'HubSpot'}: the pair ended; nothing is deleted on the other side`, detail: { side, id },
    });
  return [
    {
      name: 'record-sync-intercom',
      provider: 'intercom',
      topics: [...INTERCOM_TOPIC_OBJECT.keys()],
      async react(event) {
        const object = INTERCOM_TOPIC_OBJECT.get(event.topic);
        if (!object || !event.objectId || !(await enabled(event, object))) return;
        // A lead merged into a user: the user takes the lead's pair (unless it has its own) before it syncs.
        if (event.topic === 'contact.merged' && event.hint?.mergedFrom) await followIntercomMerge(deps.db, event.connectionId, event.hint.mergedFrom, event.objectId, deps.now());
        else if (await isEcho(deps.db, { connectionId: event.connectionId, type: pairTypeOf(object), side: 'intercom', objectId: event.objectId, hint: event.hint })) return;
        if (event.topic === 'contact.deleted' || event.topic === 'company.deleted') {
          const pairs = await unpair(deps.db, event.connectionId, pairTypeOf(object), { intercomId: event.objectId });
          if (pairs.length > 0) await ended(event.connectionId, object, 'intercom', event.objectId);
          return;
        }
        await enqueueRecordSync(deps.jobs, event.connectionId, { object, side: 'intercom', id: event.objectId, trigger: 'intercom' }, deps.now());
      },
    },
    {
      name: 'record-sync-hubspot',
      provider: 'hubspot',
      topics: [...new Set(HUBSPOT_TOPICS)],
      async react(event) {
        const [prefix, action] = event.topic.split('.', 2);
        const object = prefix === undefined ? undefined : HUBSPOT_PREFIX_OBJECT.get(prefix);
        if (!object || !event.objectId || !(await enabled(event, object))) return;
        if (action === 'propertyChange' && (await isEcho(deps.db, { connectionId: event.connectionId, type: pairTypeOf(object), side: 'hubspot', objectId: event.objectId, hint: event.hint }))) return;
        if (action === 'deletion') {
          const pairs = await unpair(deps.db, event.connectionId, pairTypeOf(object), { hubspotId: event.objectId });
          if (pairs.length > 0) await ended(event.connectionId, object, 'hubspot', event.objectId);
          return;
        }
        if (action === 'associationChange') {
          await enqueueRecordSync(deps.jobs, event.connectionId, { object, side: 'hubspot', id: event.objectId, memberships: true }, deps.now());
          return;
        }
        await enqueueRecordSync(deps.jobs, event.connectionId, { object, side: 'hubspot', id: event.objectId, trigger: 'hubspot', ...(action === 'merge' ? { merged: true } : {}) }, deps.now());
      },
    },
  ];
}
