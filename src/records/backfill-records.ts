// "Sync now" for contacts and companies (#18 item 3): the pages a record backfill is made of, for
// the backfill framework (src/backfills/backfill-kind.ts), which keeps the cursor and the counts.
//
// To HubSpot, Intercom's records are read 150 a page and dealt with 100 at a time (one HubSpot batch
// call's worth), with the live sync's own rules — one pairing mechanism, one decision per pair:
// - a paired record whose mapped values still hash to its baselines costs nothing; the changed ones
//   are read, decided and written together, as the record sweep does (record-sweep.ts syncLockedPage);
// - contacts, when email is the first matching strategy: HubSpot's contacts are indexed first under
//   capture's match keys (backfill-email-index.ts), so an unpaired contact whose email HubSpot has is
//   paired without a search, and one HubSpot lacks is created in a batch call (backfill-create.ts);
// - everything else (no usable email, other strategies first, a key two HubSpot contacts share, a
//   company) goes through the single-record sync (sync-record.ts), which matches as capture does.
// Records the connection's filters keep out (record-filters.ts, toHubSpot) are counted and not written.
//
// To Intercom, HubSpot's list is read 100 a page: a record whose mapped values hash to its pair's
// baselines (or hold what Interhubz wrote) costs nothing more; the others, and unpaired contacts
// (paired by email from HubSpot's side), go through the single-record sync. Intercom has no batch
// update, and companies pair from Intercom only, as in the live sync.
//
// A page redone after a crash writes nothing twice: pairs, links and baselines are stored as each
// chunk's writes are answered; a record created before the crash but not yet recorded makes the
// batch create answer 409, and the read by email that follows finds it with the values it was given,
// so its first sync finds nothing to write. Every call runs in the rate budgets' background lane
// (rate-budget.ts inBackground): live work waiting for the same budget goes first.
import type { BackfillCounts, BackfillPage, BackfillPageInput, RunBackfillPage } from '../backfills/backfill-kind.ts';
import { recordActivity } from '../activity/activity-log.ts';
import { getLinks, saveLinks } from '../conversations/conversation-store.ts';
import type { Connection } from '../db/repos/connections.ts';
import { withTransaction } from '../db/transaction.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { IntercomContact } from '../integrations/intercom/schemas.ts';
import { inBackground } from '../integrations/rate-budget.ts';
import type { Vendor } from '../vendor.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { contactCreatePolicy } from '../matching/contact-lookups.ts';
import type { StoredMatchKey } from '../matching/match-key.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { RetryAfterError } from '../jobs/outcomes.ts';
import { hasUnfinishedJob, unfinishedKeys } from '../jobs/queue.ts';
import { createContacts, settledBaselines, type CreateCandidate } from './backfill-create.ts';
import { emailMatchKey, indexHubSpotContacts, knownContact } from './backfill-email-index.ts';
import type { AccountFields } from './check-mapping-types.ts';
import { writtenByUs } from './echo-hints.ts';
import { HUBSPOT_DERIVED, type RecordObject } from './field-mapping.ts';
import { baselinesOf, fieldKey, pairOfIntercom, pairsOfHubSpot, pairsOfIntercomRecords, pairTypeOf, savePair, settle, type Pair } from './pair-store.ts';
import type { Baseline } from './plan-record-sync.ts';
import { associateInHubSpotBatch } from './memberships.ts';
import { judgeRecord, type FilterVerdict } from './record-filters.ts';
import { recordSyncKey } from './record-tasks.ts';
import { hubspotPropertiesRead } from './record-webhooks.ts';
import { hubspotReadPlan, hubspotValue, intercomValue, type IntercomRecord } from './record-sides.ts';
import { sideUnchanged, syncLockedPage, withPairLocks } from './record-sweep.ts';
import { rememberHubSpotWrites } from './echo-hints.ts';
import { accountFields, recordPairActivity, syncRecord, type RecordSyncDeps, type SyncResult } from './sync-record.ts';

export interface RecordBackfillDeps extends RecordSyncDeps {
  jobs: JobQueue;
}

/** Intercom's largest contact page (intercom-api.md §4.1). */
const INTERCOM_PAGE = 150;
/** Intercom pages per backfill page: 300 records, three full HubSpot batches. */
const INTERCOM_PAGES = 2;
/** One HubSpot batch call's worth (hubspot-api.md §5.3). */
const CHUNK = 100;

