// The explainer finds a conversation's deliveries without an index on the intake's path (migration
// 0036): the delivery rows by primary key, the unfinished or failed event jobs by partial indexes.
// Neither may scan a table that holds days of deliveries and jobs. Checked with EXPLAIN QUERY PLAN
// against 100,000 jobs, as test/jobs/query-plan.test.ts does for the claims.
import t from 'tap';
import { deliveryRowsQuery, unfinishedEventQueries } from '../../src/explain/conversation-deliveries.ts';
import { makeTestDb } from '../helpers/db.ts';

t.test("the explainer's delivery queries are index seeks on tables of 100,000 rows", async (t) => {
  const db = makeTestDb(t);
  const job = db.sqlite.prepare(
    `INSERT INTO jobs (task, payload, connection_id, status, run_at, attempts, max_attempts, created_at, updated_at, finished_at)
     VALUES (?, ?, ?, ?, ?, 1, 10, 0, 0, ?)`,
  );
  const delivery = db.sqlite.prepare(
    `INSERT INTO webhook_deliveries (provider, delivery_id, connection_id, account_id, topic, object_id, occurred_at, received_at, status)
     VALUES ('intercom', ?, ?, 'w1', 'conversation.user.replied', ?, ?, ?, 'accepted')`,
  );
  const statuses = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'queued', 'failed', 'parked', 'running'];
  db.sqlite.transaction(() => {
    for (let i = 0; i < 100_000; i++) {
      const status = statuses[i % statuses.length] ?? 'queued';
      const payload = JSON.stringify({ deliveryId: i, topic: 'conversation.user.replied', objectId: String(1000 + (i % 700)), occurredAt: i });
      job.run(i % 2 ? 'intercom.event' : 'conversation.capture', payload, `conn-${i % 20}`, status, i * 10, ['succeeded', 'failed'].includes(status) ? i * 10 : null);
      delivery.run(`notif_${i}`, `conn-${i % 20}`, String(1000 + (i % 700)), i, i * 10);
    }
  })();
  db.sqlite.exec('ANALYZE');

  const plan = (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
    const compiled = query.compile();
    return (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((row) => row.detail).join(' | ');
  };
  const [waiting, running] = unfinishedEventQueries(db.kysely, 'conn-3', '1003').map(plan);
  t.match(waiting, /USING INDEX jobs_problems_by_connection/, `queued, parked and failed event jobs by jobs_problems_by_connection (${waiting})`);
  t.match(running, /USING INDEX jobs_leases/, `running ones by jobs_leases (${running})`);
  const rows = plan(deliveryRowsQuery(db.kysely, 'conn-3', [3, 23, 43]));
  t.match(rows, /USING INTEGER PRIMARY KEY/, `delivery rows by their primary key (${rows})`);
  for (const [name, detail] of Object.entries({ waiting, running, rows })) t.notMatch(detail, /SCAN (jobs|webhook_deliveries)(?! USING)/, `${name}: no full scan`);

  // And they find what they should: the payloads that name the conversation, whatever their shape.
  db.sqlite.prepare("INSERT INTO jobs (task, payload, connection_id, status, run_at, attempts, max_attempts, created_at, updated_at) VALUES ('intercom.event', ?, 'conn-x', 'parked', 0, 0, 10, 0, 0)")
    .run(JSON.stringify({ events: [{ deliveryId: 1, topic: 't', objectId: '77', occurredAt: null }, { deliveryId: 2, topic: 't', objectId: '7_7', occurredAt: null }] }));
  const found = await Promise.all(unfinishedEventQueries(db.kysely, 'conn-x', '7%').map((query) => query.execute()));
  t.equal(found.flat().length, 0, "LIKE's wildcards in an id are taken literally");
  const named = await Promise.all(unfinishedEventQueries(db.kysely, 'conn-x', '7_7').map((query) => query.execute()));
  t.equal(named.flat().length, 1, 'the batch that names the conversation');
  db.sqlite.prepare("INSERT INTO jobs (task, payload, connection_id, status, run_at, attempts, max_attempts, created_at, updated_at, finished_at) VALUES ('intercom.event', ?, 'conn-x', 'failed', 0, 10, 10, 0, 0, 0)")
    .run(JSON.stringify({ deliveryId: 3, topic: 't', objectId: '78', occurredAt: null }));
  const failed = await Promise.all(unfinishedEventQueries(db.kysely, 'conn-x', '78').map((query) => query.execute()));
  t.equal(failed.flat().length, 1, 'an event that failed is found too');
});
