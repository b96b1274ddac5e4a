// The alerts chore's one look, every minute: read every connection's health, the webhook silence
// and the captures that failed for good since the last look; decide (incident-decisions.ts); write
// incidents and messages and queue their deliveries. Reads first, then one short transaction per
// change; nothing here calls out (the delivery jobs do).
import type { Kysely } from 'kysely';
import { CAPTURE_TASK } from '../capture/capture-task.ts';
import type { AlertsConfig } from '../config/alerts.ts';
import { listConnections } from '../db/repos/connections.ts';
import { getSetting, putSetting } from '../db/repos/settings.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { jobsFailedBetween } from '../jobs/failed-between.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { closeIncident, listOpenIncidents, markSummarised, openIncident, sentInWindow, unsummarisedSuppressed } from './alert-store.ts';
import { listChannels } from './channel-store.ts';
import { raiseMessage } from './deliver-task.ts';
import { decideHealthIncidents, decideWebhookSilence, summariseFailedCaptures, type FailedCapture, type HealthNow, type IncidentAction } from './incident-decisions.ts';
import { summaryDue } from './rate-limit.ts';

/** Every non-deleted connection's health now (src/health/connection-health.ts's healthOfConnections). */
export type HealthReader = (db: Kysely<Database>, now: number) => Promise<ReadonlyMap<string, HealthNow>>;

export interface AlertTickDeps {
  db: Kysely<Database>;
  jobs: JobQueue;
  health: HealthReader;
  alerts: Pick<AlertsConfig, 'noWebhookFor' | 'maxPerChannelPerHour'>;
}

/** Up to when failed captures have been looked at (epoch ms, in `settings`). */
const FAILED_CAPTURES_MARK = 'alerts.failedCapturesCheckedUntil';

/**
 * Each connection's latest webhook: a backward seek per connection that stops at the first row that
 * is not the sweep's, instead of grouping every delivery kept (weeks of them) at every tick.
 */
async function lastWebhookByConnection(db: Kysely<Database>): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  for (const { id } of await db.selectFrom('connections').select('id').execute()) {
    const row = await db
      .selectFrom('webhook_deliveries')
      .select('received_at')
      .where('connection_id', '=', id)
      // What the reconcile sweep found is recorded here too; it is not a webhook.
      .where('topic', '!=', SWEPT_TOPIC)
      .orderBy('received_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) last.set(id, row.received_at);
  }
  return last;
}

const conversationIdOf = (payload: string): string | null => {
  try {
    const parsed = JSON.parse(payload) as { conversationId?: unknown };
    return typeof parsed.conversationId === 'string' ? parsed.conversationId : null;
  } catch {
    return null;
  }
};

export async function runAlertTick(deps: AlertTickDeps, now: number): Promise<void> {
  const { db, jobs } = deps;
  const limit = deps.alerts.maxPerChannelPerHour;
  const channelIds = (await listChannels(db)).map((channel) => channel.id);
  const connections = await listConnections(db);
  const names = new Map(connections.map((connection) => [connection.id, connection.name]));
  const connectionOf = (id: string) => ({ id, name: names.get(id) ?? id });

  const health = await deps.health(db, now);
  const lastWebhook = await lastWebhookByConnection(db);
  const open = await listOpenIncidents(db);
  const actions: IncidentAction[] = [
    ...decideHealthIncidents(open, health),
    ...decideWebhookSilence(
      open,
      connections.map((connection) => ({
        connectionId: connection.id,
        lastWebhookAt: lastWebhook.get(connection.id) ?? null,
        active: connection.status === 'active',
        coveredByHealth: health.get(connection.id)?.incident === 'webhooks_silent',
      })),
      now,
      deps.alerts.noWebhookFor,
    ),
  ];

  for (const action of actions) {
    await withTransaction(db, async (trx) => {
      switch (action.type) {
        case 'close_silently':
          await closeIncident(trx, action.incidentId, 'gone', now);
          return;
        case 'resolve': {
          const closed = await closeIncident(trx, action.incidentId, 'resolved', now);
          if (!closed) return;
          const reason = `back to normal (was: ${closed.reason})`;
          await raiseMessage(trx, jobs, { event: 'incident.resolved', connection: connectionOf(action.connectionId), incidentId: action.incidentId, state: 'ok', reason, link: closed.link, at: now }, channelIds, { now, limit });
          return;
        }
        case 'replace':
        case 'open': {
          if (action.type === 'replace') await closeIncident(trx, action.closeId, 'replaced', now);
          const { incident } = action;
          const incidentId = await openIncident(trx, incident, now);
          await raiseMessage(trx, jobs, { event: 'incident.opened', connection: connectionOf(incident.connectionId), incidentId, state: incident.state, reason: incident.reason, link: incident.link, at: now }, channelIds, { now, limit });
          return;
        }
      }
    });
  }

  await alertFailedCaptures(deps, channelIds, connectionOf, now);
  await sendSuppressionSummaries(deps, now);
}

async function alertFailedCaptures(deps: AlertTickDeps, channelIds: readonly string[], connectionOf: (id: string) => { id: string; name: string }, now: number): Promise<void> {
  const mark = await getSetting(deps.db, FAILED_CAPTURES_MARK);
  // The first look starts now: failures from before alerts existed are not news.
  if (mark !== undefined) {
    const failed = await jobsFailedBetween(deps.db, CAPTURE_TASK, Number(mark), now);
    const captures: FailedCapture[] = failed.flatMap((job) => (job.connectionId === null ? [] : [{ connectionId: job.connectionId, conversationId: conversationIdOf(job.payload), reason: job.lastError ?? 'no reason recorded' }]));
    for (const summary of summariseFailedCaptures(captures)) {
      await raiseMessage(
        deps.db,
        deps.jobs,
        { event: 'captures.failed', connection: connectionOf(summary.connectionId), incidentId: null, state: null, reason: summary.reason, link: `/connections/${summary.connectionId}/work?state=failed`, at: now },
        channelIds,
        { now, limit: deps.alerts.maxPerChannelPerHour },
      );
    }
  }
  await putSetting(deps.db, FAILED_CAPTURES_MARK, String(now), now);
}

async function sendSuppressionSummaries(deps: AlertTickDeps, now: number): Promise<void> {
  const limit = deps.alerts.maxPerChannelPerHour;
  for (const [channelId, count] of await unsummarisedSuppressed(deps.db)) {
    if (!summaryDue(count, await sentInWindow(deps.db, channelId, now), limit)) continue;
    await withTransaction(deps.db, async (trx) => {
      const reason = `${count} more alert${count === 1 ? ' was' : 's were'} held back: this channel gets at most ${limit} an hour. Settings → Alerts lists them.`;
      await raiseMessage(trx, deps.jobs, { event: 'alerts.suppressed', connection: null, incidentId: null, state: null, reason, link: '/settings/alerts', at: now }, [channelId], { now, limit: null });
      await markSummarised(trx, channelId);
    });
  }
}
