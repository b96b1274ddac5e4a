// Credentials are stored only sealed by the vault; plaintext never reaches SQLite.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Vault } from '../../vault/vault.ts';
import type { Database } from '../schema.ts';

const contextOf = (owner: string, kind: string) => `credential:${owner}/${kind}`;

/** Every credential of a connection is stored under this owner, so deleting it erases them all. */
export const connectionOwner = (connectionId: string) => `connection:${connectionId}`;

/**
 * Credential writes made by this process. What keeps credentials decrypted in memory (the webhook
 * signing secrets) compares it to know a reload would find something new; writes by another
 * replica are not counted, and wait for its timed reload.
 */
let writesInThisProcess = 0;
export const credentialWrites = (): number => writesInThisProcess;

export interface StoredCredential {
  value: string;
  version: number;
}

export async function putCredential(
  db: Kysely<Database>,
  vault: Vault,
  input: { owner: string; kind: string; value: string; now: number },
): Promise<void> {
  const ciphertext = vault.seal(input.value, contextOf(input.owner, input.kind));
  await db
    .insertInto('credentials')
    .values({
      id: randomUUID(),
      owner: input.owner,
      kind: input.kind,
      key_id: vault.keyId,
      ciphertext,
      version: 1,
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict((oc) =>
      oc.columns(['owner', 'kind']).doUpdateSet((eb) => ({
        key_id: vault.keyId,
        ciphertext,
        version: eb('credentials.version', '+', 1),
        updated_at: input.now,
      })),
    )
    .execute();
  writesInThisProcess += 1;
}

export async function getCredential(
  db: Kysely<Database>,
  vault: Vault,
  owner: string,
  kind: string,
): Promise<StoredCredential | undefined> {
  const row = await db
    .selectFrom('credentials')
    .select(['ciphertext', 'version'])
    .where('owner', '=', owner)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return row && { value: vault.open(row.ciphertext, contextOf(owner, kind)), version: row.version };
}

/** Erases every credential of an owner (a deleted connection): nothing is left that could call out. */
export async function deleteCredentials(db: Kysely<Database>, owner: string): Promise<number> {
  const result = await db.deleteFrom('credentials').where('owner', '=', owner).executeTakeFirst();
  writesInThisProcess += 1;
  return Number(result.numDeletedRows);
}

/**
 * Replaces a credential only if it is still at `expectedVersion`: of two writers that both read
 * version 3 (two refreshes racing, say), one wins and the other learns it lost, so an older token
 * never overwrites a newer one. Returns the new version, or null when the stored one had moved on.
 */
export async function swapCredential(
  db: Kysely<Database>,
  vault: Vault,
  input: { owner: string; kind: string; value: string; expectedVersion: number; now: number },
): Promise<number | null> {
  const result = await db
    .updateTable('credentials')
    .set({
      key_id: vault.keyId,
      ciphertext: vault.seal(input.value, contextOf(input.owner, input.kind)),
      version: input.expectedVersion + 1,
      updated_at: input.now,
    })
    .where('owner', '=', input.owner)
    .where('kind', '=', input.kind)
    .where('version', '=', input.expectedVersion)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return null;
  writesInThisProcess += 1;
  return input.expectedVersion + 1;
}

/** Every stored credential of one kind, decrypted (the webhook intake's signing secrets). */
export async function listCredentialsOfKind(db: Kysely<Database>, vault: Vault, kind: string): Promise<Array<{ owner: string; value: string }>> {
  const rows = await db.selectFrom('credentials').select(['owner', 'ciphertext']).where('kind', '=', kind).execute();
  return rows.map((row) => ({ owner: row.owner, value: vault.open(row.ciphertext, contextOf(row.owner, kind)) }));
}

/** Which credentials each owner holds, by kind — never their values (the configuration export). */
export async function credentialKindsByOwner(db: Kysely<Database>): Promise<Map<string, Set<string>>> {
  const rows = await db.selectFrom('credentials').select(['owner', 'kind']).execute();
  const kinds = new Map<string, Set<string>>();
  for (const row of rows) kinds.set(row.owner, (kinds.get(row.owner) ?? new Set<string>()).add(row.kind));
  return kinds;
}
