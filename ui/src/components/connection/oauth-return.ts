// Coming back from a vendor's OAuth consent: the server sends the browser to
// /connections/:id?oauth=<provider>[&changed=1]. This reads those parameters once and says what
// happened; the page then takes them off the address so a reload does not say it again.
import type { ConnectionDetail, OAuthProvider } from '../../../../src/http/api-types.ts';

export interface OAuthReturn {
  provider: OAuthProvider;
  /** The new authorisation is for another workspace or portal than the one before. */
  changed: boolean;
}

export function readOAuthReturn(search: string): OAuthReturn | null {
  const params = new URLSearchParams(search);
  const provider = params.get('oauth');
  if (provider !== 'intercom' && provider !== 'hubspot') return null;
  return { provider, changed: params.get('changed') === '1' };
}

/** The address without the OAuth parameters (others, and the hash, are kept). */
export function withoutOAuthParams(location: Pick<Location, 'pathname' | 'search' | 'hash'>): string {
  const params = new URLSearchParams(location.search);
  params.delete('oauth');
  params.delete('changed');
  const rest = params.toString();
  return `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`;
}

export function oauthStatus(result: OAuthReturn): string {
  return result.provider === 'intercom' ? 'Intercom connected.' : 'HubSpot connected.';
}

/** Said plainly when the authorisation points at another account than before; null otherwise. */
export function oauthChangedNotice(result: OAuthReturn, detail: ConnectionDetail): string | null {
  if (!result.changed) return null;
  const kept = 'This connection’s settings and linkage records were kept.';
  if (result.provider === 'intercom') {
    const id = detail.intercom.workspaceId;
    return `This authorisation is for a different Intercom workspace than before${id ? `: workspace ${id}` : ''}. ${kept}`;
  }
  const id = detail.hubspot.portalId;
  return `This authorisation is for a different HubSpot portal than before${id !== null ? `: portal ${id}` : ''}. ${kept}`;
}
