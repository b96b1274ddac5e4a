// What each API token scope may reach (issue #14 item 10). A pure rule over the route that matched,
// so the check cannot be dodged by encoding the URL differently.
export const API_TOKEN_SCOPES = ['push', 'read', 'admin'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** What a route declares about itself in its Fastify `config`. */
export interface RouteAccess {
  /** The route is API Push: `push` tokens may call it. */
  push?: boolean;
  /** Only a signed-in session may call it (managing tokens and sessions). */
  sessionOnly?: boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD']);

export function scopeAllows(scope: ApiTokenScope, method: string, route: RouteAccess): boolean {
  if (route.sessionOnly) return false;
  if (scope === 'admin') return true;
  if (scope === 'read') return READ_METHODS.has(method);
  return route.push === true;
}
