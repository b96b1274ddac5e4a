// The configuration schema: the single source of truth for every YAML key, its default and its
// error message. `Config` is derived from it. Messages read as the end of a sentence that starts
// with the key's YAML path ("server.port: must be a whole number from 1 to 65535").
import { isIP } from 'node:net';
import { z } from 'zod';

import { flag, nonNegative, positiveInt, text } from './fields.ts';
import { ConnectionSettingsShape } from './connection-settings.ts';
import { hubspotTokenProblem } from './hubspot-token-shape.ts';

import { MIN_ADMIN_PASSWORD_LENGTH } from './admin-password.ts';
import { AlertsSchema } from './alerts.ts';

export { MIN_ADMIN_PASSWORD_LENGTH };

/** An IPv4 or IPv6 address, optionally with a /prefix (what Fastify's trustProxy list accepts). */
function isProxyAddress(value: string): boolean {
  const [address = '', prefix, extra] = value.trim().split('/');
  if (extra !== undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const PortSchema = z
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int({ error: 'must be a whole number from 1 to 65535' })
  .min(0, { error: 'must be a whole number from 1 to 65535' })
  .max(65535, { error: 'must be a whole number from 1 to 65535' });

/** Prometheus metrics (issue #16 item 8): GET /metrics needs an API token; this port serves it without one. */
const MetricsSchema = z
  .strictObject({
    /** A second port serving only /metrics, without authentication; 0 = off. */
    port: PortSchema.default(0),
    /** Where that port listens: a private interface only, since it asks for no credential. */
    host: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }).default('127.0.0.1'),
  })
  .prefault({});

const ServerSchema = z
  .strictObject({
    host: text('127.0.0.1'),
    port: PortSchema.default(8080),
    /** Public base URL (https://interhubz.example.com): webhook URLs, OAuth callbacks, Secure cookies. */
    publicUrl: z.union([z.literal(''), z.url({ error: 'must be an absolute URL such as https://interhubz.example.com' })]).default(''),
    /**
     * Which X-Forwarded-* headers to believe: false (none), the number of proxies in front (1 for one
     * reverse proxy), or the proxies' addresses / CIDR ranges. `true` is refused: it believes any
     * X-Forwarded-For a client makes up, so the sign-in limit could be dodged by rotating it.
     */
    trustProxy: z
      .union(
        [
          z.literal(false),
          z.number().int().min(0),
          z.array(z.string().refine(isProxyAddress)).min(1),
        ],
        {
          error:
            'must be false, the number of proxies in front of Interhubz (such as 1), or a list of their addresses or CIDR ranges ' +
            "(such as ['10.0.0.0/8']); true is refused because it would believe any X-Forwarded-For a client makes up",
        },
      )
      .default(false),
    shutdownTimeoutSeconds: nonNegative(10),
  })
  .prefault({});

const ConfiguredUserSchema = z.strictObject({
  username: z.string({ error: 'must be a text value' }).trim().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }),
  displayName: text(),
  role: z.enum(['admin', 'viewer'], { error: "must be 'admin' or 'viewer'" }).default('viewer'),
  /** A scrypt hash made by `npm run hash-password`; no plain passwords for these accounts. */
  passwordHash: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty: make one with `npm run hash-password`' }),
});

const AdminSchema = z
  .strictObject({
    username: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }).default('admin'),
    /** At least 12 characters (issue #14 item 8); a shorter one stops the start. */
    password: text().refine((value) => value === '' || value.length >= MIN_ADMIN_PASSWORD_LENGTH, {
      error: `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long`,
    }),
    /** A scrypt hash made by `npm run hash-password`, instead of a plain password. */
    passwordHash: text(),
    sessionHours: positiveInt(12),
    loginAttempts: z
      .strictObject({ max: positiveInt(10), windowMinutes: positiveInt(15) })
      .prefault({}),
    /** More named accounts, applied at every start and read-only in the UI (issue #16 item 6). */
    users: z.array(ConfiguredUserSchema).default([]),
  })
  .prefault({})
  .superRefine((admin, ctx) => {
    const seen = new Set<string>([admin.username]);
    admin.users.forEach((user, index) => {
      if (seen.has(user.username)) {
        ctx.addIssue({ code: 'custom', path: ['users', index, 'username'], message: `"${user.username}" is already taken by admin.username or an earlier entry` });
      }
      seen.add(user.username);
    });
  });

const VaultSchema = z
  .strictObject({
    /** Path of a file holding the base64 key; INTERHUBZ_SECRET_KEY wins over it. */
    keyFile: text(),
  })
  .prefault({});

