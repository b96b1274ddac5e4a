// #15 item 5: one withTransaction for every transaction (a nested one joins its caller's), and no
// upstream HTTP call from inside one: SQLite's single write lock would be held for the round trip.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { withSyncTransaction, withTransaction } from '../../src/db/transaction.ts';
import { UpstreamCallInTransactionError } from '../../src/transaction-context.ts';
import { makeTestDb } from '../helpers/db.ts';
import { ROOT, sourceFiles } from '../helpers/imports.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { harness } from '../integrations/intercom/setup.ts';

const count = (db: Kysely<Database>, day: string) =>
  db.insertInto('webhook_unrouted_counts').values({ provider: 'intercom', day, count: 1 }).execute();
const days = async (db: Kysely<Database>) =>
  (await db.selectFrom('webhook_unrouted_counts').select('day').orderBy('day').execute()).map((row) => row.day);

t.test('a nested withTransaction joins the outer transaction; both commit together', async (t) => {
  const db = makeTestDb(t).kysely;
  await withTransaction(db, async (outer) => {
    await count(outer, '2026-11-01');
    await withTransaction(outer, async (inner) => {
      t.equal(inner, outer, 'the inner work is handed the outer transaction itself');
      t.same(await days(inner), ['2026-11-01'], 'and sees its uncommitted write');
      await count(inner, '2026-11-02');
    });
  });
  t.same(await days(db), ['2026-11-01', '2026-11-02']);
});

t.test('a rollback undoes the outer and the nested writes', async (t) => {
  const db = makeTestDb(t).kysely;
  const outerFails = withTransaction(db, async (outer) => {
    await count(outer, '2026-11-01');
    await withTransaction(outer, (inner) => count(inner, '2026-11-02'));
    throw new Error('outer work fails after the nested one finished');
  });
  await t.rejects(outerFails, /outer work fails/);
  t.same(await days(db), [], 'the nested write went with the outer one');

  const innerFails = withTransaction(db, async (outer) => {
    await count(outer, '2026-11-03');
    await withTransaction(outer, async (inner) => {
      await count(inner, '2026-11-04');
      throw new Error('nested work fails');
    });
  });
  await t.rejects(innerFails, /nested work fails/);
  t.same(await days(db), [], 'a failure in the nested work rolls back the outer one too');
});

t.test('an upstream call inside a transaction throws before anything is sent; outside, it goes', async (t) => {
  const h = await harness(t, captureLogs());
  const sent = () => h.running.sim.control.requests.entries().length;
  const host = new URL(h.running.url).host;

  const inside = withTransaction(h.db, async (trx) => {
    // After a query, so the mark has to survive the awaits of the transaction's work.
    await count(trx, '2026-11-01');
    return h.client.me();
  });
  await t.rejects(inside, { name: 'UpstreamCallInTransactionError', message: `upstream HTTP call to ${host}/me inside a database transaction` });
  await inside.catch((error: unknown) => t.type(error, UpstreamCallInTransactionError));
  t.equal(sent(), 0, 'the simulator saw no request');
  t.same(await days(h.db), [], 'the transaction was rolled back by the error');

  const nested = withTransaction(h.db, (outer) => withTransaction(outer, () => h.client.me()));
  await t.rejects(nested, UpstreamCallInTransactionError, 'nested work is inside the transaction too');
  t.equal(sent(), 0);

  const started = new Promise<unknown>((resolve) => {
    // Synchronous transactions cannot await a response, but may start a request: it is refused too.
    withSyncTransaction(makeTestDb(t).sqlite, () => resolve(h.client.me().catch((error: unknown) => error)));
  });
  t.type(await started, UpstreamCallInTransactionError, 'a request started in a synchronous transaction is refused');
  t.equal(sent(), 0);

  await withTransaction(h.db, (trx) => count(trx, '2026-11-02'));
  const me = await h.client.me();
  t.equal(me.app.id_code, h.workspaceId, 'after the transaction, the same call is sent and answered');
  t.equal(sent(), 1);
});

t.test('work started inside a transaction may call upstream once the transaction has committed', async (t) => {
  // As the scheduler's next tick does when an enqueue inside a transaction wakes it: the callback
  // inherits the transaction's async context, but runs after the commit, holding no lock.
  const h = await harness(t, captureLogs());
  let commit!: () => void;
  const committed = new Promise<void>((resolve) => (commit = resolve));
  let during!: Promise<unknown>;
  let after!: Promise<unknown>;
  await withTransaction(h.db, async (trx) => {
    await count(trx, '2026-11-01');
    during = new Promise<void>((resolve) => setImmediate(resolve)).then(() => h.client.me()).catch((error: unknown) => error);
    after = committed.then(() => h.client.me());
    t.type(await during, UpstreamCallInTransactionError, 'started inside and run while the transaction is open: refused');
  });
  commit();
  t.match(await after, { app: { id_code: h.workspaceId } }, 'run after the commit: sent and answered');
  t.equal(h.running.sim.control.requests.entries().length, 1);
});

t.test('every transaction in src begins in src/db/transaction.ts, so every one is marked', async (t) => {
  // Kysely's db.transaction() and better-sqlite3's sqlite.transaction(fn).
  const beginners = sourceFiles(join(ROOT, 'src'))
    .filter((file) => /\.transaction\(/.test(readFileSync(file, 'utf8')))
    .map((file) => file.slice(ROOT.length + 1));
  t.same(beginners, ['src/db/transaction.ts']);
});
