// Connecting Intercom with an access token: the token is tried first (GET /me names the workspace
// behind it), and only a working token is stored. A re-authorisation that points at another
// workspace than before is allowed, and said plainly. Every setting and linkage record stays.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { markReauthorised } from '../db/repos/connections.ts';
import { connectionOwner, putCredential } from '../db/repos/credentials.ts';
import type { ConnectionRow, Database } from '../db/schema.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import { describeIntercomError } from '../integrations/intercom/errors.ts';
import { INTERCOM_API_VERSION, intercomBaseUrl } from '../integrations/intercom/regions.ts';
import { Me } from '../integrations/intercom/schemas.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import { createUpstreamClient } from '../integrations/upstream-client.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import type { Vault } from '../vault/vault.ts';
import { webhookSecretKind } from '../webhooks/signing-secrets.ts';

export interface ConnectDeps {
  db: Kysely<Database>;
  vault: Vault;
  upstream: UpstreamContext;
  log: Logger;
  clock: () => number;
}

export type ConnectResult = { ok: true; notice?: string } | { ok: false; status: 400 | 502; code: string; message: string };

export async function connectIntercomToken(
  deps: ConnectDeps,
  row: ConnectionRow,
  input: { accessToken: string; region: 'us' | 'eu' | 'au'; webhookSecret?: string | undefined },
): Promise<ConnectResult> {
  // A one-off client: a refused token must not mark the connection needs_reauth, as the
  // connection's own client would.
  const probe = createUpstreamClient({
    service: 'intercom',
    baseUrl: intercomBaseUrl({ region: input.region, baseUrlOverride: row.intercom_base_url }),
    pools: deps.upstream.pools,
    timeouts: deps.upstream.timeouts,
    retry: { maxAttempts: deps.upstream.maxAttemptsPerCall, baseMs: 500, capMs: 4000, maxWaitMs: 5000 },
    authorize: async () => `Bearer ${input.accessToken}`,
    plan: async () => undefined,
    learn: () => undefined,
    describeError: describeIntercomError,
    headers: { 'intercom-version': INTERCOM_API_VERSION },
    log: deps.log,
  });
  let workspaceId: string;
  try {
    workspaceId = (await probe.json({ method: 'GET', path: '/me' }, Me)).app.id_code;
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    const refused = error.kind === 'unauthorized' || error.kind === 'forbidden';
    return {
      ok: false,
      status: refused ? 400 : 502,
      code: refused ? 'token_refused' : 'upstream_unavailable',
      message: refused ? `Intercom refused this access token: ${error.details.vendorMessage ?? error.message}` : `Intercom could not be reached to check the token: ${error.message}`,
    };
  }

  const now = deps.clock();
  const owner = connectionOwner(row.id);
  await putCredential(deps.db, deps.vault, { owner, kind: INTERCOM_TOKEN_KIND, value: input.accessToken, now });
  if (input.webhookSecret) await putCredential(deps.db, deps.vault, { owner, kind: webhookSecretKind('intercom'), value: input.webhookSecret, now });
  await deps.db.updateTable('connections').set({ intercom_workspace_id: workspaceId, intercom_region: input.region, updated_at: now }).where('id', '=', row.id).execute();
  // Re-authorised: parked work resumes. A first connect is active once HubSpot is connected too.
  if (row.status === 'needs_reauth') await markReauthorised(deps.db, row.id, now);
  else if (row.status === 'disconnected' && row.hubspot_portal_id !== null) {
    await deps.db.updateTable('connections').set({ status: 'active', updated_at: now }).where('id', '=', row.id).execute();
  }
  const changed = row.intercom_workspace_id !== null && row.intercom_workspace_id !== workspaceId;
  return changed
    ? { ok: true, notice: `This token belongs to Intercom workspace ${workspaceId}, not ${row.intercom_workspace_id} as before. Settings and linkage records were kept; records already written for the old workspace stay in HubSpot.` }
    : { ok: true };
}
