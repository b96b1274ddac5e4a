// The heart of "no lost events": a delivery's record and its job commit in one transaction, and
// only then is the webhook answered 200. A repeat of a delivery is found by the unique index (in a
// burst on SQLite, by the keys waiting to go into it: deferred-dedupe.ts) and adds nothing. Only ids,
// the topic and times are written — never the payload.
import { performance } from 'node:perf_hooks';
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { withSyncTransaction } from '../db/transaction.ts';
import { whenWriteLockFree } from '../db/write-lock.ts';
import { preparePlainEnqueue } from '../jobs/queue.ts';
import { createDeferredDedupe, deliveryKey, type DeferredDedupe } from './deferred-dedupe.ts';
import type { EventPayload } from './event-tasks.ts';
import type { Provider } from './signing-secrets.ts';

export interface DeliveryRecord {
  provider: Provider;
  deliveryId: string;
  /** null: no connection knows the workspace or portal (recorded as unrouted). */
  connectionId: string | null;
  accountId: string;
  topic: string;
  objectId: string | null;
  occurredAt: number | null;
  /** What recognises our own write coming back, without its value (src/records/echo-hints.ts). */
  hint?: { propertyName?: string; valueDigest?: string; itemUpdatedAt?: number; itemDigest?: string; mergedFrom?: string };
}

export interface RecordResult {
  accepted: number;
  duplicates: number;
  unrouted: number;
}

/** The job task that reacts to a provider's events (src/webhooks/event-tasks.ts). */
export const eventTask = (provider: Provider) => `${provider}.event`;

const DAY_MS = 86_400_000;

/** YYYY-MM-DD (UTC): the unit unrouted deliveries are counted in. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A delivery not yet routed: the connections it belongs to are looked up inside the commit that
 * records it, so a connection deleted meanwhile is never written to.
 */
export interface RoutedDelivery extends Omit<DeliveryRecord, 'connectionId'> {
  route: {
    /** The account the delivery names: an Intercom workspace id or a HubSpot portal id. */
    account: string | number;
    /** A connection's own app secret signed it: it vouches for that connection only. */
    onlyConnection: string | null;
  };
}

export interface DeliveryRecorder {
  /** Resolves once the records and their jobs are committed (answer 200 only then). */
  record(records: ReadonlyArray<DeliveryRecord | RoutedDelivery>): Promise<RecordResult>;
  /**
   * Whether deliveries are arriving faster than the thread can take them: a recent commit had to take
   * several requests that queued up behind each other, and the event loop was nearly never idle. The
   * scheduler steps back meanwhile (src/jobs/scheduler.ts); with the thread to spare, it does not,
   * so a steady stream the daemon can keep up with builds no backlog.
   */
  busy(): boolean;
  /** Deliveries of a burst whose dedupe index entries are not written yet (SQLite: deferred-dedupe.ts; 0 on PostgreSQL). */
  dedupeWaiting(): number;
  /** Stops moving a burst's deliveries into the dedupe index (before the database closes). */
  close(): void;
}

/** A commit of at least this many requests means they are queueing: one at a time is not a burst. */
const BURST_BATCH = 4;
/** How long a burst's last such commit counts: longer than a gap between two commits in a burst. */
const BURST_HOLD_MS = 100;
/** The event loop's utilisation above which the thread counts as saturated, over ~BURST_HOLD_MS. */
const SATURATED = 0.8;

type Routed = { id: string; status: string };

type DeliveryRow = [provider: string, deliveryId: string, connectionId: string, accountId: string, topic: string, objectId: string | null, occurredAt: number | null, receivedAt: number];
const DELIVERY_COLUMNS = '(provider, delivery_id, connection_id, account_id, topic, object_id, occurred_at, received_at, status, deduped)';
const DELIVERY_VALUES = (deduped: 0 | 1) => `(?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ${deduped})`;

/** The most rows one INSERT of a burst's deliveries takes (a commit takes up to ~32 in the bench). */
const ROWS_PER_INSERT = 16;

