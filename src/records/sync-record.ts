// Syncs one record now (#17 items 1, 4, 6–10, 13): find its pair (or pair it through the same
// matching capture uses), read both records fresh, decide field by field (plan-record-sync.ts), write
// at most one update per side, remember the baselines (hashes) and say what happened in the activity
// log — field names and directions, never values. A dry run reads and decides and writes nothing;
// it answers the values it read (live, never stored) so a person can see old → new.
//
// Safe to run more than once: every write sets values by id (an update, not a create), and the
// baselines are stored only after both writes succeeded, so a rerun after a crash decides again from
// what the two records hold and writes what is still missing.
import type { Kysely } from 'kysely';
import { recordActivity } from '../activity/activity-log.ts';
import type { ConnectionClients } from '../connections/clients.ts';
import { matchCompany, matchContact, type MatchDeps } from '../conversations/match-records.ts';
import type { KeyedLock } from '../conversations/keyed-lock.ts';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { countCalls, noCalls, type CallCount } from '../integrations/call-count.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import { isNotFound } from '../integrations/hubspot/record-gone.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { IntercomClient } from '../integrations/intercom/client.ts';
import type { IntercomContact } from '../integrations/intercom/schemas.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import type { MatchKeyHasher } from '../matching/match-key.ts';
import type { Vendor } from '../vendor.ts';
import { hubspotType, intercomType, type AccountFields } from './check-mapping-types.ts';
import type { FieldCatalogue } from './field-catalogue.ts';
import { HUBSPOT_DERIVED, type FieldMapping, type RecordObject } from './field-mapping.ts';
import type { FieldValue } from './field-types.ts';
import { baselinesOf, followIntercomMerge, sharedWith, type PairType, pairOfIntercom, pairsOfHubSpot, pairTypeOf, savePair, settle, unpair, type Pair } from './pair-store.ts';
import { rememberHubSpotWrites, rememberIntercomWrite } from './echo-hints.ts';
import { associateInHubSpot } from './memberships.ts';
import { planPair, type FieldReport } from './plan-pair.ts';
import type { FilterSettings } from './filter-schema.ts';
import { blockedDirections, hasFilters, judgeRecord, withFilterProperties, type FilterDirection } from './record-filters.ts';
import { hubspotReadPlan, writeHubSpot, writeIntercom, type IntercomRecord } from './record-sides.ts';

/** Values HubSpot has but not as properties (owner, record URL, deals: src/records/hubspot-derived.ts). */
type DeriveValues = (input: { row: Connection; hubspot: HubSpotClient; object: RecordObject; record: CrmObject; names: readonly string[] }) => Promise<Record<string, FieldValue>>;

/** Creates the fields `create: true` mappings write before the first write needs them (src/records/ensure-fields.ts). */
type EnsureFields = (row: Connection, object: RecordObject, mappings: readonly FieldMapping[]) => Promise<void>;

export interface RecordSyncDeps {
  db: Kysely<Database>;
  clients: ConnectionClients;
  locks: KeyedLock;
  now: () => number;
  matchKeys: MatchKeyHasher;
  /** The install's key for value hashes (value-hash.ts deriveValueHashKey). */
  hashKey: Uint8Array;
  catalogue: FieldCatalogue;
  derive?: DeriveValues;
  ensureFields?: EnsureFields;
}

export interface SyncRequest {
  object: RecordObject;
  /** The side `id` belongs to. */
  side: Vendor;
  id: string;
  dryRun: boolean;
  /** The side whose change event asked for this sync; absent for a sweep or a sync asked for by hand. */
  trigger?: Vendor;
}

export interface PairReport {
  intercomId: string;
  hubspotId: string;
  /** How the pair came to be in this sync ('paired' when it already was). */
  pairing: string;
  outcome: 'updated' | 'unchanged' | 'skipped';
  fields: FieldReport[];
  /** The record filter that stopped a write (#18 item 2): its key, e.g. recordSync.contacts.filters.toHubSpot[0]. */
  filtered?: Filtered;
}

