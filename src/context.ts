// Builds every service of the daemon once, in dependency order, and hands them over as one plain
// object: data dir → secret key and vault → database, migrations, key check → configured
// connections → sandbox → OAuth apps → upstream pools and connection clients → job queue →
// features → scheduler → admin account → what the HTTP app needs. Nothing here listens or runs a
// timer (startDaemon does), and nothing is patched after it is built.
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { recordConfigChanges } from './audit/config-audit.ts';
import { resolveAdminAccount, type AdminAccount } from './auth/admin-account.ts';
import { applyConfiguredUsers } from './auth/configured-users.ts';
import { createLoginLimiter, type LoginLimiter } from './auth/login-limiter.ts';
import { createCaptureDeps } from './capture/feature.ts';
import type { Chore } from './chores.ts';
import type { Config } from './config/schema.ts';
import { createConnectionClients } from './connections/clients.ts';
import { seedConnectionsFromConfig } from './connections/seed-from-config.ts';
import { DATABASE_FILE, ensureDataDir, type Db } from './db/database.ts';
import { hashPlainRecordLinks } from './db/hash-record-links.ts';
import { isMigrated, migrate, readMigrations, type Migration } from './db/migrate.ts';
import { createSharedBudgetStore } from './db/repos/rate-budgets.ts';
import { openStore } from './db/open-store.ts';
import { createClusterLocks, type ClusterLocks } from './db/postgres/cluster-locks.ts';
import { isMigratedPostgres, migratePostgres } from './db/postgres/migrate-postgres.ts';
import { describeDatabaseUrl } from './db/postgres/database-url.ts';
import type { FeatureContext } from './feature.ts';
import { FEATURES, featureChores, featureTasks, startFeatures } from './features.ts';
import type { ReadinessCheck } from './http/routes/health.ts';
import { createSharedBudgets } from './integrations/shared-budget.ts';
import { createUpstreamContext } from './integrations/upstream-context.ts';
import { createJobQueue } from './jobs/job-queue.ts';
import { createScheduler, type Scheduler } from './jobs/scheduler.ts';
import { taskRegistry, type TaskDefinition } from './jobs/task.ts';
import { createWakeUps } from './jobs/wake-ups.ts';
import { listenForWakeUps, type WakeUpListener } from './jobs/listen-wake-ups.ts';
import { createMatchKeyHasher } from './matching/match-key.ts';
import { createOAuthClient, type OAuthClient } from './oauth/oauth-client.ts';
import { createPendingAuthorizations, type PendingAuthorizations } from './oauth/pending-authorizations.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { addScrapeGauges } from './metrics/scrape-gauges.ts';
import { ownerLookup } from './owners/feature.ts';
import { createSandbox, sandboxWanted } from './sandbox-mount/mount-sandbox.ts';
import { rewireSandboxConnections } from './connections/rewire-sandbox.ts';
import { listeningUrl, ownBaseUrl, type Listening } from './own-url.ts';
import type { MountedSandbox } from './sandbox-mount/mounted-sandbox.ts';
import { intercomContentDigest } from './records/echo-hints.ts';
import { createRecordSyncDeps } from './records/feature.ts';
import { conversationContactFiltered } from './records/conversation-filter.ts';
import type { ContactFilter } from './conversations/resolve-records.ts';
import { deriveValueHashKey, writtenValueDigest } from './records/value-hash.ts';
import { createTicketPipelineDeps } from './tickets/feature.ts';
import { loadSecretKey } from './vault/secret-key.ts';
import { createVault } from './vault/vault.ts';
import { verifyKeyMatchesDatabase } from './vault/verify-key.ts';
import type { EventReaction } from './webhooks/event-tasks.ts';
import type { IntakeDeps } from './webhooks/intake.ts';
import { createDeliveryRecorder } from './webhooks/record-deliveries.ts';
import { commitDeliveriesWithKysely } from './webhooks/record-deliveries-postgres.ts';
import { createSigningSecrets } from './webhooks/signing-secrets.ts';

