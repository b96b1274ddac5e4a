// One side of a connection has just been connected (token pasted, OAuth consent given, or YAML
// token identified): its credentials, identity and how it was connected are stored in one
// transaction, and the connection's status follows. Re-authorising keeps every setting and
// linkage record; pointing at another account than before is allowed, and said plainly.
import type { Kysely, Transaction } from 'kysely';
import { resumeConnectionJobs } from '../jobs/queue.ts';
import { connectionOwner, putCredential } from '../db/repos/credentials.ts';
import { withTransaction } from '../db/transaction.ts';
import type { ConnectionRow, Database } from '../db/schema.ts';
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

type Status = ConnectionRow['status'];

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
function accountChangeNotice(row: ConnectionRow, connected: ConnectedSide): string | undefined {
  if (connected.side === 'intercom') {
    if (row.intercom_workspace_id === null || row.intercom_workspace_id === connected.workspaceId) return undefined;
    return `This authorisation is for Intercom workspace ${connected.workspaceId}, not ${row.intercom_workspace_id} as before. Settings and linkage records were kept; what was already written for the old workspace stays in HubSpot.`;
  }
  if (row.hubspot_portal_id === null || row.hubspot_portal_id === connected.portalId) return undefined;
  return `This authorisation is for HubSpot portal ${connected.portalId}, not ${row.hubspot_portal_id} as before. Settings and linkage records were kept; records already written to portal ${row.hubspot_portal_id} stay there.`;
}

/** A HubSpot side holds one kind of credential at a time, so the client never has to choose. */
const REPLACED_KINDS: Record<string, string[]> = { [STATIC_TOKEN_KIND]: [OAUTH_TOKENS_KIND], [OAUTH_TOKENS_KIND]: [STATIC_TOKEN_KIND] };

export async function recordConnected(
  db: Kysely<Database>,
  vault: Vault,
  input: { connectionId: string; connected: ConnectedSide; credentials: CredentialToStore[]; now: number },
): Promise<{ row: ConnectionRow; notice?: string } | null> {
  const { connected, now } = input;
  return withTransaction(db, async (trx: Transaction<Database>) => {
    const row = await trx.selectFrom('connections').selectAll().where('id', '=', input.connectionId).executeTakeFirst();
    // Deleted while the consent page was open: nothing to attach the credentials to.
    if (!row) return null;
    const owner = connectionOwner(row.id);
    for (const credential of input.credentials) {
      const replaced = REPLACED_KINDS[credential.kind] ?? [];
      if (replaced.length > 0) await trx.deleteFrom('credentials').where('owner', '=', owner).where('kind', 'in', replaced).execute();
      await putCredential(trx, vault, { owner, kind: credential.kind, value: credential.value, now });
    }
    const other =
      connected.side === 'intercom'
        ? { connected: row.hubspot_portal_id !== null, refused: row.hubspot_refused === 1 }
        : { connected: row.intercom_workspace_id !== null, refused: row.intercom_refused === 1 };
    const status = statusAfterConnect(row.status, other);
    const identity =
      connected.side === 'intercom'
        ? { intercom_workspace_id: connected.workspaceId, intercom_region: connected.region, intercom_auth: connected.method, intercom_refused: 0 as const }
        : {
            hubspot_portal_id: connected.portalId, hubspot_scopes: connected.scopes === null ? null : JSON.stringify(connected.scopes), hubspot_auth: connected.method,
            hubspot_refused: 0 as const,
          };
    await trx.updateTable('connections').set({ ...identity, status, updated_at: now }).where('id', '=', row.id).execute();
    // Work parked while the credential was refused goes on now.
    if (row.status === 'needs_reauth' && status === 'active') await resumeConnectionJobs(trx, row.id, now);
    const updated = await trx.selectFrom('connections').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    const notice = accountChangeNotice(row, connected);
    return notice ? { row: updated, notice } : { row: updated };
  });
}
