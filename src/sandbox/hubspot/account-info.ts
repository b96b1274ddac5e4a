// Identity endpoints, to learn the portal behind a token (a private-app token has no introspection):
// - GET /account-info/v3/details (and the dated /account-info/<v>/details): HubSpot docs,
//   account-information "Retrieve account details". Authenticated and rate-limited like the CRM reads.
// - GET /integrations/v1/me: the legacy form of the same, {portalId, timeZone, currency, utcOffset…}.
// - POST /oauth/v2/private-apps/get/access-token-info {"tokenKey": "pat-…"}: private-apps docs and
//   [ISSUE:HubSpot/hubspot-api-php#171]; no Authorization header, answers {userId, hubId, appId, scopes}.
import type { FastifyInstance } from 'fastify';
import { HubSpotError, validation } from './errors.ts';
import { DATED_VERSIONS, register, rememberRoute, sendJson, type RouteTable, type Runtime } from './http.ts';
import type { Portal } from './state.ts';

/** What a portal without its own time zone reports (the docs' example value). */
export const DEFAULT_TIME_ZONE = 'US/Eastern';

export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`unknown time zone ${timeZone}`);
  }
}

/**
 * The zone's UTC offset at `now` (so US/Eastern is -05:00 in winter, -04:00 in summer). The docs'
 * example shows "-05:00"/-18000000 for US/Eastern; that HubSpot follows daylight saving time rather
 * than a fixed standard offset is an assumption (UNCONFIRMED).
 */
function utcOffset(timeZone: string, now: number): { utcOffset: string; utcOffsetMilliseconds: number } {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(new Date(now))
    .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!match) return { utcOffset: '+00:00', utcOffsetMilliseconds: 0 };
  const sign = match[1] === '-' ? -1 : 1;
  const ms = sign * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000);
  return { utcOffset: `${match[1]}${match[2]}:${match[3]}`, utcOffsetMilliseconds: ms };
}

const timeZoneOf = (portal: Portal) => portal.timeZone ?? DEFAULT_TIME_ZONE;

export function registerAccountInfo(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  const { state } = rt;

  // Any valid token (the spec asks for no particular scope); counted like any other API call.
  register(app, rt, table, {
    method: 'GET', paths: ['/account-info/v3/details', ...DATED_VERSIONS.map((version) => `/account-info/${version}/details`)],
    scopes: () => [], limit: 'standard',
    handler: (_request, _reply, { portal }) => {
      const timeZone = timeZoneOf(portal);
      const offset = utcOffset(timeZone, state.clock.now());
      return {
        portalId: portal.hubId, accountType: 'STANDARD', timeZone, companyCurrency: 'USD', additionalCurrencies: [],
        utcOffset: offset.utcOffset, utcOffsetMilliseconds: offset.utcOffsetMilliseconds, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1',
      };
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: ['/integrations/v1/me'], scopes: () => [], limit: 'standard',
    handler: (_request, _reply, { portal }) => {
      const timeZone = timeZoneOf(portal);
      const offset = utcOffset(timeZone, state.clock.now());
      return { portalId: portal.hubId, timeZone, currency: 'USD', utcOffsetMilliseconds: offset.utcOffsetMilliseconds, utcOffset: offset.utcOffset };
    },
  });

  // Unauthenticated and outside the portal budgets (there is no portal until the token is known).
  const accessTokenInfo = '/oauth/v2/private-apps/get/access-token-info';
  app.post(accessTokenInfo, async (request, reply) => {
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const tokenKey = body.tokenKey;
    if (typeof tokenKey !== 'string' || tokenKey === '') throw validation('tokenKey is required');
    const token = state.tokens.get(tokenKey);
    if (!token || token.kind !== 'static' || token.revoked || !state.portals.has(token.hubId)) {
      // Status and text for an unknown, revoked or OAuth token are UNCONFIRMED (not documented).
      throw new HubSpotError(404, { message: 'The private app access token is invalid or has been revoked', category: 'OBJECT_NOT_FOUND' });
    }
    return sendJson(reply, 200, { userId: token.userId, hubId: token.hubId, appId: token.privateAppId ?? 0, scopes: [...token.scopes] });
  });
  rememberRoute(table, 'POST', accessTokenInfo);
}
