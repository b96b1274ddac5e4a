// Several real daemons (`node src/main.ts`) sharing one store, as an operator runs replicas behind a
// load balancer (issue #21 items 5 and 6), and what a test or a bench needs around them: signed
// Intercom deliveries sent to any replica, a replica SIGKILLed, the jobs it held at that moment, and
// an audit of the job table afterwards (deliveries that never became jobs, jobs left unfinished,
// jobs that ran more than once without their replica having died under them).
// Shared by test/replicas/three-replicas.test.ts and test/bench/replicas.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.ts';
import type { Db } from '../../src/db/database.ts';
import type { JobStatus } from '../../src/db/schema.ts';
import { notifySchedulers } from '../../src/jobs/wake-ups.ts';
import { RECONCILE_TASK, reconcileKey } from '../../src/reconcile/reconcile-task.ts';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { intercomSignature } from '../../src/webhooks/intercom-signature.ts';
import { TEST_SECRET_KEY } from './capture-sims.ts';
import type { DeepPartial } from './config.ts';
import { freePort, runDaemon, type DaemonProcess } from './daemon-process.ts';
import type { Teardownable } from './server.ts';

export interface Replica {
  index: number;
  url: string;
  pid: number;
  process: DaemonProcess;
  alive(): boolean;
  /** SIGKILL, as a crashed container or a lost node: no shutdown, no lease handed back. */
  kill(): Promise<void>;
}

export interface ReplicaOptions {
  count: number;
  /** The shared PostgreSQL database; absent, each replica has the SQLite file of its own data directory. */
  databaseUrl?: string;
  /** One data directory per replica (for SQLite, one already holding the database); fresh ones by default. */
  dataDirs?: string[];
  /** The configuration file's contents (YAML is a superset of JSON: written as JSON). */
  config?: DeepPartial<Config>;
  logLevel?: string;
}

const ADMIN_PASSWORD = 'replica-admin-password';
const READY_TIMEOUT_MS = 90_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `count` daemons on their own ports and waits until each answers /readyz with 200; all are stopped at teardown. */
export async function startReplicas(t: Teardownable, options: ReplicaOptions): Promise<Replica[]> {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-replicas-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, JSON.stringify(options.config ?? {}));
  const replicas: Replica[] = [];
  t.teardown(async () => {
    await Promise.all(replicas.map(async (replica) => {
      if (!replica.alive()) return;
      replica.process.child.kill('SIGTERM');
      const stopped = await Promise.race([replica.process.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!stopped) await replica.kill();
    }));
    rmSync(dir, { recursive: true, force: true });
  });
  for (let index = 0; index < options.count; index++) {
    const dataDir = options.dataDirs?.[index] ?? mkdtempSync(join(dir, `data-${index}-`));
    const port = await freePort();
    const run = runDaemon({
      DATA_DIR: dataDir,
      PORT: String(port),
      INTERHUBZ_CONFIG: configFile,
      INTERHUBZ_SECRET_KEY: TEST_SECRET_KEY,
      INTERHUBZ_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: options.logLevel ?? 'warn',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    });
    let exited = false;
    void run.exited.then(() => (exited = true));
    replicas.push({
      index,
      url: `http://127.0.0.1:${port}`,
      pid: run.child.pid ?? -1,
      process: run,
      alive: () => !exited,
      async kill() {
        if (exited) return;
        run.child.kill('SIGKILL');
        await run.exited;
      },
    });
  }
  // Started together (they migrate and seed the shared database at once, as a rollout does), then waited for.
  await Promise.all(replicas.map((replica) => waitReady(replica)));
  return replicas;
}

async function waitReady(replica: Replica): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!replica.alive()) throw new Error(`replica ${replica.index} exited before it was ready:\n${replica.process.stdout()}\n${replica.process.stderr()}`);
    const ok = await fetch(`${replica.url}/readyz`).then((response) => response.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`replica ${replica.index} was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${replica.process.stderr()}`);
    await sleep(100);
  }
}

export interface SignedDelivery {
  /** The notification's id: what the intake deduplicates by. */
  id: string;
  body: string;
  signature: string;
}

/**
 * An Intercom notification_event about a conversation (intercom-api.md §2.3: the envelope, its id,
 * app_id the workspace, created_at in seconds; X-Hub-Signature the HMAC-SHA1 of the raw body keyed
 * with the app's client secret), signed with `secret` as test/bench/ingest.ts does. The item holds
 * no content: the capture fetches the conversation fresh.
 */
