// The hash of a field's value as one side holds it (#17 items 7 and 10): what record sync remembers
// per pair and field instead of the value, to recognise its own writes coming back (echo) whatever
// order the events arrive in.
//
// The value is hashed in its canonical form (field-types.ts), so HubSpot's and Intercom's renderings
// of one value hash equally: "42" (HubSpot number) and 42 (Intercom integer); "2026-01-01T00:00:00Z",
// "1767225600000" (HubSpot date) and 1767225600 (Intercom date); "true" and true; an email in any
// case. HMAC-SHA256 with the install's key and the connection's id, so equal values in two installs
// or two connections do not hash the same and a stored hash cannot be checked against guessed values
// without the key.
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { toCanonical, type FieldType, type FieldValue } from './field-types.ts';

export interface HashKey {
  /** The install's secret (never stored next to the hashes). */
  installKey: Uint8Array;
  connectionId: string;
}

export interface HashOptions {
  /** Text compared without case (email addresses, domains). */
  caseInsensitive?: boolean;
}

/** The canonical rendering that is hashed; a value that does not fit its type is hashed as given, so a change is still seen. */
function canonicalText(value: FieldValue, type: FieldType, options: HashOptions): string {
  const parsed = toCanonical(value, type);
  if (!parsed.ok) return `raw:${JSON.stringify(value)}`;
  const canonical = parsed.value;
  switch (canonical.kind) {
    case 'empty': return 'empty';
    case 'text': {
      const text = canonical.text.normalize('NFC').trim();
      return `text:${options.caseInsensitive ? text.toLowerCase() : text}`;
    }
    case 'number': return `number:${canonical.number}`;
    case 'bool': return `bool:${canonical.bool}`;
    // An instant and a day are one point in time: an Intercom date at midnight equals a HubSpot date.
    default: return `time:${canonical.ms}`;
  }
}

/**
 * The install key as a KeyObject, made once per key: createHmac with raw bytes checks and copies
 * them on every call (≈ 50 µs against ≈ 4 µs), which a backfill of 20,000 contacts pays a few
 * hundred thousand times.
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();
function keyObject(installKey: Uint8Array): KeyObject {
  let key = keyObjects.get(installKey);
  if (!key) {
    key = createSecretKey(installKey);
    keyObjects.set(installKey, key);
  }
  return key;
}

export function valueHash(key: HashKey, value: FieldValue, type: FieldType, options: HashOptions = {}): string {
  return createHmac('sha256', keyObject(key.installKey))
    .update(`${key.connectionId}\0${canonicalText(value, type, options)}`)
    .digest('base64url');
}

const HKDF_INFO = 'interhubz record field value hash v1';

/**
 * A keyed digest of a property's text exactly as HubSpot sends it in a webhook (no type, no
 * canonical form): compared with the digest of what Interhubz wrote, it recognises our own write
 * coming back before anything is read (src/records/echo-hints.ts).
 */
export function writtenValueDigest(installKey: Uint8Array, property: string, text: string): string {
  return keyedDigest(installKey, `written\0${property}\0${text}`);
}

/** A keyed digest of a text under the install key (made once as a KeyObject), for the echo hints. */
export function keyedDigest(installKey: Uint8Array, text: string): string {
  return createHmac('sha256', keyObject(installKey)).update(text).digest('base64url');
}

/** The install's key for value hashes, derived from the vault key (never the vault key itself). */
export function deriveValueHashKey(vaultKey: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', vaultKey, Buffer.alloc(0), HKDF_INFO, 32));
}
