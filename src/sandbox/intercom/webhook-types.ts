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
  /**
   * Faults drawn per notification, each a probability from 0 to 1 (intercom-api.md §2.6–2.7: webhooks
   * are at-least-once, lossy and unordered). Drawn after the counted faults of addFault().
   */
  faultRates: WebhookFaultRates;
  /** A reordered notification waits for a later one to go out first, but no longer than this. */
  reorderHoldSeconds: number;
}

export interface WebhookFaultRates {
  drop: number;
  duplicate: number;
  reorder: number;
}

/** What the engine takes from its surroundings, so a test can drive it: randomness and the heartbeat. */
export interface WebhookDeps {
  /** A number in [0, 1), as Math.random. */
  random: () => number;
  /** Calls `tick` every `ms` milliseconds of real time until the returned function is called. */
  every: (ms: number, tick: () => void) => () => void;
}

export const DEFAULT_WEBHOOK_DEPS: WebhookDeps = {
  random: Math.random,
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

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
  faultRates: { drop: 0, duplicate: 0, reorder: 0 },
  reorderHoldSeconds: 10,
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
  /** The fault this notification was given, if any (a duplicate's twin carries 'duplicate' too). */
  fault: WebhookFault['kind'] | null;
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
