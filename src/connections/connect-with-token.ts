// Connecting a side with a pasted token: the token is tried first (which workspace or portal it
// belongs to, and for HubSpot which scopes it has), and only a working token is stored.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import { STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import type { Vault } from '../vault/vault.ts';
import { webhookSecretKind } from '../webhooks/signing-secrets.ts';
import { identifyHubSpotToken, identifyIntercom, type Refusal } from './identify.ts';
import { recordConnected, type ConnectedSide, type CredentialToStore } from './record-connected.ts';
import type { Vendor } from '../vendor.ts';

export interface ConnectDeps {
  db: Kysely<Database>;
  vault: Vault;
  upstream: UpstreamContext;
  log: Logger;
  clock: () => number;
}

export type ConnectResult = { ok: true; notice?: string } | Refusal | { ok: false; status: 404; code: 'not_found'; message: string };

const gone: ConnectResult = { ok: false, status: 404, code: 'not_found', message: 'The connection was deleted meanwhile.' };

function withSecret(credentials: CredentialToStore[], provider: Vendor, secret: string | undefined): CredentialToStore[] {
  return secret ? [...credentials, { kind: webhookSecretKind(provider), value: secret }] : credentials;
}

async function record(deps: ConnectDeps, connection: Connection, connected: ConnectedSide, credentials: CredentialToStore[]): Promise<ConnectResult> {
  const recorded = await recordConnected(deps.db, deps.vault, { connectionId: connection.id, connected, credentials, now: deps.clock() });
  if (!recorded) return gone;
  return recorded.notice ? { ok: true, notice: recorded.notice } : { ok: true };
}

export async function connectIntercomToken(
  deps: ConnectDeps,
  connection: Connection,
  input: { accessToken: string; region: 'us' | 'eu' | 'au'; webhookSecret?: string | undefined },
): Promise<ConnectResult> {
  const identity = await identifyIntercom(deps, { token: input.accessToken, region: input.region, baseUrlOverride: connection.intercomBaseUrl, adoptReportedRegion: false });
  if (!identity.ok) return identity;
  return record(
    deps, connection,
    { side: 'intercom', method: 'token', workspaceId: identity.workspaceId, region: identity.region },
    withSecret([{ kind: INTERCOM_TOKEN_KIND, value: input.accessToken }], 'intercom', input.webhookSecret),
  );
}

export async function connectHubSpotToken(
  deps: ConnectDeps,
  connection: Connection,
  input: { accessToken: string; webhookSecret?: string | undefined },
): Promise<ConnectResult> {
  const identity = await identifyHubSpotToken(deps, { token: input.accessToken, baseUrlOverride: connection.hubspotBaseUrl });
  if (!identity.ok) return identity;
  return record(
    deps, connection,
    { side: 'hubspot', method: 'token', portalId: identity.portalId, scopes: identity.scopes },
    withSecret([{ kind: STATIC_TOKEN_KIND, value: input.accessToken }], 'hubspot', input.webhookSecret),
  );
}