/** A postgres:// or postgresql:// URL with a host; the value itself is never repeated in a message (it holds a password). */
function isPostgresUrl(value: string): boolean {
  if (!/^postgres(?:ql)?:\/\//.test(value)) return false;
  try {
    const url = new URL(value);
    return url.hostname !== '' || url.searchParams.has('host');
  } catch {
    return false;
  }
}

/** The store (#21): absent or empty, the SQLite file in dataDir; a PostgreSQL URL, a database several replicas share. */
const DatabaseSchema = z
  .strictObject({
    url: text().refine((value) => value === '' || isPostgresUrl(value), {
      error: 'must be a PostgreSQL URL such as postgres://interhubz:PASSWORD@db.example.com:5432/interhubz (or empty for the SQLite file in dataDir)',
    }),
  })
  .prefault({});

const JobsSchema = z
  .strictObject({
    concurrency: positiveInt(8),
    perConnectionConcurrency: positiveInt(4),
    leaseSeconds: positiveInt(60),
    maxSleepSeconds: positiveInt(10),
    maxAttempts: positiveInt(10),
    backoffBaseSeconds: positiveInt(5),
    backoffCapSeconds: positiveInt(3600),
    keepSucceededDays: positiveInt(7),
    keepFailedDays: positiveInt(30),
    /** Activity log entries (one per capture or ticket decision) older than this are deleted. */
    keepActivityDays: positiveInt(90),
    /** Webhook delivery records (ids and times, for deduplication and "last received") older than this are deleted. */
    keepWebhookDeliveriesDays: positiveInt(30),
  })
  .prefault({});

const UpstreamSchema = z
  .strictObject({
    connectTimeoutSeconds: positiveInt(10),
    /** Waiting for the response's headers; HubSpot answers 524 after 100 s itself. */
    responseTimeoutSeconds: positiveInt(30),
    /** Tries per call before the error goes back to the job (which retries with backoff). */
    maxAttemptsPerCall: positiveInt(3),
    hubspot: z
      .strictObject({
        /** Requests per 10 s by account tier (hubspot-api.md §3): 100 Free/Starter, 190 Pro/Enterprise, 110 per install for public apps. */
        burstPer10s: positiveInt(100),
        searchPerSecond: positiveInt(5),
        dailyLimit: positiveInt(250_000),
      })
      .prefault({}),
    intercom: z
      .strictObject({
        /** Per app per workspace, per minute (intercom-api.md: 10,000 by default), enforced in 10-second windows. */
        perAppPerMinute: positiveInt(10_000),
        /** All apps of a workspace together, per minute (25,000 by default). */
        perWorkspacePerMinute: positiveInt(25_000),
      })
      .prefault({}),
  })
  .prefault({});

const ReconcileSchema = z
  .strictObject({
    /** How often each connection's Intercom conversations are swept for what webhooks missed. */
    intervalMinutes: positiveInt(5),
    /** How far each sweep reaches back before its watermark (clock skew, search indexing lag). */
    overlapMinutes: positiveInt(2),
    /** A connected workspace whose webhooks have been silent this long gets a warning. */
    silentWebhookWarningHours: positiveInt(24),
  })
  .prefault({});

const OAuthAppSchema = z.strictObject({ clientId: text(), clientSecret: text() }).prefault({});

const AppsSchema = z
  .strictObject({ intercom: OAuthAppSchema, hubspot: OAuthAppSchema })
  .prefault({});

const ConnectionSchema = z.strictObject({
  name: z.string({ error: 'is required: a unique name for this connection' }).min(1, { error: 'must not be empty' }),
  intercom: z
    .strictObject({
      region: z.enum(['us', 'eu', 'au'], { error: "must be one of 'us', 'eu', 'au'" }).default('us'),
      accessToken: text(),
      /** The client secret of the Intercom app whose webhooks this connection receives, if not apps.intercom. */
      webhookSecret: text(),
    })
    .prefault({}),
  hubspot: z
    .strictObject({
      accessToken: text().superRefine((token, ctx) => {
        const problem = token ? hubspotTokenProblem(token) : null;
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      webhookSecret: text(),
    })
    .prefault({}),
  ...ConnectionSettingsShape,
});

export const ConfigSchema = z
  .strictObject({
    server: ServerSchema,
    dataDir: z.string({ error: 'must be a text value' }).min(1, { error: 'must not be empty' }).default('./data'),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.map((l) => `'${l}'`).join(', ')}` }).default('info'),
    admin: AdminSchema,
    vault: VaultSchema,
    database: DatabaseSchema,
    jobs: JobsSchema,
    upstream: UpstreamSchema,
    metrics: MetricsSchema,
    reconcile: ReconcileSchema,
    /** Alert channels and when alerts fire (issue #16 item 2; src/config/alerts.ts). */
    alerts: AlertsSchema,
    apps: AppsSchema,
    /** 0 means unlimited. */
    sandbox: z
      .strictObject({
        enabled: z
          .union([z.literal('auto'), z.boolean()], { error: "must be 'auto', true or false" })
          .default('auto'),
      })
      .prefault({}),
    /** Delete connections that were declared here and no longer are (otherwise they stay, managed in the UI). */
    pruneConnections: flag(false),
    maxConnections: z.number({ error: 'must be a whole number ≥ 0 (0 means unlimited)' }).int({ error: 'must be a whole number ≥ 0 (0 means unlimited)' }).min(0, { error: 'must be a whole number ≥ 0 (0 means unlimited)' }).default(0),
    connections: z.array(ConnectionSchema, { error: 'must be a list of connections' }).default([]),
  })
  .superRefine((config, ctx) => {
    if (config.maxConnections > 0 && config.connections.length > config.maxConnections) {
      ctx.addIssue({
        code: 'custom',
        path: ['connections'],
        message: `declares ${config.connections.length} connections, but maxConnections allows ${config.maxConnections}`,
      });
    }
    const seen = new Map<string, number>();
    config.connections.forEach((connection, index) => {
      const first = seen.get(connection.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['connections', index, 'name'],
          message: `'${connection.name}' is already the name of connections[${first}]; names must be unique`,
        });
      } else seen.set(connection.name, index);
    });
  });

export type Config = z.infer<typeof ConfigSchema>;
export type ConnectionConfig = Config['connections'][number];
