// HubSpot's request signatures (hubspot-api.md §16, "Request validation"). v3: base64 of
// HMAC-SHA256(client secret, method + full public URI + raw body + timestamp), rejected when the
// timestamp is more than 5 minutes old. v1 (older apps): hex SHA-256 of client secret + raw body.
// Pure; compared in constant time.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot's own limit (MAX_ALLOWED_TIMESTAMP in its SDKs). */
const MAX_SIGNATURE_AGE_MS = 300_000;
/** Future timestamps are allowed a little clock skew. */
const MAX_FUTURE_SKEW_MS = 60_000;

// The percent-encodings HubSpot decodes before signing (hubspot-api.md §16, rule 2).
const DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

export function normalizeSignedUri(uri: string): string {
  const queryStart = uri.indexOf('?');
  const decode = (part: string) => part.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (code) => DECODED[code.toUpperCase()] ?? code);
  return queryStart === -1 ? decode(uri) : `${decode(uri.slice(0, queryStart))}?${decode(uri.slice(queryStart + 1))}`;
}

export function hubspotSignatureV3(input: { method: string; uri: string; rawBody: Buffer; timestamp: string; clientSecret: string }): string {
  return createHmac('sha256', input.clientSecret)
    .update(`${input.method.toUpperCase()}${normalizeSignedUri(input.uri)}`)
    .update(input.rawBody)
    .update(input.timestamp)
    .digest('base64');
}

export function hubspotSignatureV1(rawBody: Buffer, clientSecret: string): string {
  return createHash('sha256').update(clientSecret).update(rawBody).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export type HubSpotVerification = { ok: true; version: 'v3' | 'v1' } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

export interface HubSpotSignedRequest {
  method: string;
  /** The full public URL HubSpot called (server.publicUrl + path and query), not a proxy's internal path. */
  uri: string;
  rawBody: Buffer;
  headers: { v3?: string | undefined; timestamp?: string | undefined; v1?: string | undefined; version?: string | undefined };
}

export function verifyHubSpotSignature(request: HubSpotSignedRequest, clientSecret: string, now: number): HubSpotVerification {
  if (clientSecret === '') return { ok: false, reason: 'mismatch' };
  const { v3, timestamp, v1, version } = request.headers;
  if (v3 && timestamp) {
    const sentAt = Number(timestamp);
    if (!Number.isFinite(sentAt) || now - sentAt > MAX_SIGNATURE_AGE_MS || sentAt - now > MAX_FUTURE_SKEW_MS) return { ok: false, reason: 'stale' };
    const expected = hubspotSignatureV3({ method: request.method, uri: request.uri, rawBody: request.rawBody, timestamp, clientSecret });
    return sameText(v3, expected) ? { ok: true, version: 'v3' } : { ok: false, reason: 'mismatch' };
  }
  if (v1 && (version === undefined || version.toLowerCase() === 'v1')) {
    return sameText(v1.toLowerCase(), hubspotSignatureV1(request.rawBody, clientSecret)) ? { ok: true, version: 'v1' } : { ok: false, reason: 'mismatch' };
  }
  return { ok: false, reason: 'missing' };
}
