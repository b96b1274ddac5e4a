// Kysely row types, one interface per table, mirroring migrations/*.sql.
import type { Generated, Selectable } from 'kysely';
import type { Vendor } from '../vendor.ts';

interface SchemaMigrationsTable {
  id: string;
  applied_at: number;
}

interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

interface CredentialsTable {
  id: string;
  owner: string;
  kind: string;
  key_id: string;
  ciphertext: string;
  version: number;
  created_at: number;
  updated_at: number;
}

interface AdminSessionsTable {
  token_hash: string;
  username: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

/** The scheduled time each chore last ran for, on PostgreSQL (migrations/0035_chore_ticks.sql). */
interface ChoreTicksTable {
  name: string;
  tick: number;
  started_at: number;
}

/** OAuth flows under way (migrations/0033_oauth_pending.sql); SHA-256 hashes, never the state or the cookie. */
interface OAuthPendingTable {
  state_hash: string;
  session_hash: string;
  provider: Vendor;
  connection_id: string;
  app: string;
  created_at: number;
  expires_at: number;
}

/** Rate budgets shared by the replicas on PostgreSQL (migrations/0034_rate_budgets.sql). */
interface RateBudgetsTable {
  budget_key: string;
  observed_limit: number | null;
  paused_until: Generated<number>;
  updated_at: number;
}

interface RateBudgetSendsTable {
  budget_key: string;
  sent_at: number;
}

/** migrations/0022_admin_users.sql */
interface AdminUsersTable {
  id: string;
  username: string;
  display_name: string;
  role: 'admin' | 'viewer';
  password_hash: string | null;
  source: 'bootstrap' | 'config' | 'invited';
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

interface AdminInvitationsTable {
  id: string;
  token_hash: string;
  purpose: 'invite' | 'reset';
  username: string;
  role: 'admin' | 'viewer';
  user_id: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** migrations/0023_audit_log.sql */
interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_kind: 'person' | 'token' | 'config';
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_kind: string | null;
  target_id: string | null;
  target_name: string | null;
  key: string | null;
}

interface ApiTokensTable {
  id: string;
  name: string;
  prefix: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  scope: Generated<'push' | 'read' | 'metrics' | 'admin'>;
  expires_at: number | null;
}

interface WebhookUnroutedCountsTable {
  provider: Vendor;
  /** YYYY-MM-DD, UTC. */
  day: string;
  count: number;
}

interface ConnectionsTable {
  id: string;
  name: string;
  status: 'active' | 'paused' | 'needs_reauth' | 'disconnected';
  managed_by_config: 0 | 1;
  created_at: number;
  updated_at: number;
  intercom_workspace_id: string | null;
  intercom_region: Generated<'us' | 'eu' | 'au'>;
  hubspot_portal_id: number | null;
  settings: Generated<string>;
  intercom_base_url: string | null;
  hubspot_base_url: string | null;
  intercom_auth: Generated<'oauth' | 'token' | null>;
  hubspot_auth: Generated<'oauth' | 'token' | null>;
  /** JSON array of scope names, as HubSpot reported them at connect time. */
  hubspot_scopes: Generated<string | null>;
  /** 1 while this side's credential stands refused (status needs_reauth). */
  intercom_refused: Generated<0 | 1>;
  hubspot_refused: Generated<0 | 1>;
}

interface WebhookDeliveriesTable {
  id: Generated<number>;
  provider: Vendor;
  delivery_id: string;
  connection_id: string | null;
  account_id: string | null;
  topic: string;
  object_id: string | null;
  occurred_at: number | null;
  received_at: number;
  status: 'accepted' | 'unrouted' | 'ignored';
  /** Whether its key is in the dedupe index: 1 yes, 0 not yet (a burst's, src/webhooks/deferred-dedupe.ts), 2 a late duplicate. */
  deduped: Generated<0 | 1 | 2>;
}

export type JobStatus = 'queued' | 'running' | 'parked' | 'succeeded' | 'failed' | 'cancelled';

interface JobsTable {
  id: Generated<number>;
  task: string;
  payload: string;
  key: string | null;
  connection_id: string | null;
  status: JobStatus;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  /** Higher is claimed first among a connection's due jobs (migrations/0011). */
  priority: Generated<number>;
  /** Set on a run whose key was given to a newer job while it ran (migrations/0012): it ends superseded. */
  superseded_by: number | null;
}

interface ReconcileStateTable {
  connection_id: string;
  watermark: number;
  last_run_at: number;
  last_found: number;
}

interface ConversationCapturesTable {
  connection_id: string;
  conversation_id: string;
  note_id: string | null;
  content_hash: string | null;
  pending_ref: string | null;
  contact_id: string | null;
  company_id: string | null;
  notes_created: Generated<number>;
  last_outcome: string | null;
  last_decided_at: number | null;
  captured_at: number | null;
}

interface RecordLinksTable {
  connection_id: string;
  object_type: 'contact' | 'company';
  match_key: string;
  hubspot_id: string | null;
  pending_ref: string | null;
  updated_at: number;
}

/** A contact–company association HubSpot confirmed (migrations/0013). */
interface RecordAssociationsTable {
  connection_id: string;
  contact_id: string;
  company_id: string;
  confirmed_at: number;
}

/** An Intercom record and the HubSpot record it is paired with (migrations/0029). */
interface RecordPairsTable {
  connection_id: string;
  object_type: 'contact' | 'company';
  intercom_id: string;
  hubspot_id: string;
  paired_at: number;
  paired_how: string;
  last_synced_at: number | null;
  intercom_written_updated_at: number | null;
  intercom_written_digest: string | null;
  /** Contacts: the Intercom company capture last saw on the contact (migrations/0031); null for none. */
  intercom_company_id: string | null;
  /** When capture last read the contact's companies; null: not since the pair was made. */
  companies_seen_at: number | null;
}

/** A keyed digest of the text last written to a HubSpot property (migrations/0029). */
interface RecordHubSpotWritesTable {
  connection_id: string;
  object_type: 'contact' | 'company';
  hubspot_id: string;
  property: string;
  value_digest: string;
  written_at: number;
}

/** Per pair and mapped field, the hashes of what each side held when last settled (migrations/0029). */
interface RecordFieldBaselinesTable {
  connection_id: string;
  object_type: 'contact' | 'company';
  intercom_id: string;
  hubspot_id: string;
  field: string;
  intercom_hash: string | null;
  hubspot_hash: string | null;
  settled_at: number;
}

/** Where each record sweep has got to (migrations/0029). */
interface RecordSweepStateTable {
  connection_id: string;
  object_type: 'contact' | 'company';
  side: Vendor;
  watermark: number;
  last_run_at: number;
  last_found: number;
}

/** A backfill's walk through one source (migrations/0030). */
interface BackfillsTable {
  id: string;
  connection_id: string;
  kind: 'contacts' | 'companies' | 'conversations';
  direction: 'to_hubspot' | 'to_intercom' | null;
  closed_from: string | null;
  closed_to: string | null;
  state: 'running' | 'paused' | 'cancelled' | 'done' | 'failed';
  cursor: string | null;
  total: number | null;
  total_is_estimate: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  skipped_by_filter: Generated<number>;
  failed: Generated<number>;
  pages: Generated<number>;
  rate_samples: Generated<string>;
  started_at: number;
  updated_at: number;
  finished_at: number | null;
  last_error: string | null;
}

export type ActivityOutcome = 'captured' | 'updated' | 'unchanged' | 'skipped' | 'failed';

interface ActivityTable {
  id: Generated<number>;
  connection_id: string | null;
  at: number;
  kind: string;
  subject_id: string | null;
  outcome: ActivityOutcome;
  reason: string | null;
  detail: Generated<string>;
  api_calls: Generated<number>;
  duration_ms: Generated<number>;
}

interface ConversationTraceTable {
  id: Generated<number>;
  connection_id: string;
  conversation_id: string;
  at: number;
  kind: string;
  detail: Generated<string>;
}

interface UserMappingsTable {
  connection_id: string;
  admin_id: string;
  admin_name: string;
  admin_email: string | null;
  owner_id: string | null;
  owner_name: string | null;
  owner_email: string | null;
  owner_archived: 0 | 1;
  source: 'email' | 'override' | 'default' | 'none';
  refreshed_at: number;
}

interface HubSpotOwnersTable {
  connection_id: string;
  owner_id: string;
  name: string;
  email: string | null;
  archived: 0 | 1;
}

interface UserMappingStateTable {
  connection_id: string;
  refreshed_at: number | null;
  attempted_at: number | null;
  last_error: string | null;
  /** JSON array of sentences. */
  problems: Generated<string>;
  default_owner_id: string | null;
}

interface TicketLinksTable {
  connection_id: string;
  conversation_id: string;
  ticket_id: string | null;
  pending_ref: string | null;
  contact_id: string | null;
  pipeline_id: string | null;
  stage_id: string | null;
  stage_closed: Generated<0 | 1>;
  state: string | null;
  status: Generated<'active' | 'deleted' | 'failed'>;
  problem: string | null;
  created_at: number;
  updated_at: number;
}

interface ConnectionWarningsTable {
  connection_id: string;
  code: string;
  message: string;
  raised_at: number;
}

/** Closes no capture has followed yet, re-checked by every sweep (migrations/0019). */
interface PendingClosesTable {
  connection_id: string;
  conversation_id: string;
  closed_at: number;
}

/** migrations/0024_alerts.sql */
interface AlertChannelsTable {
  id: string;
  name: string;
  type: 'webhook' | 'slack' | 'email';
  settings: string;
  managed_by_config: number;
  created_at: number;
  updated_at: number;
}

interface AlertIncidentsTable {
  id: Generated<number>;
  connection_id: string;
  source: 'health' | 'no_webhook';
  state: string;
  kind: string;
  reason: string;
  link: string | null;
  opened_at: number;
  closed_at: number | null;
  closed_as: 'resolved' | 'replaced' | 'gone' | null;
}

interface AlertMessagesTable {
  id: Generated<number>;
  event: string;
  connection_id: string | null;
  connection_name: string | null;
  incident_id: number | null;
  state: string | null;
  reason: string;
  link: string | null;
  at: number;
}

interface AlertDeliveriesTable {
  id: Generated<number>;
  message_id: number;
  channel_id: string;
  status: 'pending' | 'delivered' | 'failed' | 'suppressed';
  attempts: Generated<number>;
  last_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
  summarised: Generated<number>;
}

export interface Database {
  schema_migrations: SchemaMigrationsTable;
  settings: SettingsTable;
  credentials: CredentialsTable;
  admin_sessions: AdminSessionsTable;
  oauth_pending: OAuthPendingTable;
  chore_ticks: ChoreTicksTable;
  rate_budgets: RateBudgetsTable;
  rate_budget_sends: RateBudgetSendsTable;
  admin_users: AdminUsersTable;
  admin_invitations: AdminInvitationsTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
  connections: ConnectionsTable;
  jobs: JobsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_unrouted_counts: WebhookUnroutedCountsTable;
  reconcile_state: ReconcileStateTable;
  conversation_captures: ConversationCapturesTable;
  pending_closes: PendingClosesTable;
  record_links: RecordLinksTable;
  record_associations: RecordAssociationsTable;
  record_pairs: RecordPairsTable;
  record_field_baselines: RecordFieldBaselinesTable;
  record_sweep_state: RecordSweepStateTable;
  record_hubspot_writes: RecordHubSpotWritesTable;
  backfills: BackfillsTable;
  activity: ActivityTable;
  conversation_trace: ConversationTraceTable;
  user_mappings: UserMappingsTable;
  hubspot_owners: HubSpotOwnersTable;
  user_mapping_state: UserMappingStateTable;
  ticket_links: TicketLinksTable;
  connection_warnings: ConnectionWarningsTable;
  alert_channels: AlertChannelsTable;
  alert_incidents: AlertIncidentsTable;
  alert_messages: AlertMessagesTable;
  alert_deliveries: AlertDeliveriesTable;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type AdminSessionRow = Selectable<AdminSessionsTable>;
export type AdminUserRow = Selectable<AdminUsersTable>;
export type AdminInvitationRow = Selectable<AdminInvitationsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type ConnectionRow = Selectable<ConnectionsTable>;
export type JobRow = Selectable<JobsTable>;
export type ConversationCaptureRow = Selectable<ConversationCapturesTable>;
export type ActivityRow = Selectable<ActivityTable>;
export type TicketLinkRow = Selectable<TicketLinksTable>;
export type BackfillDbRow = Selectable<BackfillsTable>;
