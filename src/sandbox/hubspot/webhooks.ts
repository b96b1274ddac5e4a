// Webhook deliveries (hubspot-api.md §16): events batched as a JSON array (≤100 per request),
// signed with v1 (X-HubSpot-Signature) and v3 (X-HubSpot-Signature-v3 + X-HubSpot-Request-Timestamp),
// retried on non-2xx, timeouts (5 s) and connection errors up to 10 attempts with attemptNumber
// counting up; optional duplicate and out-of-order injection.
import { createHash, createHmac } from 'node:crypto';
import type { ChangeEvent } from './crm/records.ts';
import { OBJECT_TYPES } from './crm/types.ts';
import type { SimState } from './state.ts';

/** v1: hex SHA-256 of clientSecret + body (validating-requests docs; SDK src/utils/signature.ts). */
export const signV1 = (secret: string, body: string) => createHash('sha256').update(secret + body, 'utf8').digest('hex');
/** v2: hex SHA-256 of clientSecret + method + uri + body. */
export const signV2 = (secret: string, method: string, uri: string, body: string) =>
  createHash('sha256').update(secret + method + uri + body, 'utf8').digest('hex');
/** v3: base64 HMAC-SHA256 keyed with the client secret over method + uri + body + timestamp. */
export const signV3 = (secret: string, method: string, uri: string, body: string, timestamp: number | string) =>
  createHmac('sha256', secret).update(`${method}${normalizeUri(uri)}${body}${timestamp}`, 'utf8').digest('base64');

// The percent-encodings HubSpot decodes in the URI before signing v3 (hubspot-api.md §16.4).
const DECODE: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};
const normalizeUri = (uri: string) => uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODE[m.toUpperCase()] ?? m);

/**
 * A subscription in either of HubSpot's two forms (hubspot-api.md §16.1): legacy
 * `{eventType: 'ticket.propertyChange'}`, or generic `{eventType: 'object.propertyChange',
 * objectTypeId: '0-5'}` as apps on the newer developer platform declare them (their `objectName`
 * is the type's name; either is accepted here). The form of the subscription is the form of its
 * events: generic ones carry `subscriptionType: 'object.…'` and `objectTypeId`
 * (developers.hubspot.com/changelog/public-beta-generic-webhook-subscriptions).
 */
export interface SubscriptionInput {
  eventType: string;
  objectTypeId?: string | undefined;
  objectName?: string | undefined;
  propertyName?: string | undefined;
  active?: boolean | undefined;
}

export interface WebhookTargetInput {
  hubId: number;
  targetUrl: string;
  clientSecret: string;
  appId: number;
  subscriptions: SubscriptionInput[];
  maxConcurrentRequests?: number | undefined;
  duplicate?: boolean | undefined;
  outOfOrder?: boolean | undefined;
}

interface Target extends WebhookTargetInput {
  subscriptions: Array<SubscriptionInput & { id: number }>;
  queue: Array<Record<string, unknown>>;
  inFlight: number;
  waiting: Array<() => void>;
  timer?: NodeJS.Timeout | undefined;
}

export interface DeliveryAttempt {
  targetUrl: string;
  attemptNumber: number;
  eventIds: number[];
  status: number | null;
  error: string | null;
  at: number;
}

export interface WebhookOptions {
  /** Delay before attempt n+1 after a failure of attempt n; the last entry repeats. */
  retryDelaysMs?: number[];
  maxAttempts?: number;
  timeoutMs?: number;
  batchDelayMs?: number;
  maxBatch?: number;
}

// Ten attempts spread over about a day, as the error-handling guide describes (randomised there).
const DEFAULT_DELAYS = [60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000];

function subscribedTo(subscription: SubscriptionInput, legacy: string, generic: string, type: ChangeEvent['objectType']): boolean {
  if (subscription.eventType === legacy) return true;
  if (subscription.eventType !== generic) return false;
  return subscription.objectTypeId === type.typeId || subscription.objectName === type.singular;
}

