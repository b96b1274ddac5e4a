// Kysely row types, one interface per table, mirroring migrations/*.sql.
import type { Generated, Selectable } from 'kysely';

export interface SchemaMigrationsTable {
  id: string;
  applied_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface CredentialsTable {
  id: string;
  owner: string;
  kind: string;
  key_id: string;
  ciphertext: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface AdminSessionsTable {
  token_hash: string;
  username: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  prefix: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ConnectionsTable {
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

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  provider: 'intercom' | 'hubspot';
  delivery_id: string;
  connection_id: string | null;
  account_id: string | null;
  topic: string;
  object_id: string | null;
  occurred_at: number | null;
  received_at: number;
  status: 'accepted' | 'unrouted' | 'ignored';
}

export type JobStatus = 'queued' | 'running' | 'parked' | 'succeeded' | 'failed' | 'cancelled';

export interface JobsTable {
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
}

export interface ReconcileStateTable {
  connection_id: string;
  watermark: number;
  last_run_at: number;
  last_found: number;
}

export interface Database {
  schema_migrations: SchemaMigrationsTable;
  settings: SettingsTable;
  credentials: CredentialsTable;
  admin_sessions: AdminSessionsTable;
  api_tokens: ApiTokensTable;
  connections: ConnectionsTable;
  jobs: JobsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  reconcile_state: ReconcileStateTable;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type AdminSessionRow = Selectable<AdminSessionsTable>;
export type ConnectionRow = Selectable<ConnectionsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type JobRow = Selectable<JobsTable>;
