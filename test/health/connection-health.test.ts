// healthOfConnections over a real database: the grouped job and webhook facts reach the judgement
// for every connection at once.
import type { KyselyPlugin } from 'kysely';
import t from 'tap';
import { insertConnection } from '../../src/db/repos/connections.ts';
import type { Db } from '../../src/db/database.ts';
import type { JobStatus } from '../../src/db/schema.ts';
import { healthOfConnections } from '../../src/health/connection-health.ts';
import { jobHealthFacts } from '../../src/jobs/health-facts.ts';
import { SWEPT_TOPIC } from '../../src/reconcile/reconcile-task.ts';
import { eachStore } from '../helpers/postgres.ts';

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
async function job(db: Db, connectionId: string, row: { status: JobStatus; run_at?: number; attempts?: number; last_error?: string | null; finished_at?: number | null; task?: string }) {
  await db.kysely.insertInto('jobs').values({
    task: row.task ?? 'conversation.capture', payload: JSON.stringify({ n: seq++ }), key: null, connection_id: connectionId, status: row.status, run_at: row.run_at ?? NOW,
    attempts: row.attempts ?? 0, max_attempts: 10, last_error: row.last_error ?? null, created_at: NOW - HOUR, updated_at: NOW - HOUR, finished_at: row.finished_at ?? null,
  }).execute();
}

async function delivery(db: Db, connectionId: string, topic: string, at: number) {
  await db.kysely.insertInto('webhook_deliveries').values({ provider: 'intercom', delivery_id: `d${seq++}`, connection_id: connectionId, account_id: 'ws', topic, received_at: at, status: 'accepted' }).execute();
}

eachStore(t, 'every connection judged from grouped facts', async (t, db) => {
  for (const id of ['fine', 'retrying', 'parked', 'failing', 'stalled', 'silent']) await connection(db, id, id === 'parked' ? 'needs_reauth' : 'active');
  const err500 = 'UpstreamError: HubSpot POST /crm/objects/2026-09/notes failed with 500: oops';
  await job(db, 'fine', { status: 'succeeded', finished_at: NOW - MIN });
  await job(db, 'fine', { status: 'queued', run_at: NOW + HOUR });
  await job(db, 'fine', { status: 'failed', finished_at: NOW - 25 * HOUR, last_error: 'old' });
  await delivery(db, 'fine', 'conversation.admin.closed', NOW - HOUR);
  await job(db, 'retrying', { status: 'queued', attempts: 2, run_at: NOW + 2 * MIN, last_error: err500 });
  await job(db, 'retrying', { status: 'queued', attempts: 4, run_at: NOW + 12 * MIN, last_error: err500 });
  for (let i = 0; i < 3; i++) await job(db, 'parked', { status: 'parked', last_error: 'HubSpot GET /x failed with 401' });
  await db.kysely.updateTable('connections').set({ hubspot_refused: 1 }).where('id', '=', 'parked').execute();
  await job(db, 'failing', { status: 'failed', finished_at: NOW - HOUR, last_error: 'HubSpot POST /x failed with 400: bad' });
  await job(db, 'stalled', { status: 'queued', run_at: NOW - 20 * MIN });
  await delivery(db, 'silent', SWEPT_TOPIC, NOW - 2 * HOUR);
  await delivery(db, 'silent', 'conversation.admin.closed', NOW - 30 * HOUR);

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

eachStore(t, 'the job facts are two grouped queries, whatever the number of connections', async (t, db) => {
  for (let i = 0; i < 20; i++) {
    await connection(db, `c${i}`);
    await job(db, `c${i}`, { status: 'parked' });
  }
  let statements = 0;
  // Every statement sent through this handle, as the store's SQL: the same count on either store.
  const counting: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      if (/\bjobs\b/.test(db.kysely.getExecutor().compileQuery(node, queryId).sql)) statements++;
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  const facts = await jobHealthFacts(db.kysely.withPlugin(counting), { now: NOW, failedSince: NOW - 24 * HOUR });
  t.equal(facts.size, 20);
  t.equal(statements, 2);
});