/**
 * A burst's rows (deduped 0: outside the unique index, so none can conflict), written by one INSERT
 * of several rows instead of one each: a statement's own cost (binding, stepping, resetting, the call
 * into SQLite) was a fifth of a delivery's share of the commit. Statements are prepared per row count
 * on first use. The ids come back in insertion order once sorted: a new rowid is the largest plus one.
 */
function deferredInserts(sqlite: SQLite.Database): (rows: readonly DeliveryRow[]) => number[] {
  const byCount: Array<SQLite.Statement<unknown[], number>> = [];
  const statement = (count: number) =>
    (byCount[count] ??= sqlite.prepare<unknown[], number>(`INSERT INTO webhook_deliveries ${DELIVERY_COLUMNS} VALUES ${Array.from({ length: count }, () => DELIVERY_VALUES(0)).join(', ')} RETURNING id`).pluck());
  return (rows) => {
    const ids: number[] = [];
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT);
      ids.push(...statement(chunk.length).all(chunk.flat()).sort((a, b) => a - b));
    }
    return ids;
  };
}

/** The hot path's statements, prepared once: a delivery costs a few µs of SQLite, not a query build. */
function prepareStatements(sqlite: SQLite.Database) {
  return {
    route: {
      intercom: sqlite.prepare<[string], Routed>('SELECT id, status FROM connections WHERE intercom_workspace_id = ?'),
      intercomOne: sqlite.prepare<[string, string], Routed>('SELECT id, status FROM connections WHERE intercom_workspace_id = ? AND id = ?'),
      hubspot: sqlite.prepare<[number], Routed>('SELECT id, status FROM connections WHERE hubspot_portal_id = ?'),
      hubspotOne: sqlite.prepare<[number, string], Routed>('SELECT id, status FROM connections WHERE hubspot_portal_id = ? AND id = ?'),
      /** A record routed by its caller (the reconcile sweep): its connection's status. */
      status: sqlite.prepare<[string], { status: string }>('SELECT status FROM connections WHERE id = ?'),
    },
    /** Into the dedupe index (deduped 1): a repeat conflicts and writes nothing. */
    delivery: sqlite.prepare<DeliveryRow>(`INSERT INTO webhook_deliveries ${DELIVERY_COLUMNS} VALUES ${DELIVERY_VALUES(1)} ON CONFLICT DO NOTHING`),
    deferred: deferredInserts(sqlite),
    unrouted: sqlite.prepare<[string, string], unknown>(
      'INSERT INTO webhook_unrouted_counts (provider, day, count) VALUES (?, ?, 1) ON CONFLICT (provider, day) DO UPDATE SET count = count + 1',
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function connectionsOf(statements: Statements, provider: Provider, route: RoutedDelivery['route']): Routed[] {
  const { account, onlyConnection } = route;
  if (provider === 'intercom') {
    return onlyConnection === null ? statements.route.intercom.all(String(account)) : statements.route.intercomOne.all(String(account), onlyConnection);
  }
  const portal = Number(account);
  return onlyConnection === null ? statements.route.hubspot.all(portal) : statements.route.hubspotOne.all(portal, onlyConnection);
}

/** A record with its connection's status, read in the commit (a needs_reauth connection's job starts parked). */
type WithStatus = DeliveryRecord & { connectionStatus: string | null };

/** Within one commit: the connections of each route asked already (a burst names the same account). */
type RouteMemo = Map<string, Routed[]>;

function routed(statements: Statements, records: ReadonlyArray<DeliveryRecord | RoutedDelivery>, memo: RouteMemo): WithStatus[] {
  const out: WithStatus[] = [];
  for (const record of records) {
    if (!('route' in record)) {
      const connectionStatus = record.connectionId === null ? null : (statements.route.status.get(record.connectionId)?.status ?? null);
      out.push({ ...record, connectionStatus });
      continue;
    }
    const { route, ...base } = record;
    const key = `${record.provider}\u0000${route.account}\u0000${route.onlyConnection ?? ''}`;
    let connections = memo.get(key);
    if (!connections) memo.set(key, (connections = connectionsOf(statements, record.provider, route)));
    if (connections.length === 0) out.push({ ...base, connectionId: null, connectionStatus: null });
    else for (const connection of connections) out.push({ ...base, connectionId: connection.id, connectionStatus: connection.status });
  }
  return out;
}

interface WriteDeps {
  statements: Statements;
  enqueue: ReturnType<typeof preparePlainEnqueue>;
  maxAttempts: number;
  dedupe: DeferredDedupe;
}

/** A commit's rows either go into the dedupe index at once or, in a burst, wait (deferred-dedupe.ts). */
interface DedupeMode {
  defer: boolean;
  /** The keys this commit left waiting: forgotten again if it rolls back. */
  added: string[];
}

/**
 * Events of one connection as job payloads: one event as itself, several as `{ events }` batches
 * whose JSON stays within `maxBytes` (a job's payload carries ids and small values only).
 */
export function eventJobPayloads(events: readonly EventPayload[], maxBytes: number): Array<EventPayload | { events: EventPayload[] }> {
  if (events.length === 1) return [events[0] as EventPayload];
  const payloads: Array<{ events: EventPayload[] }> = [];
  let current: EventPayload[] = [];
  // `{"events":[` + `]}` and a comma per event after the first.
  let bytes = 13;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (current.length > 0 && bytes + size > maxBytes) {
      payloads.push({ events: current });
      current = [];
      bytes = 13;
    }
    current.push(event);
    bytes += size;
  }
  payloads.push({ events: current });
  return payloads;
}

/** Room for a batch within the job table's payload limit (src/jobs/queue.ts, 4 KB). */
export const BATCH_PAYLOAD_BYTES = 3_500;

/**
 * The records of every request in a commit, each request's counted apart; the accepted events of
 * each connection, across requests and in arrival order, become one job (or a few).
 */
function writeDeliveries(deps: WriteDeps, requests: ReadonlyArray<readonly WithStatus[]>, now: number, mode: DedupeMode): { results: RecordResult[]; queued: boolean } {
  const results: RecordResult[] = [];
  let queued = false;
  // In arrival order; a burst's rows get their ids when written together after the loop.
  const accepted: Array<{ record: WithStatus; connectionId: string; id: number }> = [];
  const deferred: Array<{ row: DeliveryRow; entry: { id: number } }> = [];
  for (const records of requests) {
    const result = { accepted: 0, duplicates: 0, unrouted: 0 };
    results.push(result);
    for (const record of records) {
      if (record.connectionId === null) {
        // No connection knows the account: nothing will act on it, so only a count per provider and
        // day is kept (a row each would let any signed sender grow the table without bound).
        deps.statements.unrouted.run(record.provider, utcDay(now));
        result.unrouted += 1;
        continue;
      }
      // A repeat of a burst's delivery finds its key waiting (one earlier in this commit too: its key
      // is added before the rows are written); in a burst, one of an older delivery is looked up in
      // the index (a read); otherwise the insert's conflict with the index says it.
      const key = deliveryKey(record.provider, record.deliveryId, record.connectionId);
      if (deps.dedupe.waiting(key) || (mode.defer && deps.dedupe.indexed(record.provider, record.deliveryId, record.connectionId))) {
        result.duplicates += 1;
        continue;
      }
      const row: DeliveryRow = [record.provider, record.deliveryId, record.connectionId, record.accountId, record.topic, record.objectId, record.occurredAt, now];
      if (mode.defer) {
        deps.dedupe.add(key);
        mode.added.push(key);
        const entry = { record, connectionId: record.connectionId, id: 0 };
        accepted.push(entry);
        deferred.push({ row, entry });
      } else {
        const inserted = deps.statements.delivery.run(...row);
        if (inserted.changes === 0) {
          result.duplicates += 1;
          continue;
        }
        accepted.push({ record, connectionId: record.connectionId, id: Number(inserted.lastInsertRowid) });
      }
      result.accepted += 1;
    }
  }
  if (deferred.length > 0) {
    const ids = deps.statements.deferred(deferred.map(({ row }) => row));
    // Each event must name its own row: anything else rolls the commit back (no request is answered 200).
    if (ids.length !== deferred.length) throw new Error(`${ids.length} delivery rows written for ${deferred.length} deliveries`);
    deferred.forEach(({ entry }, index) => (entry.id = ids[index] as number));
  }
  const byConnection = new Map<string, { provider: Provider; connectionId: string; connectionStatus: string | null; events: EventPayload[] }>();
  for (const { record, connectionId, id } of accepted) {
    const group = `${record.provider}\u0000${connectionId}`;
    let events = byConnection.get(group);
    if (!events) byConnection.set(group, (events = { provider: record.provider, connectionId, connectionStatus: record.connectionStatus, events: [] }));
    events.events.push({ deliveryId: id, topic: record.topic, objectId: record.objectId, occurredAt: record.occurredAt, ...(record.hint ? { hint: record.hint } : {}) });
  }
  for (const { provider, connectionId, connectionStatus, events } of byConnection.values()) {
    for (const payload of eventJobPayloads(events, BATCH_PAYLOAD_BYTES)) {
      const job = deps.enqueue({ task: eventTask(provider), payload, connectionId, connectionStatus }, { now, maxAttempts: deps.maxAttempts });
      if (job.status === 'queued') queued = true;
    }
  }
  return { results, queued };
}

/** What a group commit wrote: each request's counts, in order, and whether any job is due now. */
export interface CommittedDeliveries {
  now: number;
  results: RecordResult[];
  queued: boolean;
}

/** A group commit done with Kysely (PostgreSQL: src/webhooks/record-deliveries-postgres.ts). */
export type CommitDeliveries = (
  db: Kysely<Database>,
  requests: ReadonlyArray<ReadonlyArray<DeliveryRecord | RoutedDelivery>>,
  options: { clock: () => number; maxAttempts: number },
) => Promise<CommittedDeliveries>;

export type DeliveryRecorderOptions = {
  db: Kysely<Database>;
  /** Told when moving a burst's deliveries into the dedupe index failed (it is tried again shortly). */
  onError?: (error: unknown) => void;
  clock: () => number;
  /** jobs.maxAttempts, for the event jobs. */
  maxAttempts: number;
  /** Wakes the scheduler when a commit queued jobs due now (src/jobs/wake-ups.ts). */
  notify(runAt: number): void;
} & (
  | {
      /** SQLite: the same database's raw handle: the group commit runs as one synchronous transaction on it. */
      sqlite: SQLite.Database;
    }
  | {
      /** PostgreSQL: the group commit as one Kysely transaction; commits run one after another, in arrival order. */
      commit: CommitDeliveries;
    }
);

/**
 * Group commit: deliveries that arrive together (the same event-loop turn) are written in one
 * transaction, and each request is answered when that transaction has committed. Durability per
 * delivery is unchanged; a burst costs one commit instead of one each (`npm run bench -- ingest`).
 *
 * The transaction is better-sqlite3's own, synchronous, with prepared statements: routing, the
 * delivery rows and their jobs in one go, with no await inside. It runs while holding Kysely's
 * connection (`db.connection()`), so it can never interleave with — or be swallowed by — a Kysely
 * transaction open on the same connection between its awaits. In a burst its rows' dedupe index
 * entries are written after it (deferred-dedupe.ts). On PostgreSQL the same commit is a Kysely
 * transaction (`commit`, src/webhooks/record-deliveries-postgres.ts).
 */
export function createDeliveryRecorder(options: DeliveryRecorderOptions): DeliveryRecorder {
  let batch: Array<{ records: ReadonlyArray<DeliveryRecord | RoutedDelivery>; resolve: (result: RecordResult) => void; reject: (error: unknown) => void }> = [];
  let burstUntil = 0;
  const inBurst = () => performance.now() < burstUntil;
  const store = 'sqlite' in options ? sqliteCommit(options, options.sqlite, inBurst) : { commit: kyselyCommit(options, options.commit), waiting: () => 0, close: () => undefined };

  // The loop's utilisation over the last stretch of at least BURST_HOLD_MS, read at commits.
  let loopSince = performance.eventLoopUtilization();
  let loopUse = 0;
  const flush = async () => {
    const pending = batch;
    batch = [];
    if (pending.length >= BURST_BATCH) {
      const now = performance.now();
      burstUntil = now + BURST_HOLD_MS;
      const stretch = performance.eventLoopUtilization(loopSince);
      if (stretch.idle + stretch.active >= BURST_HOLD_MS) {
        loopUse = stretch.utilization;
        loopSince = performance.eventLoopUtilization();
      }
    }
    try {
      const { now, results, queued } = await store.commit(pending.map((entry) => entry.records));
      if (queued) options.notify(now);
      pending.forEach((entry, index) => entry.resolve(results[index] as RecordResult));
    } catch (error) {
      // Nothing of the batch was committed: every request in it is answered with an error, and the
      // vendors deliver again.
      for (const entry of pending) entry.reject(error);
    }
  };
  return {
    close: store.close,
    dedupeWaiting: store.waiting,
    busy: () => loopUse >= SATURATED && inBurst(),
    record(records) {
      return new Promise<RecordResult>((resolve, reject) => {
        if (batch.length === 0) setImmediate(() => void flush());
        batch.push({ records, resolve, reject });
      });
    },
  };
}

type BatchCommit = (requests: ReadonlyArray<ReadonlyArray<DeliveryRecord | RoutedDelivery>>) => Promise<CommittedDeliveries>;

/** How often, out of a burst, a chunk of the burst's deliveries is moved into the dedupe index. */
const DEDUPE_CATCH_UP_MS = 50;
/** Rows a chunk moves: ~25 µs each, so a few ms of the thread at a time (the p99 at a steady rate). */
const DEDUPE_CATCH_UP_ROWS = 128;

function sqliteCommit(options: Pick<DeliveryRecorderOptions, 'db' | 'clock' | 'maxAttempts' | 'onError'>, sqlite: SQLite.Database, inBurst: () => boolean): { commit: BatchCommit; waiting: () => number; close: () => void } {
  const dedupe = createDeferredDedupe(sqlite);
  let deps: WriteDeps | undefined;
  const writeDeps = () => (deps ??= { statements: prepareStatements(sqlite), enqueue: preparePlainEnqueue(sqlite), maxAttempts: options.maxAttempts, dedupe });
  // Holding Kysely's connection, no Kysely transaction can be open on it; if one were, the work
  // would join it as a savepoint and commit or roll back with someone else's work. The write lock
  // is waited for on a timer (write-lock.ts): what arrives meanwhile is read and gathered into the
  // next group.
  const holdingWriteLock = <T>(transaction: () => T) =>
    options.db.connection().execute(async () => {
      if (sqlite.inTransaction) throw new Error('the database connection is inside a transaction that Kysely does not know of');
      return whenWriteLockFree(sqlite, transaction);
    });

  let catchUp: NodeJS.Timeout | undefined;
  let closed = false;
  /** Told once per run of failures, not every 50 ms (a full disk would flood the log). */
  let failing = false;
  const stopCatchUp = () => {
    clearInterval(catchUp);
    catchUp = undefined;
  };
  const moveChunk = () => {
    if (inBurst()) return;
    void holdingWriteLock(() => {
      if (dedupe.size() === 0) return stopCatchUp();
      dedupe.remove(withSyncTransaction(sqlite, () => dedupe.moveIn(DEDUPE_CATCH_UP_ROWS)));
      failing = false;
    }).catch((error: unknown) => {
      // Closed under it (a shutdown, a test's teardown): nothing is left to move.
      if (closed || !sqlite.open) return stopCatchUp();
      if (!failing) options.onError?.(error);
      failing = true;
    });
  };
  const startCatchUp = () => {
    if (catchUp || closed) return;
    catchUp = setInterval(moveChunk, DEDUPE_CATCH_UP_MS);
    catchUp.unref();
  };
  // Rows a previous run left waiting (a crash in a burst) are moved in too.
  startCatchUp();

  const commit = (requests: ReadonlyArray<ReadonlyArray<DeliveryRecord | RoutedDelivery>>) => {
    const mode: DedupeMode = { defer: inBurst() && dedupe.canDefer(), added: [] };
    try {
      return withSyncTransaction(sqlite, () => {
        const write = writeDeps();
        const now = options.clock();
        const memo: RouteMemo = new Map();
        return { now, ...writeDeliveries(write, requests.map((records) => routed(write.statements, records, memo)), now, mode) };
      });
    } catch (error) {
      dedupe.remove(mode.added);
      throw error;
    } finally {
      if (mode.added.length > 0) startCatchUp();
    }
  };
  return {
    commit: (requests) => holdingWriteLock(() => commit(requests)),
    waiting: () => dedupe.size(),
    close() {
      closed = true;
      stopCatchUp();
    },
  };
}

/**
 * With a pool of connections, a second batch could commit beside the first and overtake it: the
 * commits are chained instead, so a connection's event jobs are numbered in arrival order (and
 * the next batch gathers what arrives meanwhile).
 */
function kyselyCommit(options: Pick<DeliveryRecorderOptions, 'db' | 'clock' | 'maxAttempts'>, commit: CommitDeliveries): BatchCommit {
  let previous: Promise<unknown> = Promise.resolve();
  return (requests) => {
    const next = previous.then(() => commit(options.db, requests, { clock: options.clock, maxAttempts: options.maxAttempts }));
    previous = next.catch(() => undefined);
    return next;
  };
}

/**
 * Deletes delivery records received before the retention (jobs.keepWebhookDeliveriesDays), and
 * unrouted counts of days before it. A record only deduplicates vendor retries (minutes to hours)
 * and answers "last received", so weeks of them are plenty. Returns how many rows went.
 */
export async function purgeOldDeliveries(db: Kysely<Database>, options: { now: number; keepDays: number }): Promise<number> {
  const cutoff = options.now - options.keepDays * DAY_MS;
  // One connection at a time, along webhook_deliveries_by_connection (connection_id, received_at, …):
  // no index on received_at alone is kept, so that each delivery writes one index entry less
  // (migration 0038). The connections are those with rows, deleted ones included, found by seeking
  // from one to the next in that index rather than reading every row.
  const owners = await sql<{ id: string }>`
    WITH RECURSIVE owners(id) AS (
      SELECT min(connection_id) FROM webhook_deliveries
      UNION ALL
      SELECT (SELECT min(connection_id) FROM webhook_deliveries WHERE connection_id > owners.id) FROM owners WHERE owners.id IS NOT NULL
    )
    SELECT id FROM owners WHERE id IS NOT NULL`.execute(db);
  let purged = 0;
  for (const owner of [null, ...owners.rows.map((row) => row.id)]) {
    const deleted = await db
      .deleteFrom('webhook_deliveries')
      .where((eb) => (owner === null ? eb('connection_id', 'is', null) : eb('connection_id', '=', owner)))
      .where('received_at', '<', cutoff)
      .executeTakeFirst();
    purged += Number(deleted.numDeletedRows);
  }
  const counts = await db.deleteFrom('webhook_unrouted_counts').where('day', '<', utcDay(cutoff)).executeTakeFirst();
  return purged + Number(counts.numDeletedRows);
}
