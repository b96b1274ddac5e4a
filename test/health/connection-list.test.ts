// GET /api/connections at a glance (issue #16 item 7) and the health on both connection routes
// (item 1): identity, last capture, 24 h counts, work counts, the duplicate-pairing warning.
import type { Updateable } from 'kysely';
import t from 'tap';
import type { ActivityOutcome, Database, JobStatus } from '../../src/db/schema.ts';
import type { ConnectionDetail, ConnectionList } from '../../src/http/api-types.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const HOUR = 3_600_000;

type ConnectionState = Updateable<Database['connections']>;

async function setConnection(server: TestApp, id: string, state: ConnectionState) {
  await server.daemon.db.kysely.updateTable('connections').set(state).where('id', '=', id).execute();
}

async function job(server: TestApp, connectionId: string, status: JobStatus, extra: { attempts?: number; lastError?: string; runAt?: number; finishedAt?: number } = {}) {
  const now = server.daemon.context.clock();
  await server.daemon.db.kysely.insertInto('jobs').values({
    task: 'conversation.capture', payload: '{"conversationId":"1","trigger":"on_close"}', connection_id: connectionId, status, run_at: extra.runAt ?? now,
    attempts: extra.attempts ?? 0, max_attempts: 10, last_error: extra.lastError ?? null, created_at: now - HOUR, updated_at: now, finished_at: extra.finishedAt ?? null,
  }).execute();
}

async function activity(server: TestApp, connectionId: string, outcome: ActivityOutcome, at: number) {
  await server.daemon.db.kysely.insertInto('activity').values({ connection_id: connectionId, at, kind: 'capture', subject_id: '1', outcome }).execute();
}

t.test('the list carries each connection at a glance; the page carries its health', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const support = String((await api('POST', '/api/connections', { name: 'Support' })).body?.id);
  const sales = String((await api('POST', '/api/connections', { name: 'Sales' })).body?.id);
  const quiet = String((await api('POST', '/api/connections', { name: 'Quiet' })).body?.id);
  const now = server.daemon.context.clock();
  // Support and Sales pair the same HubSpot portal; Quiet pairs its own.
  await setConnection(server, support, { status: 'active', intercom_workspace_id: 'ws-support', hubspot_portal_id: 77 });
  await setConnection(server, sales, { status: 'active', intercom_workspace_id: 'ws-sales', hubspot_portal_id: 77 });
  await setConnection(server, quiet, { status: 'active', intercom_workspace_id: 'ws-quiet', hubspot_portal_id: 78 });

  await job(server, support, 'queued', { attempts: 3, lastError: 'UpstreamError: HubSpot POST /crm/objects/2026-09/notes failed with 500: oops', runAt: now + 10 * 60_000 });
  await job(server, support, 'failed', { lastError: 'HubSpot POST /x failed with 400', finishedAt: now - 2 * HOUR });
  await job(server, support, 'failed', { lastError: 'old', finishedAt: now - 30 * HOUR });
  await job(server, support, 'queued', { runAt: now - HOUR });
  await activity(server, support, 'captured', now - HOUR);
  await activity(server, support, 'updated', now - 2 * HOUR);
  await activity(server, support, 'skipped', now - 2 * HOUR);
  await activity(server, support, 'failed', now - 3 * HOUR);
  await activity(server, support, 'captured', now - 30 * HOUR);
  await server.daemon.db.kysely.insertInto('conversation_captures').values([
    { connection_id: support, conversation_id: '1', captured_at: now - 5 * HOUR },
    { connection_id: support, conversation_id: '2', captured_at: now - HOUR },
  ]).execute();

  const list = await api('GET', '/api/connections');
  t.equal(list.status, 200);
  const entries = (list.body as unknown as ConnectionList).connections;
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const s = byName.get('Support');
  t.match(s, {
    intercom: { workspaceId: 'ws-support' },
    hubspot: { portalId: 77 },
    lastCaptureAt: new Date(now - HOUR).toISOString(),
    captured24h: 2,
    failed24h: 1,
    work: { failed: 2, parked: 0, late: 1, retrying: 1 },
    pairingWarning: "Pairs the same HubSpot portal (77) as 'Sales': conversations may be captured twice.",
    health: { state: 'needs_attention', incident: 'failing', link: `/connections/${support}/work?state=failed` },
  });
  t.match(byName.get('Sales'), { pairingWarning: "Pairs the same HubSpot portal (77) as 'Support': conversations may be captured twice.", lastCaptureAt: null, captured24h: 0, failed24h: 0 });
  t.match(byName.get('Quiet'), { pairingWarning: null, work: { failed: 0, parked: 0, late: 0, retrying: 0 }, health: { state: 'ok', reason: null } });

  const page = await api('GET', `/api/connections/${support}`);
  t.match((page.body as unknown as ConnectionDetail).health, s?.health, 'the page says what the list says');
});

t.test('parked work: the list says needs re-authorisation with the captures held', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'Support' })).body?.id);
  await setConnection(server, id, { status: 'needs_reauth', hubspot_refused: 1, intercom_workspace_id: 'ws', hubspot_portal_id: 1 });
  for (let i = 0; i < 3; i++) await job(server, id, 'parked', { lastError: 'HubSpot GET /x failed with 401' });
  const list = (await api('GET', '/api/connections')).body as unknown as ConnectionList;
  t.match(list.connections[0], {
    status: 'needs_reauth',
    work: { parked: 3 },
    health: { state: 'needs_reauth', reason: 'Waiting for re-authorisation of HubSpot: 3 captures held', link: `/connections/${id}/work?state=parked` },
  });
});
