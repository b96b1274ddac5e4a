// healthOfConnections over a real database: the grouped job and webhook facts reach the judgement
// for every connection at once.
import t from 'tap';
import { insertConnection } from '../../src/db/repos/connections.ts';
import type { SqliteDb as Db } from '../../src/db/database.ts';
import { healthOfConnections } from '../../src/health/connection-health.ts';
import { jobHealthFacts } from '../../src/jobs/health-facts.ts';
import { SWEPT_TOPIC } from '../../src/reconcile/reconcile-task.ts';
import { makeTestDb } from '../helpers/db.ts';

const NOW = Date.UTC(2026, 11, 4, 10, 30);
const MIN = 60_000;
const HOUR = 60 * MIN;

async function connection(db: Db, id: string, status: 'active' | 'needs_reauth' = 'active') {
  await insertConnection(db.kysely, {
    id, name: id, status, createdAt: NOW - 48 * HOUR, intercomWorkspaceId: `ws-${id}`, intercomRegion: 'us', hubspotPortalId: 1,
    intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: 'token',
  });
}

let seq = 0;
function job(db: Db, connectionId: string, row: { status: string; run_at?: number; attempts?: number; last_error?: string | null; finished_at?: number | null; task?: string }) {
  db.sqlite
    .prepare('INSERT INTO jobs (task, payload, key, connection_id, status, run_at, attempts, max_attempts, last_error, created_at, updated_at, finished_at) VALUES (?, ?, NULL, ?, ?, ?, ?, 10, ?, ?, ?, ?)')
    .run(row.task ?? 'conversation.capture', JSON.stringify({ n: seq++ }), connectionId, row.status, row.run_at ?? NOW, row.attempts ?? 0, row.last_error ?? null, NOW - HOUR, NOW - HOUR, row.finished_at ?? null);
}

function delivery(db: Db, connectionId: string, topic: string, at: number) {
  db.sqlite
    .prepare("INSERT INTO webhook_deliveries (provider, delivery_id, connection_id, account_id, topic, received_at, status) VALUES ('intercom', ?, ?, 'ws', ?, ?, 'accepted')")
    .run(`d${seq++}`, connectionId, topic, at);
}

t.test('every connection judged from grouped facts', async (t) => {
  const db = makeTestDb(t);
  for (const id of ['fine', 'retrying', 'parked', 'failing', 'stalled', 'silent']) await connection(db, id, id === 'parked' ? 'needs_reauth' : 'active');
  const err500 = 'UpstreamError: HubSpot POST /crm/objects/2026-09/notes failed with 500: oops';
  job(db, 'fine', { status: 'succeeded', finished_at: NOW - MIN });
  job(db, 'fine', { status: 'queued', run_at: NOW + HOUR });
  job(db, 'fine', { status: 'failed', finished_at: NOW - 25 * HOUR, last_error: 'old' });
  delivery(db, 'fine', 'conversation.admin.closed', NOW - HOUR);
  job(db, 'retrying', { status: 'queued', attempts: 2, run_at: NOW + 2 * MIN, last_error: err500 });
  job(db, 'retrying', { status: 'queued', attempts: 4, run_at: NOW + 12 * MIN, last_error: err500 });
  for (let i = 0; i < 3; i++) job(db, 'parked', { status: 'parked', last_error: 'HubSpot GET /x failed with 401' });
  db.sqlite.prepare("UPDATE connections SET hubspot_refused = 1 WHERE id = 'parked'").run();
  job(db, 'failing', { status: 'failed', finished_at: NOW - HOUR, last_error: 'HubSpot POST /x failed with 400: bad' });
  job(db, 'stalled', { status: 'queued', run_at: NOW - 20 * MIN });
  delivery(db, 'silent', SWEPT_TOPIC, NOW - 2 * HOUR);
  delivery(db, 'silent', 'conversation.admin.closed', NOW - 30 * HOUR);

  const health = await healthOfConnections(db.kysely, NOW);
  t.equal(health.size, 6);
  t.same(health.get('fine'), { state: 'ok', reason: null, incident: null, link: null }, 'future work, old failures and a heard webhook are fine');
  t.same(health.get('retrying'), {
    state: 'needs_attention', incident: 'retrying', link: '/connections/retrying/work?state=retrying',
    reason: 'Retrying: HubSpot answered 500 — attempt 4 of 10, next at 10:42 (2 captures retrying)',
  });
  t.same(health.get('parked'), { state: 'needs_reauth', incident: 'reauth', link: '/connections/parked/work?state=parked', reason: 'Waiting for re-authorisation of HubSpot: 3 captures held' });
  t.match(health.get('failing'), { state: 'needs_attention', incident: 'failing', reason: 'Failing: 1 capture failed in the last 24 h — HubSpot answered 400' });
  t.match(health.get('stalled'), { state: 'needs_attention', incident: 'stalled', reason: 'Stalled: 1 capture due since 10:10 has not run' });
  t.match(health.get('silent'), { state: 'needs_attention', incident: 'webhooks_silent' });
});

t.test('the job facts are two grouped queries, whatever the number of connections', async (t) => {
  const db = makeTestDb(t);
  for (let i = 0; i < 20; i++) {
    await connection(db, `c${i}`);
    job(db, `c${i}`, { status: 'parked' });
  }
  let statements = 0;
  const original = db.sqlite.prepare.bind(db.sqlite);
  db.sqlite.prepare = ((source: string) => {
    if (/\bjobs\b/.test(source)) statements++;
    return original(source);
  }) as typeof db.sqlite.prepare;
  t.teardown(() => { db.sqlite.prepare = original; });
  const facts = await jobHealthFacts(db.kysely, { now: NOW, failedSince: NOW - 24 * HOUR });
  t.equal(facts.size, 20);
  t.equal(statements, 2);
});
