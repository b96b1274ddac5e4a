// Webhook delivery as Intercom does it (intercom-api.md §2): one URL per app for all workspaces it
// is installed in, the notification_event envelope, X-Hub-Signature = "sha1=" + HMAC-SHA1(client
// secret, raw body), a 5 s timeout, one retry after a minute, 410 disables, 429 throttles (1 min
// doubling to 2 h, dropped once delayed over 2 h), a 15-minute pause after 1000 consecutive errors,
// suspension of private apps after 7 days of errors. Retries run on the simulator's clock, so a test
// moves the clock and calls flush() (or ticks an injected heartbeat) instead of waiting a minute.
// Faults: counted ones (addFault: "the next N notifications") and, per notification, drawn ones
// (settings.faultRates), for a long run where a tenth of the deliveries go missing.
import type { SimCore, SimEvent } from './core.ts';
import {
  DEFAULT_WEBHOOK_DEPS, signBody, type DeliveryAttempt, type Notification, type Subscription, type WebhookDeps, type WebhookFault, type WebhookFaultRates, type WebhookSettings,
} from './webhook-types.ts';

export { DEFAULT_WEBHOOK_SETTINGS, signBody, type WebhookDeps, type WebhookFault, type WebhookFaultRates, type WebhookSettings } from './webhook-types.ts';

