// What GET /api/connections and GET /api/connections/:id answer (src/http/api-types.ts re-exports
// them for the UI). They live here because describe-connection.ts builds them: src/connections must
// not depend on src/http.
import type { ConnectMethod } from './connect-method.ts';
import type { ConnectionHealth } from '../health/connection-health.ts';
import type { WorkState } from '../jobs/job-control.ts';
import type { Vendor } from '../vendor.ts';

export interface ConnectionSummary {
  id: string;
  name: string;
  status: 'active' | 'paused' | 'needs_reauth' | 'disconnected';
  managedByConfig: boolean;
  /** Wired to the built-in simulators ("Try the sandbox"), not to real accounts. */
  sandbox: boolean;
  createdAt: string;
  /** Whether it needs attention, and why in one line (src/health/judge-health.ts). */
  health: ConnectionHealth;
}

/** One row of GET /api/connections: the connection at a glance (issue #16 item 7). */
export interface ConnectionListEntry extends ConnectionSummary {
  intercom: { workspaceId: string | null };
  hubspot: { portalId: number | null };
  /** When a note was last written to HubSpot for one of its conversations. */
  lastCaptureAt: string | null;
  /** Conversations captured (a note written or updated) in the last 24 h. */
  captured24h: number;
  /** Captures that failed in the last 24 h. */
  failed24h: number;
  /** Its problem work now, as the Work tab counts it (src/jobs/job-control.ts). */
  work: Record<WorkState, number>;
  /** Said when another connection pairs the same Intercom workspace or HubSpot portal, naming it. */
  pairingWarning: string | null;
}

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
    /**
     * Scopes the product needs that the grant lacks (empty when all are there or the grant is unknown),
     * including those this connection's record sync needs (src/integrations/hubspot/scopes.ts).
     */
    missingScopes: string[];
    /** Of those, the ones the record-sync settings need, each with the mapping that needs it. */
    missingScopeNeeds: Array<{ scope: string; neededBy: string }>;
  };
  /**
   * Where the browser goes (a full page navigation, GET) to connect or re-authorise a side through
   * the vendor's OAuth consent; null when no OAuth app is configured for it (apps.* in the YAML).
   * The flow ends back on /connections/:id?oauth=<provider>[&changed=1], or on an error page.
   */
  oauthStart: { intercom: string | null; hubspot: string | null };
  /**
   * The URLs to paste into the Intercom and HubSpot app settings; null when server.publicUrl is not
   * set (outside the sandbox): the listening address is no URL a vendor can reach.
   */
  webhookUrls: { intercom: string; hubspot: string } | null;
  lastWebhookAt: string | null;
  /** What to subscribe to, and whether it arrives (src/webhooks/needed-webhooks.ts). */
  webhookSetup: WebhookSetup;
  /** Things an operator should look at (webhooks silent for unusually long, …). */
  warnings: string[];
  /** Said plainly when a re-authorisation pointed at another account than before. */
  notice?: string;
}

/** The webhooks a connection's enabled features need, and when each last arrived. */
export interface WebhookSetup {
  /** Set when the webhook URLs cannot be shown: what to configure (server.publicUrl). */
  publicUrlMissing: string | null;
  needed: NeededWebhookStatus[];
}

export interface NeededWebhookStatus {
  provider: Vendor;
  /** Intercom topic, or HubSpot subscription type in its legacy form (ticket.propertyChange). */
  topic: string;
  /** HubSpot propertyChange subscriptions name a property. */
  propertyName: string | null;
  /** HubSpot: the same subscription in the generic form (object.propertyChange, objectTypeId 0-5). */
  generic: { subscriptionType: string; objectTypeId: string } | null;
  /** The features that need it, as a person reads them. */
  features: string[];
  /** When one last arrived for this connection (either form); null: never (a warning on the page). */
  lastReceivedAt: string | null;
}

