// Starts and stops the whole daemon in order: data dir → key → database → migrations → key check →
// admin account → HTTP. main.ts adds the process concerns (argv, signals, exit codes); tests and
// benchmarks call startDaemon directly.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { resolveAdminAccount, type AdminAccount } from './auth/admin-account.ts';
import { createLoginLimiter } from './auth/login-limiter.ts';
import { foundationChores, startChores, type Chore } from './chores.ts';
import type { Config } from './config/schema.ts';
import { DATABASE_FILE, ensureDataDir, openDb, type Db } from './db/database.ts';
import { isMigrated, migrate, readMigrations } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import { createUpstreamContext, type UpstreamContext } from './integrations/upstream-context.ts';
import { createJobQueue, type JobQueue } from './jobs/job-queue.ts';
import { jobChores } from './jobs/purge-chore.ts';
import { createScheduler, type Scheduler } from './jobs/scheduler.ts';
import { taskRegistry, type TaskDefinition } from './jobs/task.ts';
import { createConnectionClients, type ConnectionClients } from './connections/clients.ts';
import type { CaptureDeps } from './capture/capture-conversation.ts';
import { captureReaction, captureTasks, recheckPendingCloses } from './capture/capture-task.ts';
import { createKeyedLock } from './capture/keyed-lock.ts';
import { queueRollingCaptures } from './capture/rolling-captures.ts';
import { createPipelineCache } from './tickets/ticket-pipeline.ts';
import { enqueueTicketChecks, ticketReactions, ticketTasks } from './tickets/ticket-tasks.ts';
import { settingsKey } from './connections/seed-from-config.ts';
import { ownerForAdmin } from './owners/owner-store.ts';
import { canRefreshOwners, enqueueOwnerRefresh, ensureOwnerRefreshes, ownerTasks } from './owners/refresh-task.ts';
import { seedConnectionsFromConfig } from './connections/seed-from-config.ts';
import { enqueueIdentify, identifyTasks } from './connections/identify-task.ts';
import { ensureSweepsScheduled, reconcileTasks } from './reconcile/reconcile-task.ts';
import { eventTasks, type EventReaction } from './webhooks/event-tasks.ts';
import { createDeliveryRecorder, purgeOldDeliveries } from './webhooks/record-deliveries.ts';
import { createSigningSecrets } from './webhooks/signing-secrets.ts';
import { sandboxWanted } from './sandbox-mount/mount-sandbox.ts';
import { StartupError } from './startup-error.ts';
import { loadSecretKey } from './vault/secret-key.ts';
import { createVault, type Vault } from './vault/vault.ts';
import { verifyKeyMatchesDatabase } from './vault/verify-key.ts';
import { hashPlainRecordLinks } from './db/hash-record-links.ts';
import { createMatchKeyHasher } from './matching/match-key.ts';

