// The admin API's request and response shapes. The zod schemas validate what the server accepts;
// the UI imports only the derived types (`import type`), so this file must stay free of server code.
import { z } from 'zod';
import { ACTIVITY_KINDS } from '../activity/activity-log.ts';
import { EXPORT_FORMATS } from '../activity/activity-export.ts';
import { parseConversationSearch } from '../activity/activity-search.ts';
import { hubspotTokenProblem } from '../config/hubspot-token-shape.ts';
import { API_TOKEN_SCOPES, type ApiTokenScope } from '../auth/token-scope.ts';
import { ConnectionSettings } from '../config/connection-settings.ts';
import { MIN_ADMIN_PASSWORD_LENGTH } from '../config/admin-password.ts';
import type { OwnerMapping as UserMappingRow, OwnerSummary as OwnerOption } from '../owners/resolve-owners.ts';
import type { RecordObject } from '../records/field-mapping.ts';
import type { Vendor } from '../vendor.ts';

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

/** GET /api/me: the signed-in person. */
export interface Me {
  userId: string;
  username: string;
  displayName: string;
  /** `viewer`: reads everything, changes nothing but the own password. */
  role: AdminRole;
  /** The password is the configuration file's: the UI offers no change. */
  passwordManagedByConfig: boolean;
}

/** DELETE /api/sessions (sign out everywhere): how many sessions ended, this one included. */
export interface SignedOutEverywhere {
  ended: number;
}

/**
 * What an API token may do: `push` only API Push (its answer is the push's result), `read` every
 * GET route but /metrics, `metrics` only GET /metrics, `admin` everything a session may do except
 * managing tokens and sessions.
 */
export type { ApiTokenScope };

export const CreateApiTokenBody = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
  scope: z.enum(API_TOKEN_SCOPES, { error: "scope must be one of 'push', 'read', 'metrics', 'admin'" }),
  /** ISO 8601 date-time; the token stops working then. */
  expiresAt: z.iso.datetime({ offset: true, error: 'expiresAt must be an ISO 8601 date-time such as 2027-01-31T00:00:00Z' }).optional(),
});
export type CreateApiTokenBody = z.infer<typeof CreateApiTokenBody>;

