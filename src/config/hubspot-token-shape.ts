// What a pasted HubSpot token cannot be, said before anything is sent to HubSpot. Private-app
// tokens look like `pat-<hublet>-<uuid>` (hubspot-api.md §2.5; the format is not documented, so
// nothing else is refused for not matching it: HubSpot's newer service keys may look different,
// and HubSpot itself is the judge of any token that is not recognisably something else).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** null when the token may be a HubSpot private-app token or service key; else why it cannot be. */
export function hubspotTokenProblem(token: string): string | null {
  if (token.startsWith('pat-')) return /\s/.test(token) ? 'contains spaces or line breaks: paste the token alone' : null;
  if (/\s/.test(token)) return 'contains spaces or line breaks: paste the token alone';
  // Intercom's access tokens are base64 of "tok:…" (intercom-api.md, the OAuth token answer's example).
  if (token.startsWith('dG9rO')) return 'is an Intercom access token; HubSpot private-app tokens start with pat-';
  if (token.startsWith('ihz_')) return 'is an Interhubz API token; HubSpot private-app tokens start with pat-';
  // A bare UUID is a HubSpot developer API key, an OAuth refresh token or a client id/secret, none of which can call the CRM.
  if (UUID.test(token)) return 'looks like a HubSpot developer API key, OAuth refresh token or app client id, not a private-app access token (pat-…)';
  if (token.length < 20) return 'is too short to be a HubSpot access token (private-app tokens start with pat-)';
  return null;
}