/** What the activity entry of a filtered sync carries (detail.filtered), so counts can find it. */
interface Filtered {
  key: string;
  direction: FilterDirection;
  reason: string;
}

export interface SyncResult {
  outcome: 'updated' | 'unchanged' | 'skipped' | 'planned';
  /** Why nothing was synced (the record is not paired, sync is off, a record is gone…). */
  reason?: string;
  /**
   * A HubSpot record with nothing in Intercom to pair with: not worth an activity entry (a HubSpot
   * import would flood the log with them); the dry run and the API still say why.
   */
  quiet?: boolean;
  /** An unpaired Intercom record the toHubSpot filters keep out: neither matched nor created in HubSpot. */
  filtered?: Filtered;
  pairs: PairReport[];
  calls: CallCount;
}

export class RecordSyncRefusedError extends Error {
  override name = 'RecordSyncRefusedError';
  readonly status: 404 | 409;
  constructor(status: 404 | 409, message: string) {
    super(message);
    this.status = status;
  }
}

/** At most this many Intercom records are synced for one HubSpot record (a lead and a user sharing an email, …). */
const MAX_PAIRS_PER_RECORD = 5;

const kindOf = (object: RecordObject) => (object === 'contacts' ? 'contact' : 'company');

const isGone = (error: unknown) => error instanceof UpstreamError && (error.kind === 'not_found' || error.kind === 'merged');

export async function syncRecord(deps: RecordSyncDeps, connectionId: string, request: SyncRequest): Promise<SyncResult> {
  const row = await getConnection(deps.db, connectionId);
  if (!row) throw new RecordSyncRefusedError(404, `there is no connection ${connectionId}`);
  if (row.status !== 'active') throw new RecordSyncRefusedError(409, `the connection is ${row.status}: records sync only while it is active`);
  const sync = row.settings.recordSync[request.object];
  const calls = noCalls();
  if (!sync.enabled) return { outcome: 'skipped', reason: `record sync is off for ${request.object} (recordSync.${request.object}.enabled)`, pairs: [], calls };
  const started = deps.now();
  const result = await countCalls(calls, () => syncCounted(deps, row, sync.mappings, request, calls));
  if (!request.dryRun && !result.quiet) await recordOutcome(deps, row, request, result, deps.now() - started);
  return result;
}

interface Context {
  row: Connection;
  intercom: IntercomClient;
  hubspot: HubSpotClient;
  mappings: readonly FieldMapping[];
  filters: FilterSettings;
  request: SyncRequest;
}

