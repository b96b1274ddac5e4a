// What each API token scope may reach (issue #14 item 10). A pure rule over the route that matched,
// so the check cannot be dodged by encoding the URL differently.
export const API_TOKEN_SCOPES = ['push', 'read', 'metrics', 'admin'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** What a route declares about itself in its Fastify `config`. */
export interface RouteAccess {
  /** The route is API Push: `push` tokens may call it. */
  push?: boolean;
  /** Only a signed-in session may call it (managing tokens and sessions). */
  sessionOnly?: boolean;
  /** The route is /metrics: `metrics` and `admin` tokens may read it, `read` tokens not (issue #16 item 8). */
  metrics?: boolean;
  /** A POST that changes nothing (the explainer's replay, a dry run): `read` tokens and viewers may call it. */
  readsOnly?: boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD']);

export function scopeAllows(scope: ApiTokenScope, method: string, route: RouteAccess): boolean {
  if (route.sessionOnly) return false;
  if (route.metrics) return scope === 'metrics' || scope === 'admin';
  if (scope === 'admin') return true;
  if (scope === 'metrics') return false;
  if (scope === 'read') return READ_METHODS.has(method) || route.readsOnly === true;
  return route.push === true;
}
