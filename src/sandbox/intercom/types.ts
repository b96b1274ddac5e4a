// The simulator's records. Kept close to Intercom's own model so the wire shapes in wire/*.ts are
// plain projections; timestamps are Unix seconds, as in Intercom's REST responses.

export type Region = 'US' | 'EU' | 'AU';

/** A developer-hub app: OAuth client, webhook signer, one webhook URL for all its workspaces. */
export interface SimApp {
  id: string;
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** The app package's API version: what a request without Intercom-Version gets. */
  apiVersion: string;
  /** Private apps can be suspended after 7 days of webhook errors; public apps never are (D-wh-notif). */
  private: boolean;
}

export interface Workspace {
  /** `app.id_code` in GET /me, `app_id` in webhooks, `workspace_id` on contacts. */
  id: string;
  name: string;
  region: Region;
  timezone: string;
  createdAt: number;
  /** Apps installed here: they get this workspace's webhooks and may hold tokens for it. */
  appIds: Set<string>;
  /** The admin that GET /me answers for (the one who installed the app). */
  ownerAdminId: string;
  /** Answers conversation endpoints with 403 api_plan_restricted, as a workspace without the plan does. */
  planRestricted: boolean;
}

export interface AccessToken {
  token: string;
  appId: string;
  workspaceId: string;
  kind: 'oauth' | 'private';
  revoked: boolean;
}

export interface OAuthCode {
  code: string;
  appId: string;
  workspaceId: string;
  used: boolean;
}

export interface Admin {
  id: string;
  workspaceId: string;
  /** Bots (Fin/operator) author parts but are not listed by GET /admins. */
  kind: 'admin' | 'bot';
  name: string;
  email: string;
  jobTitle: string | null;
  awayModeEnabled: boolean;
  awayModeReassign: boolean;
  hasInboxSeat: boolean;
  teamIds: number[];
  avatarUrl: string | null;
}

export interface Team {
  id: string;
  workspaceId: string;
  name: string;
  adminIds: number[];
}

export interface Tag {
  id: string;
  workspaceId: string;
  name: string;
}

interface Location {
  country: string | null;
  region: string | null;
  city: string | null;
  countryCode: string | null;
  continentCode: string | null;
}

export interface Contact {
  id: string;
  workspaceId: string;
  role: 'user' | 'lead';
  externalId: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  avatar: string | null;
  unsubscribedFromEmails: boolean;
  ownerId: number | null;
  createdAt: number;
  updatedAt: number;
  signedUpAt: number | null;
  lastSeenAt: number | null;
  lastRepliedAt: number | null;
  lastContactedAt: number | null;
  location: Location;
  customAttributes: Record<string, string | number | boolean | null>;
  companyIds: string[];
  tagIds: string[];
  /** Set when merged into another contact: GET answers 404 and list/search skip it. */
  mergedInto: string | null;
  /** When the contact becomes visible to search (Intercom indexes asynchronously). */
  searchableAt: number;
}

export interface Company {
  id: string;
  workspaceId: string;
  companyId: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  remoteCreatedAt: number | null;
  lastRequestAt: number | null;
  size: number | null;
  website: string | null;
  industry: string | null;
  monthlySpend: number;
  sessionCount: number;
  planName: string | null;
  customAttributes: Record<string, string | number | boolean | null>;
  tagIds: string[];
}

/** S14 #/components/schemas/data_attribute `data_type`; a list attribute is a `string` with `options`. */
export type DataType = 'string' | 'integer' | 'float' | 'boolean' | 'date';

/** A custom data attribute (CDA) of contacts or companies; standard attributes are fixed (data-attributes.ts). */
export interface DataAttribute {
  /** Integer, as S14 types it; only custom attributes have one. */
  id: number;
  workspaceId: string;
  model: 'contact' | 'company';
  name: string;
  description: string | null;
  dataType: DataType;
  /** List options; null for a free value. */
  options: string[] | null;
  messengerWritable: boolean;
  archived: boolean;
  adminId: string | null;
  createdAt: number;
  updatedAt: number;
}

type AuthorType = 'admin' | 'bot' | 'team' | 'user' | 'lead';

export interface AuthorRef {
  type: AuthorType;
  id: string;
}

export interface Part {
  id: string;
  partType: string;
  body: string | null;
  createdAt: number;
  updatedAt: number;
  notifiedAt: number;
  author: AuthorRef;
  assignedTo: { type: 'admin' | 'team' | 'nobody_admin'; id: string | null } | null;
  /** The conversation's state once this part was added. */
  state: 'open' | 'closed' | 'snoozed';
  attachmentUrls: string[];
}

interface ConversationStats {
  firstContactReplyAt: number | null;
  firstAssignmentAt: number | null;
  firstAdminReplyAt: number | null;
  firstCloseAt: number | null;
  lastAssignmentAt: number | null;
  lastAssignmentAdminReplyAt: number | null;
  lastContactReplyAt: number | null;
  lastAdminReplyAt: number | null;
  lastCloseAt: number | null;
  lastClosedById: string | null;
  countReopens: number;
  countAssignments: number;
  /** Seconds from a waiting contact message to the admin reply answering it; feeds median_time_to_reply. */
  replyTimes: number[];
}

interface AppliedTag {
  tagId: string;
  appliedAt: number;
  appliedBy: AuthorRef;
}

export interface Conversation {
  id: string;
  workspaceId: string;
  createdAt: number;
  updatedAt: number;
  title: string | null;
  state: 'open' | 'closed' | 'snoozed';
  read: boolean;
  priority: 'priority' | 'not_priority';
  waitingSince: number | null;
  snoozedUntil: number | null;
  adminAssigneeId: number | null;
  teamAssigneeId: number | null;
  source: {
    type: 'conversation' | 'email';
    id: string;
    deliveredAs: 'customer_initiated' | 'admin_initiated' | 'operator_initiated' | 'automated' | 'campaigns_initiated';
    subject: string;
    body: string;
    author: AuthorRef;
    url: string | null;
  };
  contactIds: string[];
  teammateIds: string[];
  tags: AppliedTag[];
  customAttributes: Record<string, string | number | boolean | null>;
  stats: ConversationStats;
  parts: Part[];
  searchableAt: number;
}