async function syncCounted(deps: RecordSyncDeps, row: Connection, mappings: readonly FieldMapping[], request: SyncRequest, calls: CallCount): Promise<SyncResult> {
  const ctx: Context = { row, intercom: deps.clients.intercom(row), hubspot: deps.clients.hubspot(row), mappings, filters: row.settings.recordSync[request.object].filters, request };
  const type = pairTypeOf(request.object);
  const skipped = (reason: string): SyncResult => ({ outcome: 'skipped', reason, pairs: [], calls });

  if (request.side === 'intercom') {
    // Both records are read under the pair's lock: a sync of the same pair from HubSpot's side (or a
    // sweep) cannot write between this read and this decision, or the decision would write a value
    // read before that write back over a person's change.
    return pairLock(deps, row, type, request.id, async () => {
      const found = await readIntercom(deps, ctx, request.id);
      if (found === 'gone') {
        const ended = request.dryRun ? [] : await unpair(deps.db, row.id, type, { intercomId: request.id });
        return skipped(`the Intercom ${kindOf(request.object)} ${request.id} no longer exists${ended.length > 0 ? '; its pair ended (nothing is deleted in HubSpot)' : ''}`);
      }
      const pair = await pairOfIntercom(deps.db, row.id, type, found.id);
      let hubspotId = pair?.hubspotId;
      let pairing = 'paired';
      if (!hubspotId) {
        // A record the toHubSpot filters keep out is not looked for in HubSpot, so nothing is created for it there.
        if (ctx.filters.toHubSpot.length > 0) {
          const fields = await accountFields(deps, row, request.object, mappings, request.dryRun);
          const verdict = judgeRecord({ object: request.object, direction: 'to_hubspot', filters: ctx.filters.toHubSpot, record: found, fields });
          if (!verdict.pass) return { ...skipped(verdict.reason), filtered: { key: verdict.key, direction: 'to_hubspot', reason: verdict.reason } };
        }
        const matched = await matchIntercomRecord(deps, ctx, found);
        if (!matched.id) return skipped(`not paired: ${matched.skipped ?? 'no HubSpot record matched'}`);
        hubspotId = matched.id;
        pairing = matched.how ?? 'matched';
      }
      const report = await syncPair(deps, ctx, { intercom: found, intercomId: found.id, hubspotId, pairing });
      return summarise([report], calls, request.dryRun);
    });
  }

  // HubSpot's side: its pairs, or for a contact the Intercom contact with its email.
  let pairs = await pairsOfHubSpot(deps.db, row.id, type, request.id);
  let pairing = 'paired';
  if (pairs.length === 0) {
    const paired = await pairFromHubSpot(deps, ctx, request.id);
    if (typeof paired === 'string') return { ...skipped(paired), quiet: true };
    pairs = [paired.pair];
    pairing = 'email';
  }
  const reports: PairReport[] = [];
  for (const pair of pairs.slice(0, MAX_PAIRS_PER_RECORD)) {
    const report = await pairLock(deps, row, type, pair.intercomId, async () => {
      const intercom = await readIntercom(deps, ctx, pair.intercomId);
      if (intercom === 'gone') {
        if (!request.dryRun) await unpair(deps.db, row.id, type, { intercomId: pair.intercomId });
        return undefined;
      }
      return syncPair(deps, ctx, { intercom, intercomId: intercom.id, hubspotId: request.id, pairing });
    });
    if (report) reports.push(report);
  }
  if (reports.length === 0) return skipped(`the Intercom ${kindOf(request.object)} paired with HubSpot ${request.id} no longer exists; the pair ended`);
  return summarise(reports, calls, request.dryRun);
}

function summarise(reports: PairReport[], calls: CallCount, dryRun: boolean): SyncResult {
  const skippedAll = reports.every((report) => report.outcome === 'skipped');
  const updated = reports.some((report) => report.outcome === 'updated');
  const outcome = skippedAll ? 'skipped' : updated ? (dryRun ? 'planned' : 'updated') : 'unchanged';
  return { outcome, pairs: reports, calls, ...(skippedAll && reports[0] ? { reason: reportReason(reports[0]) } : {}) };
}

const reportReason = (report: PairReport) => report.fields.find((field) => field.reason)?.reason ?? 'nothing to sync';

/** The Intercom record, following a lead merged into a user (the pair moves with it); 'gone' when deleted. */
async function readIntercom(deps: RecordSyncDeps, ctx: Context, id: string): Promise<IntercomRecord | 'gone'> {
  try {
    return ctx.request.object === 'contacts' ? await ctx.intercom.getContact(id) : await ctx.intercom.getCompany(id);
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'merged' && error.details.survivorId && ctx.request.object === 'contacts') {
      if (!ctx.request.dryRun) await followIntercomMerge(deps.db, ctx.row.id, id, error.details.survivorId, deps.now());
      return ctx.intercom.getContact(error.details.survivorId);
    }
    if (isGone(error)) return 'gone';
    throw error;
  }
}