export function createWebhooks(core: SimCore, settings: WebhookSettings, deps: WebhookDeps = DEFAULT_WEBHOOK_DEPS) {
  const subscriptions = new Map<string, Subscription>();
  const queue: Notification[] = [];
  const attempts: DeliveryAttempt[] = [];
  const faults: WebhookFault[] = [];
  let seq = 0;
  let running: Promise<void> | null = null;
  let again = false;

  const takeFault = (topic: string) => {
    const index = faults.findIndex((f) => !f.topic || f.topic === topic);
    if (index === -1) return undefined;
    const fault = faults[index] as WebhookFault;
    fault.count -= 1;
    if (fault.count <= 0) faults.splice(index, 1);
    return fault.kind;
  };

  /** One draw per notification: drop, duplicate and reorder take consecutive slices of [0, 1). */
  const drawFault = (topic: string): WebhookFault['kind'] | undefined => {
    if (topic === 'ping') return undefined;
    const { drop, duplicate, reorder } = settings.faultRates;
    if (drop + duplicate + reorder <= 0) return undefined;
    const x = deps.random();
    if (x < drop) return 'drop';
    if (x < drop + duplicate) return 'duplicate';
    if (x < drop + duplicate + reorder) return 'reorder';
    return undefined;
  };

  function enqueue(appId: string, event: SimEvent, id: string | null): void {
    const sub = subscriptions.get(appId);
    const now = core.nowSec();
    if (!sub || sub.status !== 'active' || (event.topic !== 'ping' && !sub.topics.has(event.topic))) return;
    if (sub.pausedUntil !== null && now < sub.pausedUntil) return; // paused: "dropped for 15 minutes" (D-wh-models)
    const fault = takeFault(event.topic) ?? drawFault(event.topic);
    const base = { appId, workspaceId: event.workspaceId, topic: event.topic, item: event.item, createdAt: event.createdAt };
    const make = (): Notification => ({ ...base, seq: ++seq, id, firstSentAt: null, attempts: 0, retries: 0, status: 'pending', dueAt: now, held: fault === 'reorder', fault: fault ?? null });
    const notification = make();
    if (fault === 'drop') notification.status = 'dropped';
    queue.push(notification);
    if (fault === 'duplicate') queue.push(make());
    kick();
  }

  core.onEvent((event) => {
    const workspace = core.state.workspaces.get(event.workspaceId);
    for (const appId of workspace?.appIds ?? []) {
      enqueue(appId, event, `notif_${core.ids.nextUuid('notification')}`);
    }
  });

  const envelope = (n: Notification) =>
    JSON.stringify({
      type: 'notification_event',
      app_id: n.workspaceId,
      data: { type: 'notification_event_data', item: n.item },
      links: {},
      id: n.id,
      topic: n.topic,
      delivery_status: n.id === null ? null : 'pending',
      delivery_attempts: n.attempts,
      delivered_at: 0,
      first_sent_at: n.firstSentAt,
      created_at: n.createdAt,
      self: null,
    });

  function recordError(sub: Subscription, now: number): void {
    sub.failingSince ??= now;
    sub.window = sub.window && now - sub.window.since <= settings.pauseWindowSeconds ? { count: sub.window.count + 1, since: sub.window.since } : { count: 1, since: now };
    if (sub.window.count > settings.pauseAfterErrors) {
      sub.pausedUntil = now + settings.pauseSeconds;
      sub.window = null;
    }
    // "Only private apps are suspended; public apps never are" (D-wh-notif).
    if (core.state.apps.get(sub.appId)?.private && now - sub.failingSince > settings.suspendAfterSeconds) sub.status = 'suspended';
  }

  async function deliver(n: Notification, sub: Subscription): Promise<void> {
    const app = core.state.apps.get(n.appId);
    if (!app) return;
    const now = core.nowSec();
    n.attempts += 1;
    n.firstSentAt ??= now;
    const body = envelope(n);
    const record: DeliveryAttempt = { notificationId: n.id, topic: n.topic, attempt: n.attempts, at: now, outcome: 'delivered', status: null };
    attempts.push(record);
    try {
      const response = await fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': 'intercom-parrot-service-client/1.0',
          'x-hub-signature': signBody(app.clientSecret, body),
        },
        body,
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      record.status = response.status;
      if (response.ok) {
        n.status = 'delivered';
        Object.assign(sub, { failingSince: null, window: null, throttleUntil: null, throttleDelay: 0 });
        for (const other of queue) if (other.held && other.seq < n.seq) other.held = false;
        return;
      }
      record.outcome = 'http_error';
      if (response.status === 410) {
        sub.status = 'disabled';
        for (const other of queue) if (other.appId === n.appId && other.status === 'pending') other.status = 'dropped';
        n.status = 'failed';
        return;
      }
      if (response.status === 429) {
        sub.throttleDelay = sub.throttleDelay ? Math.min(sub.throttleDelay * 2, settings.throttleMaxSeconds) : settings.throttleInitialSeconds;
        sub.throttleUntil = now + sub.throttleDelay;
        n.dueAt = sub.throttleUntil;
        return;
      }
      recordError(sub, now);
      retryOrFail(n, settings.errorRetries, now);
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      record.outcome = timedOut ? 'timeout' : 'network_error';
      recordError(sub, now);
      retryOrFail(n, timedOut ? settings.timeoutRetries : settings.errorRetries, now);
    }
  }

  function retryOrFail(n: Notification, allowed: number, now: number): void {
    if (n.retries >= allowed) {
      n.status = 'failed';
      return;
    }
    n.retries += 1;
    n.dueAt = now + settings.retryDelaySeconds;
  }

  async function processDue(): Promise<void> {
    for (;;) {
      const now = core.nowSec();
      const due = queue.filter((n) => {
        if (n.status !== 'pending' || n.dueAt > now) return false;
        const sub = subscriptions.get(n.appId);
        if (!sub || sub.status !== 'active') {
          n.status = 'dropped';
          return false;
        }
        // A notification delayed by throttling for more than 2 hours is dropped (D-wh-models).
        if (sub.throttleUntil !== null && now - n.createdAt > settings.throttleMaxSeconds) {
          n.status = 'dropped';
          return false;
        }
        return sub.throttleUntil === null || sub.throttleUntil <= now;
      });
      // A held (reordered) notification goes once a later one went first, or when it has waited long enough.
      const sendable = due.filter((n) => !n.held || now >= n.dueAt + settings.reorderHoldSeconds || queue.some((o) => o.seq > n.seq && o.status !== 'pending'));
      const next = sendable.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq)[0];
      if (!next) return;
      const sub = subscriptions.get(next.appId);
      next.held = false;
      if (sub) await deliver(next, sub);
    }
  }

  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await processDue();
      } while (again);
    })().finally(() => {
      running = null;
      // A kick that came after the loop's last check but before this point would be lost: run again.
      if (again) void kick();
    });
    return running;
  }

  // Real-time heartbeat so retries whose time has come go out without a flush() (a running clock).
  const stopHeartbeat = deps.every(250, () => void kick());

  return {
    settings,
    async subscribe(appId: string, url: string, topics: readonly string[]): Promise<Subscription> {
      if (!core.state.apps.has(appId)) throw new Error(`unknown app ${appId}`);
      if (settings.validateUrl) {
        const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(settings.timeoutMs) }).catch(() => null);
        if (!response || !response.ok) throw new Error(`the webhook URL did not answer the HEAD validation request with 2xx`);
      }
      const sub: Subscription = { appId, url, topics: new Set(topics), status: 'active', pausedUntil: null, throttleUntil: null, throttleDelay: 0, window: null, failingSince: null };
      subscriptions.set(appId, sub);
      return sub;
    },
    unsubscribe: (appId: string) => subscriptions.delete(appId),
    /** Developer Hub "Set live" after a suspension or a 410. */
    resume(appId: string): void {
      const sub = subscriptions.get(appId);
      if (sub) Object.assign(sub, { status: 'active', pausedUntil: null, failingSince: null, window: null });
    },
    /** `ping` is always subscribed; its notification id is null (Z ping.json). */
    ping(appId: string, workspaceId: string): void {
      enqueue(appId, { topic: 'ping', workspaceId, item: { type: 'ping', message: 'something something interzen' }, createdAt: core.nowSec() }, null);
    },
    addFault: (fault: WebhookFault) => faults.push({ ...fault }),
    /** Per-notification fault probabilities from now on; kinds not given keep their rate. */
    setFaultRates(rates: { [K in keyof WebhookFaultRates]?: number | undefined }): WebhookFaultRates {
      const given = Object.entries(rates).filter(([, rate]) => rate !== undefined);
      settings.faultRates = { ...settings.faultRates, ...Object.fromEntries(given) };
      return { ...settings.faultRates };
    },
    subscriptions: () => [...subscriptions.values()],
    notifications: () => queue as readonly Notification[],
    attempts: () => attempts as readonly DeliveryAttempt[],
    /** Sends everything due now (by the simulator's clock) and waits for it. */
    async flush(): Promise<void> {
      await kick();
      while (running) await running;
    },
    /** Waits for the sending now under way (started by the heartbeat or a flush), without starting any. */
    async idle(): Promise<void> {
      while (running) await running;
    },
    close: () => stopHeartbeat(),
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
