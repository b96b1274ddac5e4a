// "Try the sandbox": a connection wired to the built-in simulators (mounted under /sandbox), with
// tokens minted by them and their webhooks pointed back at this daemon, so a newcomer can watch
// deliveries arrive without any account.
//
// Where the connection points is the daemon's own business, never the request's (Host and
// X-Forwarded-* are the caller's to write): its upstream URLs are the listening address, the
// simulators' webhook targets the daemon's own base URL (server.publicUrl, else the listening
// address; HubSpot's v3 signature covers that URL, and the intake checks it against the same base).
// Each sandbox connection has its own webhook secrets, drawn at random: its own Intercom app in the
// simulated workspace (Intercom signs with the app's client secret, intercom-api.md §2) and its own
// HubSpot subscription secret. The webhooks are subscribed before anything is stored; a failed
// subscription is a clear refusal that leaves nothing behind.
import { webhooksByFeature } from '../webhooks/needed-webhooks.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConnectionSettings } from '../config/connection-settings.ts';
import { connectionOwner, putCredential } from '../db/repos/credentials.ts';
import { withTransaction } from '../db/transaction.ts';
import { insertConnection, listConnections, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import { STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import { installSandboxInboxApp } from '../sandbox-mount/inbox-app.ts';
import { isSandboxConnection, SANDBOX_PREFIX, type MountedSandbox } from '../sandbox-mount/mounted-sandbox.ts';
import { TICKET_HUBSPOT_SUBSCRIPTIONS } from '../tickets/ticket-webhooks.ts';
import { hubspotRecordSubscriptions } from '../records/record-webhooks.ts';
import type { Vault } from '../vault/vault.ts';
import { sandboxWebhookSecretKind } from '../webhooks/signing-secrets.ts';
import { connectionLimitReached, lockConnectionCreation } from './create-connection.ts';

export { isSandboxConnection };

/**
 * The sandbox's Intercom app subscribes to every topic some feature needs (src/webhooks/needed-webhooks.ts,
 * the list the connection page checks against), so any settings chosen later find their webhooks.
 */
export const INTERCOM_TOPICS = [...new Set(Object.values(webhooksByFeature()).flat().filter((webhook) => webhook.provider === 'intercom').map((webhook) => webhook.topic))];
/**
 * What ticket sync and record sync react to, from their own lists (src/tickets/ticket-webhooks.ts,
 * src/records/record-webhooks.ts), in the legacy form; record sync's property changes for the
 * default mapping's properties.
 */
const DEFAULT_RECORD_SYNC = ConnectionSettings.parse({}).recordSync;
export const HUBSPOT_SUBSCRIPTIONS = [
  ...TICKET_HUBSPOT_SUBSCRIPTIONS,
  ...hubspotRecordSubscriptions('contacts', DEFAULT_RECORD_SYNC.contacts.mappings),
  ...hubspotRecordSubscriptions('companies', DEFAULT_RECORD_SYNC.companies.mappings),
].map((subscription) => ({ eventType: subscription.topic, ...('propertyName' in subscription && subscription.propertyName ? { propertyName: subscription.propertyName } : {}) }));

export interface SandboxAddresses {
  /** Where this daemon's own calls reach the simulators: its listening address. */
  upstreamBase: string;
  /** Where the simulators deliver webhooks: the daemon's own base URL. */
  webhookBase: string;
}

export type SandboxConnectionResult =
  | { ok: true; connection: Connection }
  | { ok: false; reason: 'limit_reached' | 'sandbox_webhooks_failed'; message: string };

const newSecret = () => randomBytes(32).toString('base64url');

/** The sandbox connection "Try the sandbox" opens again rather than making "Sandbox 2": the first one made. */
export async function findSandboxConnection(db: Kysely<Database>): Promise<Connection | undefined> {
  const sandboxes = (await listConnections(db)).filter(isSandboxConnection);
  return sandboxes.sort((a, b) => a.createdAt - b.createdAt)[0];
}

export async function createSandboxConnection(
  deps: { db: Kysely<Database>; vault: Vault; sandbox: MountedSandbox; maxConnections: number; now: number },
  addresses: SandboxAddresses,
): Promise<SandboxConnectionResult> {
  // The simulators load on first use (src/sandbox-mount/mount-sandbox.ts).
  await deps.sandbox.load();
  const { intercom, hubspot } = deps.sandbox;
  const workspaceId = intercom.defaults?.workspaceId;
  if (!workspaceId) throw new Error('the sandbox Intercom simulator has no seeded workspace');
  const upstream = addresses.upstreamBase.replace(/\/$/, '');
  const webhooks = addresses.webhookBase.replace(/\/$/, '');

  const early = await connectionLimitReached(deps.db, deps.maxConnections);
  if (early) return { ok: false, reason: 'limit_reached', message: early };

  // Subscribe first. Intercom checks the URL with a HEAD request (intercom-api.md §2): the step that can fail.
  const intercomApp = intercom.control.apps.create({ name: 'Interhubz Sandbox connection', clientId: `ihz-sandbox-${randomUUID()}`, clientSecret: newSecret() });
  const hubspotSecret = newSecret();
  const undo = () => {
    intercom.control.webhooks.unsubscribe(intercomApp.id);
    intercom.state.apps.delete(intercomApp.id);
    for (const workspace of intercom.state.workspaces.values()) workspace.appIds.delete(intercomApp.id);
    hubspot.control.unsubscribeWebhooksSignedWith(hubspotSecret);
  };
  try {
    await intercom.control.webhooks.subscribe({ url: `${webhooks}/webhooks/intercom`, topics: INTERCOM_TOPICS, appId: intercomApp.id });
    hubspot.control.subscribeWebhooks({ targetUrl: `${webhooks}/webhooks/hubspot`, clientSecret: hubspotSecret, subscriptions: HUBSPOT_SUBSCRIPTIONS });
  } catch (error) {
    undo();
    return {
      ok: false,
      reason: 'sandbox_webhooks_failed',
      message: `The simulated vendors could not subscribe their webhooks to ${webhooks}/webhooks/… (${(error as Error).message}); nothing was created. ` +
        'If server.publicUrl is set, this daemon must be able to reach it.',
    };
  }

  let limit: string | null = null;
  let connection: Connection | null;
  try {
    connection = await withTransaction(deps.db, async (trx) => {
      await lockConnectionCreation(trx);
      limit = await connectionLimitReached(trx, deps.maxConnections);
      if (limit) return null;
      const existing = await trx.selectFrom('connections').select('name').where('name', 'like', 'Sandbox%').execute();
      const names = new Set(existing.map((r) => r.name));
      let name = 'Sandbox';
      for (let n = 2; names.has(name); n++) name = `Sandbox ${n}`;
      const created = await insertConnection(trx, {
        id: randomUUID(), name, status: 'active', createdAt: deps.now,
        intercomWorkspaceId: workspaceId, intercomRegion: 'us', hubspotPortalId: hubspot.control.defaultHubId(), settings: SANDBOX_SETTINGS,
        intercomBaseUrl: `${upstream}${SANDBOX_PREFIX.intercom}`, hubspotBaseUrl: `${upstream}${SANDBOX_PREFIX.hubspot}`,
        intercomAuth: 'token', hubspotAuth: 'token',
      });
      const owner = connectionOwner(created.id);
      const put = (kind: string, value: string) => putCredential(trx, deps.vault, { owner, kind, value, now: deps.now });
      await put(INTERCOM_TOKEN_KIND, intercom.control.createAccessToken(workspaceId, intercomApp.id));
      await put(STATIC_TOKEN_KIND, hubspot.control.createStaticToken({ hubId: created.hubspotPortalId ?? undefined }));
      await put(sandboxWebhookSecretKind('intercom'), intercomApp.clientSecret);
      await put(sandboxWebhookSecretKind('hubspot'), hubspotSecret);
      return created;
    });
  } catch (error) {
    undo();
    throw error;
  }
  if (!connection) {
    undo();
    return { ok: false, reason: 'limit_reached', message: limit ?? 'No more connections are allowed.' };
  }
  // Its Canvas Kit card in the simulated Inbox, at this daemon's listening address (issue #20).
  installSandboxInboxApp(deps.sandbox, { appId: intercomApp.id, workspaceId, listeningBase: upstream });
  return { ok: true, connection };
}

/**
 * A newcomer watching the sandbox should see a close become a note while they wait, not after the
 * ten-minute default: half a minute still shows that there is a grace window.
 */
const SANDBOX_SETTINGS = ConnectionSettings.parse({ conversations: { capture: { graceMinutes: 0.5 } } });
