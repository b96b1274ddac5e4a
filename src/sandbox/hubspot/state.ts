// The simulator's whole state, in memory. One SimState holds the OAuth apps and tokens (global, as
// at HubSpot) and the portals (hub ids), each with its own records, schema, pipelines, owners,
// associations and rate-limit budget.
import type { IdSource } from '../shared/ids.ts';
import type { SimClock } from '../shared/clock.ts';
import type { RecordIdRange } from './crm/record-ids.ts';
import type { ObjectTypeName } from './crm/types.ts';

export interface SearchVersion {
  /** When this version becomes visible to search (write time + the index delay). */
  visibleAt: number;
  properties: Record<string, string>;
  archived: boolean;
}

/** One version of a property value, as `propertiesWithHistory` reports it [SPEC ValueWithTimestamp]. */
export interface PropertyVersion {
  value: string;
  timestamp: number;
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

export interface CrmRecord {
  id: string;
  type: ObjectTypeName;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  /** What search sees; the newest visible one wins, so search lags writes by the index delay. */
  versions: SearchVersion[];
  /** Per property, newest first: each value a writer set (crm/history.ts). */
  history: Record<string, PropertyVersion[]>;
}

interface PropertyOption {
  label: string;
  value: string;
  hidden: boolean;
  displayOrder: number;
  description?: string;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  hubspotDefined: boolean;
  readOnlyValue: boolean;
  calculated: boolean;
  externalOptions: boolean;
  referencedObjectType?: string;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export interface PipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  writePermissions: string;
}

export interface Pipeline {
  id: string;
  label: string;
  displayOrder: number;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  stages: PipelineStage[];
}

export interface Owner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number | null;
  userIdIncludingInactive: number;
  type: 'PERSON' | 'QUEUE';
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  teams?: Array<{ id: string; name: string; primary: boolean }>;
}

export interface AssociationTypeDef {
  typeId: number;
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
  fromTypeId: string;
  toTypeId: string;
  label: string | null;
  /** The v3 `associations` type string, e.g. "contact_to_company_unlabeled". */
  name: string;
  inverseTypeId: number;
  /** The unlabeled type of the pair: adding any type implies it, removing it removes them all. */
  unlabeled: boolean;
  primary: boolean;
}

export interface RateLimits {
  burstPer10s: number;
  searchPerSecond: number;
  daily: number;
}

interface RateUsage {
  /** Per app (OAuth) or per token (static): request times inside the rolling 10 s window. */
  burst: Map<string, number[]>;
  search: number[];
  day: string;
  dailyUsed: number;
}

export interface Portal {
  hubId: number;
  domain: string;
  /** IANA zone reported by the account-info endpoints; absent means 'US/Eastern' (HubSpot's default for new accounts). */
  timeZone?: string;
  records: Record<ObjectTypeName, Map<string, CrmRecord>>;
  /** Where this portal's record ids come from: a range per object type (crm/record-ids.ts). */
  recordIds: RecordIdRange;
  /** Lower-cased email → contact id, for the 409 and idProperty=email. */
  emailIndex: Map<string, string>;
  properties: Record<ObjectTypeName, Map<string, PropertyDef>>;
  groups: Record<ObjectTypeName, Map<string, PropertyGroup>>;
  /** Ticket pipelines. */
  pipelines: Map<string, Pipeline>;
  /** Deal pipelines: their own ids, apart from the tickets' (crm/deals.ts). */
  dealPipelines: Map<string, Pipeline>;
  owners: Map<string, Owner>;
  /** from "typeId/id" → to "typeId/id" → association type ids. */
  edges: Map<string, Map<string, Set<number>>>;
  userTypes: AssociationTypeDef[];
  limits: RateLimits;
  usage: RateUsage;
}

export interface OAuthApp {
  appId: number;
  clientId: string;
  clientSecret: string;
  /** Empty: any redirect URI is accepted. */
  redirectUris: string[];
}

export interface AccessToken {
  token: string;
  kind: 'oauth' | 'static';
  hubId: number;
  scopes: string[];
  userId: number;
  user: string;
  /** Infinity for static tokens. */
  expiresAt: number;
  revoked: boolean;
  appId?: number;
  clientId?: string;
  /** Static tokens only: the private app they belong to (access-token-info's appId). Not appId, which keys the OAuth rate budget. */
  privateAppId?: number;
}

export interface RefreshToken {
  token: string;
  hubId: number;
  appId: number;
  clientId: string;
  scopes: string[];
  userId: number;
  user: string;
  revoked: boolean;
}

export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  hubId: number;
  scopes: string[];
  expiresAt: number;
  used: boolean;
  /** PKCE (RFC 7636), when the authorize request carried a code_challenge. */
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
}

export interface SimSettings {
  accessTokenTtlMs: number;
  searchIndexDelayMs: number;
  rotateRefreshTokens: boolean;
  /** GET /oauth/authorize redirects with a code at once instead of showing the consent page (tests, scripts). */
  autoConsent: boolean;
  searchFilterCaps: { groups: number; perGroup: number; total: number };
  /** Records a portal may hold per object type (archived ones included): memory stays bounded. */
  maxRecordsPerType: number;
}

export interface SimState {
  clock: SimClock;
  ids: IdSource;
  settings: SimSettings;
  portals: Map<number, Portal>;
  defaultHubId: number;
  apps: Map<string, OAuthApp>;
  tokens: Map<string, AccessToken>;
  refreshTokens: Map<string, RefreshToken>;
  codes: Map<string, AuthCode>;
}

export function getPortal(state: SimState, hubId?: number): Portal {
  const portal = state.portals.get(hubId ?? state.defaultHubId);
  if (!portal) throw new Error(`no portal ${hubId ?? state.defaultHubId}`);
  return portal;
}
