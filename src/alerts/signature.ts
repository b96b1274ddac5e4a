// How a generic webhook alert is signed, so a receiver can tell it came from this daemon and was
// not replayed. The scheme (README "Alerts"):
//
//   X-Interhubz-Timestamp: <Unix seconds when sent>
//   X-Interhubz-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//
// A receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes, compares
// it in constant time, and refuses a timestamp more than REPLAY_WINDOW_SECONDS from its own clock.
// Each retry of one delivery is signed afresh (new timestamp) and carries the same
// X-Interhubz-Delivery id, which a receiver may use to drop duplicates.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-interhubz-signature';
export const TIMESTAMP_HEADER = 'x-interhubz-timestamp';
export const DELIVERY_HEADER = 'x-interhubz-delivery';
const REPLAY_WINDOW_SECONDS = 300;

export function signBody(secret: string, timestampSeconds: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex')}`;
}

/** The receiver's side of the scheme (tests use it; it is the reference for receivers). */
export function verifySignature(secret: string, headers: { signature: string | undefined; timestamp: string | undefined }, rawBody: string, nowSeconds: number): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d+$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(signBody(secret, timestamp, rawBody));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