export interface ApiTokenInfo {
  id: string;
  name: string;
  scope: ApiTokenScope;
  /** The first characters of the token, enough to recognise it; the full token is shown once. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
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

// ---- People (issue #16 item 6) ----

export type AdminRole = 'admin' | 'viewer';
const ADMIN_ROLE = z.enum(['admin', 'viewer'], { error: "role must be 'admin' or 'viewer'" });
/** The rule the YAML's admin.password follows (src/config/admin-password.ts). */
const NewPassword = z.string().min(MIN_ADMIN_PASSWORD_LENGTH, `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long`).max(1000, 'must be at most 1000 characters');

/** POST /api/session with an invitation or reset link's token instead of a username: sets the password and signs in. */
export const AcceptInvitationBody = z.strictObject({
  invitation: z.string().min(1, 'invitation is required').max(200),
  password: NewPassword,
});
export type AcceptInvitationBody = z.infer<typeof AcceptInvitationBody>;

export const InviteBody = z.strictObject({
  username: z.string().trim().min(1, 'username is required').max(200, 'username must be at most 200 characters').regex(/^\S+$/, 'username must not contain spaces'),
  displayName: z.string().trim().max(200, 'displayName must be at most 200 characters').default(''),
  role: ADMIN_ROLE,
});
export type InviteBody = z.infer<typeof InviteBody>;

export const UpdatePersonBody = z.strictObject({
  role: ADMIN_ROLE.optional(),
  displayName: z.string().trim().max(200, 'displayName must be at most 200 characters').optional(),
  disabled: z.boolean().optional(),
});
export type UpdatePersonBody = z.infer<typeof UpdatePersonBody>;

/** POST /api/people/:id/password-reset: with a password, it is set; without, a one-time link is made. */
export const ResetPasswordBody = z.strictObject({ password: NewPassword.optional() });
export type ResetPasswordBody = z.infer<typeof ResetPasswordBody>;

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1, 'currentPassword is required').max(1000),
  newPassword: NewPassword,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export interface PersonInfo {
  id: string;
  username: string;
  displayName: string;
  role: AdminRole;
  /** `config`: admin.username or admin.users in the YAML; read-only here except where said. */
  source: 'bootstrap' | 'config' | 'invited';
  /** True for admin.users entries: role, password and removal are the file's. */
  managedByConfig: boolean;
  /** The password is the file's (admin.password, admin.passwordHash or admin.users): it cannot be changed here. */
  passwordManagedByConfig: boolean;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface InvitationInfo {
  id: string;
  username: string;
  role: AdminRole;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
}

/** GET /api/people */
export interface PeopleList {
  people: PersonInfo[];
  invitations: InvitationInfo[];
}

/** A one-time link, shown once: only its hash is kept. */
export interface OneTimeLink {
  /** The path to open in the UI (/invite#<token>), and the full URL when the daemon knows its public address. */
  path: string;
  url: string | null;
  expiresAt: string;
}

/** POST /api/people/invitations (201) */
export interface CreatedInvitation {
  invitation: InvitationInfo;
  link: OneTimeLink;
}

/** POST /api/people/:id/password-reset */
export interface PasswordResetResult {
  /** Null when the password was set directly. */
  link: OneTimeLink | null;
  endedSessions: number;
}

// ---- Audit trail ----

export interface AuditEntryInfo {
  id: number;
  at: string;
  actor: { kind: 'person' | 'token' | 'config'; id: string | null; name: string };
  action: string;
  target: { kind: string; id: string; name: string | null } | null;
  key: string | null;
}

export const AuditQuery = z.strictObject({
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const AuditExportQuery = z.strictObject({
  format: z.enum(['csv', 'ndjson'], { error: "must be 'csv' or 'ndjson'" }),
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
});

/** GET /api/audit?actor=&action=&before=&limit= (newest first) */
export interface AuditList {
  entries: AuditEntryInfo[];
  /** Pass as `before` for the next page; null on the last. */
  nextBefore: number | null;
  /** Choices for the filters. */
  actors: string[];
  actions: string[];
}


/** GET /api/connections */
export interface ConnectionList {
  connections: ConnectionListEntry[];
  maxConnections: number | null;
}

export const CreateConnectionBody = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
});
export type CreateConnectionBody = z.infer<typeof CreateConnectionBody>;

/** POST /api/connections/sandbox: opens the sandbox connection there is (200), or makes one (201); `another` makes one all the same. */
export const SandboxConnectionBody = z.strictObject({
  another: z.boolean({ error: 'must be true or false' }).default(false),
});
export type SandboxConnectionBody = z.input<typeof SandboxConnectionBody>;

export const IntercomTokenBody = z.strictObject({
  accessToken: z.string().trim().min(1, 'accessToken is required'),
  region: z.enum(['us', 'eu', 'au']).default('us'),
  /** The client secret of the Intercom app that sends this workspace's webhooks (when not the configured OAuth app). */
  webhookSecret: z.string().optional(),
});
export type IntercomTokenBody = z.input<typeof IntercomTokenBody>;

export const HubSpotTokenBody = z.strictObject({
  /** A private-app access token (pat-…) or service key. */
  accessToken: z
    .string()
    .trim()
    .min(1, 'accessToken is required')
    .superRefine((token, ctx) => {
      const problem = hubspotTokenProblem(token);
      if (problem) ctx.addIssue({ code: 'custom', message: `accessToken ${problem}` });
    }),
  /** The client secret of the HubSpot app that signs this portal's webhooks (when not the configured OAuth app). */
  webhookSecret: z.string().optional(),
});
export type HubSpotTokenBody = z.input<typeof HubSpotTokenBody>;

export type { OAuthProvider } from '../oauth/oauth-provider.ts';
export type { Vendor } from '../vendor.ts';
import type { OAuthProvider } from '../oauth/oauth-provider.ts';
// The connection views are the connections module's own (it builds them); the API re-exports them.
export type { ConnectionDetail, ConnectionListEntry, ConnectionSummary, NeededWebhookStatus } from '../connections/connection-views.ts';
export type { ConnectionHealth, HealthState } from '../health/connection-health.ts';
export type { BudgetSideView, BudgetWindowView, ConnectionBudgetView } from '../connections/connection-budget.ts';
import type { ConnectionListEntry, ConnectionSummary } from '../connections/connection-views.ts';

/** Every error response: `{ "error": { "code", "message", "details"? } }`. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: Array<{ path: string; message: string }>;
  };
}

// ---- Users tab: Intercom teammates ↔ HubSpot owners ----

// The mapping's own types (src/owners/resolve-owners.ts, pure) are what the API sends.
export type { MappingSource as UserMappingSource, OwnerMapping as UserMappingRow, OwnerSummary as OwnerOption } from '../owners/resolve-owners.ts';

interface UserOverride {
  /** The Intercom teammate's email or id. */
  intercomAdmin: string;
  /** The HubSpot owner's email or id. */
  hubspotOwner: string;
}

