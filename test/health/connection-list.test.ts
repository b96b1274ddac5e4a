// GET /api/connections at a glance (issue #16 item 7) and the health on both connection routes
// (item 1): identity, last capture, 24 h counts, work counts, the duplicate-pairing warning.
import t from 'tap';
import type { ConnectionDetail, ConnectionList } from '../../src/http/api-types.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const HOUR = 3_600_000;

function sql(server: TestApp, statement: string, ...params: unknown[]) {
  server.daemon.db.sqlite.prepare(statement).run(...params);
}

function job(server: TestApp, connectionId: string, status: string, extra: { attempts?: number; lastError?: string; runAt?: number; finishedAt?: number } = {}) {
  const now = server.daemon.context.clock();
  sql(server, 'INSERT INTO jobs (task, payload, connection_id, status, run_at, attempts, max_attempts, last_error, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, 10, ?, ?, ?, ?)',
    'conversation.capture', '{"conversationId":"1","trigger":"on_close"}', connectionId, status, extra.runAt ?? now, extra.attempts ?? 0, extra.lastError ?? null, now - HOUR, now, extra.finishedAt ?? null);
}

function activity(server: TestApp, connectionId: string, outcome: string, at: number) {
  sql(server, "INSERT INTO activity (connection_id, at, kind, subject_id, outcome) VALUES (?, ?, 'capture', '1', ?)", connectionId, at, outcome);
}

t.test('the list carries each connection at a glance; the page carries its health', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const support = String((await api('POST', '/api/connections', { name: 'Support' })).body?.id);
  const sales = String((await api('POST', '/api/connections', { name: 'Sales' })).body?.id);
  const quiet = String((await api('POST', '/api/connections', { name: 'Quiet' })).body?.id);
  const now = server.daemon.context.clock();
  // Support and Sales pair the same HubSpot portal; Quiet pairs its own.
  sql(server, "UPDATE connections SET status = 'active', intercom_workspace_id = 'ws-support', hubspot_portal_id = 77 WHERE id = ?", support);
  sql(server, "UPDATE connections SET status = 'active', intercom_workspace_id = 'ws-sales', hubspot_portal_id = 77 WHERE id = ?", sales);
  sql(server, "UPDATE connections SET status = 'active', intercom_workspace_id = 'ws-quiet', hubspot_portal_id = 78 WHERE id = ?", quiet);

  job(server, support, 'queued', { attempts: 3, lastError: 'UpstreamError: HubSpot POST /crm/objects/2026-09/notes failed with 500: oops', runAt: now + 10 * 60_000 });
  job(server, support, 'failed', { lastError: 'HubSpot POST /x failed with 400', finishedAt: now - 2 * HOUR });
  job(server, support, 'failed', { lastError: 'old', finishedAt: now - 30 * HOUR });
  job(server, support, 'queued', { runAt: now - HOUR });
  activity(server, support, 'captured', now - HOUR);
  activity(server, support, 'updated', now - 2 * HOUR);
  activity(server, support, 'skipped', now - 2 * HOUR);
  activity(server, support, 'failed', now - 3 * HOUR);
  activity(server, support, 'captured', now - 30 * HOUR);
  sql(server, 'INSERT INTO conversation_captures (connection_id, conversation_id, captured_at) VALUES (?, ?, ?), (?, ?, ?)', support, '1', now - 5 * HOUR, support, '2', now - HOUR);

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
  sql(server, "UPDATE connections SET status = 'needs_reauth', hubspot_refused = 1, intercom_workspace_id = 'ws', hubspot_portal_id = 1 WHERE id = ?", id);
  for (let i = 0; i < 3; i++) job(server, id, 'parked', { lastError: 'HubSpot GET /x failed with 401' });
  const list = (await api('GET', '/api/connections')).body as unknown as ConnectionList;
  t.match(list.connections[0], {
    status: 'needs_reauth',
    work: { parked: 3 },
    health: { state: 'needs_reauth', reason: 'Waiting for re-authorisation of HubSpot: 3 captures held', link: `/connections/${id}/work?state=parked` },
  });
});
