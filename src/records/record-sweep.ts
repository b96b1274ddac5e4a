// The record sweeps (#17 items 6 and 11): webhooks are not enough on their own (Intercom retries a
// failed delivery once, neither vendor orders them, and a dropped echo hint is trusted), so each
// connection's contacts and companies changed since a stored watermark (minus an overlap) are read
// regularly on both sides, and whatever a webhook missed is synced.
// - Intercom's side reads whole records from the search (contacts) or scroll (companies). A record
//   whose mapped values still hash to its baselines has nothing new for HubSpot and costs nothing
//   more. The changed ones are synced in batches: HubSpot's records read 100 at a time (50 when
//   change histories are needed, hubspot-api.md §5.3), decided as a single sync decides
//   (plan-pair.ts), and written back with one batch update per 100. Unpaired records go through the
//   single-record job, which matches them by capture's rules.
// - HubSpot's side searches lastmodifieddate / hs_lastmodifieddate. The search answers the mapped
//   properties, so a record whose values still hash to its baselines (our own writes, most often)
//   costs nothing more; the others get a single-record sync job.
// Work goes through the rate budgets like any other (the clients plan every call).
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { countCalls, noCalls } from '../integrations/call-count.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { IntercomContact } from '../integrations/intercom/schemas.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { hasUnfinishedJob } from '../jobs/queue.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../jobs/task.ts';
import { toJobOutcomeError } from '../jobs/upstream-outcome.ts';
import type { Vendor } from '../vendor.ts';
import { hubspotType, intercomType, type AccountFields } from './check-mapping-types.ts';
import { rememberHubSpotWrites, rememberIntercomWrite, writtenByUs } from './echo-hints.ts';
import { hubspotPropertiesRead } from './record-webhooks.ts';
import { HUBSPOT_DERIVED, type FieldMapping, type RecordObject } from './field-mapping.ts';
import { baselinesOf, fieldKey, pairOfIntercom, pairsOfHubSpot, pairTypeOf, settle, sharedWith, type Pair, type PairType } from './pair-store.ts';
import { associateInHubSpotBatch } from './memberships.ts';
import { planPair } from './plan-pair.ts';
import type { Baseline } from './plan-record-sync.ts';
import { enqueueRecordSync, recordSyncKey } from './record-tasks.ts';
import { hubspotReadPlan, hubspotValue, intercomUpdatedAt, intercomValue, writeIntercom, type IntercomRecord } from './record-sides.ts';
import { accountFields, pairLock, recordPairActivity, type PairReport, type RecordSyncDeps } from './sync-record.ts';
import { valueHash, type HashKey } from './value-hash.ts';
import { blockedDirections, hasFilters, judgeRecord, withFilterProperties } from './record-filters.ts';

export const RECORD_SWEEP_TASK = 'records.sweep';

const SweepPayload = z.strictObject({ object: z.enum(['contacts', 'companies']), side: z.enum(['intercom', 'hubspot']) });
type SweepPayload = z.infer<typeof SweepPayload>;

const sweepKey = (connectionId: string, payload: SweepPayload) => `record-sweep:${connectionId}:${payload.object}:${payload.side}`;

/** Records handled per batch: one HubSpot batch call's worth. */
const PAGE = 100;
/** HubSpot's batch read takes 50 inputs when change histories are asked for (hubspot-api.md §5.3). */
const HISTORY_BATCH = 50;

export interface SweepDeps {
  records: RecordSyncDeps;
  jobs: JobQueue;
  settings: Config['reconcile'];
}