/** GET /api/connections/:id/users, and the answer of PUT …/users/settings. */
export interface UserMappingView {
  mappings: UserMappingRow[];
  /** The settings as stored: an owner's email or id, empty for none. */
  defaultOwner: string;
  overrides: UserOverride[];
  /** The default owner as resolved (active), who gets the notes of teammates without an active owner. */
  fallbackOwner: OwnerOption | null;
  /** Settings that point at nothing, each naming its key (users.overrides[i], users.defaultOwner). */
  problems: string[];
  /** When teammates and owners were last fetched; null before the first refresh. */
  refreshedAt: string | null;
  /** Why the last refresh failed (the last good mapping stays in use); null when it succeeded. */
  lastError: string | null;
  /** A refresh is waiting or running. */
  refreshing: boolean;
  /** Both sides are connected and the connection is active or paused: a refresh can run. */
  canRefresh: boolean;
  managedByConfig: boolean;
  /** The YAML key these settings come from, when managed by config (connections[n].users). */
  configKey: string | null;
  /** Every owner of the portal, active and archived, for the pickers. */
  owners: OwnerOption[];
}

/** PUT /api/connections/:id/users/settings: the connection's `users` settings, replaced whole. */
export const UserSettingsBody = ConnectionSettings.shape.users.unwrap();
export type UserSettingsBody = z.input<typeof UserSettingsBody>;

/** POST /api/connections/:id/conversations/:conversationId/push (API Push, and the UI's push box). */
export const PushBody = z.strictObject({
  /** Bypass the noise guards (and, for on_close, the "is it closed" check). */
  force: z.boolean({ error: 'must be true or false' }).default(false),
  /** Return exactly what would be written, and write nothing. */
  dryRun: z.boolean({ error: 'must be true or false' }).default(false),
});
export type PushBody = z.input<typeof PushBody>;

/** POST /api/connections/:id/records/{contacts|companies}/{intercom|hubspot}/:recordId/sync (#17 item 9). */
export const RecordSyncBody = z.strictObject({
  /** Answer field by field what would be written where, and write nothing. */
  dryRun: z.boolean({ error: 'must be true or false' }).default(false),
});
export type RecordSyncBody = z.input<typeof RecordSyncBody>;

type RecordFieldValue = string | number | boolean | null;

interface RecordSyncField {
  intercom: string;
  hubspot: string;
  action: 'write_hubspot' | 'write_intercom' | 'unchanged' | 'echo' | 'skipped';
  direction?: 'to_hubspot' | 'to_intercom';
  rule?: string;
  types?: string;
  reason?: string;
  /** Dry run only, read live: the value the written side holds now, and the one it would get. */
  from?: RecordFieldValue;
  to?: RecordFieldValue;
}

export interface RecordSyncAnswer {
  outcome: 'updated' | 'unchanged' | 'skipped' | 'planned';
  reason?: string;
  pairs: Array<{ intercomId: string; hubspotId: string; pairing: string; outcome: 'updated' | 'unchanged' | 'skipped'; fields: RecordSyncField[] }>;
  calls: { intercom: number; hubspot: number };
}

export interface PushRecord {
  /** The HubSpot record id; null when it would be created (dry run) or none was matched. */
  id: string | null;
  how: 'linked' | 'email' | 'phone' | 'external_id' | 'domain' | 'name' | 'id_property' | 'created' | 'existing' | null;
  created: boolean;
  skipped?: string;
  tieBreak?: string;
}

