// The write-ahead log under writes that never pause: SQLite restarts the WAL from its beginning only
// when a writer finds every frame checkpointed, which a steady stream of commits never allows, so
// without a bound the file grew by every commit (2.6 GB after the ingest bench's 10-s burst). The
// checkpoint worker restarts it once it passes `walRestartBytes`; for that it takes the write lock,
// and the main connection's transactions must wait for it rather than fail.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import t from 'tap';
import { openDb } from '../../src/db/database.ts';
import { withSyncTransaction } from '../../src/db/transaction.ts';
import { makeDataDir } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';
import { holdWriteLock } from '../helpers/write-lock-holder.ts';

const walSize = (path: string) => {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
};

t.test('a WAL written without pause stays bounded: the checkpoint worker restarts it', async (t) => {
  const path = join(makeDataDir(t), 'interhubz.db');
  const restartBytes = 2 * 1024 * 1024;
  const db = openDb(path, { walRestartBytes: restartBytes });
  t.teardown(() => db.close());
  db.sqlite.exec('CREATE TABLE stream (data BLOB)');
  // Four rows of most of a page each: about four frames a commit.
  const insert = db.sqlite.prepare('INSERT INTO stream SELECT randomblob(3000) FROM (VALUES (1), (2), (3), (4))');
  const pageBytes = db.sqlite.pragma('page_size', { simple: true }) as number;

  // A commit every millisecond or so until ~100 MB of frames are written (each commit appends at
  // least four: a page and its 24-byte header each): the writer never leaves the checkpoint a moment
  // with nothing new, so SQLite alone would never start the WAL over.
  const commits = Math.ceil((100 * 1024 * 1024) / (4 * (pageBytes + 24)));
  let largest = 0;
  for (let i = 0; i < commits; i++) {
    insert.run();
    largest = Math.max(largest, walSize(path));
    await sleep(1);
  }
  t.equal(Number(db.sqlite.prepare('SELECT count(*) FROM stream').pluck().get()), 4 * commits, 'every commit kept');
  t.ok(db.checkpointing(), 'the worker ran');
  // The worker wakes at 4 MB (looked for once a second) and checkpoints every 250 ms; the file keeps
  // its high-water mark after a restart (~30 MB here). Unbounded it grows by all of the above.
  t.ok(largest < 48 * 1024 * 1024, `the WAL stayed under 48 MB (largest ${largest} bytes)`);
});

t.test("a transaction that reads and then writes waits for the checkpoint's write lock instead of failing", async (t) => {
  const path = join(makeDataDir(t), 'interhubz.db');
  const db = openDb(path);
  t.teardown(() => db.close());
  db.sqlite.exec('CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)');

  // Another connection holds the write lock for 300 ms.
  const { released } = await holdWriteLock(path, 300);

  // Kysely: a read, then a write, in one transaction (a deferred BEGIN would get SQLITE_BUSY at the write).
  await db.kysely.transaction().execute(async (trx) => {
    const { n } = (await sql<{ n: number }>`SELECT n FROM counter`.execute(trx)).rows[0]!;
    await sql`UPDATE counter SET n = ${n + 1}`.execute(trx);
  });
  // The synchronous transactions (the intake's group commit) too.
  withSyncTransaction(db.sqlite, () => {
    const n = db.sqlite.prepare('SELECT n FROM counter').pluck().get() as number;
    db.sqlite.prepare('UPDATE counter SET n = ?').run(n + 1);
  });
  t.equal(db.sqlite.prepare('SELECT n FROM counter').pluck().get(), 2, 'both transactions committed');
  t.equal(await released, 0);
});

t.test('a RESTART that finds a reader still on the WAL gives up at once: commits do not wait for that reader', async (t) => {
  const path = join(makeDataDir(t), 'interhubz.db');
  const restartBytes = 1024 * 1024;
  const db = openDb(path, { walRestartBytes: restartBytes });
  t.teardown(() => db.close());
  db.sqlite.exec('CREATE TABLE stream (data BLOB)');
  const insert = db.sqlite.prepare('INSERT INTO stream VALUES (randomblob(3000))');
  const restartFrames = restartBytes / ((db.sqlite.pragma('page_size', { simple: true }) as number) + 24);
  // The worker starts once the WAL holds 4 MB.
  await until('the checkpoint worker to start', async () => {
    for (let i = 0; i < 200; i++) insert.run();
    await sleep(20);
    return db.checkpointing();
  });

  // A reader (as the daemon's own queries, the UI's, a backup's) on the WAL's newest frame, with more
  // than restartBytes of frames before it and all of them copied: the worker's next tick finds a
  // RESTART due, and this reader is all that stops it. `probe` runs the PASSIVE the worker runs.
  const reader = new SQLite(path);
  const probe = new SQLite(path);
  t.teardown(() => {
    reader.close();
    probe.close();
  });
  const walFrames = () => (probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>)[0]!;
  await until('a reader on a WAL due for a restart', async () => {
    for (let i = 0; i < 400; i++) insert.run();
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM stream').get();
    const { log, checkpointed } = walFrames();
    if (log >= restartFrames && checkpointed === log) return true;
    reader.exec('COMMIT');
    await sleep(5);
    return false;
  });

  // Commits go on meanwhile (the main connection waits up to 5 s for the write lock). When the
  // worker's RESTART waited for the reader with the lock held (its busy timeout, 1 s, then again at
  // once on the next tick), these commits failed after their 5 s with SQLITE_BUSY.
  // 1.5 s: six of the worker's ticks.
  let longestMs = 0;
  const end = Date.now() + 1500;
  while (Date.now() < end) {
    const started = performance.now();
    insert.run();
    longestMs = Math.max(longestMs, performance.now() - started);
    await sleep(1);
  }
  t.ok(longestMs < 500, `no commit waited for the reader (the longest took ${longestMs.toFixed(1)} ms)`);

  // Once the reader is gone the RESTART goes through, and a commit starts the WAL over.
  reader.exec('COMMIT');
  await until('the WAL to start over', async () => {
    insert.run();
    await sleep(20);
    return walFrames().log < restartFrames / 2;
  });
});