/** Pairs an unpaired Intercom record by the connection's matching rules (capture's own: one pairing mechanism). */
function matchIntercomRecord(deps: RecordSyncDeps, ctx: Context, record: IntercomRecord) {
  const settings = ctx.row.settings.matching;
  const matchDeps: MatchDeps = { db: deps.db, hubspot: ctx.hubspot, locks: deps.locks, connectionId: ctx.row.id, now: deps.now, dryRun: ctx.request.dryRun, matchKeys: deps.matchKeys };
  if (ctx.request.object === 'contacts') return matchContact(matchDeps, record as Parameters<typeof matchContact>[1], settings.contacts);
  return matchCompany(matchDeps, { company: record as Parameters<typeof matchCompany>[1]['company'], contactEmail: null, contactId: null }, settings.companies, settings.contacts.email);
}

/**
 * A HubSpot record nobody paired yet: a contact pairs with the Intercom contact that has its email
 * (a user before a lead). Nothing is created in Intercom from HubSpot, and companies pair from
 * Intercom's side only (matching's rules run that way): a sentence saying so instead.
 */
async function pairFromHubSpot(deps: RecordSyncDeps, ctx: Context, hubspotId: string): Promise<{ pair: Pair } | string> {
  if (ctx.request.object === 'companies') return `HubSpot company ${hubspotId} is not paired yet: companies are paired from Intercom (a sync of the Intercom company, or a captured conversation)`;
  let record: CrmObject;
  try {
    record = await ctx.hubspot.contacts.get(hubspotId, { properties: ['email'] });
  } catch (error) {
    if (isNotFound(error)) return `HubSpot contact ${hubspotId} no longer exists`;
    throw error;
  }
  const email = record.properties['email'];
  if (!email) return `HubSpot contact ${hubspotId} has no email to find its Intercom contact by`;
  // The first page is enough: a user is preferred to a lead, and more than ten contacts with one email is not a pairing.
  let found: IntercomRecord[] = [];
  for await (const page of ctx.intercom.searchContactPages({ field: 'email', operator: '=', value: email }, { perPage: 10 })) {
    found = page.items;
    break;
  }
  const contact = found.find((candidate) => 'role' in candidate && candidate.role === 'user') ?? found[0];
  if (!contact) return `no Intercom contact has the email of HubSpot contact ${hubspotId}; records are not created in Intercom`;
  // A contact paired already keeps its pair (HubSpot's additional emails can lead two records to one person).
  const existing = await pairOfIntercom(deps.db, ctx.row.id, 'contact', contact.id);
  if (existing && existing.hubspotId !== hubspotId) return `the Intercom contact with this email is paired with HubSpot contact ${existing.hubspotId} already`;
  const pair: Pair = { connectionId: ctx.row.id, type: 'contact', intercomId: contact.id, hubspotId, pairedAt: deps.now(), pairedHow: 'email', lastSyncedAt: null, intercomWrittenUpdatedAt: null };
  if (!ctx.request.dryRun) await savePair(deps.db, { connectionId: ctx.row.id, type: 'contact', intercomId: contact.id, hubspotId, how: 'email' }, deps.now());
  return { pair };
}

interface PairInput {
  intercom: IntercomRecord;
  intercomId: string;
  hubspotId: string;
  pairing: string;
}

async function readHubSpot(ctx: Context, id: string): Promise<CrmObject | 'gone'> {
  const plan = withFilterProperties(hubspotReadPlan(ctx.request.object, ctx.mappings), ctx.request.object, ctx.filters);
  try {
    return await ctx.hubspot[ctx.request.object].get(id, plan);
  } catch (error) {
    if (isNotFound(error)) return 'gone';
    throw error;
  }
}

/**
 * One pair's work at a time, wherever it starts (either side's sync, the sweep): reads, decision,
 * writes and baselines happen together, so no decision is made on a record read before another
 * sync of the pair wrote to it.
 */