/** The HubSpot index (contacts to HubSpot), then the source side's own pages. */
type Phase = 'index' | Vendor;
interface Cursor {
  phase: Phase;
  /** The source's own cursor within the phase ('' before its first page). */
  at: string;
}

const encode = (cursor: Cursor) => `${cursor.phase}:${cursor.at}`;
function decode(cursor: string | null, first: Cursor): Cursor {
  if (cursor === null) return first;
  const colon = cursor.indexOf(':');
  const phase = cursor.slice(0, colon);
  if (phase !== 'index' && phase !== 'intercom' && phase !== 'hubspot') throw new Error(`a record backfill cursor of an unknown phase: ${phase}`);
  return { phase, at: cursor.slice(colon + 1) };
}

const noCounts = (): BackfillCounts => ({ created: 0, updated: 0, unchanged: 0, skippedByFilter: 0, failed: 0 });

export function recordBackfillPages(deps: RecordBackfillDeps): { contacts: RunBackfillPage; companies: RunBackfillPage } {
  const page = (object: RecordObject): RunBackfillPage => (input) => inBackground(() => runPage(deps, object, input));
  return { contacts: page('contacts'), companies: page('companies') };
}

async function runPage(deps: RecordBackfillDeps, object: RecordObject, input: BackfillPageInput): Promise<BackfillPage> {
  const { row } = input;
  if (!row.settings.recordSync[object].enabled) throw new Error(`record sync is off for ${object} (recordSync.${object}.enabled): turn it on to backfill`);
  if (input.backfill.direction === 'to_intercom') return hubspotPage(deps, object, input);
  // The index pays off only where email decides first (capture's order of strategies).
  const emailFirst = object === 'contacts' && row.settings.matching.contacts.strategies.find((strategy) => strategy.enabled)?.type === 'email';
  const cursor = decode(input.cursor, { phase: emailFirst ? 'index' : 'intercom', at: '' });
  if (cursor.phase === 'index') {
    const next = await indexHubSpotContacts(deps, row, cursor.at || undefined, input.signal);
    return { cursor: encode(next === null ? { phase: 'intercom', at: '' } : { phase: 'index', at: next }), counts: noCounts() };
  }
  return object === 'contacts' ? intercomContactsPage(deps, input, cursor.at) : intercomCompaniesPage(deps, input, cursor.at);
}

// ---------------------------------------------------------------------------------------------
// Intercom → HubSpot

interface ContactsRead {
  items: IntercomContact[];
  next: string | undefined;
  total: number | undefined;
  readAt: number;
}

async function readContacts(deps: RecordBackfillDeps, row: Connection, at: string): Promise<ContactsRead> {
  const intercom = deps.clients.intercom(row);
  const items: IntercomContact[] = [];
  let next: string | undefined = at || undefined;
  let total: number | undefined;
  for (let read = 0; read < INTERCOM_PAGES; read++) {
    const pages = intercom.listContactPages({ perPage: INTERCOM_PAGE, ...(next === undefined ? {} : { startingAfter: next }) });
    const { value: page } = await pages.next();
    await pages.return(undefined);
    if (!page) {
      next = undefined;
      break;
    }
    items.push(...page.items);
    total ??= page.total;
    next = page.next;
    if (next === undefined) break;
  }
  return { items, next, total, readAt: deps.now() };
}

/**
 * The next page's Intercom contacts, read while this page's are synced (the reads overlap the
 * writes; one per running backfill). Used only by the page that follows at once: one older than
 * PREFETCH_FRESH_MS (a pause, a retry) is read again, and a new process starts without any.
 */
const prefetched = new Map<string, Promise<ContactsRead>>();
const PREFETCH_FRESH_MS = 30_000;

async function intercomContactsPage(deps: RecordBackfillDeps, input: BackfillPageInput, at: string): Promise<BackfillPage> {
  const { row, backfill } = input;
  const cacheKey = (cursor: string) => `${backfill.id}\0${cursor}`;
  const waiting = prefetched.get(cacheKey(at));
  for (const key of [...prefetched.keys()]) if (key.startsWith(`${backfill.id}\0`)) prefetched.delete(key);
  const early = waiting ? await waiting.catch(() => undefined) : undefined;
  const read = early && deps.now() - early.readAt <= PREFETCH_FRESH_MS ? early : await readContacts(deps, row, at);
  if (read.next !== undefined) {
    const next = readContacts(deps, row, read.next);
    // A failed read ahead is read again by the page that needs it.
    next.catch(() => undefined);
    prefetched.set(cacheKey(read.next), next);
  }
  const counts = await intercomRecords(deps, input, 'contacts', read.items);
  return { cursor: read.next === undefined ? null : encode({ phase: 'intercom', at: read.next }), counts, ...(read.total === undefined ? {} : { total: { value: read.total, estimate: false } }) };
}

