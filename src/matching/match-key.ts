// What identifies a customer in record_links (`email:<address>`, `domain:<domain>`, `intercom:<id>`…)
// is stored as a keyed hash, never as itself (issue #14 item 11; DESIGN.md §2, invariant 3): a copy
// of the database alone does not say who the customers are, and a lookup only needs equality.
//
// HMAC-SHA256 under a key derived (HKDF) from the vault's key with a label of its own, so the vault's
// AES key is never used for two purposes. Without the key, an email address cannot be confirmed
// against a stored hash by guessing.
import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';

/** A match key as record_links stores it; only a MatchKeyHasher makes one. */
export type StoredMatchKey = string & { readonly __storedMatchKey: unique symbol };

export type MatchKeyHasher = (plainKey: string) => StoredMatchKey;

/** Every stored key starts with this; a key without it is a plain one from before migration 0013. */
export const STORED_MATCH_KEY_PREFIX = 'h1:';

const HKDF_INFO = 'interhubz record_links match_key v1';

export function createMatchKeyHasher(vaultKey: Buffer): MatchKeyHasher {
  // A KeyObject made once: createHmac with raw bytes costs ≈ 50 µs a call, with a KeyObject ≈ 4 µs.
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), HKDF_INFO, 32)));
  return (plainKey) => `${STORED_MATCH_KEY_PREFIX}${createHmac('sha256', key).update(plainKey, 'utf8').digest('base64url')}` as StoredMatchKey;
}
