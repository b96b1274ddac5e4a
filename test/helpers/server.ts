// Starts the real daemon in-process on a free loopback port with a fresh data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { Config } from '../../src/config/schema.ts';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';
import { testConfig } from './config.ts';

export interface Teardownable {
  teardown(fn: () => unknown): void;
}

export interface TestServer {
  url: string;
  username: string;
  password: string;
  dataDir: string;
  daemon: Daemon;
}

export interface TestServerOptions {
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
}

/** scrypt's N for test starts; test/http/admin-auth.test.ts checks the real default separately. */
export const TEST_PASSWORD_HASH_COST = 2 ** 12;

export function makeDataDir(t: Teardownable): string {
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startTestServer(t: Teardownable, options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeDataDir(t);
  const password = options.password ?? 'correct horse battery staple';
  const config = testConfig(dataDir, {
    ...options.config,
    logLevel: options.logLevel ?? (options.logDestination ? 'info' : 'silent'),
    admin: { password, ...options.config?.admin },
  });
  const log = createLogger(config.logLevel, options.logDestination);
  const daemon = await startDaemon({
    config,
    log,
    secretKey: options.secretKey,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tasks ? { tasks: options.tasks } : {}),
    ...(options.startScheduler !== undefined ? { startScheduler: options.startScheduler } : {}),
    // The admin password is hashed at every start; the real cost (2^17, 128 MiB) would slow every test.
    passwordHashCost: options.passwordHashCost ?? TEST_PASSWORD_HASH_COST,
  });
  t.teardown(() => daemon.close());
  return { url: daemon.url, username: config.admin.username, password, dataDir, daemon };
}

/** Signs in and returns what a browser would hold: the cookie header and the CSRF token. */
export async function signIn(server: Pick<TestServer, 'url' | 'username' | 'password'>): Promise<{ cookie: string; csrfToken: string }> {
  const response = await fetch(`${server.url}/api/session`, {
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
export function sessionApi(server: Pick<TestServer, 'url'>, session: { cookie: string; csrfToken: string }) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined, headers: response.headers };
  };
}
