// Canvas Kit signs every request it sends to an app (initialize, submit): X-Body-Signature is the
// hex HMAC-SHA256 of the raw JSON body, keyed by the app's OAuth client secret — the same secret
// that signs the app's webhooks (Intercom support's answers on community.intercom.com, "How do I
// authenticate a request (e.g. initialize request) coming from a canvas kit app on our back end":
// "hexadecimal (64-byte) value … computed using the HMAC-SHA256 algorithm as defined in RFC2104",
// and "How to set up auth for Messenger app lifecycle flow"). Unlike webhooks' X-Hub-Signature
// there is no "sha1=" prefix. Pure; compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

function canvasSignature(rawBody: Buffer, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(rawBody).digest('hex');
}

function verifies(rawBody: Buffer, header: string, clientSecret: string): boolean {
  if (clientSecret === '') return false;
  const expected = Buffer.from(canvasSignature(rawBody, clientSecret));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The secret that signed the request, among every app secret the daemon knows. Every candidate is
 * checked (no early exit), so timing does not tell which matched.
 */
export function findCanvasSigner<T extends { clientSecret: string }>(rawBody: Buffer, header: string | undefined, candidates: readonly T[]): T | undefined {
  if (!header) return undefined;
  let match: T | undefined;
  for (const candidate of candidates) {
    if (verifies(rawBody, header, candidate.clientSecret) && !match) match = candidate;
  }
  return match;
}
