// Claiming the next due job must never scan the table: every query on the claim path is checked
// with EXPLAIN QUERY PLAN against 100,000 rows in realistic proportions.
import type { CompiledQuery } from 'kysely';
import t from 'tap';
import { dueIdsQuery, NO_CONNECTION, nextDueQuery, nextLeaseExpiryQuery, queuedGroupsQuery, reclaimQuery, unownedQueuedQuery } from '../../src/jobs/claim.ts';
import { makeTestDb } from '../helpers/db.ts';

t.test('the claim path uses indexes on a table of 100,000 jobs', async (t) => {
  const db = makeTestDb(t);
  const insert = db.sqlite.prepare(
    `INSERT INTO jobs (task, payload, key, connection_id, status, run_at, max_attempts, created_at, updated_at, finished_at, locked_until)
     VALUES (?, '{}', ?, ?, ?, ?, 10, 0, 0, ?, ?)`,
  );
  const statuses = ['succeeded', 'succeeded', 'succeeded', 'queued', 'queued', 'failed', 'running', 'parked', 'cancelled', 'succeeded'];
  db.sqlite.transaction(() => {
    for (let i = 0; i < 100_000; i++) {
      const status = statuses[i % statuses.length] ?? 'queued';
      const finished = ['succeeded', 'failed', 'cancelled'].includes(status) ? i : null;
      insert.run(`task-${i % 5}`, i % 3 === 0 ? `key-${i}` : null, i % 7 === 0 ? null : `conn-${i % 20}`, status, i * 10, finished, status === 'running' ? i : null);
    }
  })();
  db.sqlite.exec('ANALYZE');

  const queries: Record<string, CompiledQuery> = {
    'due jobs of a connection': dueIdsQuery(db.kysely, 'conn-3', 500_000, 8).compile(),
    'due jobs without a connection': dueIdsQuery(db.kysely, NO_CONNECTION, 500_000, 8).compile(),
    'connections with queued jobs (skip-scan)': queuedGroupsQuery().compile(db.kysely),
    'any queued job without a connection': unownedQueuedQuery(db.kysely).compile(),
    'next due time': nextDueQuery(db.kysely).compile(),
    'next lease expiry': nextLeaseExpiryQuery(db.kysely).compile(),
    'expired leases': reclaimQuery(db.kysely, 500_000).compile(),
  };
  for (const [name, query] of Object.entries(queries)) {
    const plan = (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[])
      .map((row) => row.detail)
      .join(' | ');
    t.notMatch(plan, /SCAN jobs(?! USING)/, `${name}: no full scan (${plan})`);
    t.match(plan, /USING (COVERING )?INDEX jobs_|SEARCH jobs USING/, `${name}: uses a jobs index`);
  }
});
