// The gate every REST call passes, in Intercom's order as far as it is known: Accept (406),
// Intercom-Version (400), bearer token (401), regional host, rate limit (429, with X-RateLimit-*
// on every authenticated response).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorList, IntercomError, unauthorized } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { SimState } from './state.ts';
import type { AccessToken, Region, SimApp, Workspace } from './types.ts';

export interface AuthContext {
  token: AccessToken;
  workspace: Workspace;
  app: SimApp;
  /** The effective API version: the header, or the app package's version (S14 intercom_version). */
  version: string;
}

// S14 #/components/schemas/intercom_version lists 1.0…2.14; later specs add 2.15, 2.16, 2.17 and
// "Unstable"/"Preview" (S15/S16/S0). Anything else: 400 intercom_version_invalid — the code the
// official Ruby SDK maps to ApiVersionInvalid (intercom/intercom-ruby lib/intercom/request.rb), with
// the message seen in a third-party integration test (code index).
const VERSIONS = new Set(['1.0', '1.1', '1.2', '1.3', '1.4', ...Array.from({ length: 18 }, (_, i) => `2.${i}`), 'Unstable', 'Preview']);

const contexts = new WeakMap<FastifyRequest, AuthContext>();

export function authOf(request: FastifyRequest): AuthContext {
  const context = contexts.get(request);
  if (!context) throw unauthorized();
  return context;
}

/** Which region a Host header names (D-rest regional hosting table); undefined for any other host. */
function regionOfHost(host: string | undefined): Region | undefined {
  const name = (host ?? '').split(':')[0]?.toLowerCase() ?? '';
  if (name === 'api.intercom.io') return 'US';
  if (name === 'api.eu.intercom.io') return 'EU';
  if (name === 'api.au.intercom.io') return 'AU';
  return undefined;
}

export interface GateSettings {
  /** Answer 406 also when Accept is missing, not only when it excludes JSON (D-http). */
  strictAccept: boolean;
  /**
   * Reject a token used on another region's host. Intercom routes api.intercom.io to the right
   * region (D-rest), so only the EU/AU hosts are checked; real behaviour there is UNCONFIRMED.
   */
  strictRegion: boolean;
}

const acceptsJson = (accept: string) => accept.split(',').some((part) => /^\s*(application\/(json|\*)|\*\/\*)/i.test(part));

export function createGate(state: SimState, limiter: RateLimiter, settings: GateSettings) {
  return async function gate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const accept = request.headers.accept;
    if ((accept !== undefined && !acceptsJson(accept)) || (accept === undefined && settings.strictAccept)) {
      // D-http: 406 when the Accept header is missing or not JSON. The code is UNCONFIRMED.
      throw new IntercomError(406, 'unsupported', 'The Accept header must allow application/json');
    }
    const versionHeader = request.headers['intercom-version'];
    const requested = Array.isArray(versionHeader) ? versionHeader[0] : versionHeader;
    if (requested !== undefined && !VERSIONS.has(requested.trim())) {
      throw new IntercomError(400, 'intercom_version_invalid', 'The requested version could not be found');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const token = match?.[1] ? state.tokens.get(match[1]) : undefined;
    // A revoked token answers like an unknown one; whether Intercom says token_revoked instead is UNCONFIRMED.
    if (!token || token.revoked) throw unauthorized();
    const workspace = state.workspaces.get(token.workspaceId);
    const app = state.apps.get(token.appId);
    if (!workspace || !app || !workspace.appIds.has(app.id)) throw unauthorized();
    const hostRegion = regionOfHost(request.headers.host);
    if (settings.strictRegion && hostRegion && hostRegion !== 'US' && hostRegion !== workspace.region) throw unauthorized();
    contexts.set(request, { token, workspace, app, version: requested?.trim() ?? app.apiVersion });

    const decision = limiter.check(app.id, workspace.id);
    reply.header('x-ratelimit-limit', String(decision.limit));
    reply.header('x-ratelimit-remaining', String(decision.remaining));
    reply.header('x-ratelimit-reset', String(decision.reset));
    if (!decision.allowed) {
      // No Retry-After: Intercom documents only X-RateLimit-Reset (D-rate; intercom-api.md §5.1).
      await reply.code(429).send(errorList('rate_limit_exceeded', decision.message));
    }
  };
}

/** Intercom's version ordering, for behaviour that changed between versions ("Unstable"/"Preview" are newest). */
export function versionAtLeast(version: string, minimum: string): boolean {
  if (version === 'Unstable' || version === 'Preview') return true;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = minimum.split('.').map(Number);
  return major > minMajor || (major === minMajor && minor >= minMinor);
}
