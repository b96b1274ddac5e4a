// Waiting for the write lock on a timer (src/db/write-lock.ts): the main connection's transactions
// must take a lock another connection holds once it is free, without stopping the thread meanwhile
// (SQLite's own busy wait sleeps it), and leave the connection's busy timeout as it was.
import { join } from 'node:path';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { openDb } from '../../src/db/database.ts';
import { BUSY_TIMEOUT_MS, whenWriteLockFree } from '../../src/db/write-lock.ts';
import { makeDataDir } from '../helpers/server.ts';
import { holdWriteLock } from '../helpers/write-lock-holder.ts';

/** A database with a one-row counter table, its write lock held by another process for 300 ms. */
async function counterUnderLock(t: Test) {
  const path = join(makeDataDir(t), 'interhubz.db');
  const db = openDb(path);
  t.teardown(() => db.close());
  db.sqlite.exec('CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)');
  const { released } = await holdWriteLock(path, 300);
  return { db, released };
}

t.test('a Kysely transaction begun while another connection holds the write lock waits on a timer', async (t) => {
  const { db, released } = await counterUnderLock(t);

  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  await db.kysely.transaction().execute(async (trx) => {
    await sql`UPDATE counter SET n = 1`.execute(trx);
  });
  clearInterval(ticker);
  t.ok(ticks >= 5, `the thread ran timers while the transaction waited (${ticks} ticks of 10 ms)`);
  t.equal(await released, 0, 'the other connection committed first');
  t.equal(db.sqlite.prepare('SELECT n FROM counter').pluck().get(), 1, 'the transaction committed');
  t.equal(db.sqlite.pragma('busy_timeout', { simple: true }), BUSY_TIMEOUT_MS, 'the busy timeout is back');
});

t.test('a Kysely write outside a transaction waits for a lock held elsewhere on a timer too; a read does not wait', async (t) => {
  const { db, released } = await counterUnderLock(t);

  const started = performance.now();
  t.same(await db.kysely.selectFrom('counter' as never).select(sql<number>`n`.as('n')).execute(), [{ n: 0 }], 'a read runs beside the lock');
  t.ok(performance.now() - started < 100, 'without waiting for it');

  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  // As the scheduler completes a batch of jobs: one UPDATE … RETURNING, no transaction around it.
  const updated = await sql<{ n: number }>`UPDATE counter SET n = n + 1 RETURNING n`.execute(db.kysely);
  clearInterval(ticker);
  t.ok(ticks >= 5, `the thread ran timers while the write waited (${ticks} ticks of 10 ms)`);
  t.same(updated.rows, [{ n: 1 }], 'the write ran once, after the lock was released');
  t.equal(await released, 0, 'the other connection committed first');
  t.equal(db.sqlite.pragma('busy_timeout', { simple: true }), BUSY_TIMEOUT_MS, 'the busy timeout is back');
});

t.test('an attempt that fails for any other reason fails at once, the busy timeout back', async (t) => {
  const db = openDb(join(makeDataDir(t), 'interhubz.db'));
  t.teardown(() => db.close());
  let attempts = 0;
  await t.rejects(
    whenWriteLockFree(db.sqlite, () => {
      attempts++;
      throw new Error('no such table: nowhere');
    }),
    { message: 'no such table: nowhere' },
  );
  t.equal(attempts, 1, 'not tried again');
  await t.rejects(whenWriteLockFree(db.sqlite, () => Promise.reject(new Error('refused later'))), { message: 'refused later' });
  t.equal(db.sqlite.pragma('busy_timeout', { simple: true }), BUSY_TIMEOUT_MS);
});
