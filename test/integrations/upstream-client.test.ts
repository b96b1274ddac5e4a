// The HTTP core against a scripted server on loopback: each request takes the next scripted answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import t from 'tap';
import { z } from 'zod';
import { createHttpPools } from '../../src/integrations/http-pools.ts';
import { realClock } from '../../src/integrations/rate-budget.ts';
import { createUpstreamClient, type UpstreamClientOptions } from '../../src/integrations/upstream-client.ts';
import { UpstreamError } from '../../src/integrations/upstream-error.ts';
import { createLogger } from '../../src/log.ts';
import { captureLogs } from '../helpers/log-capture.ts';

type Answer = { status?: number; headers?: Record<string, string>; body?: unknown; hang?: boolean; reset?: boolean };

async function scriptedServer(t: { teardown(fn: () => unknown): void }, script: Answer[]) {
  const seen: Array<{ method: string; url: string; authorization?: string | undefined; body: string }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = script.shift() ?? { status: 200, body: { ok: true } };
      if (answer.reset) return req.socket.destroy();
      if (answer.hang) return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, seen };
}

function client(t: { teardown(fn: () => unknown): void }, baseUrl: string, overrides: Partial<UpstreamClientOptions> = {}) {
  const pools = createHttpPools({ connectTimeoutMs: 1000, keepAliveTimeoutMs: 1000, connectionsPerOrigin: 4 });
  t.teardown(() => pools.close());
  const slept: number[] = [];
  const learned: number[] = [];
  const upstream = createUpstreamClient({
    service: 'hubspot',
    baseUrl,
    pools,
    timeouts: { headersMs: 300, bodyMs: 300 },
    retry: { maxAttempts: 4, baseMs: 10, capMs: 50, maxWaitMs: 5000 },
    authorize: async () => 'Bearer tok-secret-123',
    plan: async () => undefined,
    learn: (_call, status) => void learned.push(status),
    describeError: (_status, headers, body) => {
      const b = (body ?? {}) as { category?: string; message?: string; correlationId?: string };
      return { code: b.category, vendorMessage: b.message, requestId: b.correlationId ?? (headers['x-hubspot-correlation-id'] as string | undefined) };
    },
    log: createLogger('silent'),
    clock: { now: realClock.now, sleep: async (ms) => void slept.push(ms) },
    random: () => 0,
    ...overrides,
  });
  return { upstream, slept, learned };
}

t.test('JSON in and out, query strings, validated bodies', async (t) => {
  const server = await scriptedServer(t, [{ body: { id: '7', properties: { email: 'a@b.c' } } }]);
  const { upstream } = client(t, server.url);
  const result = await upstream.json(
    { method: 'POST', path: '/crm/objects/2026-09/contacts', query: { idProperty: 'email', archived: false }, body: { properties: { email: 'a@b.c' } } },
    z.object({ id: z.string() }),
  );
  t.same(result, { id: '7' });
  t.match(server.seen[0], { method: 'POST', url: '/crm/objects/2026-09/contacts?idProperty=email&archived=false', authorization: 'Bearer tok-secret-123', body: '{"properties":{"email":"a@b.c"}}' });
});

t.test('429 and 5xx are retried, honouring Retry-After; the budget learns from every answer', async (t) => {
  const server = await scriptedServer(t, [
    { status: 429, headers: { 'retry-after': '2' }, body: { category: 'RATE_LIMITS', message: 'You have reached your ten_secondly_rolling limit.' } },
    { status: 503 },
    { body: { results: [] } },
  ]);
  const { upstream, slept, learned } = client(t, server.url);
  const response = await upstream.send({ method: 'GET', path: '/crm/owners/2026-09' });
  t.equal(response.status, 200);
  t.same(slept, [2000, 10], 'waited what the vendor asked, then backoff (second try: half of 20 ms)');
  t.same(learned, [429, 503, 200]);
});

