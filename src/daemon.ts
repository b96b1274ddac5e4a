// Starts and stops the daemon: build the services (src/context.ts) → the HTTP app → listen →
// the scheduler and the chores; closing runs that in reverse. main.ts adds the process concerns
// (argv, signals, exit codes); tests and benchmarks call startDaemon directly. What each feature
// runs is its own registration (src/*/feature.ts), gathered by the context builder.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AdminAccount } from './auth/admin-account.ts';
import type { CaptureDeps } from './capture/capture-conversation.ts';
import { choreGuard, startChores } from './chores.ts';
import type { Config } from './config/schema.ts';
import type { ConnectionClients } from './connections/clients.ts';
import { buildContext, type AppContext, type ContextOptions } from './context.ts';
import type { Db } from './db/database.ts';
import { buildApp } from './http/app.ts';
import type { UpstreamContext } from './integrations/upstream-context.ts';
import type { JobQueue } from './jobs/job-queue.ts';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.ts';
import type { Scheduler } from './jobs/scheduler.ts';
import type { MountedSandbox } from './sandbox-mount/mounted-sandbox.ts';
import { StartupError } from './startup-error.ts';
import type { Vault } from './vault/vault.ts';

export interface DaemonOptions extends ContextOptions {
  config: Config;
  log: Logger;
}

export interface Daemon {
  app: FastifyInstance;
  db: Db;
  vault: Vault;
  admin: AdminAccount;
  scheduler: Scheduler;
  jobs: JobQueue;
  /** Pools and rate budgets every Intercom and HubSpot client of the process shares. */
  upstream: UpstreamContext;
  /** Each connection's Intercom and HubSpot clients. */
  clients: ConnectionClients;
  /** What capturing a conversation needs (API Push, the UI's push, tests). */
  capture: CaptureDeps;
  /** The built-in simulators, when the sandbox is on for this start (also app.sandbox, as tests use it). */
  sandbox: MountedSandbox | undefined;
  /** The address the server listens on, such as http://127.0.0.1:8080. */
  url: string;
  /** Stops in order: chores, HTTP (in-flight requests finish), jobs (up to `timeoutMs`), database. */
  close(timeoutMs?: number): Promise<void>;
}

/** The services and the HTTP app, built but not listening and with nothing started (tests inject requests into it). */
export interface BuiltDaemon extends Omit<Daemon, 'url' | 'close'> {
  context: AppContext;
  /** Closes the HTTP app (the simulators with it), stops the scheduler and closes the database. */
  close(timeoutMs?: number): Promise<void>;
}

export async function buildDaemon(options: DaemonOptions): Promise<BuiltDaemon> {
  const { config, log, ...contextOptions } = options;
  const ctx = await buildContext(config, log, contextOptions);
  let app: FastifyInstance;
  try {
    app = await buildApp(ctx);
  } catch (error) {
    await ctx.close();
    throw error;
  }
  return {
    context: ctx,
    app,
    db: ctx.database,
    vault: ctx.vault,
    admin: ctx.admin,
    scheduler: ctx.scheduler,
    jobs: ctx.jobs,
    upstream: ctx.upstream,
    clients: ctx.clients,
    capture: ctx.capture,
    sandbox: ctx.sandbox,
    async close(timeoutMs = config.server.shutdownTimeoutSeconds * 1000) {
      await app.close();
      await ctx.scheduler.stop(timeoutMs);
      await ctx.close();
    },
  };
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, log } = options;
  const built = await buildDaemon(options);
  const ctx = built.context;
  let metricsServer: MetricsServer | undefined;
  try {
    const url = await listen(built.app, config.server.host, config.server.port);
    metricsServer = await listenForMetrics(ctx, log);
    // What needs the listening address, before any job runs (the sandbox connections' wiring).
    await ctx.afterListen(built.app.server);
    await announce(ctx, url);
    if (options.startScheduler !== false) ctx.scheduler.start();
    // On PostgreSQL each chore's run is taken by one replica at a time (src/chores.ts).
    const stopChores = startChores(ctx.chores, log, choreGuard(ctx.database));
    const { context: _context, close: closeBuilt, ...services } = built;
    const metricsPort = metricsServer;
    return {
      ...services,
      url,
      async close(timeoutMs = config.server.shutdownTimeoutSeconds * 1000) {
        await stopChores();
        await metricsPort?.close();
        await closeBuilt(timeoutMs);
      },
    };
  } catch (error) {
    await metricsServer?.close();
    // A start that fails after listening (metrics.port taken, say) must not leave the port held.
    await built.app.close();
    await ctx.close();
    throw error;
  }
}

/** What the operator must know once the port is ours; the admin account is stored only now. */
async function announce(ctx: Pick<AppContext, 'config' | 'log' | 'admin' | 'clock'>, url: string): Promise<void> {
  const { config, log, admin } = ctx;
  if (config.server.publicUrl === '') {
    // Nothing is built from the request's Host header (src/own-url.ts), so without publicUrl the
    // OAuth redirect URIs and the webhook URLs name the listening address.
    log.warn({ listening: url }, 'server.publicUrl is not set: OAuth (its redirect URIs) and HubSpot webhooks (their v3 signature covers the public URL) need it; until then they use the listening address');
  }
  // Only now that the port is ours: a start that cannot listen must not use up a generated password.
  await admin.persist(ctx.clock());
  if (admin.generatedPassword) {
    // Printed once, on the start that made it; only its scrypt hash is kept.
    log.warn(
      { username: admin.username },
      `Generated the admin password: ${admin.generatedPassword} — sign in as '${admin.username}' with it; it will not be shown again. ` +
        'Set INTERHUBZ_ADMIN_PASSWORD or admin.password to choose your own.',
    );
  }
}

/** metrics.port, when set: /metrics without a token, on the interface the operator chose. */
async function listenForMetrics(ctx: Pick<AppContext, 'config' | 'metrics'>, log: Logger): Promise<MetricsServer | undefined> {
  const { port, host } = ctx.config.metrics;
  if (port === 0) return undefined;
  try {
    const server = await startMetricsServer(ctx.metrics, { host, port, log });
    log.info({ metrics: `${server.url}/metrics` }, 'metrics served without authentication (metrics.port)');
    return server;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`Port ${port} (metrics.port) is already in use. Choose another port, or 0 to serve metrics only at /metrics with a token.`);
    throw new StartupError(`Cannot serve metrics on ${host}:${port} (metrics.host, metrics.port): ${(error as Error).message}`);
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(`Port ${port} on ${host} is already in use. Stop the other program or set PORT (server.port) to a free port.`);
    }
    if (code === 'EACCES') {
      throw new StartupError(`Not allowed to listen on port ${port}. Use a port above 1023 by setting PORT (server.port).`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new StartupError(`Cannot listen on ${host}: this machine has no such address. Set HOST (server.host) to 0.0.0.0 or 127.0.0.1.`);
    }
    throw error;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actualPort}`;
}