export function intercomDelivery(secret: string, input: { id: string; workspaceId: string; topic: string; conversationId: string; createdAt?: number }): SignedDelivery {
  const body = JSON.stringify({
    type: 'notification_event',
    id: input.id,
    topic: input.topic,
    app_id: input.workspaceId,
    created_at: Math.floor((input.createdAt ?? Date.now()) / 1000),
    data: { type: 'notification_event_data', item: { type: 'conversation', id: input.conversationId, state: 'closed' } },
  });
  return { id: input.id, body, signature: intercomSignature(Buffer.from(body), secret) };
}

export interface DeliveryAnswer {
  /** The HTTP status, or 0 when nothing answered (a dead replica). */
  status: number;
  /** What the intake reports (src/webhooks/record-deliveries.ts RecordResult): a duplicate counts under `duplicates`. */
  accepted?: number;
  duplicates?: number;
}

/** POSTs a delivery to one replica's /webhooks/intercom. */
export async function deliver(replica: Replica, delivery: SignedDelivery): Promise<DeliveryAnswer> {
  try {
    const response = await fetch(`${replica.url}/webhooks/intercom`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': delivery.signature },
      body: delivery.body,
    });
    const body = (await response.json().catch(() => ({}))) as { accepted?: number; duplicates?: number };
    return { status: response.status, ...(typeof body.accepted === 'number' ? { accepted: body.accepted } : {}), ...(typeof body.duplicates === 'number' ? { duplicates: body.duplicates } : {}) };
  } catch {
    return { status: 0 };
  }
}

/** The replica's scheduler's lease tokens are `${hostname}:${pid}:${random}#${nonce}` (src/jobs/scheduler.ts, claim.ts). */
const lockedByPid = (pid: number) => `%:${pid}:%`;

/** Jobs running under a lease of the replica whose process id is `pid`. */
async function jobsHeldBy(db: Db, pid: number): Promise<Array<{ id: number; task: string }>> {
  return db.kysely.selectFrom('jobs').select(['id', 'task']).where('status', '=', 'running').where('locked_by', 'like', lockedByPid(pid)).execute();
}

/** Waits until the replica holds a running job of `task`, then SIGKILLs it; returns the jobs it held. */
export async function killWhileHolding(db: Db, replica: Replica, task: string, timeoutMs = 60_000): Promise<Set<number>> {
  const deadline = Date.now() + timeoutMs;
  while (!(await jobsHeldBy(db, replica.pid)).some((job) => job.task === task)) {
    if (Date.now() > deadline) throw new Error(`replica ${replica.index} never held a running ${task} job`);
    await sleep(10);
  }
  await replica.kill();
  // A claim whose COMMIT the dead process had already sent still commits: read the leases after it has.
  await sleep(1_000);
  return new Set((await jobsHeldBy(db, replica.pid)).map((job) => job.id));
}

/**
 * Brings every pending reconciliation sweep forward to now and wakes the replicas: right after a kill,
 * a survivor sweeps while the dead replica's leases still hold, and queues newer captures of the
 * conversations that replica was capturing (their runs end superseded; the newer jobs do the work).
 */
export async function sweepNow(db: Db): Promise<void> {
  // The chore that schedules sweeps runs at each minute's start: a run shorter than that may have none yet.
  const connections = await db.kysely.selectFrom('connections').select('id').where('status', '=', 'active').execute();
  for (const { id } of connections) {
    await enqueueJob(db.kysely, { task: RECONCILE_TASK, payload: {}, connectionId: id, key: reconcileKey(id), keyMode: 'replace', runAt: Date.now() }, { now: Date.now(), maxAttempts: 10 });
  }
  await notifySchedulers(db.kysely, null);
}

/** The delivery ids the event jobs carry: a job holds one event, or a batch (src/webhooks/event-tasks.ts). */
function eventDeliveryIds(payload: string): number[] {
  const parsed = JSON.parse(payload) as { deliveryId?: number; events?: Array<{ deliveryId: number }> };
  return parsed.events ? parsed.events.map((event) => event.deliveryId) : parsed.deliveryId === undefined ? [] : [parsed.deliveryId];
}

