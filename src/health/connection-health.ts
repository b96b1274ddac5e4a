// Every connection's health, as the connection list, its page and the alerts show it (issue #16
// item 1): gathered for all connections at once in a few grouped queries (the alerts ask every
// minute, the list on every poll), then judged by the pure judge-health.ts.
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import { listConnections, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { jobHealthFacts } from '../jobs/health-facts.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';
import { judgeHealth, type HealthThresholds } from './judge-health.ts';

export type HealthState = 'ok' | 'needs_attention' | 'needs_reauth' | 'paused';

export interface ConnectionHealth {
  state: HealthState;
  /** One line a person reads, e.g. "Retrying: HubSpot answered 500 — attempt 4 of 10, next at 10:42". null when ok. */
  reason: string | null;
  /** Stable name of the kind of problem while it lasts ('retrying' | 'parked' | 'failing' | 'stalled' | 'webhooks_silent' | 'reauth'), null when ok. Alerts dedupe on (connection, incident). */
  incident: string | null;
  /** UI path of the work concerned, e.g. /connections/<id>/work?state=failed, or null. */
  link: string | null;
}

/**
 * Defaults: a failure counts for a day; webhooks are silent after the same 24 h the connection
 * page's silence warning uses by default (reconcile.silentWebhookWarningHours); work is stalled
 * after the Work tab's late threshold (src/jobs/job-control.ts LATE_AFTER_MS, 5 min), so the link
 * to ?state=late shows the very jobs counted.
 */
const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = { failingWindowMs: 24 * 3_600_000, silentWebhooksMs: 24 * 3_600_000 };

/** The thresholds the configuration sets: webhook silence is reconcile.silentWebhookWarningHours, as on the connection page. */
export function healthThresholds(config: Pick<Config, 'reconcile'>): HealthThresholds {
  return { ...DEFAULT_HEALTH_THRESHOLDS, silentWebhooksMs: config.reconcile.silentWebhookWarningHours * 3_600_000 };
}

/** Per connection, in the silence window: Intercom webhooks received and conversations the sweep found. */
async function webhookCounts(db: Kysely<Database>, since: number, only: string | undefined): Promise<Map<string, { received: number; swept: number }>> {
  // One connection: its own index (connection_id, received_at, …). All: the window's rows by time —
  // INDEXED BY, because left to itself SQLite reads every Intercom delivery kept (by provider).
  const source = only === undefined ? sql`webhook_deliveries INDEXED BY webhook_deliveries_by_age` : sql`webhook_deliveries`;
  const owner = only === undefined ? sql`connection_id IS NOT NULL` : sql`connection_id = ${only}`;
  const rows = await sql<{ connection_id: string; received: number; swept: number }>`
    SELECT connection_id,
      sum(CASE WHEN topic = ${SWEPT_TOPIC} THEN 0 ELSE 1 END) AS received,
      sum(CASE WHEN topic = ${SWEPT_TOPIC} THEN 1 ELSE 0 END) AS swept
    FROM ${source}
    WHERE received_at >= ${since} AND provider = 'intercom' AND ${owner}
    GROUP BY connection_id`.execute(db);
  return new Map(rows.rows.map((row) => [row.connection_id, { received: Number(row.received), swept: Number(row.swept) }] as const));
}

/** The health of the given connections (the list already read), keyed by id. */
export async function healthOf(
  db: Kysely<Database>,
  connections: readonly Connection[],
  now: number,
  thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
): Promise<Map<string, ConnectionHealth>> {
  // One connection (its own page): ask about it alone.
  const only = connections.length === 1 ? connections[0]?.id : undefined;
  const jobs = await jobHealthFacts(db, { now, failedSince: now - thresholds.failingWindowMs, ...(only === undefined ? {} : { connectionId: only }) });
  const webhooks = await webhookCounts(db, now - thresholds.silentWebhooksMs, only);
  const health = new Map<string, ConnectionHealth>();
  for (const connection of connections) {
    const facts = {
      connection: {
        id: connection.id, status: connection.status, intercomRefused: connection.intercomRefused, hubspotRefused: connection.hubspotRefused,
        intercomWorkspaceId: connection.intercomWorkspaceId, createdAt: connection.createdAt, timeZone: connection.settings.timeZone,
      },
      jobs: jobs.get(connection.id) ?? {},
      webhooks: webhooks.get(connection.id) ?? { received: 0, swept: 0 },
    };
    health.set(connection.id, judgeHealth(facts, now, thresholds));
  }
  return health;
}

/** Every connection's health now (a deleted connection's row is gone, so it is not among them). */
export async function healthOfConnections(db: Kysely<Database>, now: number, thresholds?: HealthThresholds): Promise<Map<string, ConnectionHealth>> {
  return healthOf(db, await listConnections(db), now, thresholds);
}
