// A sandbox connection survives a daemon restart (issue #16 item 1). The simulators live in memory,
// so a new start knows none of the tokens the last one minted: the first call was refused, the work
// parked "until the connection is re-authorised", and nothing could re-authorise it. Now each start
// wires its sandbox connections to the new simulators (src/connections/rewire-sandbox.ts).
import t from 'tap';
import { makeDataDir, sessionApi, signIn, startTestServer } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

t.test('two starts on the same data: the sandbox connection stays active, its parked work resumes, and it captures', async (t) => {
  const dataDir = makeDataDir(t);
  let id = '';
  let parkedJob = 0;

  await t.test('first start: make the sandbox connection; it ends with work parked and refused, as the old restart left it', async (t) => {
    const server = await startTestServer(t, { dataDir, startScheduler: false });
    const api = sessionApi(server, await signIn(server));
    id = String((await api('POST', '/api/connections/sandbox')).body?.id);
    const db = server.daemon.db.kysely;
    const now = Date.now();
    await db.updateTable('connections').set({ status: 'needs_reauth', hubspot_refused: 1 }).where('id', '=', id).execute();
    const parked = await db.insertInto('jobs').values({
      task: 'conversation.capture', payload: JSON.stringify({ conversationId: 'gone-with-the-old-simulator', trigger: 'on_close' }), connection_id: id, status: 'parked',
      run_at: now, attempts: 0, max_attempts: 10, last_error: 'HubSpot GET /x failed with 401', created_at: now, updated_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    parkedJob = Number(parked.id);
  });

  await t.test('second start: wired again, re-authorised, capturing', async (t) => {
    const server = await startTestServer(t, { dataDir });
    const api = sessionApi(server, await signIn(server));
    const restartedAt = Date.now();
    const detail = await api('GET', `/api/connections/${id}`);
    t.match(detail.body, { status: 'active', sandbox: true, intercom: { connected: true, refused: false }, hubspot: { connected: true, refused: false }, health: { state: 'ok' } });
    t.ok(String(detail.body?.webhookUrls?.intercom).startsWith(server.url), 'its webhooks point at this start\'s address');

    const resumed = await until('the parked job ran', async () => {
      const row = await server.daemon.db.kysely.selectFrom('jobs').select('status').where('id', '=', parkedJob).executeTakeFirst();
      return row && row.status !== 'parked' && row.status !== 'queued' && row.status !== 'running' ? row : undefined;
    });
    t.equal(resumed.status, 'succeeded', 'resumed and finished (its conversation is gone with the old simulator: recorded as skipped)');

    const simulated = await api('POST', `/api/connections/${id}/sandbox/conversations`);
    t.equal(simulated.status, 201);
    const delivered = await until('a webhook of the new simulator arrives for the connection', () =>
      server.daemon.db.kysely.selectFrom('webhook_deliveries').select('status')
        .where('connection_id', '=', id).where('provider', '=', 'intercom').where('received_at', '>=', restartedAt).where('topic', '!=', 'interhubz.conversation.swept')
        .executeTakeFirst());
    t.equal(delivered.status, 'accepted', 'signed with the secret the connection kept');

    const pushed = await api('POST', `/api/connections/${id}/conversations/${simulated.body?.conversationId}/push`, {});
    t.match(pushed.body, { outcome: 'captured', noteId: String }, 'the new tokens are accepted: the note is written');
    const portal = await api('GET', `/api/connections/${id}/sandbox/hubspot`);
    t.match(portal.body?.notes, [{ id: pushed.body?.noteId }]);
    t.match((await api('GET', `/api/connections/${id}`)).body, { status: 'active', health: { state: 'ok' } });
  });
});
