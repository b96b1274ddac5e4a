// Where and in which API version the daemon talks to Intercom. The version is pinned here and
// nowhere else (DESIGN.md §2: "Upstream API versions are pinned in one place each").

/**
 * Sent as `Intercom-Version` on every call. Without it Intercom answers in the app package's
 * version, "and 1.0 if none is set" (intercom-api.md §1.2; S14 #/components/schemas/intercom_version).
 */
export const INTERCOM_API_VERSION = '2.14';

export type IntercomRegion = 'US' | 'EU' | 'AU';

/** Regional REST hosts (intercom-api.md §1.1; S14 #/servers/0..2). */
const INTERCOM_BASE_URLS: Readonly<Record<IntercomRegion, string>> = {
  US: 'https://api.intercom.io',
  EU: 'https://api.eu.intercom.io',
  AU: 'https://api.au.intercom.io',
};

/**
 * Reads a region as GET /me reports it (`app.region`, "US" in S14's example; the EU/AU spellings
 * are UNCONFIRMED, intercom-api.md §1.5), so case and spacing are forgiven. Anything unknown is the
 * US host, which "will attempt to route your request to the correct region" (D-rest).
 */
export function parseRegion(value: string | null | undefined): IntercomRegion {
  const upper = (value ?? '').trim().toUpperCase();
  return upper === 'EU' || upper === 'AU' ? upper : 'US';
}

/** The base URL for a connection: an explicit override (the simulator, a proxy) wins over the region. */
export function intercomBaseUrl(input: { region?: string | null | undefined; baseUrlOverride?: string | null | undefined }): string {
  const override = input.baseUrlOverride?.trim();
  if (override) return override.replace(/\/+$/, '');
  return INTERCOM_BASE_URLS[parseRegion(input.region)];
}