/**
 * Companies come from the scroll (every company, with users or without; the sweep's source too).
 * A scroll cannot be resumed later (Intercom ends an idle one after a minute, intercom-api.md
 * §4.3), so the cursor counts the pages finished; a page after a restart scrolls again from the
 * start and passes over those pages unprocessed (Intercom calls only).
 */
const openScrolls = new Map<string, { pages: AsyncGenerator<IntercomRecord[]>; done: number }>();

/** Intercom answers a second scroll of the app with 400 scroll_exists (intercom-api.md §4.3); an idle one expires after a minute. */
const SCROLL_BUSY_WAIT_MS = 70_000;

async function intercomCompaniesPage(deps: RecordBackfillDeps, input: BackfillPageInput, at: string): Promise<BackfillPage> {
  const done = Number(at || '0');
  let page: IntercomRecord[] | null;
  let total: number | null = null;
  try {
    let scroll = openScrolls.get(input.backfill.id);
    if (!scroll || scroll.done !== done) {
      await scroll?.pages.return(undefined);
      scroll = { pages: deps.clients.intercom(input.row).scrollCompanyPages(), done: 0 };
      openScrolls.set(input.backfill.id, scroll);
      for (; scroll.done < done; scroll.done++) {
        input.signal.throwIfAborted();
        if ((await scroll.pages.next()).done) break;
      }
    }
    total = done === 0 ? await deps.clients.intercom(input.row).countCompanies() : null;
    const next = await scroll.pages.next();
    page = next.done ? null : next.value;
    scroll.done += 1;
  } catch (error) {
    // A failed scroll must be started again (intercom-api.md §4.3): the next try does.
    openScrolls.delete(input.backfill.id);
    if (error instanceof UpstreamError && error.details.code === 'scroll_exists') {
      throw new RetryAfterError(SCROLL_BUSY_WAIT_MS, "Intercom allows one companies scroll per app and another one is open (a record sweep's): the backfill waits for it to end");
    }
    throw error;
  }
  if (page === null) {
    openScrolls.delete(input.backfill.id);
    return { cursor: null, counts: noCounts() };
  }
  const counts = await intercomRecords(deps, input, 'companies', page);
  return { cursor: encode({ phase: 'intercom', at: String(done + 1) }), counts, ...(total === null ? {} : { total: { value: total, estimate: false } }) };
}

async function intercomRecords(deps: RecordBackfillDeps, input: BackfillPageInput, object: RecordObject, records: readonly IntercomRecord[]): Promise<BackfillCounts> {
  const counts = noCounts();
  const fields = await accountFields(deps, input.row, object, input.row.settings.recordSync[object].mappings, false);
  for (let i = 0; i < records.length; i += CHUNK) {
    input.signal.throwIfAborted();
    await intercomChunk(deps, input, object, fields, records.slice(i, i + CHUNK), counts);
  }
  return counts;
}

interface PairedWork {
  record: IntercomRecord;
  pair: Pair;
  baselines: Map<string, Baseline>;
}

