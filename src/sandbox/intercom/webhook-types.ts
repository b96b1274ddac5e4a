// The webhook engine's settings and records, and the signature (D-wh-models "Signed notifications":
// X-Hub-Signature = "sha1=" + lowercase hex HMAC-SHA1 of the raw body, keyed with the app's client secret).
import { createHmac } from 'node:crypto';

export interface WebhookSettings {
  timeoutMs: number;
  retryDelaySeconds: number;
  /** "no response within 5 s … retried only once after 1 minute" (D-wh-models). */
  timeoutRetries: number;
  /** Other 4xx/5xx: D-wh-models wording allows one or two retries; UNCONFIRMED, so configurable. */
  errorRetries: number;
  throttleInitialSeconds: number;
  throttleMaxSeconds: number;
  pauseAfterErrors: number;
  pauseWindowSeconds: number;
  pauseSeconds: number;
  suspendAfterSeconds: number;
  /** HEAD request on registration ("which we use to validate the URL", D-wh-setup). */
  validateUrl: boolean;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  timeoutMs: 5000,
  retryDelaySeconds: 60,
  timeoutRetries: 1,
  errorRetries: 1,
  throttleInitialSeconds: 60,
  throttleMaxSeconds: 7200,
  pauseAfterErrors: 1000,
  pauseWindowSeconds: 900,
  pauseSeconds: 900,
  suspendAfterSeconds: 7 * 86_400,
  validateUrl: true,
};

export interface Subscription {
  appId: string;
  url: string;
  topics: Set<string>;
  status: 'active' | 'disabled' | 'suspended';
  pausedUntil: number | null;
  throttleUntil: number | null;
  throttleDelay: number;
  window: { count: number; since: number } | null;
  failingSince: number | null;
}

export interface Notification {
  seq: number;
  id: string | null;
  appId: string;
  workspaceId: string;
  topic: string;
  item: Record<string, unknown>;
  createdAt: number;
  firstSentAt: number | null;
  attempts: number;
  retries: number;
  status: 'pending' | 'delivered' | 'failed' | 'dropped';
  dueAt: number;
  held: boolean;
}

export interface DeliveryAttempt {
  notificationId: string | null;
  topic: string;
  attempt: number;
  at: number;
  outcome: 'delivered' | 'http_error' | 'timeout' | 'network_error';
  status: number | null;
}

export type WebhookFault = { kind: 'drop' | 'duplicate' | 'reorder'; count: number; topic?: string | undefined };

export const signBody = (secret: string, body: string) => `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