export interface PushResult {
  /** A dry run answers 'planned' where the push would write (captured or updated), else what the push would answer. */
  outcome: 'captured' | 'updated' | 'unchanged' | 'skipped' | 'planned';
  /** Only for a dry run: the outcome the push that follows it would answer. */
  wouldBe?: 'captured' | 'updated' | 'unchanged' | 'skipped';
  conversationId: string;
  trigger: string;
  reason?: string;
  guard?: string;
  rule?: string | null;
  destinations: Array<'contact' | 'company' | 'ticket'>;
  contact?: PushRecord;
  company?: PushRecord;
  ownerId: string | null;
  noteId?: string;
  /** The reference in the note's footer and the settings the note was written under (not in a dry run). */
  note?: { reference: string; mode: string; guards: string; notePolicy: string };
  /** The conversation's ticket, when routing sends it to 'ticket'. */
  ticket?: {
    outcome: 'created' | 'existing' | 'reused' | 'recovered' | 'deleted' | 'planned' | 'off';
    ticketId: string | null;
    pipeline?: string;
    stage?: string;
    problem?: string;
  };
  /** Short notes on the other customers' contacts, when content.referenceNotesForParticipants is on. */
  referenceNotes?: Array<{ intercomContactId: string; contactId: string | null; noteId: string | null; skipped?: string }>;
  preview?: { noteHtml: string; noteChars: number; partsShown: number; partsCutForSize: number; cappedByIntercom: boolean };
  apiCalls: { intercom: number; hubspot: number };
  durationMs: number;
}

const ACTIVITY_OUTCOMES = ['captured', 'updated', 'unchanged', 'skipped', 'failed'] as const;

/** GET /api/connections/:id/activity query. */
export const ActivityQuery = z.strictObject({
  before: z.coerce.number({ error: 'must be an activity id' }).int().positive().optional(),
  limit: z.coerce.number({ error: 'must be a number from 1 to 500' }).int().min(1).max(500).optional(),
  outcome: z.enum(ACTIVITY_OUTCOMES, { error: `must be one of ${ACTIVITY_OUTCOMES.join(', ')}` }).optional(),
  subjectId: z.string().min(1).optional(),
  /** capture: capture decisions; ticket: ticket stage syncs and HubSpot-side changes; contact, company: record syncs. */
  kind: z.enum(ACTIVITY_KINDS, { error: `must be one of ${ACTIVITY_KINDS.join(', ')}` }).optional(),
});

export interface ActivityEntryView {
  id: number;
  at: number;
  kind: string;
  subjectId: string | null;
  outcome: (typeof ACTIVITY_OUTCOMES)[number];
  reason: string | null;
  detail: Record<string, unknown>;
  apiCalls: number;
  durationMs: number;
}

export interface ActivityList {
  entries: ActivityEntryView[];
  /** Pass as `before` for the next (older) page; null at the end. */
  next: number | null;
}

// ---- The Activity page: every connection's entries (GET /api/activity and its export) ----

export type { ActivityFeedEntry } from '../activity/activity-view.ts';

// ---- The conversation explainer (GET …/conversations/:cid/explain, POST …/explain/replay) ----
export type { CaptureDecisionView, ConversationExplanation, ConversationRef, ReplayResult, TimelineEntry } from '../explain/explain-types.ts';
import type { ActivityFeedEntry } from '../activity/activity-view.ts';

const TIME_ERROR = 'must be an ISO 8601 time (2026-05-04 or 2026-05-04T10:00:00Z) or milliseconds since 1970';

/** A time given as ISO 8601 or as milliseconds since 1970. */
const QueryTime = z.string({ error: TIME_ERROR }).transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isFinite(ms)) return ms;
  ctx.addIssue({ code: 'custom', message: TIME_ERROR });
  return z.NEVER;
});

const ActivityFilterQuery = z.strictObject({
  /** A connection's id. */
  connection: z.string({ error: 'must be a connection id' }).min(1, 'must be a connection id').optional(),
  kind: z.enum(ACTIVITY_KINDS, { error: `must be one of ${ACTIVITY_KINDS.join(', ')}` }).optional(),
  outcome: z.enum(ACTIVITY_OUTCOMES, { error: `must be one of ${ACTIVITY_OUTCOMES.join(', ')}` }).optional(),
  /** Entries at or after this time. */
  from: QueryTime.optional(),
  /** Entries before this time. */
  to: QueryTime.optional(),
  /** An Intercom conversation id, or its URL in Intercom's inbox. */
  search: z
    .string({ error: 'must be an Intercom conversation id or URL' })
    .transform((text, ctx) => {
      const parsed = parseConversationSearch(text);
      if (parsed.ok) return parsed.search;
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    })
    .optional(),
});

const fromBeforeTo = (query: { from?: number | undefined; to?: number | undefined }) => query.from === undefined || query.to === undefined || query.from < query.to;
const RANGE_ERROR = { message: 'must be later than from', path: ['to'] };