async function intercomChunk(deps: RecordBackfillDeps, input: BackfillPageInput, object: RecordObject, fields: AccountFields, records: readonly IntercomRecord[], counts: BackfillCounts): Promise<void> {
  const { row } = input;
  const type = pairTypeOf(object);
  const sync = row.settings.recordSync[object];
  const key = { installKey: deps.hashKey, connectionId: row.id };
  const fromIntercom = sync.mappings.filter((mapping) => mapping.direction !== 'to_intercom');
  const emailFirst = object === 'contacts' && row.settings.matching.contacts.strategies.find((strategy) => strategy.enabled)?.type === 'email';
  const paired: PairedWork[] = [];
  const candidates = new Map<StoredMatchKey, CreateCandidate>();
  const single: string[] = [];

  const passing: IntercomRecord[] = [];
  const filtered: Array<{ id: string; verdict: Exclude<FilterVerdict, { pass: true }> }> = [];
  for (const record of records) {
    const verdict = judgeRecord({ object, direction: 'to_hubspot', filters: sync.filters.toHubSpot, record, fields });
    if (verdict.pass) passing.push(record);
    else filtered.push({ id: record.id, verdict });
  }
  counts.skippedByFilter += filtered.length;
  await recordFiltered(deps, row, object, 'intercom', filtered);
  // A live sync of a record waiting or running reads it fresh, and has it: the backfill leaves it.
  const liveKey = (record: IntercomRecord) => recordSyncKey(row.id, { object, side: 'intercom', id: record.id });
  const live = await unfinishedKeys(deps.db, passing.map(liveKey));
  const pairs = await pairsOfIntercomRecords(deps.db, row.id, type, passing.map((record) => record.id));
  const unpaired: Array<{ contact: IntercomContact; keys: StoredMatchKey[] }> = [];
  const newPairs: Array<{ contact: IntercomContact; hubspotId: string }> = [];
  for (const record of passing) {
    if (live.has(liveKey(record))) {
      counts.unchanged += 1;
      continue;
    }
    const pair = pairs.get(record.id);
    if (pair) {
      const baselines = await baselinesOf(deps.db, pair);
      if (sideUnchanged('intercom', object, fromIntercom, fields, key, baselines, (mapping) => intercomValue(record, mapping.intercom))) counts.unchanged += 1;
      else paired.push({ record, pair, baselines });
      continue;
    }
    const contact = record as IntercomContact;
    const emailKey = emailFirst ? emailMatchKey(deps, row, contact.email) : null;
    if (!emailKey || !contactCreatePolicy(contact, row.settings.matching.contacts).create) single.push(record.id);
    else unpaired.push({ contact, keys: [deps.matchKeys(`intercom:${record.id}`), emailKey] });
  }
  const links = await getLinks(deps.db, row.id, 'contact', unpaired.flatMap((item) => item.keys));
  for (const candidate of unpaired) {
    const emailKey = candidate.keys[1]!;
    const known = knownContact(links, candidate.keys);
    // A second contact with the same key (a lead and a user) waits for the first one's create, then is linked by matching.
    if (known === 'ambiguous' || known === 'pending' || (known === null && candidates.has(emailKey))) single.push(candidate.contact.id);
    else if (known === null) candidates.set(emailKey, candidate);
    else {
      paired.push(await pairKnown(deps, row, candidate, known.id, 'email'));
      newPairs.push({ contact: candidate.contact, hubspotId: known.id });
    }
  }

  if (candidates.size > 0) await createChunk(deps, row, fields, [...candidates.values()], paired, single, counts, newPairs);
  // The chunk's new pairs join their paired companies, as a single sync's would (memberships.ts).
  await associateInHubSpotBatch(deps, row, deps.clients.hubspot(row), newPairs);
  if (paired.length > 0) {
    await withPairLocks(deps, row, type, paired.map((item) => item.record.id), async () => {
      const reports = await syncLockedPage({ records: deps, jobs: deps.jobs }, row, object, fields, paired, 'backfill');
      for (const report of reports) {
        if (report.outcome === 'updated') counts.updated += 1;
        else counts.unchanged += 1;
      }
      // Not in HubSpot's answer (deleted or merged there): a single-record job finds out which.
      counts.unchanged += paired.length - reports.length;
    });
  }
  for (const id of single) {
    input.signal.throwIfAborted();
    count(counts, await singleSync(deps, row, object, 'intercom', id));
  }
}

/** An unpaired contact whose key leads to a HubSpot contact: paired as matchContact would pair it, then synced as any pair. */
async function pairKnown(deps: RecordSyncDeps, row: Connection, candidate: CreateCandidate, hubspotId: string, how: string): Promise<PairedWork> {
  const pair = { connectionId: row.id, type: 'contact' as const, intercomId: candidate.contact.id, hubspotId };
  await saveLinks(deps.db, row.id, 'contact', candidate.keys, { hubspotId, pendingRef: null }, deps.now());
  await savePair(deps.db, { ...pair, how }, deps.now());
  const stored = await pairOfIntercom(deps.db, row.id, 'contact', candidate.contact.id);
  return { record: candidate.contact, pair: stored ?? { ...pair, pairedAt: deps.now(), pairedHow: how, lastSyncedAt: null, intercomWrittenUpdatedAt: null }, baselines: await baselinesOf(deps.db, pair) };
}

