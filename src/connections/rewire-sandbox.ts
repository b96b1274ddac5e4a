// A sandbox connection after a restart. The simulators live in memory: a new start has none of the
// tokens they minted, none of the webhook subscriptions and no Intercom app for the connection, and
// the daemon may listen on another port. Without this, the first call after a restart was refused
// (401), the work parked "until the connection is re-authorised", and nothing could re-authorise a
// simulator's token. So at every start, once the daemon listens and before the scheduler runs, each
// sandbox connection is wired again: its own Intercom app (with the webhook secret it already has),
// its webhooks subscribed, fresh tokens stored, its addresses updated, and — if it stood refused —
// re-authorised, which resumes its parked work (src/connections/reauth.ts).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { listConnections, setSandboxEndpoints, type Connection } from '../db/repos/connections.ts';
import { connectionOwner, getCredential, putCredential } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import { installSandboxInboxApp } from '../sandbox-mount/inbox-app.ts';
import { isSandboxConnection, SANDBOX_PREFIX, type MountedSandbox } from '../sandbox-mount/mounted-sandbox.ts';
import type { Vault } from '../vault/vault.ts';
import type { Vendor } from '../vendor.ts';
import { sandboxWebhookSecretKind } from '../webhooks/signing-secrets.ts';
import { HUBSPOT_SUBSCRIPTIONS, INTERCOM_TOPICS, type SandboxAddresses } from './create-sandbox-connection.ts';
import { markReauthorised } from './reauth.ts';

export interface RewireDeps {
  db: Kysely<Database>;
  vault: Vault;
  sandbox: MountedSandbox;
  log: Logger;
  clock: () => number;
}

async function rewireOne(deps: RewireDeps, connection: Connection, addresses: SandboxAddresses): Promise<void> {
  // The simulators load on first use (src/sandbox-mount/mount-sandbox.ts).
  await deps.sandbox.load();
  const { intercom, hubspot } = deps.sandbox;
  const workspaceId = intercom.defaults?.workspaceId;
  if (!workspaceId) throw new Error('the sandbox Intercom simulator has no seeded workspace');
  const owner = connectionOwner(connection.id);
  const secret = async (side: Vendor) => (await getCredential(deps.db, deps.vault, owner, sandboxWebhookSecretKind(side)))?.value;
  const intercomSecret = await secret('intercom');
  const hubspotSecret = await secret('hubspot');
  if (intercomSecret === undefined || hubspotSecret === undefined) throw new Error('its webhook secrets are not stored');
  const upstream = addresses.upstreamBase.replace(/\/$/, '');
  const webhooks = addresses.webhookBase.replace(/\/$/, '');

  // The same secrets as before: the intake already verifies this connection's webhooks with them.
  const app = intercom.control.apps.create({ name: `Interhubz Sandbox connection (${connection.name})`, clientId: `ihz-sandbox-${randomUUID()}`, clientSecret: intercomSecret });
  await intercom.control.webhooks.subscribe({ url: `${webhooks}/webhooks/intercom`, topics: INTERCOM_TOPICS, appId: app.id });
  installSandboxInboxApp(deps.sandbox, { appId: app.id, workspaceId, listeningBase: upstream });
  hubspot.control.unsubscribeWebhooksSignedWith(hubspotSecret);
  hubspot.control.subscribeWebhooks({ targetUrl: `${webhooks}/webhooks/hubspot`, clientSecret: hubspotSecret, subscriptions: HUBSPOT_SUBSCRIPTIONS });
  const hubId = hubspot.control.defaultHubId();

  const now = deps.clock();
  await withTransaction(deps.db, async (trx) => {
    await setSandboxEndpoints(trx, connection.id, {
      intercomWorkspaceId: workspaceId, hubspotPortalId: hubId,
      intercomBaseUrl: `${upstream}${SANDBOX_PREFIX.intercom}`, hubspotBaseUrl: `${upstream}${SANDBOX_PREFIX.hubspot}`,
    }, now);
    await putCredential(trx, deps.vault, { owner, kind: INTERCOM_TOKEN_KIND, value: intercom.control.createAccessToken(workspaceId, app.id), now });
    await putCredential(trx, deps.vault, { owner, kind: STATIC_TOKEN_KIND, value: hubspot.control.createStaticToken({ hubId }), now });
    // Refused before (by a simulator that has forgotten its tokens): the new tokens are the re-authorisation.
    if (connection.status === 'needs_reauth') await markReauthorised(trx, connection.id, now);
  });
}

/** Wires every sandbox connection to this start's simulators; returns how many. One that fails is logged and left as it is. */
export async function rewireSandboxConnections(deps: RewireDeps, addresses: SandboxAddresses): Promise<number> {
  let done = 0;
  for (const connection of (await listConnections(deps.db)).filter(isSandboxConnection)) {
    try {
      await rewireOne(deps, connection, addresses);
      done += 1;
    } catch (error) {
      deps.log.warn({ connectionId: connection.id, err: error }, 'could not wire the sandbox connection to this start\'s simulators; its work may park until it is made again');
    }
  }
  if (done > 0) deps.log.info({ connections: done }, 'sandbox connections wired to this start\'s simulators');
  return done;
}
