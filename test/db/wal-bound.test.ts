// The write-ahead log under writes that never pause: SQLite restarts the WAL from its beginning only
// when a writer finds every frame checkpointed, which a steady stream of commits never allows, so
// without a bound the file grew by every commit (2.6 GB after the ingest bench's 10-s burst). The
// checkpoint worker restarts it once it passes `walRestartBytes`; for that it takes the write lock,
// and the main connection's transactions must wait for it rather than fail.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import t from 'tap';
import { openDb } from '../../src/db/database.ts';
import { withSyncTransaction } from '../../src/db/transaction.ts';
import { makeDataDir } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

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

  // Another connection (as the checkpoint worker's RESTART or idle TRUNCATE does) holds the write
  // lock for 300 ms, from another process so that this thread can wait on it.
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const db = new (require('better-sqlite3'))(${JSON.stringify(path)}); db.exec('BEGIN IMMEDIATE'); console.log('held');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`,
    ],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
  await until('the other connection to hold the write lock', () => new Promise<boolean>((resolve) => holder.stdout?.once('data', () => resolve(true))));

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
  t.equal(await exited, 0);
});