async function createChunk(deps: RecordBackfillDeps, row: Connection, fields: AccountFields, candidates: CreateCandidate[], paired: PairedWork[], single: string[], counts: BackfillCounts, newPairs: Array<{ contact: IntercomContact; hubspotId: string }>): Promise<void> {
  // Under the pairs' locks: a live sync of a contact being created waits for its pair.
  await withPairLocks(deps, row, 'contact', candidates.map((candidate) => candidate.contact.id), async () => {
    const started = deps.now();
    const answer = await createContacts(deps, row, fields, candidates);
    for (const item of answer.existing) {
      paired.push(await pairKnown(deps, row, item, item.hubspotId, 'existing'));
      newPairs.push({ contact: item.contact, hubspotId: item.hubspotId });
    }
    for (const item of answer.created) newPairs.push({ contact: item.contact, hubspotId: item.record.id });
    single.push(...answer.single.map((item) => item.contact.id));
    const mappings = row.settings.recordSync.contacts.mappings;
    // The chunk's bookkeeping in one transaction: what HubSpot made is remembered all at once.
    const durationMs = deps.now() - started;
    await withTransaction(deps.db, async (trx) => {
      for (const item of answer.created) {
        const pair = { connectionId: row.id, type: 'contact' as const, intercomId: item.contact.id, hubspotId: item.record.id };
        const settled = settledBaselines(row, item);
        await rememberHubSpotWrites(trx, deps.hashKey, { connectionId: row.id, type: 'contact', hubspotId: item.record.id }, item.properties, deps.now());
        await saveLinks(trx, row.id, 'contact', item.keys, { hubspotId: item.record.id, pendingRef: null }, deps.now());
        await savePair(trx, { ...pair, how: 'created' }, deps.now());
        await settle(trx, pair, settled, deps.now());
        const written = mappings.filter((mapping) => mapping.direction !== 'to_intercom' && settled.has(fieldKey(mapping)) && intercomValue(item.contact, mapping.intercom) !== null);
        await recordPairActivity({ db: trx, now: deps.now }, row.id, 'contacts', {
          trigger: 'backfill',
          pair: {
            intercomId: item.contact.id, hubspotId: item.record.id, pairing: 'created', outcome: 'updated',
            fields: written.map((mapping) => ({ intercom: mapping.intercom, hubspot: mapping.hubspot, action: 'write_hubspot' as const, direction: 'to_hubspot' as const })),
          },
          // The batch call's share: one call for the chunk.
          calls: { intercom: 0, hubspot: 1 },
          durationMs,
        });
      }
    });
    counts.created += answer.created.length;
  });
}

// ---------------------------------------------------------------------------------------------
// HubSpot → Intercom

async function hubspotPage(deps: RecordBackfillDeps, object: RecordObject, input: BackfillPageInput): Promise<BackfillPage> {
  const { row } = input;
  const cursor = decode(input.cursor, { phase: 'hubspot', at: '' });
  const hubspot = deps.clients.hubspot(row);
  const sync = row.settings.recordSync[object];
  const fields = await accountFields(deps, row, object, sync.mappings, false);
  const properties = [...new Set([...hubspotReadPlan(object, sync.mappings).properties, ...(object === 'contacts' ? ['email'] : []), ...sync.filters.toIntercom.map((filter) => filter.field).filter((name) => !name.startsWith('@'))])];
  // HubSpot's list says no total: a search with limit 1 does (hubspot-api.md §10), once.
  const total = cursor.at === '' ? (await hubspot[object].searchPage({ limit: 1, properties: ['hs_object_id'] })).total : null;
  const page = await hubspot[object].listPage({ limit: 100, properties, ...(cursor.at ? { after: cursor.at } : {}) });
  const counts = noCounts();
  for (const record of page.results) {
    input.signal.throwIfAborted();
    const verdict = judgeRecord({ object, direction: 'to_intercom', filters: sync.filters.toIntercom, record, fields });
    if (!verdict.pass) {
      counts.skippedByFilter += 1;
      await recordFiltered(deps, row, object, 'hubspot', [{ id: record.id, verdict }]);
      continue;
    }
    if (await hasUnfinishedJob(deps.db, recordSyncKey(row.id, { object, side: 'hubspot', id: record.id }))) {
      counts.unchanged += 1;
      continue;
    }
    const pairs = await pairsOfHubSpot(deps.db, row.id, pairTypeOf(object), record.id);
    // Companies pair from Intercom's side only (sync-record.ts pairFromHubSpot): nothing to do here.
    if (pairs.length === 0 && object === 'companies') {
      counts.unchanged += 1;
      continue;
    }
    if (pairs.length > 0 && (await hubspotUnchanged(deps, row, object, fields, record, pairs))) {
      counts.unchanged += 1;
      continue;
    }
    count(counts, await singleSync(deps, row, object, 'hubspot', record.id));
  }
  const next = page.paging?.next?.after;
  return { cursor: next === undefined || next === cursor.at ? null : encode({ phase: 'hubspot', at: next }), counts, ...(total === null ? {} : { total: { value: total, estimate: false } }) };
}

