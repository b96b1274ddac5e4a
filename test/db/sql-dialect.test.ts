// The spellings SQLite and PostgreSQL do not share (src/db/sql-dialect.ts) give the same results on
// both stores, and the queries that use them run on both.
import { sql } from 'kysely';
import t from 'tap';
import { closesToRecheck, rememberClose } from '../../src/capture/pending-closes.ts';
import { insertConnection } from '../../src/db/repos/connections.ts';
import { dialectOf, greatest, indexedBy, jsonText } from '../../src/db/sql-dialect.ts';
import { withTransaction } from '../../src/db/transaction.ts';
import { eachStore } from '../helpers/postgres.ts';

eachStore(t, 'dialectOf names the store, for a transaction too', async (t, db) => {
  t.equal(dialectOf(db.kysely), db.dialect);
  await withTransaction(db.kysely, async (trx) => t.equal(dialectOf(trx), db.dialect));
});

eachStore(t, "jsonText: a key's scalar as text, NULL when missing or JSON null", async (t, db) => {
  const rows = await sql<{ n: number; v: string | null }>`
    SELECT n, ${jsonText(db.kysely, 'detail', 'filtered')} AS v FROM (
      SELECT 1 AS n, '{"filtered":"by owner"}' AS detail UNION ALL
      SELECT 2, '{"other":1}' UNION ALL
      SELECT 3, '{"filtered":null}' UNION ALL
      SELECT 4, NULL
    ) AS x ORDER BY n`.execute(db.kysely);
  t.same(rows.rows.map((row) => row.v), ['by owner', null, null, null]);
  t.throws(() => jsonText(db.kysely, 'detail', "x') OR 1=1 --"), /plain key/);
});

eachStore(t, 'greatest of two values, and an INDEXED BY hint that PostgreSQL goes without', async (t, db) => {
  const row = await sql<{ g: number }>`SELECT ${greatest(db.kysely, sql<number>`3`, sql<number>`7`)} AS g`.execute(db.kysely);
  t.equal(Number(row.rows[0]?.g), 7);
  const count = await sql<{ n: number }>`SELECT count(*) AS n FROM activity ${indexedBy(db.kysely, 'activity_by_time')} WHERE at >= 0`.execute(db.kysely);
  t.equal(Number(count.rows[0]?.n), 0);
});

eachStore(t, 'a remembered close: an older one never replaces a newer', async (t, db) => {
  await insertConnection(db.kysely, {
    id: 'c1', name: 'One', status: 'active', createdAt: 0, intercomWorkspaceId: 'ws', intercomRegion: 'us', hubspotPortalId: 1,
    intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: 'token',
  });
  await rememberClose(db.kysely, 'c1', 'conv-1', 2000);
  await rememberClose(db.kysely, 'c1', 'conv-1', 1000);
  t.same(await closesToRecheck(db.kysely, 'c1', (id) => `capture:${id}`, 3000), [{ conversationId: 'conv-1', closedAt: 2000 }]);
  await rememberClose(db.kysely, 'c1', 'conv-1', 2500);
  t.same(await closesToRecheck(db.kysely, 'c1', (id) => `capture:${id}`, 3000), [{ conversationId: 'conv-1', closedAt: 2500 }]);
});
