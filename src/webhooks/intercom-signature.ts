// Intercom signs each delivery with its app's client secret: X-Hub-Signature = "sha1=" + hex of
// HMAC-SHA1 over the raw body bytes (intercom-api.md §2.2). There is no timestamp, so replays are
// stopped by deduplicating on the notification id, not here. Pure; compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function intercomSignature(rawBody: Buffer, clientSecret: string): string {
  return `sha1=${createHmac('sha1', clientSecret).update(rawBody).digest('hex')}`;
}

export function verifyIntercomSignature(rawBody: Buffer, header: string | undefined, clientSecret: string): boolean {
  if (!header || clientSecret === '') return false;
  const expected = Buffer.from(intercomSignature(rawBody, clientSecret));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Several connections can sit on different Intercom apps: the delivery belongs to whichever app's
 * secret signed it. Every candidate is checked (no early exit), so timing does not tell which matched.
 */
export function findSigningSecret<T extends { clientSecret: string }>(rawBody: Buffer, header: string | undefined, candidates: readonly T[]): T | undefined {
  let match: T | undefined;
  for (const candidate of candidates) {
    if (verifyIntercomSignature(rawBody, header, candidate.clientSecret) && !match) match = candidate;
  }
  return match;
}
