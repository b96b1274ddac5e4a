// What the audit trail records: who (a person, an API token or the configuration file), did what,
// to what, and which setting's key — never a value, so no secret can reach it (issue #16 item 6).
import type { AuditLogRow } from '../db/schema.ts';

export interface AuditActor {
  kind: AuditLogRow['actor_kind'];
  /** admin_users.id or api_tokens.id; null for the configuration file. */
  id: string | null;
  name: string;
}

/** The configuration file, applied at start. */
export const CONFIG_ACTOR: AuditActor = { kind: 'config', id: null, name: 'configuration file' };

/** Every action the trail knows; the UI filters by these. */
export const AUDIT_ACTIONS = [
  'settings.change',
  'connection.create',
  'connection.connect',
  'connection.pause',
  'connection.resume',
  'connection.delete',
  'connection.release',
  'connection.config_update',
  'token.create',
  'token.revoke',
  'user.invite',
  'user.invitation_revoke',
  'user.accept',
  'user.role_change',
  'user.password_reset',
  'user.password_change',
  'user.disable',
  'user.enable',
  'user.remove',
  'user.create',
  'user.update',
  'session.sign_out_everywhere',
  'job.retry',
  'job.cancel',
  'alert_channel.create',
  'alert_channel.update',
  'alert_channel.delete',
  'alert_channel.test',
  'backfill.start',
  'backfill.pause',
  'backfill.resume',
  'backfill.cancel',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditTarget {
  kind: 'connection' | 'token' | 'user' | 'invitation' | 'job' | 'session' | 'alert_channel' | 'backfill';
  /** Null when the thing is gone and only its name is known (a connection the file removed). */
  id: string | null;
  /** A name people recognise (the connection's or token's name, a username), copied at the time. */
  name?: string | undefined;
}

export interface AuditEntry {
  at: number;
  actor: AuditActor;
  action: AuditAction;
  target?: AuditTarget | undefined;
  /** For settings.change: the changed setting's key, such as conversations.capture.graceMinutes. */
  key?: string | undefined;
}
