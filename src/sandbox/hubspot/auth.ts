// Bearer-token checks for the API routes: 401 INVALID_AUTHENTICATION / EXPIRED_AUTHENTICATION and
// 403 MISSING_SCOPES with HubSpot's bodies (hubspot-api.md §2.6).
import type { FastifyRequest } from 'fastify';
import { HubSpotError } from './errors.ts';
import type { AccessToken, SimState } from './state.ts';

const NOT_FOUND_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

const invalidAuthentication = () => new HubSpotError(401, { message: NOT_FOUND_MESSAGE, category: 'INVALID_AUTHENTICATION' });

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Resolves the caller's token and checks that it holds any one of `scopes` (the spec's alternatives). */
export function authenticate(state: SimState, request: FastifyRequest, scopes: readonly string[]): AccessToken {
  const value = bearer(request);
  const token = value === undefined ? undefined : state.tokens.get(value);
  if (!token || token.revoked || !state.portals.has(token.hubId)) throw invalidAuthentication();
  const now = state.clock.now();
  if (now >= token.expiresAt) {
    // [ISSUE:segmentio/segment-docs#6244]: "The OAuth token used to make this call expired 7 second(s) ago."
    const ago = Math.floor((now - token.expiresAt) / 1000);
    throw new HubSpotError(401, { message: `The OAuth token used to make this call expired ${ago} second(s) ago.`, category: 'EXPIRED_AUTHENTICATION' });
  }
  checkScopes(token, scopes);
  return token;
}

/** 403 MISSING_SCOPES unless the token holds one of `scopes`. */
export function checkScopes(token: AccessToken, scopes: readonly string[]): void {
  if (scopes.length > 0 && !scopes.some((scope) => token.scopes.includes(scope))) {
    throw new HubSpotError(403, {
      message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [...scopes] } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
      category: 'MISSING_SCOPES',
    });
  }
}

/** Every scope the simulator checks: a static token gets them all unless it names its own. */
export const ALL_SCOPES = [
  'oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read', 'crm.objects.companies.write',
  'crm.objects.deals.read', 'crm.objects.deals.write',
  'tickets', 'crm.objects.notes.read', 'crm.objects.owners.read', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write',
  'crm.schemas.companies.read', 'crm.schemas.companies.write', 'crm.schemas.deals.read', 'crm.schemas.deals.write', 'crm.schemas.tickets.read', 'crm.schemas.tickets.write',
];
