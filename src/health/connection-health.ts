// Every connection's health, as the connection list, its page and the alerts show it (issue #16
// item 1): gathered for all connections at once in a few grouped queries (the alerts ask every
// minute, the list on every poll), then judged by the pure judge-health.ts.
import type { Kysely } from 'kysely';
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

/**
 * Per connection, in the silence window: whether Intercom webhooks came (`received` is 0 or 1: only
 * "none" matters, src/health/judge-health.ts) and, when none did, how many conversations the sweep
 * found. Each is an index seek that stops at its first row, whatever the window holds: counting a
 * busy connection's day of deliveries (90,000 rows: ~16 ms) held the thread at every alert tick.
 */
async function webhookCounts(db: Kysely<Database>, since: number, connectionIds: readonly string[]): Promise<Map<string, { received: number; swept: number }>> {
  const counts = new Map<string, { received: number; swept: number }>();
  const inWindow = (connectionId: string) =>
    db.selectFrom('webhook_deliveries').where('connection_id', '=', connectionId).where('received_at', '>=', since).where('provider', '=', 'intercom');
  for (const connectionId of connectionIds) {
    const webhook = await inWindow(connectionId).select('received_at').where('topic', '!=', SWEPT_TOPIC).limit(1).executeTakeFirst();
    if (webhook) {
      counts.set(connectionId, { received: 1, swept: 0 });
      continue;
    }
    // No webhook in the window: its rows, if any, are the sweep's alone.
    const swept = await inWindow(connectionId).select((eb) => eb.fn.countAll<number>().as('n')).where('topic', '=', SWEPT_TOPIC).executeTakeFirst();
    counts.set(connectionId, { received: 0, swept: Number(swept?.n ?? 0) });
  }
  return counts;
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
  const webhooks = await webhookCounts(db, now - thresholds.silentWebhooksMs, connections.map((connection) => connection.id));
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
