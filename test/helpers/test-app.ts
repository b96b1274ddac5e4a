// The daemon's services and HTTP app without a socket: requests go through Fastify's app.inject,
// so a route-level test pays neither a listen nor a TCP round trip per call. The database is still
// a real store: an SQLite file in a fresh data directory (DESIGN.md §4), or a fresh PostgreSQL
// database (`store: 'postgres'`, or INTERHUBZ_TEST_STORE=postgres for tests that name no store). What needs a real address stays on
// startTestServer: the sandbox's upstream calls (they dial the daemon's own port), webhooks sent by
// a simulator to the daemon, browsers, child processes, and what differs without server.publicUrl.
// With no listening address, the daemon's own URL (src/own-url.ts) is server.publicUrl, set here to
// TEST_PUBLIC_URL unless the test gives one: a name nothing answers, so a test that dials it fails.
import type { InjectOptions } from 'fastify';
import { buildDaemon, type BuiltDaemon } from '../../src/daemon.ts';
import type { Db, PostgresDb, SqliteDb } from '../../src/db/database.ts';
import { asTestDaemon, daemonOptions, testDaemonSetup, untilSchedulerLooked, withTestStore, type OnPostgres, type Reachable, type Teardownable, type TestServerOptions } from './server.ts';

/** The public URL a test app has unless its test gives one (.test is reserved: RFC 2606). */
const TEST_PUBLIC_URL = 'http://interhubz.test';

/** `D` as in TestServer: SqliteDb unless the test asked for PostgreSQL. */
export interface TestApp<D extends Db = SqliteDb> extends Reachable {
  /** server.publicUrl: where webhooks and OAuth callbacks are said to reach the daemon. */
  url: string;
  username: string;
  password: string;
  dataDir: string;
  /** The services (db, jobs, scheduler, clients, …), as startTestServer's `daemon` without `url`. */
  daemon: BuiltDaemon & { db: D };
}

export async function buildTestApp(t: Teardownable, options: TestServerOptions & OnPostgres): Promise<TestApp<PostgresDb>>;
export async function buildTestApp(t: Teardownable, options?: TestServerOptions): Promise<TestApp>;
export async function buildTestApp(t: Teardownable, given: TestServerOptions = {}): Promise<TestApp<Db>> {
  const options = await withTestStore(t, given);
  const publicUrl = options.config?.server?.publicUrl || TEST_PUBLIC_URL;
  const { config, log, password, dataDir } = testDaemonSetup(t, { ...options, config: { ...options.config, server: { ...options.config?.server, publicUrl } } });
  const daemon = await buildDaemon({ config, log, ...daemonOptions(options) });
  t.teardown(() => daemon.close());
  const ctx = daemon.context;
  // What startDaemon does once it listens: the admin account is stored, the scheduler runs.
  await ctx.admin.persist(ctx.clock());
  if (options.startScheduler !== false) {
    ctx.scheduler.start();
    await untilSchedulerLooked(daemon);
  }
  await daemon.app.ready();
  // The daemon loads its simulators on first use; tests read them directly (daemon.sandbox.intercom, …).
  await daemon.sandbox?.load();
  return { url: publicUrl, username: config.admin.username, password, dataDir, daemon: asTestDaemon(daemon), fetch: (path, init) => injectFetch(daemon, path, init) };
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** fetch's contract over app.inject: same request headers and body, a real Response back; redirects to our own paths followed unless `redirect: 'manual'`. */
async function injectFetch(daemon: BuiltDaemon, path: string, init: RequestInit = {}, hops = 0): Promise<Response> {
  if (!path.startsWith('/')) throw new Error(`buildTestApp's fetch takes a path on the daemon, not ${path}`);
  const method = (init.method ?? 'GET').toUpperCase() as InjectOptions['method'];
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  let payload: string | Buffer | undefined;
  const body = init.body;
  if (typeof body === 'string') payload = body;
  else if (body instanceof URLSearchParams) {
    payload = body.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
  } else if (body instanceof Uint8Array) payload = Buffer.from(body);
  else if (body instanceof ArrayBuffer) payload = Buffer.from(body);
  else if (body != null) throw new Error('buildTestApp fetch: give the body as a string, bytes or URLSearchParams');

  const answer = await daemon.app.inject({ method, url: path, headers, ...(payload === undefined ? {} : { payload }) });
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [String(value)]) responseHeaders.append(name, one);
  }
  const location = answer.headers.location;
  if (init.redirect !== 'manual' && answer.statusCode >= 300 && answer.statusCode < 400 && typeof location === 'string' && location.startsWith('/') && hops < 20) {
    const { body: _body, ...rest } = init;
    return injectFetch(daemon, location, { ...rest, method: 'GET' }, hops + 1);
  }
  const nullBody = NULL_BODY_STATUSES.has(answer.statusCode) || method === 'HEAD';
  return new Response(nullBody ? null : answer.rawPayload, { status: answer.statusCode, statusText: answer.statusMessage, headers: responseHeaders });
}