export const pairLock = <T>(deps: Pick<RecordSyncDeps, 'locks'>, row: Pick<Connection, 'id'>, type: PairType, intercomId: string, work: () => Promise<T>): Promise<T> =>
  deps.locks.run(`record-pair:${row.id}:${type}:${intercomId}`, work);

/** Syncs a pair whose Intercom record is in hand; the caller holds the pair's lock (pairLock). */
async function syncPair(deps: RecordSyncDeps, ctx: Context, input: PairInput): Promise<PairReport> {
  const { row, request } = ctx;
  const type = pairTypeOf(request.object);
  const hubspot = await readHubSpot(ctx, input.hubspotId);
  const base = { intercomId: input.intercomId, hubspotId: input.hubspotId, pairing: input.pairing };
  if (hubspot === 'gone') {
    if (!request.dryRun) await unpair(deps.db, row.id, type, { hubspotId: input.hubspotId });
    return { ...base, outcome: 'skipped', fields: [{ intercom: '', hubspot: '', action: 'skipped', rule: 'deleted', reason: `HubSpot ${kindOf(request.object)} ${input.hubspotId} no longer exists; the pair ended (nothing is deleted in Intercom)` }] };
  }
  // HubSpot answers a merged-away id with the record it went into.
  const hubspotId = hubspot.id;
  if (hubspotId !== input.hubspotId && !request.dryRun) {
    await savePair(deps.db, { connectionId: row.id, type, intercomId: input.intercomId, hubspotId, how: 'merge' }, deps.now());
  }
  const pair = { connectionId: row.id, type, intercomId: input.intercomId, hubspotId };
  if (!request.dryRun && input.pairing !== 'paired') await savePair(deps.db, { ...pair, how: input.pairing }, deps.now());

  const fields = await accountFields(deps, row, request.object, ctx.mappings, request.dryRun);
  const derivedNames = ctx.mappings.map((mapping) => mapping.hubspot).filter((name) => Object.hasOwn(HUBSPOT_DERIVED, name));
  const derived = derivedNames.length > 0 && deps.derive ? await deps.derive({ row, hubspot: ctx.hubspot, object: request.object, record: hubspot, names: derivedNames }) : {};
  const baselines = await baselinesOf(deps.db, pair);

  const shared = await sharedWith(deps.db, pair);
  const blocked = hasFilters(ctx.filters) ? blockedDirections({ object: request.object, filters: ctx.filters, intercom: input.intercom, hubspot, fields }) : {};
  const planned = planPair({
    object: request.object, mappings: ctx.mappings, fields, intercom: input.intercom, hubspot, derived, baselines,
    hashKey: { installKey: deps.hashKey, connectionId: row.id }, dryRun: request.dryRun, ...(request.trigger ? { trigger: request.trigger } : {}),
    ...(shared !== undefined ? { sharedWith: shared } : {}),
    blocked,
  });
  if (!request.dryRun) {
    // Remembered before the write, so its webhook is recognised however fast it comes back.
    await rememberHubSpotWrites(deps.db, deps.hashKey, { connectionId: row.id, type, hubspotId }, planned.hubspotProperties, deps.now());
    await writeHubSpot(ctx.hubspot, request.object, hubspotId, planned.hubspotProperties);
    const written = await writeIntercom(ctx.intercom, request.object, input.intercomId, planned.intercomBody);
    if (written) await rememberIntercomWrite(deps.db, deps.hashKey, { connectionId: row.id, type, intercomId: input.intercomId }, written);
    await withTransaction(deps.db, (trx) => settle(trx, pair, planned.settled, deps.now()));
    // A contact the toHubSpot filters keep out does not change HubSpot's associations either.
    if (request.object === 'contacts' && !blocked.to_hubspot) await associateInHubSpot(deps, ctx.row, ctx.hubspot, input.intercom as IntercomContact, hubspotId);
  }
  return { ...base, hubspotId, outcome: planned.outcome, fields: planned.reports, ...(planned.filtered ? { filtered: planned.filtered } : {}) };
}

