// The per-request logger (src/http/request-logger.ts) is made only when a line is written: lines
// still carry the request's id and stay redacted, a route's own logLevel still applies, and a
// request that writes nothing at the logger's level makes no pino child.
import t from 'tap';
import Fastify, { LogController } from 'fastify';
import pino from 'pino';
import { loggerOptions } from '../../src/log.ts';
import { lazyChildLogger } from '../../src/http/request-logger.ts';

function app(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(loggerOptions(level), { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof logger.child>) => {
    children += 1;
    return child(...args);
  }) as typeof logger.child;
  const server = Fastify({ loggerInstance: logger, childLoggerFactory: lazyChildLogger, logController: new LogController({ disableRequestLogging: true }) });
  server.get('/quiet', async (request) => {
    request.log.debug('not at info');
    return { ok: true };
  });
  server.get('/loud', async (request) => {
    request.log.info({ token: 'tok_secret_123', n: 1 }, 'a line');
    return { ok: true };
  });
  server.get('/chatty', { logLevel: 'debug' }, async (request) => {
    request.log.debug('debug on this route');
    return { ok: true };
  });
  return { server, lines, children: () => children };
}

t.test('a request that writes nothing at the level makes no child logger', async (t) => {
  const { server, lines, children } = app('info');
  await server.ready();
  const before = children();
  t.equal((await server.inject('/quiet')).statusCode, 200);
  t.equal(children() - before, 0);
  t.same(lines, []);
});

t.test('a line carries the request id and is redacted', async (t) => {
  const { server, lines, children } = app('info');
  await server.ready();
  const before = children();
  const response = await server.inject({ url: '/loud', headers: { 'x-request-id': 'abc' } });
  t.equal(response.statusCode, 200);
  t.equal(children() - before, 1);
  t.match(lines, [{ msg: 'a line', n: 1, token: '[redacted]' }]);
  t.type(lines[0]?.reqId, 'string');
});

t.test("a route's own logLevel still applies", async (t) => {
  const { server, lines } = app('info');
  await server.inject('/chatty');
  t.match(lines, [{ msg: 'debug on this route', level: 20 }]);
});