/** Whether every pair of a HubSpot record has its mapped values as last settled, or as Interhubz wrote them (the sweep's test, record-sweep.ts). */
async function hubspotUnchanged(deps: RecordSyncDeps, row: Connection, object: RecordObject, fields: AccountFields, record: CrmObject, pairs: readonly Pair[]): Promise<boolean> {
  const fromHubSpot = row.settings.recordSync[object].mappings.filter((mapping) => mapping.direction !== 'to_hubspot');
  const ours = await writtenByUs(deps, { connectionId: row.id, type: pairTypeOf(object), hubspotId: record.id }, record);
  const notOurs = fromHubSpot.filter((mapping) => Object.hasOwn(HUBSPOT_DERIVED, mapping.hubspot) || !hubspotPropertiesRead(mapping.hubspot).every((property) => ours.has(property)));
  const key = { installKey: deps.hashKey, connectionId: row.id };
  for (const pair of pairs) {
    const baselines = await baselinesOf(deps.db, pair);
    if (!sideUnchanged('hubspot', object, notOurs, fields, key, baselines, (mapping) => hubspotValue(record, mapping.hubspot, {}))) return false;
  }
  return true;
}

/**
 * A filtered record's activity entry, as a live sync's (sync-record.ts): the filter's key, field and
 * operator, never the record's value; detail.filtered is what the sync status counts.
 */
async function recordFiltered(deps: RecordSyncDeps, row: Connection, object: RecordObject, side: Vendor, filtered: ReadonlyArray<{ id: string; verdict: Exclude<FilterVerdict, { pass: true }> }>): Promise<void> {
  if (filtered.length === 0) return;
  const direction = side === 'intercom' ? 'to_hubspot' : 'to_intercom';
  await withTransaction(deps.db, async (trx) => {
    for (const { id, verdict } of filtered) {
      await recordActivity(trx, {
        connectionId: row.id, at: deps.now(), kind: object === 'contacts' ? 'contact' : 'company', subjectId: side === 'intercom' ? id : null, outcome: 'skipped',
        reason: verdict.reason, detail: { side, id, trigger: 'backfill', filtered: { key: verdict.key, direction } },
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The single-record path and its counts

type SingleOutcome = SyncResult | 'failed';

/**
 * One record through the live sync (its activity entry included). A failure the whole page shares
 * (a rate limit, a refused credential, HubSpot down) ends the page, which is done again; one of this
 * record alone is counted as failed, with its own activity entry.
 */
async function singleSync(deps: RecordSyncDeps, row: Connection, object: RecordObject, side: Vendor, id: string): Promise<SingleOutcome> {
  try {
    return await syncRecord(deps, row.id, { object, side, id, dryRun: false });
  } catch (error) {
    if (!(error instanceof UpstreamError) || error.retryable || error.kind === 'unauthorized' || error.kind === 'forbidden') throw error;
    await recordActivity(deps.db, {
      connectionId: row.id, at: deps.now(), kind: object === 'contacts' ? 'contact' : 'company', subjectId: side === 'intercom' ? id : null,
      outcome: 'failed', reason: error.message.slice(0, 300), detail: { side, id, trigger: 'backfill' },
    });
    return 'failed';
  }
}

/** A skipped record (not paired by the matching rules, a record gone) wrote nothing: it counts as unchanged. */
function count(counts: BackfillCounts, outcome: SingleOutcome): void {
  if (outcome === 'failed') counts.failed += 1;
  // A record created with every value it needed is 'unchanged' by its first sync, and still new.
  else if (outcome.outcome !== 'skipped' && outcome.pairs.some((pair) => pair.pairing === 'created')) counts.created += 1;
  else if (outcome.outcome === 'updated') counts.updated += 1;
  else if (outcome.reason?.startsWith('filtered out by ')) counts.skippedByFilter += 1;
  else counts.unchanged += 1;
}
