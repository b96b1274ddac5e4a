// "Try the sandbox": a connection wired to the built-in simulators (mounted under /sandbox), with
// tokens minted by them and their webhooks pointed back at this daemon, so a newcomer can watch
// deliveries arrive without any account. Token-connected; the OAuth flows come with issue #6's
// OAuth work.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConnectionSettings } from '../config/connection-settings.ts';
import { connectionOwner, putCredential } from '../db/repos/credentials.ts';
import type { ConnectionRow, Database } from '../db/schema.ts';
import type { MountedSandbox } from '../http/routes/sandbox.ts';
import { STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import type { Vault } from '../vault/vault.ts';
import { webhookSecretKind } from '../webhooks/signing-secrets.ts';
import { connectionLimitReached } from './create-connection.ts';

/** Conversation topics the sandbox's Intercom app subscribes to (intercom-api.md §2). */
const INTERCOM_TOPICS = [
  'conversation.user.created', 'conversation.user.replied', 'conversation.admin.replied', 'conversation.admin.noted',
  'conversation.admin.closed', 'conversation.admin.opened', 'conversation.admin.snoozed', 'conversation.admin.unsnoozed',
];
const HUBSPOT_SUBSCRIPTIONS = [{ eventType: 'ticket.propertyChange', propertyName: 'hs_pipeline_stage' }, { eventType: 'ticket.deletion' }];

export const isSandboxConnection = (row: Pick<ConnectionRow, 'intercom_base_url'>) => row.intercom_base_url?.endsWith('/sandbox/intercom') ?? false;

export async function createSandboxConnection(
  deps: { db: Kysely<Database>; vault: Vault; sandbox: MountedSandbox; maxConnections: number; now: number },
  /** Where this daemon is reached (the simulators call back here). */
  selfUrl: string,
): Promise<{ ok: true; row: ConnectionRow } | { ok: false; reason: 'limit_reached'; message: string }> {
  const { intercom, hubspot } = deps.sandbox;
  const workspaceId = intercom.defaults?.workspaceId;
  const intercomSecret = intercom.defaults?.clientSecret;
  if (!workspaceId || !intercomSecret) throw new Error('the sandbox Intercom simulator has no seeded workspace');
  const base = selfUrl.replace(/\/$/, '');

  let limit: string | null = null;
  const row = await deps.db.transaction().execute(async (trx) => {
    limit = await connectionLimitReached(trx, deps.maxConnections);
    if (limit) return null;
    const existing = await trx.selectFrom('connections').select('name').where('name', 'like', 'Sandbox%').execute();
    const names = new Set(existing.map((r) => r.name));
    let name = 'Sandbox';
    for (let n = 2; names.has(name); n++) name = `Sandbox ${n}`;
    const created: ConnectionRow = {
      id: randomUUID(), name, status: 'active', managed_by_config: 0, created_at: deps.now, updated_at: deps.now,
      intercom_workspace_id: workspaceId, intercom_region: 'us', hubspot_portal_id: hubspot.control.defaultHubId(), settings: SANDBOX_SETTINGS,
      intercom_base_url: `${base}/sandbox/intercom`, hubspot_base_url: `${base}/sandbox/hubspot`,
      intercom_auth: 'token', hubspot_auth: 'token', hubspot_scopes: null, intercom_refused: 0, hubspot_refused: 0,
    };
    await trx.insertInto('connections').values(created).execute();
    const owner = connectionOwner(created.id);
    const put = (kind: string, value: string) => putCredential(trx, deps.vault, { owner, kind, value, now: deps.now });
    await put(INTERCOM_TOKEN_KIND, intercom.control.createAccessToken(workspaceId));
    await put(STATIC_TOKEN_KIND, hubspot.control.createStaticToken({ hubId: created.hubspot_portal_id ?? undefined }));
    await put(webhookSecretKind('intercom'), intercomSecret);
    await put(webhookSecretKind('hubspot'), SANDBOX_HUBSPOT_SECRET);
    return created;
  });
  if (!row) return { ok: false, reason: 'limit_reached', message: limit ?? 'No more connections are allowed.' };

  await intercom.control.webhooks.subscribe({ url: `${base}/webhooks/intercom`, topics: INTERCOM_TOPICS });
  hubspot.control.subscribeWebhooks({ targetUrl: `${base}/webhooks/hubspot`, clientSecret: SANDBOX_HUBSPOT_SECRET, subscriptions: HUBSPOT_SUBSCRIPTIONS });
  return { ok: true, row };
}

/**
 * A newcomer watching the sandbox should see a close become a note while they wait, not after the
 * ten-minute default: half a minute still shows that there is a grace window.
 */
const SANDBOX_SETTINGS = JSON.stringify(ConnectionSettings.parse({ conversations: { capture: { graceMinutes: 0.5 } } }));

/** The sandbox HubSpot app's client secret: it signs the simulator's webhooks; not a real secret. */
const SANDBOX_HUBSPOT_SECRET = 'sandbox-hubspot-app-secret';