export function recordSweepTasks(deps: SweepDeps): TaskDefinition[] {
  return [
    defineTask({
      name: RECORD_SWEEP_TASK,
      payload: SweepPayload,
      async run(payload, ctx) {
        const connectionId = ctx.job.connectionId;
        if (connectionId === null) return { type: 'fail', reason: 'a record sweep without a connection' };
        const row = await getConnection(deps.records.db, connectionId);
        // Off, paused or gone: no next sweep (the chore starts one again when it is back on).
        if (!row || row.status !== 'active' || !row.settings.recordSync[payload.object].enabled) return undefined;
        const now = deps.records.now();
        const state = await deps.records.db
          .selectFrom('record_sweep_state').selectAll()
          .where('connection_id', '=', connectionId).where('object_type', '=', pairTypeOf(payload.object)).where('side', '=', payload.side)
          .executeTakeFirst();
        // A first sweep starts one interval back: older records are a backfill's business.
        const intervalMs = deps.settings.intervalMinutes * 60_000;
        const since = (state?.watermark ?? now - intervalMs) - deps.settings.overlapMinutes * 60_000;
        let result: { found: number; watermark: number };
        try {
          result = payload.side === 'intercom'
            ? await sweepIntercom(deps, row, payload.object, since, ctx)
            : await sweepHubSpot(deps, row, payload.object, since, ctx);
        } catch (error) {
          throw toJobOutcomeError(error);
        }
        const watermark = Math.max(result.watermark, state?.watermark ?? 0);
        await deps.records.db
          .insertInto('record_sweep_state')
          .values({ connection_id: connectionId, object_type: pairTypeOf(payload.object), side: payload.side, watermark, last_run_at: now, last_found: result.found })
          .onConflict((oc) => oc.columns(['connection_id', 'object_type', 'side']).doUpdateSet({ watermark, last_run_at: now, last_found: result.found }))
          .execute();
        ctx.log.info({ object: payload.object, side: payload.side, found: result.found }, 'record sweep done');
        await deps.jobs.enqueue({ task: RECORD_SWEEP_TASK, payload, connectionId, key: sweepKey(connectionId, payload), keyMode: 'keep', runAt: now + intervalMs });
        return undefined;
      },
    }),
  ];
}

/** The chore: every active connection with record sync on has its sweeps pending. */
export async function ensureRecordSweeps(deps: { db: Kysely<Database>; jobs: JobQueue }): Promise<void> {
  const rows = await deps.db.selectFrom('connections').select('id').where('status', '=', 'active').execute();
  for (const { id } of rows) {
    const row = await getConnection(deps.db, id);
    if (!row) continue;
    for (const object of ['contacts', 'companies'] as const) {
      if (!row.settings.recordSync[object].enabled) continue;
      for (const side of ['intercom', 'hubspot'] as const) {
        const key = sweepKey(id, { object, side });
        // `keep` keeps a waiting sweep, not a running one: a sweep running now queues its own next one.
        if (await hasUnfinishedJob(deps.db, key)) continue;
        await deps.jobs.enqueue({ task: RECORD_SWEEP_TASK, payload: { object, side }, connectionId: id, key, keyMode: 'keep' });
      }
    }
  }
}

const hashKeyOf = (deps: RecordSyncDeps, row: Connection): HashKey => ({ installKey: deps.hashKey, connectionId: row.id });

/** Whether one side's mapped values all still hash to their baselines (nothing new from that side). */
export function sideUnchanged(side: Vendor, object: RecordObject, mappings: readonly FieldMapping[], fields: AccountFields, key: HashKey, baselines: ReadonlyMap<string, Baseline>, value: (mapping: FieldMapping) => unknown): boolean {
  return mappings.every((mapping) => {
    // Derived values (owner, deals) are not in a search answer: only a full sync can tell.
    if (side === 'hubspot' && Object.hasOwn(HUBSPOT_DERIVED, mapping.hubspot)) return false;
    const type = side === 'intercom' ? intercomType(object, mapping, fields) : hubspotType(mapping, fields);
    const baseline = baselines.get(fieldKey(mapping))?.[side];
    if (!type || baseline === undefined) return false;
    const caseless = mapping.intercom === 'email' || mapping.hubspot === 'email' || mapping.hubspot === 'domain';
    return valueHash(key, value(mapping) as Parameters<typeof valueHash>[1], type, { caseInsensitive: caseless }) === baseline;
  });
}

