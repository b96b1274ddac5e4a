// Which requests reach the log at info: the UI's polling (successful reads) and accepted webhook
// deliveries are debug, so an operator's log shows what changed, what was refused and what failed
// (issue #16 item 11; the deliveries: issue #19, test/bench/RESULTS.md).
import t, { type Test } from 'tap';
import { captureLogs } from '../helpers/log-capture.ts';
import { intercomDelivery } from '../helpers/replicas.ts';
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

const WEBHOOK_SECRET = 'intercom-app-secret-for-logs';

/** A test app at `logLevel` with an Intercom app secret and a connection on its workspace, and a way to post it deliveries. */
async function webhookApp(t: Test, logLevel: 'info' | 'debug') {
  const logs = captureLogs();
  const server = await buildTestApp(t, { startScheduler: false, logDestination: logs, logLevel, config: { apps: { intercom: { clientSecret: WEBHOOK_SECRET } } } });
  await server.daemon.db.kysely
    .insertInto('connections')
    .values({ id: 'c-logs', name: 'Logs', status: 'active', managed_by_config: 0, created_at: 1, updated_at: 1, intercom_workspace_id: 'ws-logs', hubspot_portal_id: null })
    .execute();
  const post = async (id: string, secret = WEBHOOK_SECRET) => {
    const delivery = intercomDelivery(secret, { id, workspaceId: 'ws-logs', topic: 'conversation.admin.closed', conversationId: '7' });
    const response = await server.fetch('/webhooks/intercom', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': delivery.signature }, body: delivery.body });
    return response.status;
  };
  const webhookLines = () => completed(logs.entries()).filter((line) => line.url === '/webhooks/intercom');
  return { server, post, webhookLines };
}

t.test('at info an accepted webhook delivery writes no line; a refused one does', async (t) => {
  const { server, post, webhookLines } = await webhookApp(t, 'info');
  for (let i = 0; i < 3; i++) t.equal(await post(`notif_logs_${i}`), 200);
  t.equal(await post('notif_logs_forged', 'not-the-secret'), 401);

  t.same(webhookLines(), [{ level: 30, method: 'POST', url: '/webhooks/intercom', status: 401 }], 'only the refused delivery is at info');
  const [accepted] = await server.daemon.db.kysely.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).execute();
  t.equal(Number(accepted?.n), 3, 'the three accepted deliveries were recorded');
});

t.test('at debug an accepted webhook delivery is logged too', async (t) => {
  const { post, webhookLines } = await webhookApp(t, 'debug');
  t.equal(await post('notif_debug'), 200);
  t.match(webhookLines(), [{ level: 20, method: 'POST', status: 200 }]);
  t.equal(webhookLines().length, 1);
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