export interface DaemonOptions {
  config: Config;
  log: Logger;
  /** INTERHUBZ_SECRET_KEY, read by main from the environment. */
  secretKey?: string | undefined;
  clock?: () => number;
  uiDistDir?: string;
  /** The job handlers; features add theirs here. */
  tasks?: readonly TaskDefinition[];
  /** What features do when a webhook event arrives. */
  reactions?: readonly EventReaction[];
  /** Tests drive the scheduler by hand (scheduler.drain()) instead of its timer loop. */
  startScheduler?: boolean;
  /** scrypt's N for the admin password; only tests lower it (many starts), the default is 2^17. */
  passwordHashCost?: number;
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
  /** The address the server listens on, such as http://127.0.0.1:8080. */
  url: string;
  /** Stops in order: chores, HTTP (in-flight requests finish), jobs (up to `timeoutMs`), database. */
  close(timeoutMs?: number): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, log } = options;
  const clock = options.clock ?? Date.now;
  ensureDataDir(config.dataDir);

  const secret = loadSecretKey({ envKey: options.secretKey, keyFile: config.vault.keyFile, dataDir: config.dataDir, databaseFile: join(config.dataDir, DATABASE_FILE) });
  if (secret.source === 'generated') {
    log.warn({ keyFile: secret.file, keyId: secret.id }, 'generated a new secret key for the credential vault; back this file up with the database');
  }
  const vault = createVault(secret);

  const db = openDb(join(config.dataDir, DATABASE_FILE));
  try {
    const migrations = readMigrations();
    const { applied } = migrate(db.sqlite, migrations, clock);
    if (applied.length > 0) log.info({ applied }, 'database migrations applied');
    await verifyKeyMatchesDatabase(db.kysely, vault, clock());
    // Customer identifiers in record_links are keyed hashes; links from before migration 0013 are hashed now.
    const matchKeys = createMatchKeyHasher(secret.key);
    const hashedLinks = hashPlainRecordLinks(db.sqlite, matchKeys);
    if (hashedLinks > 0) log.info({ links: hashedLinks }, 'record links from before the upgrade now keyed by hashes');
    const seeded = await seedConnectionsFromConfig(db.kysely, vault, config, clock());
    if (config.connections.length > 0 || seeded.released.length > 0 || seeded.pruned.length > 0) {
      log.info({ ...seeded, identify: seeded.identify.length }, 'connections from the configuration file applied');
    }

    const upstream = createUpstreamContext(config.upstream);
    const jobsConfig = config.jobs;
    // The queue wakes the scheduler, whose tasks need the queue: the wake-up is connected below.
    let wakeScheduler: (runAt: number) => void = () => undefined;
    const jobs = createJobQueue({ db: db.kysely, clock, maxAttempts: jobsConfig.maxAttempts, notify: (runAt) => wakeScheduler(runAt) });
    const recorder = createDeliveryRecorder({ db: db.kysely, jobs, clock });
    const clients = createConnectionClients({ db: db.kysely, vault, upstream, log, now: clock });
    const capture: CaptureDeps = {
      db: db.kysely,
      clients,
      locks: createKeyedLock(),
      now: clock,
      ownerFor: async (connectionId, adminId) => (await ownerForAdmin(db.kysely, connectionId, adminId ?? '')).ownerId,
      tickets: { db: db.kysely, pipelines: createPipelineCache({ now: clock }), now: clock, settingsKey: (row) => settingsKey(config, row) },
      matchKeys,
    };
    const scheduler = createScheduler({
      db: db.kysely,
      tasks: taskRegistry([
        ...eventTasks([captureReaction({ db: db.kysely, jobs, clients }), ...ticketReactions({ db: db.kysely, jobs }), ...(options.reactions ?? [])]),
        ...captureTasks(capture),
        ...ticketTasks({ db: db.kysely, clients, capture, tickets: capture.tickets, now: clock }),
        ...ownerTasks({ db: db.kysely, clients, clock }),
        ...reconcileTasks({ db: db.kysely, clients, recorder, jobs, settings: config.reconcile, clock, afterSweep: (connectionId) => recheckPendingCloses({ db: db.kysely, jobs, clients, clock }, connectionId) }),
        ...identifyTasks({ db: db.kysely, vault, upstream, config, log, clock }),
        ...(options.tasks ?? []),
      ]),
      log,
      clock,
      concurrency: jobsConfig.concurrency,
      perConnectionConcurrency: jobsConfig.perConnectionConcurrency,
      leaseMs: jobsConfig.leaseSeconds * 1000,
      maxSleepMs: jobsConfig.maxSleepSeconds * 1000,
      backoff: { baseMs: jobsConfig.backoffBaseSeconds * 1000, capMs: jobsConfig.backoffCapSeconds * 1000 },
    });
    wakeScheduler = scheduler.notify;
    for (const { connectionId, side } of seeded.identify) await enqueueIdentify(jobs, connectionId, side);
    await enqueueTicketChecks({ db: db.kysely, jobs });
    // A changed `users` section (overrides, default owner) in the YAML takes effect on the mapping now.
    if (seeded.updated.length > 0) {
      const changed = await db.kysely.selectFrom('connections').select(['id', 'status', 'hubspot_portal_id', 'intercom_workspace_id']).where('name', 'in', seeded.updated).execute();
      for (const row of changed) if (canRefreshOwners(row)) await enqueueOwnerRefresh(jobs, row.id);
    }
    // A heartbeat older than a few sleeps means the loop is stuck.
    const heartbeatLimitMs = Math.max(3 * jobsConfig.maxSleepSeconds * 1000, 30_000);

    const admin = await resolveAdminAccount(config.admin, db.kysely, options.passwordHashCost === undefined ? {} : { cost: options.passwordHashCost });
    if (admin.weakConfiguredHash) {
      log.warn('admin.passwordHash was made with a lower scrypt cost than the current one; make a new one with `npm run hash-password`');
    }

    // Decided once per start, by the connections in the database (src/sandbox-mount); buildApp mounts it by the same rule.
    const sandboxOn = await sandboxWanted(config, db.kysely);
    const app = await buildApp({
      config,
      db: db.kysely,
      log,
      admin,
      clock,
      loginLimiter: createLoginLimiter({ max: config.admin.loginAttempts.max, windowMs: config.admin.loginAttempts.windowMinutes * 60_000 }),
      vault,
      upstream,
      jobs,
      capture,
      clients,
      intake: {
        db: db.kysely,
        recorder,
        secrets: createSigningSecrets({ db: db.kysely, vault, apps: config.apps, acceptSandbox: sandboxOn, clock }),
        clock,
      },
      readiness: {
        database: () => (db.sqlite.open ? true : 'closed'),
        migrations: () => (isMigrated(db.sqlite, migrations) ? true : 'pending'),
        scheduler: () => {
          if (options.startScheduler === false) return true;
          const failure = scheduler.tickFailure();
          if (failure) return `cannot run jobs since ${new Date(failure.since).toISOString()} (${failure.count} failed looks at the job table): ${failure.message}`;
          const beat = scheduler.lastHeartbeat();
          if (beat === null) return 'starting';
          return clock() - beat <= heartbeatLimitMs ? true : `no heartbeat for ${Math.round((clock() - beat) / 1000)} s`;
        },
      },
      ...(options.uiDistDir ? { uiDistDir: options.uiDistDir } : {}),
    });

    clients.useOAuthApps(app.oauthApps);
    const url = await listen(app, config.server.host, config.server.port);
    if (config.server.publicUrl === '') {
      // Nothing is built from the request's Host header (src/own-url.ts), so without publicUrl the
      // OAuth redirect URIs and the webhook URLs name the listening address.
      log.warn({ listening: url }, 'server.publicUrl is not set: OAuth (its redirect URIs) and HubSpot webhooks (their v3 signature covers the public URL) need it; until then they use the listening address');
    }
    // Only now that the port is ours: a start that cannot listen must not use up a generated password.
    await admin.persist(clock());
    if (admin.generatedPassword) {
      // Printed once, on the start that made it; only its scrypt hash is kept.
      log.warn(
        { username: admin.username },
        `Generated the admin password: ${admin.generatedPassword} — sign in as '${admin.username}' with it; it will not be shown again. ` +
          'Set INTERHUBZ_ADMIN_PASSWORD or admin.password to choose your own.',
      );
    }
    if (options.startScheduler !== false) scheduler.start();
    // Each feature contributes its periodic chores; they share one node-cron runner.
    const chores: Chore[] = [
      ...foundationChores(db.kysely, clock, log),
      ...jobChores(db.kysely, jobsConfig, clock, log),
      {
        name: 'purge-webhook-deliveries',
        schedule: '53 3 * * *',
        run: async () => {
          const purged = await purgeOldDeliveries(db.kysely, { now: clock(), keepDays: jobsConfig.keepWebhookDeliveriesDays });
          if (purged > 0) log.info({ purged }, 'old webhook delivery records purged');
        },
      },
      { name: 'schedule-reconciliation', schedule: '* * * * *', run: async () => void (await ensureSweepsScheduled({ db: db.kysely, jobs })) },
      { name: 'rolling-captures', schedule: '*/15 * * * *', run: async () => void (await queueRollingCaptures({ db: db.kysely, clients, jobs, clock, log })) },
      { name: 'refresh-owners', schedule: '23 * * * *', run: async () => void (await ensureOwnerRefreshes({ db: db.kysely, jobs, clock })) },
    ];
    const stopChores = startChores(chores, log);
    return {
      app,
      db,
      vault,
      admin,
      scheduler,
      jobs,
      upstream,
      clients,
      capture,
      url,
      async close(timeoutMs = config.server.shutdownTimeoutSeconds * 1000) {
        await stopChores();
        await app.close();
        await scheduler.stop(timeoutMs);
        await upstream.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
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