export interface ContextOptions {
  /** INTERHUBZ_SECRET_KEY, read by main from the environment. */
  secretKey?: string | undefined;
  clock?: () => number;
  uiDistDir?: string;
  /** Extra job handlers (tests). */
  tasks?: readonly TaskDefinition[];
  /** Extra reactions to webhook events (tests). */
  reactions?: readonly EventReaction[];
  /** false: tests drive the scheduler by hand (scheduler.drain()); its readiness check then always passes. */
  startScheduler?: boolean;
  /** scrypt's N for the admin password; only tests lower it (many starts), the default is 2^17. */
  passwordHashCost?: number;
  /**
   * Simulators to use, when the sandbox is on, instead of this start's own: only tests give them, so
   * that two daemons on one database are two replicas of one install facing one "vendor", as real
   * replicas face Intercom and HubSpot (the sandbox itself lives in one process's memory).
   */
  sandbox?: MountedSandbox;
  /**
   * Multiplies the Inbox app's answer deadlines (src/canvas/answer-deadline.ts): tests of what the card
   * does rather than how fast stretch them; the product runs at 1.
   */
  canvasDeadlineStretch?: number;
}

export interface AppContext extends FeatureContext {
  /** The store (SQLite or PostgreSQL); `db` is its Kysely side. */
  database: Db;
  oauth: OAuthClient;
  pendingAuthorizations: PendingAuthorizations;
  /** The built-in simulators, when the sandbox is on for this start. */
  sandbox: MountedSandbox | undefined;
  admin: AdminAccount;
  loginLimiter: LoginLimiter;
  scheduler: Scheduler;
  /** What the webhook routes need. */
  intake: IntakeDeps;
  /** Prometheus metrics: the registry behind GET /metrics and metrics.port. */
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
  /** Every feature's periodic chores, to be started once the daemon listens. */
  chores: Chore[];
  /**
   * Run once the daemon listens, before the scheduler starts: the sandbox connections are wired to
   * this start's simulators (src/connections/rewire-sandbox.ts), whose tokens and webhooks the last start took along.
   */
  afterListen(server: Listening): Promise<void>;
  uiDistDir?: string;
  /** ContextOptions.canvasDeadlineStretch, 1 unless a test set it. */
  canvasDeadlineStretch: number;
  /** Closes what the context opened (upstream pools, the database); the scheduler is stopped before. */
  close(): Promise<void>;
}

