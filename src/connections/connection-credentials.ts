// The credentials port the integration clients are given (src/integrations/connection-credentials.ts),
// over the vault-sealed credentials table. A refusal marks the connection needs_reauth and parks its
// queued jobs (reauth.ts), the reaction the clients used to perform themselves from three layers down.
import type { Kysely } from 'kysely';
import { connectionOwner, getCredential, putCredential, swapCredential } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import type { ConnectionCredentials } from '../integrations/connection-credentials.ts';
import type { Vault } from '../vault/vault.ts';
import { markNeedsReauth } from './reauth.ts';

export function connectionCredentials(deps: { db: Kysely<Database>; vault: Vault }, connectionId: string): ConnectionCredentials {
  const { db, vault } = deps;
  const owner = connectionOwner(connectionId);
  return {
    read: (kind) => getCredential(db, vault, owner, kind),
    write: (kind, value, now) => putCredential(db, vault, { owner, kind, value, now }),
    swap: (kind, value, expectedVersion, now) => swapCredential(db, vault, { owner, kind, value, expectedVersion, now }),
    refused: (side, now) => markNeedsReauth(db, connectionId, side, now),
  };
}