export function createWebhookDispatcher(state: SimState, options: WebhookOptions = {}) {
  const delays = options.retryDelaysMs ?? DEFAULT_DELAYS;
  const maxAttempts = options.maxAttempts ?? 10;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBatch = options.maxBatch ?? 100;
  const targets: Target[] = [];
  const attempts: DeliveryAttempt[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const controllers = new Set<AbortController>();
  let pending = 0;
  let idle: Array<() => void> = [];
  let nextSubscriptionId = 1;
  let nextEventId = 1;
  let closed = false;

  const settle = () => {
    if (pending === 0) for (const resolve of idle.splice(0)) resolve();
  };
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  async function post(target: Target, events: Array<Record<string, unknown>>, attemptNumber: number): Promise<void> {
    const body = JSON.stringify(events.map((e) => ({ ...e, attemptNumber })));
    const timestamp = state.clock.now();
    const record: DeliveryAttempt = { targetUrl: target.targetUrl, attemptNumber, eventIds: events.map((e) => e.eventId as number), status: null, error: null, at: timestamp };
    attempts.push(record);
    const controller = new AbortController();
    controllers.add(controller);
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const response = await fetch(target.targetUrl, {
        method: 'POST', body, signal: controller.signal,
        headers: {
          'content-type': 'application/json', 'user-agent': 'HubSpot Webhooks',
          'x-hubspot-signature': signV1(target.clientSecret, body), 'x-hubspot-signature-version': 'v1',
          'x-hubspot-signature-v3': signV3(target.clientSecret, 'POST', target.targetUrl, body, timestamp),
          'x-hubspot-request-timestamp': String(timestamp),
        },
      });
      await response.arrayBuffer();
      record.status = response.status;
    } catch (error) {
      record.error = (error as Error).message;
    } finally {
      clearTimeout(timeout);
      controllers.delete(controller);
    }
    const ok = record.status !== null && record.status >= 200 && record.status < 300;
    if (!ok && !closed && attemptNumber + 1 < maxAttempts) {
      pending++;
      later(delays[Math.min(attemptNumber, delays.length - 1)] ?? 0, () => void send(target, events, attemptNumber + 1));
    }
  }

  async function send(target: Target, events: Array<Record<string, unknown>>, attemptNumber: number): Promise<void> {
    // maxConcurrentRequests caps parallel deliveries per target (webhooks settings).
    if (target.inFlight >= (target.maxConcurrentRequests ?? 10)) await new Promise<void>((resolve) => target.waiting.push(resolve));
    target.inFlight++;
    try {
      if (!closed) await post(target, events, attemptNumber);
    } finally {
      target.inFlight--;
      target.waiting.shift()?.();
      pending--;
      settle();
    }
  }

  function flushTarget(target: Target): void {
    target.timer = undefined;
    const events = target.queue.splice(0);
    if (target.outOfOrder) events.reverse();
    for (let i = 0; i < events.length; i += maxBatch) {
      const batch = events.slice(i, i + maxBatch);
      const copies = target.duplicate ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        pending++;
        void send(target, batch, 0);
      }
    }
    pending--;
    settle();
  }

  return {
    subscribe(input: WebhookTargetInput) {
      const target: Target = { ...input, subscriptions: input.subscriptions.map((s) => ({ ...s, active: s.active ?? true, id: nextSubscriptionId++ })), queue: [], inFlight: 0, waiting: [] };
      targets.push(target);
      return { targetUrl: target.targetUrl, subscriptions: target.subscriptions.map((s) => ({ ...s })) };
    },
    /** Every subscription, with the portal it is on. */
    subscriptions: (hubId?: number) =>
      targets.filter((target) => hubId === undefined || target.hubId === hubId).flatMap((target) => target.subscriptions.map((s) => ({ ...s, hubId: target.hubId, targetUrl: target.targetUrl }))),
    /**
     * Switches one subscription between HubSpot's two forms — the setting that decides which format
     * its events arrive in: `ticket.propertyChange` ⇄ `object.propertyChange` with objectTypeId 0-5.
     */
    setSubscriptionForm(id: number, form: 'legacy' | 'generic'): boolean {
      for (const target of targets) {
        const subscription = target.subscriptions.find((s) => s.id === id);
        if (!subscription) continue;
        const [prefix, action] = subscription.eventType.split('.', 2);
        const type = Object.values(OBJECT_TYPES).find((info) => info.typeId === subscription.objectTypeId || info.singular === (prefix === 'object' ? subscription.objectName : prefix));
        if (!type || !action) return false;
        if (form === 'generic') Object.assign(subscription, { eventType: `object.${action}`, objectTypeId: type.typeId, objectName: undefined });
        else Object.assign(subscription, { eventType: `${type.singular}.${action}`, objectTypeId: undefined, objectName: undefined });
        return true;
      }
      return false;
    },
    unsubscribeAll(hubId?: number) {
      for (let i = targets.length - 1; i >= 0; i--) if (hubId === undefined || targets[i]!.hubId === hubId) targets.splice(i, 1);
    },
    /** Removes the targets signed with one app secret (the daemon's sandbox: one per connection). */
    unsubscribeSignedWith(clientSecret: string) {
      for (let i = targets.length - 1; i >= 0; i--) if (targets[i]!.clientSecret === clientSecret) targets.splice(i, 1);
    },
    emit(event: ChangeEvent): void {
      if (closed) return;
      const legacy = `${event.objectType.singular}.${event.kind}`;
      const generic = `object.${event.kind}`;
      for (const target of targets) {
        if (target.hubId !== event.hubId) continue;
        // propertyChange only for the subscribed property (hubspot-api.md §16 checklist).
        const subscription = target.subscriptions.find((s) => s.active && subscribedTo(s, legacy, generic, event.objectType) && (event.kind !== 'propertyChange' || s.propertyName === event.propertyName));
        if (!subscription) continue;
        const isGeneric = subscription.eventType === generic;
        target.queue.push({
          eventId: nextEventId++, subscriptionId: subscription.id, portalId: event.hubId, appId: target.appId, occurredAt: event.occurredAt,
          subscriptionType: isGeneric ? generic : legacy, ...(isGeneric ? { objectTypeId: event.objectType.typeId } : {}),
          // An association event names its two ends instead of one objectId (crm/association-events.ts).
          ...(event.association ? {
            associationType: event.association.type, fromObjectId: Number(event.association.fromObjectId), toObjectId: Number(event.association.toObjectId),
            associationRemoved: event.association.removed, isPrimaryAssociation: event.association.primary,
          } : { objectId: Number(event.objectId) }),
          ...(event.kind === 'propertyChange' ? { propertyName: event.propertyName, propertyValue: event.propertyValue } : {}),
          ...(event.kind === 'creation' ? { changeFlag: 'CREATED' } : {}),
          ...(event.kind === 'merge' ? {
            primaryObjectId: Number(event.primaryObjectId ?? event.objectId), mergedObjectIds: (event.mergedObjectIds ?? []).map(Number),
            newObjectId: Number(event.primaryObjectId ?? event.objectId), numberOfPropertiesMoved: 0,
          } : {}),
          // An app's API write arrives as INTEGRATION with the app id, a person's edit as CRM_UI with
          // "userId:N" (hubspot-api.md §16.2 example); the app-write form mirrors propertiesWithHistory's
          // sourceType (crm/history.ts) and is UNCONFIRMED for webhooks (hubspot-api.md §16 checklist).
          changeSource: event.source?.sourceType ?? 'API',
          ...(event.source?.sourceId !== undefined ? { sourceId: event.source.sourceId } : {}),
        });
        if (!target.timer) {
          pending++;
          target.timer = setTimeout(() => flushTarget(target), options.batchDelayMs ?? 0);
        }
      }
    },
    deliveries: (): readonly DeliveryAttempt[] => attempts,
    /** Resolves once nothing is queued, in flight or waiting for a retry. */
    idle: (): Promise<void> => (pending === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve))),
    close(): void {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (const target of targets) if (target.timer) clearTimeout(target.timer);
      for (const controller of controllers) controller.abort(new Error('simulator closed'));
      timers.clear();
      pending = 0;
      settle();
      idle = [];
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