export interface JobAudit {
  /** Accepted deliveries (by notification id) with no row in webhook_deliveries. */
  unrecorded: string[];
  /** Notification ids recorded more than once. */
  recordedTwice: string[];
  /** Accepted deliveries whose row no event job carries. */
  withoutJob: string[];
  /** Jobs due or running that should have finished (queued and due, or running past their lease). */
  unfinished: Array<{ id: number; task: string; status: JobStatus }>;
  /** Jobs that ended failed, parked or cancelled (a superseded run only when the newer job of its key did not succeed). */
  notSucceeded: Array<{ id: number; task: string; status: JobStatus; lastError: string | null }>;
  /** Jobs that ran more than once although no replica died holding them. */
  doubleRuns: Array<{ id: number; task: string; attempts: number }>;
  /** Jobs the killed replica held that another replica then ran again (expected: the contract allows it). */
  rerunAfterKill: number;
  /** Jobs the killed replica held whose work a newer job of the same key took over (and did). */
  supersededAfterKill: number;
}

/**
 * The job table after a run: every accepted delivery recorded once and carried by an event job; no
 * job left due or running; attempts above one only for the jobs a killed replica held (`heldAtKill`).
 * Only jobs with an id above `sinceJobId` count (earlier work of the same database is not this run's).
 */
export async function auditJobs(db: Db, input: { accepted: readonly string[]; heldAtKill: ReadonlySet<number>; sinceJobId?: number; now?: number }): Promise<JobAudit> {
  const now = input.now ?? Date.now();
  const since = input.sinceJobId ?? 0;
  const rows = input.accepted.length === 0 ? [] : await db.kysely.selectFrom('webhook_deliveries').select(['id', 'delivery_id']).where('provider', '=', 'intercom').where('delivery_id', 'in', [...input.accepted]).execute();
  const byDelivery = new Map<string, number[]>();
  for (const row of rows) byDelivery.set(row.delivery_id, [...(byDelivery.get(row.delivery_id) ?? []), row.id]);
  const jobs = await db.kysely.selectFrom('jobs').select(['id', 'task', 'status', 'attempts', 'payload', 'run_at', 'locked_until', 'last_error', 'superseded_by']).where('id', '>', since).execute();
  const byId = new Map(jobs.map((job) => [job.id, job]));
  // A run whose key went to a newer job ends cancelled as superseded: its work is the newer job's
  // (src/jobs/queue.ts detachingRun). It counts as that chain's last job does.
  const lastOfChain = (job: (typeof jobs)[number]) => {
    let end = job;
    for (let next = byId.get(end.superseded_by ?? -1); end.status === 'cancelled' && next; next = byId.get(end.superseded_by ?? -1)) end = next;
    return end;
  };
  const carried = new Set(jobs.filter((job) => job.task === 'intercom.event').flatMap((job) => eventDeliveryIds(job.payload)));
  const unique = [...new Set(input.accepted)];
  return {
    unrecorded: unique.filter((id) => !byDelivery.has(id)),
    recordedTwice: unique.filter((id) => (byDelivery.get(id)?.length ?? 0) > 1),
    withoutJob: unique.filter((id) => byDelivery.has(id) && !(byDelivery.get(id) ?? []).some((row) => carried.has(row))),
    unfinished: jobs
      .filter((job) => (job.status === 'queued' && job.run_at <= now) || (job.status === 'running' && (job.locked_until ?? 0) <= now))
      .map(({ id, task, status }) => ({ id, task, status })),
    notSucceeded: jobs.filter((job) => lastOfChain(job).status !== 'succeeded' && ['failed', 'parked', 'cancelled'].includes(job.status)).map(({ id, task, status, last_error }) => ({ id, task, status, lastError: last_error })),
    doubleRuns: jobs.filter((job) => job.attempts > 1 && !input.heldAtKill.has(job.id)).map(({ id, task, attempts }) => ({ id, task, attempts })),
    rerunAfterKill: jobs.filter((job) => job.attempts > 1 && input.heldAtKill.has(job.id)).length,
    supersededAfterKill: jobs.filter((job) => input.heldAtKill.has(job.id) && job.status === 'cancelled' && job.superseded_by !== null && lastOfChain(job).status === 'succeeded').length,
  };
}

/** The highest job id so far (0 for none): a run's jobs are those above it. */
export async function lastJobId(db: Db): Promise<number> {
  const row = await db.kysely.selectFrom('jobs').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Notes in the HubSpot simulator per marker: each conversation's messages carry a marker of its own. */
export function notesPerMarker(notes: ReadonlyArray<{ properties: Record<string, string | null | undefined> }>, markers: readonly string[]): Map<string, number> {
  const counts = new Map(markers.map((marker) => [marker, 0]));
  for (const note of notes) {
    const body = note.properties.hs_note_body ?? '';
    for (const marker of markers) if (body.includes(marker)) counts.set(marker, (counts.get(marker) ?? 0) + 1);
  }
  return counts;
}
