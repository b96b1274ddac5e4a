// Who is behind a credential, asked before it is stored: the Intercom workspace (GET /me) or the
// HubSpot portal and its granted scopes. One-off clients: a refused credential must not mark the
// connection needs_reauth, as the connection's own clients would.
import type { Logger } from 'pino';
import type { ErrorDescription, UpstreamClient } from '../integrations/upstream-client.ts';
import { createUpstreamClient } from '../integrations/upstream-client.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import { UpstreamError, type UpstreamService } from '../integrations/upstream-error.ts';
import { DEFAULT_BASE_URL as HUBSPOT_BASE_URL } from '../integrations/hubspot/client.ts';
import { describeHubSpotError } from '../integrations/hubspot/errors.ts';
import { AccountDetails, Introspection, PrivateAppTokenInfo } from '../integrations/hubspot/schemas.ts';
import { describeIntercomError } from '../integrations/intercom/errors.ts';
import { INTERCOM_API_VERSION, intercomBaseUrl, parseRegion } from '../integrations/intercom/regions.ts';
import { Me } from '../integrations/intercom/schemas.ts';
import { describeVendorUnavailable } from './vendor-unavailable.ts';
import type { Headers } from '../integrations/retry-policy.ts';

export interface ProbeDeps {
  upstream: UpstreamContext;
  log: Logger;
}

export type Refusal = { ok: false; status: 400 | 502; code: 'token_refused' | 'upstream_unavailable'; message: string };
export type IntercomIdentity = { ok: true; workspaceId: string; region: 'us' | 'eu' | 'au' };
export type HubSpotIdentity = { ok: true; portalId: number; scopes: string[] | null };

const VENDOR = { intercom: 'Intercom', hubspot: 'HubSpot' } as const;

function probeClient(deps: ProbeDeps, service: UpstreamService, baseUrl: string, token: string | null): UpstreamClient {
  const describeError: (status: number, headers: Headers, body: unknown) => ErrorDescription = service === 'intercom' ? describeIntercomError : describeHubSpotError;
  return createUpstreamClient({
    service,
    baseUrl,
    pools: deps.upstream.pools,
    timeouts: deps.upstream.timeouts,
    retry: { maxAttempts: deps.upstream.maxAttemptsPerCall, baseMs: 500, capMs: 4000, maxWaitMs: 5000 },
    authorize: async () => (token === null ? '' : `Bearer ${token}`),
    plan: async () => undefined,
    learn: () => undefined,
    describeError,
    headers: service === 'intercom' ? { 'intercom-version': INTERCOM_API_VERSION } : {},
    log: deps.log,
  });
}

/** A failed identity call as the person connecting should read it; `baseUrl` is where it went. */
function refusal(service: UpstreamService, error: unknown, what: string, baseUrl: string): Refusal {
  if (!(error instanceof UpstreamError)) throw error;
  const vendor = VENDOR[service];
  const refused = error.kind === 'unauthorized' || error.kind === 'forbidden';
  return refused
    ? { ok: false, status: 400, code: 'token_refused', message: `${vendor} refused this ${what}: ${error.details.vendorMessage ?? error.message}` }
    : { ok: false, status: 502, code: 'upstream_unavailable', message: describeVendorUnavailable(vendor, baseUrl, error) };
}

const REGION = { US: 'us', EU: 'eu', AU: 'au' } as const;

/**
 * GET /me names the workspace (`app.id_code`, intercom-api.md §1.5) and its region. `region` is
 * where to ask. A pasted token keeps the region the person chose (the token worked there); an
 * OAuth token, asked on the US host, takes the region /me reports.
 */
export async function identifyIntercom(
  deps: ProbeDeps,
  input: { token: string; region: 'us' | 'eu' | 'au'; baseUrlOverride: string | null; adoptReportedRegion: boolean },
): Promise<IntercomIdentity | Refusal> {
  const baseUrl = intercomBaseUrl({ region: input.region, baseUrlOverride: input.baseUrlOverride });
  const probe = probeClient(deps, 'intercom', baseUrl, input.token);
  try {
    const me = await probe.json({ method: 'GET', path: '/me' }, Me);
    const region = input.adoptReportedRegion && me.app.region ? REGION[parseRegion(me.app.region)] : input.region;
    return { ok: true, workspaceId: me.app.id_code, region };
  } catch (error) {
    return refusal('intercom', error, 'access token', baseUrl);
  }
}

/**
 * A private-app token: its portal from the account details, its scopes from the private-app token
 * info (when HubSpot does not answer that one, the scopes stay unknown rather than failing the connect).
 */
export async function identifyHubSpotToken(deps: ProbeDeps, input: { token: string; baseUrlOverride: string | null }): Promise<HubSpotIdentity | Refusal> {
  const baseUrl = input.baseUrlOverride ?? HUBSPOT_BASE_URL;
  let portalId: number;
  try {
    portalId = (await probeClient(deps, 'hubspot', baseUrl, input.token).json({ method: 'GET', path: '/account-info/2026-09/details' }, AccountDetails)).portalId;
  } catch (error) {
    return refusal('hubspot', error, 'access token', baseUrl);
  }
  let scopes: string[] | null = null;
  try {
    const info = await probeClient(deps, 'hubspot', baseUrl, null).json(
      { method: 'POST', path: '/oauth/v2/private-apps/get/access-token-info', body: { tokenKey: input.token }, anonymous: true, idempotent: true },
      PrivateAppTokenInfo,
    );
    scopes = info.scopes;
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    deps.log.warn({ err: error }, 'HubSpot did not say which scopes this private-app token has');
  }
  return { ok: true, portalId, scopes };
}

/** An OAuth access token: introspection names the portal and the granted scopes (hubspot-api.md §2.4). */
export async function identifyHubSpotOAuth(
  deps: ProbeDeps,
  input: { accessToken: string; clientId: string; clientSecret: string; baseUrlOverride: string | null },
): Promise<HubSpotIdentity | Refusal> {
  const baseUrl = input.baseUrlOverride ?? HUBSPOT_BASE_URL;
  try {
    const info = await probeClient(deps, 'hubspot', baseUrl, null).json(
      {
        method: 'POST', path: '/oauth/2026-09/token/introspect', anonymous: true, idempotent: true,
        form: { client_id: input.clientId, client_secret: input.clientSecret, token: input.accessToken, token_type_hint: 'access_token' },
      },
      Introspection,
    );
    if (!info.active || info.hub_id === undefined) return { ok: false, status: 400, code: 'token_refused', message: 'HubSpot says the access token it just issued is not active.' };
    return { ok: true, portalId: info.hub_id, scopes: info.scopes ?? null };
  } catch (error) {
    return refusal('hubspot', error, 'authorisation', baseUrl);
  }
}