export async function buildContext(config: Config, log: Logger, options: ContextOptions = {}): Promise<AppContext> {
  const clock = options.clock ?? Date.now;
  ensureDataDir(config.dataDir);

  const shared = config.database.url !== '';
  const secret = loadSecretKey({
    envKey: options.secretKey,
    keyFile: config.vault.keyFile,
    dataDir: config.dataDir,
    ...(shared ? { sharedDatabase: true } : { databaseFile: join(config.dataDir, DATABASE_FILE) }),
  });
  if (secret.source === 'generated') {
    log.warn({ keyFile: secret.file, keyId: secret.id }, 'generated a new secret key for the credential vault; back this file up with the database');
  }
  const vault = createVault(secret);

  // The URL holds a password: only its host, port and database are logged.
  const database = await openStore(config, { onIdleError: (error) => log.warn({ err: error.message }, 'a pooled PostgreSQL connection failed; it is replaced on next use') });
  if (shared) log.info({ database: describeDatabaseUrl(config.database.url) }, 'store: PostgreSQL');
  const db = database.kysely;
  let sandbox: MountedSandbox | undefined;
  let wakeUpListener: WakeUpListener | undefined;
  let clusterLocks: ClusterLocks | undefined;
  try {
    const migrations = readMigrations(undefined, database.dialect);
    const { applied } = database.dialect === 'sqlite' ? migrate(database.sqlite, migrations, clock) : await migratePostgres(database.pool, migrations, clock);
    if (applied.length > 0) log.info({ applied }, 'database migrations applied');
    if (database.dialect === 'postgres') await (await import('./db/postgres/open-postgres.ts')).warmPool(database.pool);
    await verifyKeyMatchesDatabase(db, vault, clock());
    // Customer identifiers in record_links are keyed hashes; links from before migration 0013 are hashed now.
    const matchKeys = createMatchKeyHasher(secret.key);
    // Only an SQLite file from before 0013 can hold plain links: a PostgreSQL store starts at the current schema.
    const hashedLinks = database.dialect === 'sqlite' ? hashPlainRecordLinks(database.sqlite, matchKeys) : 0;
    if (hashedLinks > 0) log.info({ links: hashedLinks }, 'record links from before the upgrade now keyed by hashes');
    const seeded = await seedConnectionsFromConfig(db, vault, config, clock());
    if (config.connections.length > 0 || seeded.released.length > 0 || seeded.pruned.length > 0) {
      log.info({ ...seeded, identify: seeded.identify.length }, 'connections from the configuration file applied');
    }

    // Decided once per start, by the connections in the database (src/sandbox-mount), seeded ones included.
    const sandboxOn = await sandboxWanted(config, db);
    sandbox = sandboxOn ? (options.sandbox ?? (await createSandbox())) : undefined;
    const oauth = createOAuthClient({ config, sandboxApps: sandbox?.apps });

    // Observers only: the metrics read nothing until a scrape.
    const metrics = createMetrics({ clock });
    // PostgreSQL: every replica spends a portal's or workspace's rate budget from one window in the database.
    const upstream = createUpstreamContext(config.upstream, metrics.observe.upstreamCall, database.dialect === 'postgres' ? { budgets: createSharedBudgets(createSharedBudgetStore(database)) } : {});
    const clients = createConnectionClients({ db, vault, upstream, log, oauth, now: clock });
    // The queue wakes the scheduler, which is built after the tasks that need the queue.
    const wakeUps = createWakeUps();
    // PostgreSQL: jobs enqueued on other replicas wake this one's scheduler too (LISTEN/NOTIFY).
    wakeUpListener = database.dialect === 'postgres' ? listenForWakeUps({ pool: database.pool, wakeUps, log, clock }) : undefined;
    const jobs = createJobQueue({ db, clock, maxAttempts: config.jobs.maxAttempts, notify: wakeUps.raise });
    const recorder = createDeliveryRecorder({
      db,
      clock,
      maxAttempts: config.jobs.maxAttempts,
      notify: wakeUps.raise,
      onError: (error) => log.warn({ err: error }, "moving a burst's webhook deliveries into the dedupe index failed; trying again shortly"),
      ...(database.dialect === 'sqlite' ? { sqlite: database.sqlite } : { commit: commitDeliveriesWithKysely }),
    });
    addScrapeGauges(metrics.registry, { db, upstream, clock, dedupeWaiting: recorder.dedupeWaiting });
    // The contacts' filters can keep conversations out (#18 item 2); they read the record sync's field catalogue, built just below.
    const contactFilter: ContactFilter = (row, settings, contact) => conversationContactFiltered(records, row, settings, contact);
    // Replicas on PostgreSQL: one conversation's capture, one customer's or company's match, on one replica at a time.
    clusterLocks = database.dialect === 'postgres' ? createClusterLocks({ pool: database.pool, log }) : undefined;
    const capture = createCaptureDeps({ db, clients, clock, matchKeys, ownerFor: ownerLookup(db), tickets: createTicketPipelineDeps({ db, config, clock }), observer: metrics.observe.captures, contactFilter, ...(clusterLocks ? { clusterLocks } : {}) });
    const recordHashKey = deriveValueHashKey(secret.key);
    const records = createRecordSyncDeps({ capture, clients, hashKey: recordHashKey });
    const featureContext: FeatureContext = { config, log, clock, db, vault, upstream, clients, jobs, recorder, capture, records, seeded };

    const scheduler = createScheduler({
      db,
      tasks: taskRegistry(featureTasks(FEATURES, featureContext, options)),
      log,
      clock,
      wakeUps,
      concurrency: config.jobs.concurrency,
      perConnectionConcurrency: config.jobs.perConnectionConcurrency,
      observer: metrics.observe.jobRuns,
      intakeBusy: recorder.busy,
      leaseMs: config.jobs.leaseSeconds * 1000,
      maxSleepMs: config.jobs.maxSleepSeconds * 1000,
      backoff: { baseMs: config.jobs.backoffBaseSeconds * 1000, capMs: config.jobs.backoffCapSeconds * 1000 },
    });
    await startFeatures(FEATURES, featureContext);

    const admin = await resolveAdminAccount(config.admin, db, options.passwordHashCost === undefined ? {} : { cost: options.passwordHashCost });
    if (admin.weakConfiguredHash) {
      log.warn('admin.passwordHash was made with a lower scrypt cost than the current one; make a new one with `npm run hash-password`');
    }
    // admin.username (on upgrade: the one account of older versions) and admin.users; then the audit trail of what the file changed.
    const userChanges = await applyConfiguredUsers(db, config.admin, clock());
    await recordConfigChanges(db, seeded, userChanges, clock());

    return {
      ...featureContext,
      database,
      oauth,
      pendingAuthorizations: createPendingAuthorizations({ db, clock }),
      sandbox,
      admin,
      loginLimiter: createLoginLimiter({ max: config.admin.loginAttempts.max, windowMs: config.admin.loginAttempts.windowMinutes * 60_000 }),
      scheduler,
      metrics,
      intake: { observe: metrics.observe.delivery, recorder, secrets: createSigningSecrets({ db, vault, apps: config.apps, acceptSandbox: sandboxOn, clock }), clock, maxDeliveryAgeMs: config.jobs.keepWebhookDeliveriesDays * 86_400_000, valueDigest: (property, text) => writtenValueDigest(recordHashKey, property, text), itemDigest: (item) => intercomContentDigest(recordHashKey, item) },
      readiness: readinessChecks({ database, migrations, scheduler, config, clock, schedulerRuns: options.startScheduler !== false }),
      chores: featureChores(FEATURES, featureContext),
      async afterListen(server) {
        if (!sandbox) return;
        await rewireSandboxConnections({ db, vault, sandbox, log, clock }, { upstreamBase: listeningUrl(server), webhookBase: ownBaseUrl(config, server) });
      },
      ...(options.uiDistDir ? { uiDistDir: options.uiDistDir } : {}),
      canvasDeadlineStretch: options.canvasDeadlineStretch ?? 1,
      async close() {
        recorder.close();
        await upstream.close();
        await wakeUpListener?.close();
        await clusterLocks?.close();
        await database.close();
      },
    };
  } catch (error) {
    sandbox?.close();
    await wakeUpListener?.close();
    await clusterLocks?.close();
    await database.close();
    throw error;
  }
}

