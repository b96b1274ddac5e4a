// Which requests reach the log at info: the UI's polling (successful reads) is debug, so an
// operator's log shows what changed, what was refused and what failed (issue #16 item 11).
import t from 'tap';
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