/** GET /api/activity query: the filters, and paging back from an entry's id. */
export const ActivityFeedQuery = ActivityFilterQuery.extend({
  before: z.coerce.number({ error: 'must be an activity id' }).int('must be an activity id').positive('must be an activity id').optional(),
  limit: z.coerce.number({ error: 'must be a number from 1 to 500' }).int('must be a number from 1 to 500').min(1, 'must be a number from 1 to 500').max(500, 'must be a number from 1 to 500').default(50),
}).refine(fromBeforeTo, RANGE_ERROR);

/** GET /api/activity/export query: the same filters, and the file's format. */
export const ActivityExportQuery = ActivityFilterQuery.extend({
  format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
}).refine(fromBeforeTo, RANGE_ERROR);

/** What the UI sends to GET /api/activity (and its export): each filter as the query string has it. */
export interface ActivityFeedParams {
  connection?: string;
  kind?: string;
  outcome?: string;
  from?: string;
  to?: string;
  search?: string;
  before?: number;
  limit?: number;
}

export interface ActivityFeed {
  entries: ActivityFeedEntry[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: number | null;
}

// ---- Conversations, Matching and Tickets tabs: a connection's settings ----

/** GET /api/connections/:id/settings, and the answer of PUT. */
export interface SettingsView {
  settings: ConnectionSettings;
  managedByConfig: boolean;
  /** The YAML entry these settings come from, when managed by config (connections[n]). */
  configKey: string | null;
  /** Only in the answer of a PUT that sent recordSync: what checking it against the accounts found. */
  recordSyncCheck?: RecordSyncCheckView;
}

/**
 * A saved recordSync checked against the live accounts (src/records/check-record-sync.ts): the object
 * types whose mappings were checked, the fields created for `create: true` mappings, and what could
 * not be checked or created now (saved anyway; done at the first sync). A mismatch is a 400 and a
 * missing scope a 409 instead, each naming the mapping's key.
 */
interface RecordSyncCheckView {
  checked: RecordObject[];
  created: Array<{ mapping: string; vendor: Vendor; name: string; type: string }>;
  notices: string[];
}

/**
 * PUT /api/connections/:id/settings: each section given replaces the stored one whole (its missing
 * fields take their defaults); sections not given stay. `users` has its own endpoint (the Users tab).
 * The route reads which keys were sent from the raw body, since parsing fills in every section.
 */
export const SettingsBody = ConnectionSettings.pick({ timeZone: true, conversations: true, matching: true, tickets: true, recordSync: true }).partial();
export type SettingsBody = z.input<typeof SettingsBody>;

// ---- The sandbox's demonstration (sandbox connections only) ----

/** POST /api/connections/:id/sandbox/conversations (201): a conversation acted out and closed in the simulated Intercom. */
export interface SimulatedConversationView {
  conversationId: string;
  customer: { name: string; email: string };
  company: { name: string };
  /** When it was closed (ISO, whole seconds): the grace window counts from here. */
  closedAt: string;
  /** After how many seconds the capture follows the close; null when none does (manual mode, or not active). */
  capturesAfterSeconds: number | null;
}

/** GET /api/connections/:id/sandbox/hubspot: what the simulated HubSpot portal holds now, newest first, at most 50 of each. */
export interface SandboxHubSpotView {
  contacts: Array<{ id: string; name: string; email: string | null }>;
  companies: Array<{ id: string; name: string; domain: string | null }>;
  /** `bodyHtml` is the note as HubSpot stores it: show it only in a sandboxed frame. `owner`: its HubSpot owner's name, if it has one. */
  notes: Array<{ id: string; timestamp: string | null; contactIds: string[]; companyIds: string[]; owner: string | null; bodyHtml: string }>;
  totals: { contacts: number; companies: number; notes: number };
  /** As in SimulatedConversationView: what a close leads to, for the panel's explanation. */
  capturesAfterSeconds: number | null;
}

/** GET /api/connections/:id/tickets: conversation ↔ ticket linkage records, newest first. */
export interface TicketLinkList {
  links: Array<{
    conversationId: string;
    ticketId: string | null;
    status: 'active' | 'deleted' | 'failed';
    stageId: string | null;
    stageClosed: boolean;
    state: string | null;
    problem: string | null;
    updatedAt: number;
  }>;
}

/** GET /api/connections/:id/hubspot/pipelines: the portal's ticket pipelines, and what the current settings do not match. */
export interface TicketPipelines {
  pipelines: Array<{ id: string; label: string; stages: Array<{ id: string; label: string; closed: boolean }> }>;
  problems: Array<{ key: string; message: string }>;
}

// The Work tab (issue #16 item 5): a connection's failed, parked, late and retrying jobs.
import { WORK_STATES } from '../jobs/job-control.ts';
export type { WorkState } from '../jobs/job-control.ts';
export type { WorkItem, WorkPage } from '../work/work-actions.ts';

const WorkStateParam = z.enum(WORK_STATES, { error: `must be one of ${WORK_STATES.join(', ')}` });
const TaskParam = z.string().min(1, 'must be a task name').max(100, 'must be a task name');

/** GET /api/connections/:id/work query. */
export const WorkQuery = z.strictObject({
  state: WorkStateParam.optional(),
  task: TaskParam.optional(),
  before: z.coerce.number({ error: 'must be a job id' }).int('must be a job id').positive('must be a job id').optional(),
  limit: z.coerce.number({ error: 'must be a number from 1 to 200' }).int('must be a number from 1 to 200').min(1, 'must be a number from 1 to 200').max(200, 'must be a number from 1 to 200').default(50),
});

/** POST /api/connections/:id/work/retry and /cancel: every job of a kind. Parked jobs are retried by re-authorising. */
export const WorkBulkBody = z.strictObject({ state: WorkStateParam, task: TaskParam.optional() });
export type WorkBulkBody = z.infer<typeof WorkBulkBody>;

/** What a retry or cancel did, one job or many; `message` says it in a sentence for the UI's flash. */
export interface WorkActionResult {
  retried: number;
  alreadyQueued: number;
  cancelled: number;
  message: string;
}

// Alerts (issue #16 item 2): channels (secrets never answered: only whether one is set), their
// last delivery, recent deliveries, and "send a test".
import { EmailChannelShape, SlackChannelShape, SmtpShape, WebhookChannelShape, AlertChannelShape } from '../config/alerts.ts';

/** POST /api/alerts/channels: a channel with its secret (the webhook secret, Slack's URL, the SMTP password). */
export const CreateAlertChannelBody = AlertChannelShape;
export type CreateAlertChannelBody = z.infer<typeof CreateAlertChannelBody>;

/** PUT /api/alerts/channels/:id: as create, but a secret left out keeps the stored one. */
export const UpdateAlertChannelBody = z.discriminatedUnion(
  'type',
  [
    WebhookChannelShape.extend({ secret: WebhookChannelShape.shape.secret.optional() }),
    SlackChannelShape.extend({ url: SlackChannelShape.shape.url.optional() }),
    EmailChannelShape.extend({ smtp: SmtpShape.extend({ password: z.string({ error: 'must be a text value' }).optional() }) }),
  ],
  { error: "must have a type: 'webhook', 'slack' or 'email'" },
);
export type UpdateAlertChannelBody = z.input<typeof UpdateAlertChannelBody>;

export type AlertChannelType = CreateAlertChannelBody['type'];
type AlertDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'suppressed';

export interface AlertDeliveryInfo {
  id: number;
  channelId: string;
  channelName: string;
  /** pending: being sent or waiting for its next try; suppressed: over the channel's hourly limit. */
  status: AlertDeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  event: string;
  connection: { id: string; name: string } | null;
  state: string | null;
  reason: string;
}

export interface AlertChannelInfo {
  id: string;
  name: string;
  type: AlertChannelType;
  /** Declared under alerts.channels in the configuration file: read-only here. */
  managedByConfig: boolean;
  /** The YAML key that declares it (alerts.channels[n]), or null. */
  yamlKey: string | null;
  /** A webhook's URL; null for Slack, whose URL is the secret. */
  url: string | null;
  /** Whether the secret (webhook secret, Slack URL, SMTP password) is stored; never the secret itself. */
  secretSet: boolean;
  email: { host: string; port: number; secure: boolean | null; user: string; from: string; to: string[] } | null;
  lastDelivery: AlertDeliveryInfo | null;
  createdAt: string;
  updatedAt: string;
}

export interface AlertChannelList {
  channels: AlertChannelInfo[];
  /** alerts.maxPerChannelPerHour. */
  maxPerChannelPerHour: number;
  /** alerts.noWebhookFor in minutes; 0 when off. */
  noWebhookForMinutes: number;
  /** Whether server.publicUrl is set (alerts then carry a link). */
  linksInAlerts: boolean;
}

export interface AlertDeliveryList {
  deliveries: AlertDeliveryInfo[];
}

export interface AlertTestResult {
  delivered: boolean;
  error: string | null;
  delivery: AlertDeliveryInfo | null;
}