async function sweepIntercom(deps: SweepDeps, row: Connection, object: RecordObject, sinceMs: number, ctx: TaskContext): Promise<{ found: number; watermark: number }> {
  // Intercom keeps one company scroll per app open at a time (intercom-api.md §4.3, 400 scroll_exists):
  // while a companies backfill scrolls, this pass is left out (the backfill reads every company, and
  // the watermark stays where it was, so the next pass looks back as far).
  if (object === 'companies' && (await companiesBackfillRunning(deps.records.db, row.id))) return { found: 0, watermark: Math.max(0, sinceMs) };
  const intercom = deps.records.clients.intercom(row);
  let found = 0;
  let watermark = 0;
  let page: IntercomRecord[] = [];
  const flush = async () => {
    if (page.length > 0) await syncIntercomPage(deps, row, object, page);
    page = [];
  };
  const since = Math.floor(sinceMs / 1000);
  // Intercom 2.14 compares contact dates by calendar day in the workspace's timezone ('>' starts at
  // the next day; intercom-api.md §4.2), but sorts by the full time: the query reaches two days back
  // whatever the timezone, newest first, and the reading stops at the first record not newer than
  // `since`.
  const records: AsyncIterable<IntercomRecord> = object === 'contacts'
    ? intercom.searchContacts({ field: 'updated_at', operator: '>', value: since - 2 * 86_400 }, { perPage: 150, sort: { field: 'updated_at', order: 'descending' } })
    // Companies have no search by update time: the scroll reads them all, and the old ones are passed over.
    : intercom.scrollCompanies();
  for await (const record of records) {
    ctx.signal.throwIfAborted();
    if ((record.updated_at ?? 0) <= since) {
      if (object === 'contacts') break;
      continue;
    }
    found += 1;
    watermark = Math.max(watermark, intercomUpdatedAt(record));
    page.push(record);
    if (page.length >= PAGE) await flush();
  }
  await flush();
  return { found, watermark };
}

