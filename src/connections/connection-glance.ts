// The connection list at a glance (issue #16 item 7): each connection's health, what it pairs,
// its last capture, captures and failures in the last day, its problem work and a warning when
// two connections pair the same account. Every figure comes from one grouped query over all
// connections (the list polls), never one query per connection.
import { sql, type Kysely } from 'kysely';
import { listConnections, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { indexedBy } from '../db/sql-dialect.ts';
import { healthOf } from '../health/connection-health.ts';
import type { HealthThresholds } from '../health/judge-health.ts';
import { workCounts } from '../jobs/job-control.ts';
import type { ACTIVITY_KINDS } from '../activity/activity-log.ts';
import type { ConnectionListEntry } from './connection-views.ts';
import { summarize } from './describe-connection.ts';

const DAY_MS = 24 * 3_600_000;
const CAPTURE_KIND = 'capture' satisfies (typeof ACTIVITY_KINDS)[number];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Per connection: when a note was last written (conversation_captures.captured_at), one index seek each (migrations/0027). */
async function lastCaptures(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('connections')
    .select([
      'connections.id',
      (eb) =>
        eb
          .selectFrom('conversation_captures')
          .select((inner) => inner.fn.max('captured_at').as('at'))
          .whereRef('conversation_captures.connection_id', '=', 'connections.id')
          .where('captured_at', 'is not', null)
          .as('at'),
    ])
    .execute();
  return new Map(rows.flatMap((row) => (row.at === null || row.at === undefined ? [] : [[row.id, Number(row.at)] as const])));
}

/** Per connection, captures in the activity log since `since`: done and failed. */
async function captureCounts(db: Kysely<Database>, since: number): Promise<Map<string, { captured: number; failed: number }>> {
  // INDEXED BY: left to itself SQLite walks activity_by_connection (the whole log) to save sorting
  // the groups; the day's entries by time are far fewer.
  const rows = await sql<{ connection_id: string | null; captured: number; failed: number }>`
    SELECT connection_id,
      sum(CASE WHEN outcome IN ('captured', 'updated') THEN 1 ELSE 0 END) AS captured,
      sum(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS failed
    FROM activity ${indexedBy(db, 'activity_by_time')}
    WHERE at >= ${since} AND kind = ${CAPTURE_KIND}
    GROUP BY connection_id`.execute(db);
  return new Map(rows.rows.flatMap((row) => (row.connection_id === null ? [] : [[row.connection_id, { captured: Number(row.captured), failed: Number(row.failed) }] as const])));
}

/**
 * Two connections pairing the same Intercom workspace or HubSpot portal would each capture the
 * same conversations into the portal (or the same portal's records twice): said on both, naming the other.
 */
function pairingWarnings(connections: readonly Pick<Connection, 'id' | 'name' | 'intercomWorkspaceId' | 'hubspotPortalId'>[]): Map<string, string> {
  const warnings = new Map<string, string>();
  for (const connection of connections) {
    const workspace = connection.intercomWorkspaceId;
    const portal = connection.hubspotPortalId;
    const clashes = connections.flatMap((other) => {
      if (other.id === connection.id) return [];
      const sameWorkspace = workspace !== null && other.intercomWorkspaceId === workspace;
      const samePortal = portal !== null && other.hubspotPortalId === portal;
      if (sameWorkspace && samePortal) return [`the same Intercom workspace (${workspace}) and HubSpot portal (${portal}) as '${other.name}'`];
      if (sameWorkspace) return [`the same Intercom workspace (${workspace}) as '${other.name}'`];
      if (samePortal) return [`the same HubSpot portal (${portal}) as '${other.name}'`];
      return [];
    });
    if (clashes.length > 0) warnings.set(connection.id, `Pairs ${clashes.join('; ')}: conversations may be captured twice.`);
  }
  return warnings;
}

export async function listConnectionsAtAGlance(db: Kysely<Database>, now: number, thresholds?: HealthThresholds): Promise<ConnectionListEntry[]> {
  const connections = await listConnections(db);
  const health = await healthOf(db, connections, now, thresholds);
  const work = await workCounts(db, now);
  const last = await lastCaptures(db);
  const counts = await captureCounts(db, now - DAY_MS);
  const warnings = pairingWarnings(connections);
  return connections.map((connection) => ({
    ...summarize(connection, health.get(connection.id) ?? { state: 'ok', reason: null, incident: null, link: null }),
    intercom: { workspaceId: connection.intercomWorkspaceId },
    hubspot: { portalId: connection.hubspotPortalId },
    lastCaptureAt: iso(last.get(connection.id) ?? null),
    captured24h: counts.get(connection.id)?.captured ?? 0,
    failed24h: counts.get(connection.id)?.failed ?? 0,
    work: work.get(connection.id) ?? { failed: 0, parked: 0, late: 0, retrying: 0 },
    pairingWarning: warnings.get(connection.id) ?? null,
  }));
}
