// Starts the real daemon in-process on a free loopback port with a fresh data directory, on a
// fresh SQLite file there (the default) or on a fresh PostgreSQL database (`store: 'postgres'`, or
// every test daemon whose test names no store when INTERHUBZ_TEST_STORE=postgres).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { Config } from '../../src/config/schema.ts';
import type { Db, PostgresDb, SqliteDb } from '../../src/db/database.ts';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';
import { testConfig } from './config.ts';
import { makeTestPgDb } from './postgres.ts';

export interface Teardownable {
  teardown(fn: () => unknown): void;
}

/**
 * `D` is the store's handle: SqliteDb unless the test asked for PostgreSQL. A test that names no
 * store is typed SQLite (most read `db.sqlite`), though INTERHUBZ_TEST_STORE=postgres runs it on
 * PostgreSQL: there, reading `db.sqlite` throws a sentence saying the test is SQLite-only.
 */
export interface TestServer<D extends Db = SqliteDb> {
  url: string;
  username: string;
  password: string;
  dataDir: string;
  daemon: Daemon & { db: D };
  fetch: Reachable['fetch'];
}

type TestStore = 'sqlite' | 'postgres';

/** The store of a test daemon whose test names none: INTERHUBZ_TEST_STORE, else SQLite. */
function defaultTestStore(): TestStore {
  const store = process.env.INTERHUBZ_TEST_STORE;
  if (store === undefined || store === '' || store === 'sqlite') return 'sqlite';
  if (store === 'postgres') return 'postgres';
  throw new Error(`INTERHUBZ_TEST_STORE must be sqlite or postgres, not ${JSON.stringify(store)}`);
}

/** The vault key of test daemons on PostgreSQL: a shared store is never given a generated one. */
const TEST_VAULT_KEY = Buffer.alloc(32, 7).toString('base64');

/**
 * The PostgreSQL database of each data directory a test gave: a test restarting a daemon on the same
 * data directory means the same installation, so on PostgreSQL it gets the same database, kept as
 * long as the directory (a restart may be a later subtest of the test that made it).
 */
const databaseOfDataDir = new Map<string, Promise<string>>();

/**
 * The options with the store filled in: for PostgreSQL, a fresh migrated database of the test's own
 * (dropped at teardown, after the daemon closes: teardowns run last-registered first) as
 * `database.url`, and the fixed vault key unless the test gives one.
 */
export async function withTestStore(t: Teardownable, options: TestServerOptions): Promise<TestServerOptions> {
  if ((options.store ?? defaultTestStore()) !== 'postgres') return options;
  const dataDir = options.dataDir;
  let url = dataDir === undefined ? undefined : databaseOfDataDir.get(dataDir);
  if (!url) {
    const owner = (dataDir !== undefined && dataDirOwners.get(dataDir)) || t;
    url = makeTestPgDb(owner).then((db) => db.url);
    if (dataDir !== undefined) {
      databaseOfDataDir.set(dataDir, url);
      owner.teardown(() => databaseOfDataDir.delete(dataDir));
    }
  }
  return { ...options, secretKey: options.secretKey ?? TEST_VAULT_KEY, config: { ...options.config, database: { url: await url, ...options.config?.database } } };
}

/**
 * The daemon as a test sees it. On PostgreSQL, a test typed for SQLite (it named no store) that reads
 * `db.sqlite` or `db.path` is told it runs on SQLite only, instead of failing on an undefined.
 */
export function asTestDaemon<T extends { db: Db }>(daemon: T): T & { db: SqliteDb } {
  const db = daemon.db;
  if (db.dialect === 'sqlite') return daemon as T & { db: SqliteDb };
  const guarded = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'sqlite' || property === 'path') {
        throw new Error(`this test reads the SQLite handle (db.${property}) but its daemon runs on PostgreSQL (${target.url}): it runs on SQLite only (give it store: 'sqlite')`);
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return new Proxy(daemon, {
    get: (target, property, receiver) => (property === 'db' ? guarded : Reflect.get(target, property, receiver)),
  }) as unknown as T & { db: SqliteDb };
}

/**
 * On PostgreSQL, waits for the scheduler's first look at the job table (its heartbeat, which /readyz
 * reports). On SQLite that look has ended before the daemon's start returns (its driver answers
 * in-process); on PostgreSQL it takes round trips, and a test's first /readyz would find the
 * scheduler "starting". A first look that fails ends the wait: the test sees the failure.
 */
