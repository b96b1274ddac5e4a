// One side of a connection has just been connected (token pasted, OAuth consent given, or YAML
// token identified): its credentials, identity and how it was connected are stored in one
// transaction, and the connection's status follows. Re-authorising keeps every setting and
// linkage record; pointing at another account than before is allowed, and said plainly.
import type { Kysely, Transaction } from 'kysely';
import { resumeConnectionJobs } from '../jobs/queue.ts';
import { connectionOwner, putCredential } from '../db/repos/credentials.ts';
import { withTransaction } from '../db/transaction.ts';
import { getConnection, type Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import type { ConnectMethod } from './connect-method.ts';
import { OAUTH_TOKENS_KIND, STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import type { Vault } from '../vault/vault.ts';

export type ConnectedSide =
  | { side: 'intercom'; method: ConnectMethod; workspaceId: string; region: 'us' | 'eu' | 'au' }
  | { side: 'hubspot'; method: ConnectMethod; portalId: number; scopes: string[] | null };

export interface CredentialToStore {
  kind: string;
  value: string;
}

type Status = Connection['status'];

/**
 * The status once a side is connected: a paused connection stays paused; one whose other side
 * still stands refused still needs re-authorising; one that needed it is active again (its parked
 * work resumes); otherwise active when both sides are connected, disconnected while one is missing.
 */
function statusAfterConnect(current: Status, other: { connected: boolean; refused: boolean }): Status {
  if (current === 'paused') return 'paused';
  if (other.refused) return 'needs_reauth';
  if (current === 'needs_reauth') return 'active';
  return other.connected ? 'active' : 'disconnected';
}

/** Said when the new authorisation belongs to another workspace or portal than the stored one. */
function accountChangeNotice(before: Connection, connected: ConnectedSide): string | undefined {
  if (connected.side === 'intercom') {
    if (before.intercomWorkspaceId === null || before.intercomWorkspaceId === connected.workspaceId) return undefined;
    return `This authorisation is for Intercom workspace ${connected.workspaceId}, not ${before.intercomWorkspaceId} as before. Settings and linkage records were kept; what was already written for the old workspace stays in HubSpot.`;
  }
  if (before.hubspotPortalId === null || before.hubspotPortalId === connected.portalId) return undefined;
  return `This authorisation is for HubSpot portal ${connected.portalId}, not ${before.hubspotPortalId} as before. Settings and linkage records were kept; records already written to portal ${before.hubspotPortalId} stay there.`;
}

/** A HubSpot side holds one kind of credential at a time, so the client never has to choose. */
const REPLACED_KINDS: Record<string, string[]> = { [STATIC_TOKEN_KIND]: [OAUTH_TOKENS_KIND], [OAUTH_TOKENS_KIND]: [STATIC_TOKEN_KIND] };

export async function recordConnected(
  db: Kysely<Database>,
  vault: Vault,
  input: { connectionId: string; connected: ConnectedSide; credentials: CredentialToStore[]; now: number },
): Promise<{ connection: Connection; notice?: string } | null> {
  const { connected, now } = input;
  return withTransaction(db, async (trx: Transaction<Database>) => {
    const before = await getConnection(trx, input.connectionId);
    // Deleted while the consent page was open: nothing to attach the credentials to.
    if (!before) return null;
    const owner = connectionOwner(before.id);
    for (const credential of input.credentials) {
      const replaced = REPLACED_KINDS[credential.kind] ?? [];
      if (replaced.length > 0) await trx.deleteFrom('credentials').where('owner', '=', owner).where('kind', 'in', replaced).execute();
      await putCredential(trx, vault, { owner, kind: credential.kind, value: credential.value, now });
    }
    const other =
      connected.side === 'intercom'
        ? { connected: before.hubspotPortalId !== null, refused: before.hubspotRefused }
        : { connected: before.intercomWorkspaceId !== null, refused: before.intercomRefused };
    const status = statusAfterConnect(before.status, other);
    const identity =
      connected.side === 'intercom'
        ? { intercom_workspace_id: connected.workspaceId, intercom_region: connected.region, intercom_auth: connected.method, intercom_refused: 0 as const }
        : {
            hubspot_portal_id: connected.portalId, hubspot_scopes: connected.scopes === null ? null : JSON.stringify(connected.scopes), hubspot_auth: connected.method,
            hubspot_refused: 0 as const,
          };
    await trx.updateTable('connections').set({ ...identity, status, updated_at: now }).where('id', '=', before.id).execute();
    // Work parked while the credential was refused goes on now.
    if (before.status === 'needs_reauth' && status === 'active') await resumeConnectionJobs(trx, before.id, now);
    const connection = await getConnection(trx, before.id);
    if (!connection) throw new Error('the connection vanished inside its own transaction');
    const notice = accountChangeNotice(before, connected);
    return notice ? { connection, notice } : { connection };
  });
}
