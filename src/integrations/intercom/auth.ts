// Intercom credentials: an OAuth access token or a private app's access token. Both are used the
// same way (`Authorization: Bearer`), neither expires, and neither can be refreshed (intercom-api.md
// §1.3–1.4: "treat 401 as re-auth needed, never as refresh"). So a 401 marks the connection
// needs_reauth — which parks its queued jobs — and the call fails with kind 'unauthorized'.
import type { Logger } from 'pino';
import type { ConnectionCredentials } from '../connection-credentials.ts';
import { UpstreamError } from '../upstream-error.ts';

/** The credential kind under which a connection's Intercom token is sealed (owner = connection id). */
export const INTERCOM_TOKEN_KIND = 'intercom_access_token';

export interface IntercomAuthDeps {
  credentials: ConnectionCredentials;
  /** For the log only. */
  connectionId: string;
  log: Logger;
  now?: () => number;
  /** Defaults to INTERCOM_TOKEN_KIND. */
  credentialKind?: string;
}

export interface IntercomAuth {
  authorize(): Promise<string>;
  onUnauthorized(): Promise<boolean>;
}

export function createIntercomAuth(deps: IntercomAuthDeps): IntercomAuth {
  const kind = deps.credentialKind ?? INTERCOM_TOKEN_KIND;
  const now = deps.now ?? Date.now;
  /** The credential version behind the latest Authorization header we built. */
  let versionUsed: number | undefined;

  return {
    // Read the stored token on every try (in the daemon, one indexed SQLite row): one stored by re-authorisation
    // is used at once, and the plaintext is never kept in a long-lived object.
    async authorize() {
      const credential = await deps.credentials.read(kind);
      if (!credential) {
        throw new UpstreamError({ service: 'intercom', kind: 'unauthorized', status: null, method: '-', path: '-', vendorMessage: 'no Intercom access token is stored for this connection' });
      }
      versionUsed = credential.version;
      return `Bearer ${credential.value}`;
    },
    async onUnauthorized() {
      // A person may have re-authorised while the refused call was in flight: try the new token once.
      const current = await deps.credentials.read(kind);
      if (current && versionUsed !== undefined && current.version > versionUsed) return true;
      await deps.credentials.refused('intercom', now());
      deps.log.warn({ connectionId: deps.connectionId }, 'Intercom refused the access token; the connection needs re-authorisation and its jobs are parked');
      return false;
    },
  };
}