export async function untilSchedulerLooked(daemon: Pick<Daemon, 'db' | 'scheduler'>): Promise<void> {
  if (daemon.db.dialect !== 'postgres') return;
  const deadline = Date.now() + 30_000;
  while (daemon.scheduler.lastHeartbeat() === null && daemon.scheduler.tickFailure() === null) {
    if (Date.now() > deadline) throw new Error("the test daemon's scheduler did not look at the job table within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a test asking for PostgreSQL gets: its daemon typed on PostgreSQL. */
export type OnPostgres = { store: 'postgres' };

export interface TestServerOptions {
  /** The store the daemon runs on; default INTERHUBZ_TEST_STORE, else SQLite. */
  store?: TestStore;
  password?: string;
  dataDir?: string;
  config?: Parameters<typeof testConfig>[1];
  /** Where log lines go (pino JSON), for tests that read the logs. */
  logDestination?: DestinationStream;
  logLevel?: Config['logLevel'];
  secretKey?: string;
  clock?: () => number;
  tasks?: DaemonOptions['tasks'];
  startScheduler?: boolean;
  passwordHashCost?: number;
  /** DaemonOptions.canvasDeadlineStretch: the Inbox app's deadlines stretched (1 by default, as in the product). */
  canvasDeadlineStretch?: number;
}

/** scrypt's N for test starts; test/http/admin-auth.test.ts checks the real default separately. */
export const TEST_PASSWORD_HASH_COST = 2 ** 12;

/** Who made each data directory (makeDataDir): a PostgreSQL database standing for it lives as long. */
const dataDirOwners = new Map<string, Teardownable>();

export function makeDataDir(t: Teardownable): string {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-test-'));
  dataDirOwners.set(dir, t);
  t.teardown(() => {
    dataDirOwners.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export async function startTestServer(t: Teardownable, options: TestServerOptions & OnPostgres): Promise<TestServer<PostgresDb>>;
export async function startTestServer(t: Teardownable, options?: TestServerOptions): Promise<TestServer>;
export async function startTestServer(t: Teardownable, given: TestServerOptions = {}): Promise<TestServer<Db>> {
  const options = await withTestStore(t, given);
  const { config, log, password, dataDir } = testDaemonSetup(t, options);
  const daemon = await startDaemon({ config, log, ...daemonOptions(options) });
  t.teardown(() => daemon.close());
  if (options.startScheduler !== false) await untilSchedulerLooked(daemon);
  // The daemon loads its simulators on first use; tests read them directly (daemon.sandbox.intercom, …).
  await daemon.sandbox?.load();
  return { url: daemon.url, username: config.admin.username, password, dataDir, daemon: asTestDaemon(daemon), fetch: (path, init) => fetch(`${daemon.url}${path}`, init) };
}

/** The configuration, logger and password a test daemon starts with (shared with buildTestApp). */
export function testDaemonSetup(t: Teardownable, options: TestServerOptions) {
  const dataDir = options.dataDir ?? makeDataDir(t);
  const password = options.password ?? 'correct horse battery staple';
  const config = testConfig(dataDir, {
    ...options.config,
    logLevel: options.logLevel ?? (options.logDestination ? 'info' : 'silent'),
    admin: { password, ...options.config?.admin },
  });
  return { config, log: createLogger(config.logLevel, options.logDestination), password, dataDir };
}

export function daemonOptions(options: TestServerOptions): Omit<DaemonOptions, 'config' | 'log'> {
  return {
    secretKey: options.secretKey,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tasks ? { tasks: options.tasks } : {}),
    ...(options.startScheduler !== undefined ? { startScheduler: options.startScheduler } : {}),
    ...(options.canvasDeadlineStretch !== undefined ? { canvasDeadlineStretch: options.canvasDeadlineStretch } : {}),
    // The admin password is hashed at every start; the real cost (2^17, 128 MiB) would slow every test.
    passwordHashCost: options.passwordHashCost ?? TEST_PASSWORD_HASH_COST,
  };
}

/** What a test calls requests through: a real socket (startTestServer) or app.inject (buildTestApp). */
export interface Reachable {
  /** Like the global fetch, with a path on the daemon instead of a URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** A server given by its URL only (a daemon in a child process) is reached with the global fetch. */
type ReachableOrUrl = Reachable | { url: string };
const reach = (server: ReachableOrUrl): Reachable['fetch'] => ('fetch' in server ? server.fetch : (path, init) => fetch(`${server.url}${path}`, init));

/** Signs in and returns what a browser would hold: the cookie header and the CSRF token. */
export async function signIn(server: ReachableOrUrl & { username: string; password: string }): Promise<{ cookie: string; csrfToken: string }> {
  const response = await reach(server)('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: server.username, password: server.password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

export interface ApiAnswer {
  status: number;
  // Tests read answers loosely; the shapes are asserted with t.match.
  body: Record<string, any> | undefined;
  headers?: Headers;
}

/** Calls the admin API as a signed-in browser would (session cookie and CSRF header). */
export function sessionApi(server: ReachableOrUrl, session: { cookie: string; csrfToken: string }) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await reach(server)(path, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined, headers: response.headers };
  };
}