async function companiesBackfillRunning(db: Kysely<Database>, connectionId: string): Promise<boolean> {
  const row = await db.selectFrom('backfills').select('id')
    .where('connection_id', '=', connectionId).where('kind', '=', 'companies').where('direction', '=', 'to_hubspot').where('state', '=', 'running')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * One page of changed Intercom records: unpaired ones to the single-record job (it matches), the
 * paired ones whose values changed decided together with one HubSpot batch read and one batch update.
 */
async function syncIntercomPage(deps: SweepDeps, row: Connection, object: RecordObject, records: readonly IntercomRecord[]): Promise<void> {
  const sync = deps.records;
  const type = pairTypeOf(object);
  const mappings = row.settings.recordSync[object].mappings;
  const fields = await accountFields(sync, row, object, mappings, false);
  const key = hashKeyOf(sync, row);
  const work: Array<{ record: IntercomRecord; pair: Pair; baselines: Map<string, Baseline> }> = [];
  const members: Array<{ contact: IntercomContact; hubspotId: string }> = [];
  for (const record of records) {
    // A live sync of this record is waiting or running: it reads the record fresh, so the sweep leaves it.
    if (await hasUnfinishedJob(sync.db, recordSyncKey(row.id, { object, side: 'intercom', id: record.id }))) continue;
    const pair = await pairOfIntercom(sync.db, row.id, type, record.id);
    if (!pair) {
      await enqueueRecordSync(deps.jobs, row.id, { object, side: 'intercom', id: record.id }, sync.now());
      continue;
    }
    if (object === 'contacts' && judgeRecord({ object, direction: 'to_hubspot', filters: row.settings.recordSync.contacts.filters.toHubSpot, record, fields }).pass) {
      members.push({ contact: record as IntercomContact, hubspotId: pair.hubspotId });
    }
    const baselines = await baselinesOf(sync.db, pair);
    const fromIntercom = mappings.filter((mapping) => mapping.direction !== 'to_intercom');
    if (sideUnchanged('intercom', object, fromIntercom, fields, key, baselines, (mapping) => intercomValue(record, mapping.intercom))) continue;
    work.push({ record, pair, baselines });
  }
  // A company attached in Intercom moves only the contact's updated_at (its webhook has no documented
  // shape, intercom-api.md §2.4): the swept contacts join their paired companies, in one batch call.
  await associateInHubSpotBatch(sync, row, sync.clients.hubspot(row), members);
  if (work.length === 0) return;
  // Under the pairs' locks, as a single sync works (sync-record.ts pairLock); a live sync that wrote
  // to Intercom after the search read a record makes that read stale: the record is left to it.
  await withPairLocks(sync, row, type, work.map((item) => item.record.id), async () => {
    const fresh: typeof work = [];
    for (const item of work) {
      const pair = await pairOfIntercom(sync.db, row.id, type, item.record.id);
      if (!pair || (pair.intercomWrittenUpdatedAt ?? 0) > (item.record.updated_at ?? 0)) continue;
      fresh.push({ record: item.record, pair, baselines: await baselinesOf(sync.db, pair) });
    }
    if (fresh.length > 0) await syncLockedPage(deps, row, object, fields, fresh);
  });
}

/** Locks taken in one order (sorted ids), so two sweeps cannot wait on each other. */
export function withPairLocks<T>(deps: Pick<RecordSyncDeps, 'locks'>, row: Connection, type: PairType, ids: readonly string[], work: () => Promise<T>): Promise<T> {
  const [first, ...rest] = [...new Set(ids)].sort();
  return first === undefined ? work() : pairLock(deps, row, type, first, () => withPairLocks(deps, row, type, rest, work));
}

/** Answers each pair's report (a record missing from HubSpot's answer is left to a single-record job and not reported). */
export async function syncLockedPage(deps: Pick<SweepDeps, 'records' | 'jobs'>, row: Connection, object: RecordObject, fields: AccountFields, work: ReadonlyArray<{ record: IntercomRecord; pair: Pair; baselines: Map<string, Baseline> }>, trigger: 'sweep' | 'backfill' = 'sweep'): Promise<PairReport[]> {
  const sync = deps.records;
  const type = pairTypeOf(object);
  const mappings = row.settings.recordSync[object].mappings;
  const key = hashKeyOf(sync, row);
  const calls = noCalls();
  const started = sync.now();
  const hubspot = sync.clients.hubspot(row);
  // The record filters judge each pair as a single sync does (#18 item 2): HubSpot's side needs their properties read too.
  const filters = row.settings.recordSync[object].filters;
  const plan = withFilterProperties(hubspotReadPlan(object, mappings), object, filters);
  const batch = plan.propertiesWithHistory.length > 0 ? HISTORY_BATCH : PAGE;
  const read = new Map<string, CrmObject>();
  await countCalls(calls, async () => {
    const ids = [...new Set(work.map((item) => item.pair.hubspotId))];
    for (let i = 0; i < ids.length; i += batch) {
      const answer = await hubspot[object].batchRead(ids.slice(i, i + batch), plan);
      for (const result of answer.results) read.set(result.id, result);
    }
  });

  const derivedNames = mappings.map((mapping) => mapping.hubspot).filter((name) => Object.hasOwn(HUBSPOT_DERIVED, name));
  const updates: Array<{ id: string; properties: Record<string, string> }> = [];
  const settled: Array<{ pair: Pair; settled: Map<string, Baseline>; report: Parameters<typeof recordPairActivity>[3]['pair'] }> = [];
  for (const item of work) {
    const record = read.get(item.pair.hubspotId);
    // Not in the batch answer (deleted or merged): the single-record job finds out which, and says so.
    if (!record) {
      await enqueueRecordSync(deps.jobs, row.id, { object, side: 'intercom', id: item.record.id }, sync.now());
      continue;
    }
    const derived = derivedNames.length > 0 && sync.derive ? await countCalls(calls, () => sync.derive!({ row, hubspot, object, record, names: derivedNames })) : {};
    const shared = await sharedWith(sync.db, item.pair);
    const blocked = hasFilters(filters) ? { blocked: blockedDirections({ object, filters, intercom: item.record, hubspot: record, fields }) } : {};
    const planned = planPair({ object, mappings, fields, intercom: item.record, hubspot: record, derived, baselines: item.baselines, hashKey: key, dryRun: false, ...(shared !== undefined ? { sharedWith: shared } : {}), ...blocked });
    if (Object.keys(planned.hubspotProperties).length > 0) {
      await rememberHubSpotWrites(sync.db, sync.hashKey, { connectionId: row.id, type, hubspotId: record.id }, planned.hubspotProperties, sync.now());
      updates.push({ id: record.id, properties: planned.hubspotProperties });
    }
    // Intercom has no batch update: a value HubSpot holds newer is written one record at a time.
    const written = await countCalls(calls, () => writeIntercom(sync.clients.intercom(row), object, item.record.id, planned.intercomBody));
    if (written) await rememberIntercomWrite(sync.db, sync.hashKey, { connectionId: row.id, type, intercomId: item.record.id }, written);
    settled.push({ pair: item.pair, settled: planned.settled, report: { intercomId: item.record.id, hubspotId: record.id, pairing: 'paired', outcome: planned.outcome, fields: planned.reports, ...(planned.filtered ? { filtered: planned.filtered } : {}) } });
  }
  await countCalls(calls, async () => {
    for (let i = 0; i < updates.length; i += PAGE) await hubspot[object].batchUpdate(updates.slice(i, i + PAGE));
  });
  const durationMs = sync.now() - started;
  await withTransaction(sync.db, async (trx) => {
    for (const item of settled) await settle(trx, item.pair, item.settled, sync.now());
  });
  // The page's calls are shared by its records: each entry carries its share, rounded up.
  const share = { intercom: Math.ceil(calls.intercom / Math.max(1, settled.length)), hubspot: Math.ceil(calls.hubspot / Math.max(1, settled.length)) };
  for (const item of settled) {
    if (item.report.outcome === 'unchanged') continue;
    await recordPairActivity(sync, row.id, object, { trigger, pair: item.report, calls: share, durationMs });
  }
  return settled.map((item) => item.report);
}

async function sweepHubSpot(deps: SweepDeps, row: Connection, object: RecordObject, sinceMs: number, ctx: TaskContext): Promise<{ found: number; watermark: number }> {
  const sync = deps.records;
  const type = pairTypeOf(object);
  const mappings = row.settings.recordSync[object].mappings;
  const fields = await accountFields(sync, row, object, mappings, false);
  const key = hashKeyOf(sync, row);
  const modified = object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
  const properties = hubspotReadPlan(object, mappings).properties;
  let found = 0;
  let watermark = 0;
  const search = sync.clients.hubspot(row)[object].search({
    filterGroups: [{ filters: [{ propertyName: modified, operator: 'GTE', value: String(sinceMs) }] }],
    sorts: [{ propertyName: modified, direction: 'ASCENDING' }],
    properties,
    limit: 200,
  });
  for await (const record of search) {
    ctx.signal.throwIfAborted();
    found += 1;
    const updated = Date.parse(record.updatedAt);
    if (Number.isFinite(updated)) watermark = Math.max(watermark, updated);
    const pairs = await pairsOfHubSpot(sync.db, row.id, type, record.id);
    // Our own writes and records whose mapped values are as last settled: nothing to bring over.
    // An unpaired contact may have an Intercom contact with its email; companies pair from Intercom only.
    let changed = pairs.length === 0 && object === 'contacts';
    const fromHubSpot = mappings.filter((mapping) => mapping.direction !== 'to_hubspot');
    // What a live sync wrote a moment ago may be searchable before its baselines are stored: a
    // property holding exactly what Interhubz last wrote there is not a change from HubSpot.
    const ours = await writtenByUs(sync, { connectionId: row.id, type, hubspotId: record.id }, record);
    for (const pair of pairs) {
      const baselines = await baselinesOf(sync.db, pair);
      const notOurs = fromHubSpot.filter((mapping) => !hubspotPropertiesRead(mapping.hubspot).every((property) => ours.has(property)) || Object.hasOwn(HUBSPOT_DERIVED, mapping.hubspot));
      if (!sideUnchanged('hubspot', object, notOurs, fields, key, baselines, (mapping) => hubspotValue(record, mapping.hubspot, {}))) changed = true;
    }
    if (changed) await enqueueRecordSync(deps.jobs, row.id, { object, side: 'hubspot', id: record.id }, sync.now());
  }
  return { found, watermark };
}