function readinessChecks(deps: { database: Db; migrations: Migration[]; scheduler: Scheduler; config: Config; clock: () => number; schedulerRuns: boolean }): Record<string, ReadinessCheck> {
  const { database, migrations, scheduler, clock } = deps;
  // A heartbeat older than a few sleeps means the loop is stuck.
  const heartbeatLimitMs = Math.max(3 * deps.config.jobs.maxSleepSeconds * 1000, 30_000);
  return {
    ...(database.dialect === 'sqlite'
      ? {
          database: () => (database.sqlite.open ? true : 'closed'),
          migrations: () => (isMigrated(database.sqlite, migrations) ? true : 'pending'),
        }
      : {
          database: () => withinReadinessTimeout(sql`select 1`.execute(database.kysely).then(() => true as const)),
          migrations: () => withinReadinessTimeout(isMigratedPostgres(database.pool, migrations).then((done) => (done ? true : 'pending'))),
        }),
    scheduler: () => {
      if (!deps.schedulerRuns) return true;
      const failure = scheduler.tickFailure();
      if (failure) return `cannot run jobs since ${new Date(failure.since).toISOString()} (${failure.count} failed looks at the job table): ${failure.message}`;
      const beat = scheduler.lastHeartbeat();
      if (beat === null) return 'starting';
      return clock() - beat <= heartbeatLimitMs ? true : `no heartbeat for ${Math.round((clock() - beat) / 1000)} s`;
    },
  };
}

/** A readiness probe waits this long for PostgreSQL: an orchestrator's probe times out soon after. */
const READINESS_TIMEOUT_MS = 2000;

function withinReadinessTimeout(check: Promise<true | string>): Promise<true | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${READINESS_TIMEOUT_MS} ms`), READINESS_TIMEOUT_MS);
  });
  return Promise.race([check.catch((error: unknown) => `unreachable: ${(error as Error).message}`), late]).finally(() => clearTimeout(timer));
}