t.test('beyond the per-call budget the error says it is retryable and how long to wait', async (t) => {
  const server = await scriptedServer(t, [{ status: 429, headers: { 'retry-after': '60' }, body: { category: 'RATE_LIMITS', message: 'daily', correlationId: 'corr-1' } }]);
  const { upstream } = client(t, server.url);
  const error = await upstream.send({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
  t.ok(error instanceof UpstreamError);
  const failure = error as UpstreamError;
  t.equal(failure.kind, 'rate_limited');
  t.ok(failure.retryable);
  t.equal(failure.details.retryAfterMs, 60_000, 'a wait longer than maxWaitMs goes to the job instead of being slept');
  t.equal(failure.details.requestId, 'corr-1');
  t.equal(server.seen.length, 1);
  t.notMatch(failure.message, /tok-secret/);
});

t.test('other 4xx are permanent, with the vendor message', async (t) => {
  const server = await scriptedServer(t, [{ status: 400, body: { category: 'VALIDATION_ERROR', message: 'Property values were not valid', correlationId: 'c-9' } }]);
  const { upstream } = client(t, server.url);
  const error = (await upstream.send({ method: 'POST', path: '/notes', body: { secret: 'note body text' } }).catch((e: unknown) => e)) as UpstreamError;
  t.equal(error.kind, 'invalid_request');
  t.notOk(error.retryable);
  t.equal(error.message, 'HubSpot POST /notes failed with 400: Property values were not valid (request id c-9)');
  t.notMatch(JSON.stringify(error.details), /note body text/, 'the request body is never in the error');
  t.equal(server.seen.length, 1, 'not retried');
});

t.test('a timeout on a read is retried; on a non-idempotent write it is reported as ambiguous, never repeated', async (t) => {
  const server = await scriptedServer(t, [{ hang: true }, { body: { ok: true } }, { hang: true }]);
  const { upstream } = client(t, server.url);
  t.equal((await upstream.send({ method: 'GET', path: '/read' })).status, 200);
  const error = (await upstream.send({ method: 'POST', path: '/crm/objects/2026-09/notes', body: {} }).catch((e: unknown) => e)) as UpstreamError;
  t.equal(error.kind, 'ambiguous_write');
  t.ok(error.retryable, 'the job may run again, and must look before writing');
  t.equal(server.seen.filter((r) => r.method === 'POST').length, 1, 'the POST was sent once');
});

t.test('a 5xx on a non-idempotent write is ambiguous too; an explicitly idempotent POST is retried', async (t) => {
  const server = await scriptedServer(t, [{ status: 500 }, { status: 502 }, { body: { results: [] } }]);
  const { upstream } = client(t, server.url);
  const error = (await upstream.send({ method: 'POST', path: '/create', body: {} }).catch((e: unknown) => e)) as UpstreamError;
  t.equal(error.kind, 'ambiguous_write');
  const search = await upstream.send({ method: 'POST', path: '/crm/objects/2026-09/contacts/search', body: {}, idempotent: true });
  t.equal(search.status, 200, 'search is a read sent as POST');
});

t.test('a reset connection on a read is retried', async (t) => {
  const server = await scriptedServer(t, [{ reset: true }, { body: { ok: 1 } }]);
  const { upstream } = client(t, server.url);
  t.equal((await upstream.send({ method: 'GET', path: '/r' })).status, 200);
  t.equal(server.seen.length, 2);
});

t.test('a 401 asks for a fresh credential once, then fails as unauthorized', async (t) => {
  const server = await scriptedServer(t, [{ status: 401 }, { body: { ok: true } }, { status: 401 }, { status: 401 }]);
  let token = 'old';
  let refreshes = 0;
  const { upstream } = client(t, server.url, {
    authorize: async () => `Bearer ${token}`,
    onUnauthorized: async () => {
      refreshes += 1;
      token = `new-${refreshes}`;
      return true;
    },
  });
  t.equal((await upstream.send({ method: 'GET', path: '/a' })).status, 200);
  t.same(server.seen.map((r) => r.authorization), ['Bearer old', 'Bearer new-1']);
  const error = (await upstream.send({ method: 'GET', path: '/b' }).catch((e: unknown) => e)) as UpstreamError;
  t.equal(error.kind, 'unauthorized');
  t.equal(refreshes, 2, 'one refresh per call, not a loop');
});

t.test('a body the code relies on that does not match is an invalid_response', async (t) => {
  const server = await scriptedServer(t, [{ body: { identifier: 7 } }]);
  const { upstream } = client(t, server.url);
  const error = (await upstream.json({ method: 'GET', path: '/x' }, z.object({ id: z.string() })).catch((e: unknown) => e)) as UpstreamError;
  t.equal(error.kind, 'invalid_response');
  t.match(error.details.vendorMessage, /id: Invalid input/);
});

t.test('retries are logged without tokens or bodies', async (t) => {
  const logs = captureLogs();
  const server = await scriptedServer(t, [{ status: 503 }, { body: { ok: true } }]);
  const { upstream } = client(t, server.url, { log: createLogger('info', logs) });
  await upstream.send({ method: 'PUT', path: '/p', body: { text: 'customer wrote something private' } });
  t.match(logs.text(), /upstream call refused; retrying/);
  t.notMatch(logs.text(), /tok-secret|private/);
});
