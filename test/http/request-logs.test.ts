// Which requests reach the log at info: the UI's polling (successful reads) and accepted webhook
// deliveries are debug, so an operator's log shows what changed, what was refused and what failed
// (issue #16 item 11; the deliveries: issue #19, test/bench/RESULTS.md).
import t from 'tap';
import { intercomSignature } from '../../src/webhooks/intercom-signature.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const completed = (entries: Array<Record<string, unknown>>) =>
  entries
    .filter((entry) => entry.msg === 'request completed')
    .map((entry) => ({ level: entry.level, method: (entry.req as { method: string }).method, url: (entry.req as { url: string }).url, status: (entry.res as { statusCode: number }).statusCode }));

t.test('at info: writes and refused or failed requests, not successful reads', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { startScheduler: false, logDestination: logs, logLevel: 'info' });
  const api = sessionApi(server, await signIn(server));
  for (let i = 0; i < 5; i++) t.equal((await api('GET', '/api/connections')).status, 200);
  t.equal((await api('POST', '/api/connections', { name: 'Support' })).status, 201);
  t.equal((await api('GET', '/api/connections/nope')).status, 404);
  t.equal((await server.fetch('/api/connections')).status, 401);

  const lines = completed(logs.entries());
  t.same(lines.filter((line) => line.method === 'GET' && line.status === 200), [], 'no successful read at info');
  t.match(lines, [
    { level: 30, method: 'POST', url: '/api/session', status: 200 },
    { level: 30, method: 'POST', url: '/api/connections', status: 201 },
    { level: 30, method: 'GET', url: '/api/connections/nope', status: 404 },
    { level: 30, method: 'GET', url: '/api/connections', status: 401 },
  ]);
  t.equal(lines.length, 4);
  t.notOk(logs.entries().some((entry) => entry.msg === 'incoming request'), 'the incoming line is debug');
});

t.test('at info an accepted webhook delivery writes no line; a refused one does', async (t) => {
  const secret = 'intercom-app-secret-for-logs';
  const logs = captureLogs();
  const server = await buildTestApp(t, { startScheduler: false, logDestination: logs, logLevel: 'info', config: { apps: { intercom: { clientSecret: secret } } } });
  await server.daemon.db.kysely
    .insertInto('connections')
    .values({ id: 'c-logs', name: 'Logs', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1, intercom_workspace_id: 'ws-logs', hubspot_portal_id: null })
    .execute();
  const post = (id: string, signedWith: string) => {
    const raw = Buffer.from(JSON.stringify({ type: 'notification_event', id, topic: 'conversation.admin.closed', app_id: 'ws-logs', created_at: Math.floor(Date.now() / 1000), data: { item: { type: 'conversation', id: '7' } } }));
    return server.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': intercomSignature(raw, signedWith) }, body: raw });
  };
  for (let i = 0; i < 3; i++) t.equal((await post(`notif_logs_${i}`, secret)).status, 200);
  t.equal((await post('notif_logs_forged', 'not-the-secret')).status, 401);

  const webhookLines = completed(logs.entries()).filter((line) => line.url === '/webhooks/intercom');
  t.same(webhookLines, [{ level: 30, method: 'POST', url: '/webhooks/intercom', status: 401 }], 'only the refused delivery is at info');
  const [accepted] = await server.daemon.db.kysely.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).execute();
  t.equal(Number(accepted?.n), 3, 'the three accepted deliveries were recorded');
});

t.test('at debug an accepted webhook delivery is logged too', async (t) => {
  const secret = 'intercom-app-secret-for-logs';
  const logs = captureLogs();
  const server = await buildTestApp(t, { startScheduler: false, logDestination: logs, logLevel: 'debug', config: { apps: { intercom: { clientSecret: secret } } } });
  const raw = Buffer.from(JSON.stringify({ type: 'notification_event', id: 'notif_debug', topic: 'ping', app_id: 'ws-logs', created_at: Math.floor(Date.now() / 1000), data: { item: null } }));
  const response = await server.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': intercomSignature(raw, secret) }, body: raw });
  t.equal(response.status, 200);
  t.match(
    completed(logs.entries()).filter((line) => line.url === '/webhooks/intercom'),
    [{ level: 20, method: 'POST', status: 200 }],
  );
});

t.test('at debug every request is logged, with its response time', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { startScheduler: false, logDestination: logs, logLevel: 'debug' });
  const api = sessionApi(server, await signIn(server));
  t.equal((await api('GET', '/api/connections')).status, 200);
  const read = logs.entries().find((entry) => entry.msg === 'request completed' && (entry.req as { method: string }).method === 'GET');
  t.match(read, { level: 20, req: { url: '/api/connections' }, res: { statusCode: 200 }, responseTime: Number });
  t.ok(logs.entries().some((entry) => entry.msg === 'incoming request' && entry.level === 20));
});

t.test('probes keep their own level: /healthz is not logged even at debug unless it fails', async (t) => {
  const logs = captureLogs();
  const server = await buildTestApp(t, { startScheduler: false, logDestination: logs, logLevel: 'debug' });
  t.equal((await server.fetch('/healthz')).status, 200);
  t.notOk(logs.text().includes('/healthz'));
});
