// The admin API's request and response shapes. The zod schemas validate what the server accepts;
// the UI imports only the derived types (`import type`), so this file must stay free of server code.
import { z } from 'zod';

export const LoginBody = z.strictObject({
  username: z.string().min(1, 'username is required').max(200),
  password: z.string().min(1, 'password is required').max(1000),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** GET /api/session and POST /api/session. Send `csrfToken` as `X-CSRF-Token` on every change. */
export interface SessionInfo {
  username: string;
  csrfToken: string;
}

export const CreateApiTokenBody = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
});
export type CreateApiTokenBody = z.infer<typeof CreateApiTokenBody>;

export interface ApiTokenInfo {
  id: string;
  name: string;
  /** The first characters of the token, enough to recognise it; the full token is shown once. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** GET /api/tokens */
export interface ApiTokenList {
  tokens: ApiTokenInfo[];
}

/** POST /api/tokens (201): `secret` is the only time the full token is ever returned. */
export interface CreatedApiToken {
  token: ApiTokenInfo;
  secret: string;
}

export interface ConnectionSummary {
  id: string;
  name: string;
  status: 'active' | 'paused' | 'needs_reauth' | 'disconnected';
  managedByConfig: boolean;
  /** Wired to the built-in simulators ("Try the sandbox"), not to real accounts. */
  sandbox: boolean;
  createdAt: string;
}

/** GET /api/connections */
export interface ConnectionList {
  connections: ConnectionSummary[];
  maxConnections: number | null;
}

export const CreateConnectionBody = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
});
export type CreateConnectionBody = z.infer<typeof CreateConnectionBody>;

export const IntercomTokenBody = z.strictObject({
  accessToken: z.string().trim().min(1, 'accessToken is required'),
  region: z.enum(['us', 'eu', 'au']).default('us'),
  /** The client secret of the Intercom app that sends this workspace's webhooks (when not the configured OAuth app). */
  webhookSecret: z.string().optional(),
});
export type IntercomTokenBody = z.input<typeof IntercomTokenBody>;

export const HubSpotTokenBody = z.strictObject({
  /** A private-app access token (pat-…) or service key. */
  accessToken: z.string().trim().min(1, 'accessToken is required'),
  /** The client secret of the HubSpot app that signs this portal's webhooks (when not the configured OAuth app). */
  webhookSecret: z.string().optional(),
});
export type HubSpotTokenBody = z.input<typeof HubSpotTokenBody>;

export type OAuthProvider = 'intercom' | 'hubspot';
/** How a side was connected: through the vendor's OAuth consent, or with a pasted token. */
export type ConnectMethod = 'oauth' | 'token';

/** GET /api/connections/:id, and the answer of every change to a connection. */
export interface ConnectionDetail extends ConnectionSummary {
  intercom: { connected: boolean; workspaceId: string | null; region: 'us' | 'eu' | 'au'; method: ConnectMethod | null; /** Its token was refused: re-authorise this side. */ refused: boolean };
  hubspot: {
    connected: boolean;
    portalId: number | null;
    method: ConnectMethod | null;
    /** Its credential was refused (token revoked, refresh failed): re-authorise this side. */
    refused: boolean;
    /** The scopes HubSpot granted, as it reported them at connect time (null: not known). */
    scopes: string[] | null;
    /** Scopes the product needs that the grant lacks (empty when all are there or the grant is unknown). */
    missingScopes: string[];
  };
  /**
   * Where the browser goes (a full page navigation, GET) to connect or re-authorise a side through
   * the vendor's OAuth consent; null when no OAuth app is configured for it (apps.* in the YAML).
   * The flow ends back on /connections/:id?oauth=<provider>[&changed=1], or on an error page.
   */
  oauthStart: { intercom: string | null; hubspot: string | null };
  /** The URLs to paste into the Intercom and HubSpot app settings. */
  webhookUrls: { intercom: string; hubspot: string };
  lastWebhookAt: string | null;
  /** Things an operator should look at (webhooks silent for unusually long, …). */
  warnings: string[];
  /** Said plainly when a re-authorisation pointed at another account than before. */
  notice?: string;
}

/** Every error response: `{ "error": { "code", "message", "details"? } }`. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: Array<{ path: string; message: string }>;
  };
}
