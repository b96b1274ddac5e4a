// The health facts are read every minute by the alerts and on every poll of the connection list:
// their queries must never scan the jobs table. Checked with EXPLAIN QUERY PLAN against 100,000
// jobs in realistic proportions (as test/jobs/query-plan.test.ts does for the claim path).
import t from 'tap';
import { healthFactsQueries } from '../../src/jobs/health-facts.ts';
import { makeTestDb } from '../helpers/db.ts';

t.test('the health facts use the partial indexes on a table of 100,000 jobs', async (t) => {
  const db = makeTestDb(t);
  const insert = db.sqlite.prepare(
    `INSERT INTO jobs (task, payload, connection_id, status, run_at, attempts, max_attempts, last_error, created_at, updated_at, finished_at)
     VALUES (?, '{}', ?, ?, ?, ?, 10, ?, 0, 0, ?)`,
  );
  const statuses = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'queued', 'failed', 'parked', 'cancelled'];
  db.sqlite.transaction(() => {
    for (let i = 0; i < 100_000; i++) {
      const status = statuses[i % statuses.length] ?? 'queued';
      const finished = ['succeeded', 'failed', 'cancelled'].includes(status) ? i * 10 : null;
      insert.run(`task-${i % 5}`, `conn-${i % 20}`, status, i * 10, i % 3, i % 3 ? 'HubSpot GET /x failed with 500' : null, finished);
    }
  })();
  db.sqlite.exec('ANALYZE');

  for (const [label, window] of [
    ['all connections', { now: 900_000, failedSince: 800_000 }],
    ['one connection', { now: 900_000, failedSince: 800_000, connectionId: 'conn-3' }],
  ] as const) {
    const queries = healthFactsQueries(window);
    for (const [name, query] of Object.entries(queries)) {
      const compiled = query.compile(db.kysely);
      const plan = (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[])
        .map((row) => row.detail)
        .join(' | ');
      t.notMatch(plan, /SCAN jobs(?! USING)/, `${label}, ${name}: no full scan (${plan})`);
      t.match(plan, /jobs_parked/, `${label}, ${name}: parked jobs by their index`);
      t.match(plan, /jobs_failed_by_time/, `${label}, ${name}: recent failures by their own index (migrations/0027)`);
    }
  }
});