/** The accounts' fields; a missing one a mapping may create is created first (at first use, #17 item 5). */
export async function accountFields(deps: RecordSyncDeps, row: Connection, object: RecordObject, mappings: readonly FieldMapping[], dryRun: boolean): Promise<AccountFields> {
  const fields = await deps.catalogue.fieldsOf(row, object);
  const missing = mappings.filter((mapping) => mapping.create && (!intercomType(object, mapping, fields) || !hubspotType(mapping, fields)));
  if (missing.length === 0 || dryRun || !deps.ensureFields) return fields;
  await deps.ensureFields(row, object, missing);
  return deps.catalogue.fieldsOf(row, object);
}

/**
 * One activity entry per pair synced (#17 item 13): kind contact or company, both ids, the fields
 * written by name and direction, the fields skipped by rule and types — never a value (a skip's
 * sentence can quote one, so it stays out of the log).
 */
async function recordOutcome(deps: RecordSyncDeps, row: Connection, request: SyncRequest, result: SyncResult, durationMs: number): Promise<void> {
  const kind = kindOf(request.object);
  const apiCalls = result.calls.intercom + result.calls.hubspot;
  if (result.pairs.length === 0) {
    await recordActivity(deps.db, {
      connectionId: row.id, at: deps.now(), kind, subjectId: request.side === 'intercom' ? request.id : null, outcome: 'skipped',
      reason: result.reason ?? null, detail: { side: request.side, id: request.id, calls: result.calls, ...filteredDetail(result.filtered) }, apiCalls, durationMs,
    });
    return;
  }
  for (const pair of result.pairs) await recordPairActivity(deps, row.id, request.object, { trigger: request.trigger ?? 'manual', pair, calls: result.calls, durationMs });
}

/** The activity entry of one pair's sync (also the sweep's, one per pair). */
export async function recordPairActivity(
  deps: Pick<RecordSyncDeps, 'db' | 'now'>,
  connectionId: string,
  object: RecordObject,
  entry: { trigger: Vendor | 'manual' | 'sweep' | 'backfill'; pair: PairReport; calls: CallCount; durationMs: number },
): Promise<void> {
  const { pair } = entry;
  const written = pair.fields.filter((field) => field.direction).map((field) => ({ intercom: field.intercom, hubspot: field.hubspot, direction: field.direction, ...(field.rule ? { rule: field.rule } : {}) }));
  const skipped = pair.fields.filter((field) => field.action === 'skipped').map((field) => ({ intercom: field.intercom, hubspot: field.hubspot, rule: field.rule, ...(field.types ? { types: field.types } : {}) }));
  await recordActivity(deps.db, {
    connectionId,
    at: deps.now(),
    kind: kindOf(object),
    subjectId: pair.intercomId,
    outcome: pair.outcome,
    reason: pair.outcome === 'skipped' ? (pair.filtered?.reason ?? skippedSummary(pair)) : null,
    detail: { intercomId: pair.intercomId, hubspotId: pair.hubspotId, pairing: pair.pairing, trigger: entry.trigger, written, skipped, calls: entry.calls, ...filteredDetail(pair.filtered) },
    apiCalls: entry.calls.intercom + entry.calls.hubspot,
    durationMs: entry.durationMs,
  });
}

/** `detail.filtered` of a filtered sync's entry: the filter's key and the direction it closed (helper counts read it). */
const filteredDetail = (filtered: Filtered | undefined) => (filtered ? { filtered: { key: filtered.key, direction: filtered.direction } } : {});

/** A skip's reason for the log: rules and field names only. */
function skippedSummary(pair: PairReport): string {
  const rules = pair.fields.filter((field) => field.action === 'skipped').map((field) => (field.intercom ? `${field.intercom} ↔ ${field.hubspot}: ${field.rule}` : field.reason ?? field.rule ?? ''));
  return rules.join('; ').slice(0, 300);
}
