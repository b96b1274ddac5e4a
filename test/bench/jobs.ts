// `npm run bench -- jobs`: the job table's throughput and lateness.
//   jobs_per_s      enqueue → claim → complete with no-op handlers, each enqueue its own transaction
//                   (as webhook intake does), the scheduler running live with the default settings.
//   sql_floor_per_s the same three statements per job on raw better-sqlite3 in this run: the
//                   baseline the scheduler's overhead is measured against (jobs_vs_floor).
//   p99_lateness_ms how late due jobs start (start − due time) while 100,000 future jobs wait.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigSchema } from '../../src/config/schema.ts';
import { openDb, type SqliteDb as Db } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { createScheduler } from '../../src/jobs/scheduler.ts';
import { defineTask, taskRegistry, type TaskDefinition } from '../../src/jobs/task.ts';
import { createLogger } from '../../src/log.ts';
import type { Progress } from './run.ts';

const THROUGHPUT_JOBS = 20_000;
const FUTURE_JOBS = 100_000;
const LATENESS_JOBS = 2_000;
const defaults = ConfigSchema.parse({}).jobs;

function freshDb(): { db: Db; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-bench-'));
  const db = openDb(join(dir, 'bench.db'));
  migrate(db.sqlite);
  return { db, cleanup: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

function schedulerFor(db: Db, tasks: TaskDefinition[]) {
  const scheduler = createScheduler({
    db: db.kysely,
    tasks: taskRegistry(tasks),
    log: createLogger('silent'),
    concurrency: defaults.concurrency,
    perConnectionConcurrency: defaults.perConnectionConcurrency,
    leaseMs: defaults.leaseSeconds * 1000,
    maxSleepMs: defaults.maxSleepSeconds * 1000,
    backoff: { baseMs: defaults.backoffBaseSeconds * 1000, capMs: defaults.backoffCapSeconds * 1000 },
  });
  const queue = createJobQueue({ db: db.kysely, clock: Date.now, maxAttempts: defaults.maxAttempts, notify: scheduler.notify });
  return { scheduler, queue };
}

async function throughput(progress: Progress): Promise<number> {
  const { db, cleanup } = freshDb();
  let done = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => { finished = resolve; });
  const { scheduler, queue } = schedulerFor(db, [
    defineTask({ name: 'noop', payload: z.object({ n: z.number() }), run: async () => { if (++done === THROUGHPUT_JOBS) finished(); } }),
  ]);
  scheduler.start();
  const started = performance.now();
  for (let n = 0; n < THROUGHPUT_JOBS; n++) await queue.enqueue({ task: 'noop', payload: { n }, connectionId: `c${n % 4}` });
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await scheduler.stop(5000);
  await cleanup();
  progress(`throughput: ${THROUGHPUT_JOBS} jobs in ${seconds.toFixed(2)} s`);
  return THROUGHPUT_JOBS / seconds;
}

function sqlFloor(): number {
  const { db, cleanup } = freshDb();
  const insert = db.sqlite.prepare(`INSERT INTO jobs (task, payload, status, run_at, max_attempts, created_at, updated_at) VALUES ('noop', '{}', 'queued', 0, 3, 0, 0)`);
  const claim = db.sqlite.prepare(`UPDATE jobs SET status = 'running', attempts = attempts + 1 WHERE id = ?`);
  const complete = db.sqlite.prepare(`UPDATE jobs SET status = 'succeeded' WHERE id = ?`);
  const started = performance.now();
  for (let n = 0; n < THROUGHPUT_JOBS; n++) {
    const id = db.sqlite.transaction(() => insert.run().lastInsertRowid)();
    db.sqlite.transaction(() => claim.run(id))();
    db.sqlite.transaction(() => complete.run(id))();
  }
  const rate = THROUGHPUT_JOBS / ((performance.now() - started) / 1000);
  void cleanup();
  return rate;
}

async function lateness(progress: Progress): Promise<number> {
  const { db, cleanup } = freshDb();
  const future = Date.now() + 86_400_000;
  const insert = db.sqlite.prepare(`INSERT INTO jobs (task, payload, connection_id, status, run_at, max_attempts, created_at, updated_at) VALUES ('later', '{}', ?, 'queued', ?, 3, 0, 0)`);
  db.sqlite.transaction(() => {
    for (let n = 0; n < FUTURE_JOBS; n++) insert.run(`c${n % 50}`, future + n);
  })();
  progress(`lateness: ${FUTURE_JOBS} future jobs pending`);
  const late: number[] = [];
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => { finished = resolve; });
  const { scheduler, queue } = schedulerFor(db, [
    defineTask({
      name: 'due',
      payload: z.object({ dueAt: z.number() }),
      run: async ({ dueAt }) => {
        late.push(Date.now() - dueAt);
        if (late.length === LATENESS_JOBS) finished();
      },
    }),
  ]);
  scheduler.start();
  const base = Date.now() + 500;
  for (let n = 0; n < LATENESS_JOBS; n++) {
    const dueAt = base + n * 2;
    await queue.enqueue({ task: 'due', payload: { dueAt }, runAt: dueAt, connectionId: `c${n % 50}` });
  }
  await allDone;
  await scheduler.stop(5000);
  await cleanup();
  late.sort((a, b) => a - b);
  return late[Math.ceil(0.99 * late.length) - 1] ?? 0;
}

export default async function jobs(progress: Progress) {
  const floor = sqlFloor();
  progress(`sql floor: ${Math.round(floor)} jobs/s`);
  const jobsPerS = await throughput(progress);
  const p99 = await lateness(progress);
  return {
    jobs_per_s: Math.round(jobsPerS),
    sql_floor_per_s: Math.round(floor),
    jobs_vs_floor: Number((jobsPerS / floor).toFixed(3)),
    p99_lateness_ms: p99,
  };
}
