import Fastify from 'fastify';
import t from 'tap';
import { attachFaults } from '../../../src/sandbox/shared/faults.ts';
import { attachRequestLog } from '../../../src/sandbox/shared/request-log.ts';

async function app(t: { teardown(fn: () => unknown): void }, logOptions: Parameters<typeof attachRequestLog>[2] = {}) {
  const server = Fastify();
  let log = undefined as unknown as ReturnType<typeof attachRequestLog>;
  let faults = undefined as unknown as ReturnType<typeof attachFaults>;
  // As in the simulators: the API in one plugin with the hooks, the control API in a sibling.
  await server.register(async (api) => {
    log = attachRequestLog(api, () => 42, logOptions);
    faults = attachFaults(api, (_req, reply, status, retryAfter) => {
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      return reply.code(status).send({ injected: status });
    }, (request) => log.recordUnanswered(request));
    api.get('/thing', async () => ({ ok: true }));
    api.get('/things/:id', async (request, reply) => ((request.params as { id: string }).id === 'gone' ? reply.code(404).send({}) : { ok: true }));
  });
  await server.register(async (control) => {
    control.get('/_sim/ping', async () => ({ ok: true }));
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t.teardown(() => server.close());
  return { server, url, log, faults };
}

t.test('the next N matching calls fail as asked, then the fault is used up', async (t) => {
  const { url, faults, log } = await app(t);
  faults.add({ kind: '429', count: 2, method: 'GET', pathPrefix: '/thing', retryAfterSeconds: 7 });
  const first = await fetch(`${url}/thing`);
  t.equal(first.status, 429);
  t.equal(first.headers.get('retry-after'), '7');
  t.equal((await fetch(`${url}/_sim/ping`)).status, 200, 'the control API is exempt');
  t.equal((await fetch(`${url}/thing`)).status, 429);
  t.equal((await fetch(`${url}/thing`)).status, 200);
  t.same(faults.pending(), []);
  t.same(log.counts(), { 'GET /thing': 3 });
});

t.test('a timeout fault is logged with status 0 and does not hold up close()', async (t) => {
  // Before the fix, close() waited ~70 s for the held request; a hang now fails this test.
  t.setTimeout(15_000);
  const { server, url, faults, log } = await app(t);
  faults.add({ kind: 'timeout', count: 1 });
  const outcome = await fetch(`${url}/thing`, { signal: AbortSignal.timeout(200) }).then(() => 'answered', (e: Error) => e.name);
  t.equal(outcome, 'TimeoutError');
  t.match(log.entries(), [{ method: 'GET', path: '/thing', status: 0 }]);
  await server.close();
  t.pass('close() released the held request');
});

t.test('a reset fault drops the connection', async (t) => {
  const { url, faults, log } = await app(t);
  faults.add({ kind: 'reset', count: 1 });
  const outcome = await fetch(`${url}/thing`).then(() => 'answered', (e: Error) => (e.cause as { code?: string } | undefined)?.code ?? e.message);
  t.not(outcome, 'answered');
  t.equal(log.entries()[0]?.status, 0);
});

t.test('the request log is a ring of the latest entries, skips unmatched 404s and cuts long paths', async (t) => {
  const { url, log } = await app(t, { capacity: 3 });
  for (let i = 0; i < 50; i++) t.equal((await fetch(`${url}/no/such/${'x'.repeat(2000)}/${i}`)).status, 404);
  t.same(log.entries(), [], 'a request that matched no route leaves nothing behind, however many and however long');
  t.equal((await fetch(`${url}/things/gone`)).status, 404);
  t.match(log.entries(), [{ route: '/things/:id', status: 404 }], 'a 404 from a real route is a real call and is kept');
  for (const id of ['a', 'b', 'c']) await fetch(`${url}/things/${id}`);
  t.same(log.entries().map((entry) => entry.path), ['/things/a', '/things/b', '/things/c'], 'only the latest `capacity` entries, oldest first');
  t.same(log.counts(), { 'GET /things/:id': 3 });
  await fetch(`${url}/things/${'y'.repeat(5000)}`);
  const last = log.entries().at(-1);
  t.ok(last && last.path.length <= 256, 'a long path is cut short');
  log.clear();
  t.same(log.entries(), []);
});
