// A connection as the API shows it: status, what each side is connected to, the webhook URLs to
// paste into the vendors' app settings, and when its webhooks were last heard.
import { listWarnings } from '../tickets/ticket-store.ts';
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import { connectionOwner } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { ConnectionDetail, ConnectionSummary, WebhookSetup } from './connection-views.ts';
import type { OAuthProvider } from '../oauth/oauth-provider.ts';
import { FEATURE_LABELS, neededWebhooks } from '../webhooks/needed-webhooks.ts';
import { missingScopes, unmetScopeNeeds } from '../integrations/hubspot/scopes.ts';
import { OAUTH_TOKENS_KIND, STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import { SWEPT_TOPIC } from '../reconcile/reconcile-task.ts';
import { isSandboxConnection } from './create-sandbox-connection.ts';
import { healthOf, healthThresholds, type ConnectionHealth } from '../health/connection-health.ts';

const iso = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

export function summarize(connection: Connection, health: ConnectionHealth): ConnectionSummary {
  return {
    id: connection.id, name: connection.name, status: connection.status, managedByConfig: connection.managedByConfig,
    sandbox: isSandboxConnection(connection), createdAt: new Date(connection.createdAt).toISOString(), health,
  };
}

function webhookUrls(baseUrl: string): NonNullable<ConnectionDetail['webhookUrls']> {
  return { intercom: `${baseUrl}/webhooks/intercom`, hubspot: `${baseUrl}/webhooks/hubspot` };
}

/** Said instead of a webhook URL when the daemon has no address a vendor can reach. */
const PUBLIC_URL_MISSING =
  'Set server.publicUrl in the configuration file to the https address Intercom and HubSpot reach this daemon at (behind your proxy); the webhook URLs to paste are shown once it is set.';

/** When each topic last arrived for a connection (covered by index webhook_deliveries_by_connection, migration 0032). */
async function lastReceivedByTopic(db: Kysely<Database>, connectionId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['provider', 'topic', (eb) => eb.fn.max('received_at').as('at')])
    .where('connection_id', '=', connectionId)
    .groupBy(['provider', 'topic'])
    .execute();
  return new Map(rows.map((row) => [`${row.provider}:${row.topic}`, Number(row.at)]));
}

/** The webhooks the connection's enabled features need, each with when it last arrived. */
async function webhookSetup(db: Kysely<Database>, connection: Connection, publicUrlMissing: boolean): Promise<WebhookSetup> {
  const last = await lastReceivedByTopic(db, connection.id);
  return {
    publicUrlMissing: publicUrlMissing ? PUBLIC_URL_MISSING : null,
    needed: neededWebhooks(connection.settings).map((webhook) => ({
      provider: webhook.provider,
      topic: webhook.topic,
      propertyName: webhook.propertyName ?? null,
      generic: webhook.generic ?? null,
      features: webhook.features.map((feature) => FEATURE_LABELS[feature]),
      // Generic object.* events are recorded under the legacy name (src/webhooks/payloads.ts).
      lastReceivedAt: iso(last.get(`${webhook.provider}:${webhook.topic}`)),
    })),
  };
}

/**
 * Webhooks silent for longer than the configured hours on an active, connected workspace usually
 * mean the subscription is missing or suspended; the reconciliation sweep is covering for them.
 */
function silenceWarning(connection: Connection, lastWebhookAt: number | null, now: number, hours: number): string | null {
  if (connection.status !== 'active' || connection.intercomWorkspaceId === null) return null;
  const since = lastWebhookAt ?? connection.createdAt;
  if (now - since < hours * 3_600_000) return null;
  const what = lastWebhookAt === null ? 'No Intercom webhook has arrived' : 'No Intercom webhook has arrived for';
  const span = `${Math.floor((now - since) / 3_600_000)} hours`;
  return `${lastWebhookAt === null ? `${what} in the ${span} since this connection was made` : `${what} ${span}`}: check the webhook URL and topics in your Intercom app. The reconciliation sweep is catching up meanwhile.`;
}

export async function describeConnection(
  db: Kysely<Database>,
  connection: Connection,
  options: { config: Config; baseUrl: string; now: number; oauthStart: (connection: Connection, provider: OAuthProvider) => string | null },
): Promise<ConnectionDetail> {
  const scopes = connection.hubspotScopes;
  const publicUrlMissing = options.config.server.publicUrl === '' && !isSandboxConnection(connection);
  const kinds = await db.selectFrom('credentials').select('kind').where('owner', '=', connectionOwner(connection.id)).execute();
  const has = (kind: string) => kinds.some((entry) => entry.kind === kind);
  const last = await db
    .selectFrom('webhook_deliveries')
    .select('received_at as at')
    .where('connection_id', '=', connection.id)
    // The sweep's own records are not webhooks: they must not hide a silence.
    .where('topic', '!=', SWEPT_TOPIC)
    // The newest first: a seek that stops at its first webhook, not a pass over weeks of deliveries.
    .orderBy('received_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const health = (await healthOf(db, [connection], options.now, healthThresholds(options.config))).get(connection.id);
  return {
    ...summarize(connection, health ?? { state: 'ok', reason: null, incident: null, link: null }),
    intercom: {
      connected: connection.intercomWorkspaceId !== null && has(INTERCOM_TOKEN_KIND), workspaceId: connection.intercomWorkspaceId, region: connection.intercomRegion, method: connection.intercomAuth, refused: connection.intercomRefused,
    },
    hubspot: {
      connected: connection.hubspotPortalId !== null && (has(STATIC_TOKEN_KIND) || has(OAUTH_TOKENS_KIND)), portalId: connection.hubspotPortalId, method: connection.hubspotAuth, refused: connection.hubspotRefused,
      scopes, missingScopes: missingScopes(scopes, connection.settings.recordSync), missingScopeNeeds: unmetScopeNeeds(scopes, connection.settings.recordSync),
    },
    oauthStart: { intercom: options.oauthStart(connection, 'intercom'), hubspot: options.oauthStart(connection, 'hubspot') },
    // A sandbox connection's simulators call the listening address themselves; anything else needs
    // an address the vendors reach, which only server.publicUrl gives (issue #14 item 13).
    webhookUrls: publicUrlMissing ? null : webhookUrls(options.baseUrl),
    lastWebhookAt: iso(last?.at as number | null | undefined),
    webhookSetup: await webhookSetup(db, connection, publicUrlMissing),
    warnings: [
      silenceWarning(connection, (last?.at as number | null | undefined) ?? null, options.now, options.config.reconcile.silentWebhookWarningHours),
      // What the sync itself ran into and a person must fix (src/tickets/ticket-store.ts).
      ...(await listWarnings(db, connection.id)).map((warning) => warning.message),
    ].filter((warning): warning is string => warning !== null),
  };
}
