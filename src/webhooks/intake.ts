// What the webhook routes do, without HTTP: check the signature on the raw bytes, parse, route to
// connections, and record deliveries with their jobs in one transaction. Returns the HTTP answer.
import { INTERCOM_RECORD_TOPICS } from '../records/record-webhooks.ts';
import { verifyHubSpotSignature, type HubSpotSignedRequest } from './hubspot-signature.ts';
import { findSigningSecret } from './intercom-signature.ts';
import { HubSpotDelivery, hubspotObjectId, hubspotTopic, IntercomNotification, intercomObjectId, type HubSpotEvent } from './payloads.ts';
import type { DeliveryRecord, DeliveryRecorder, RecordResult, RoutedDelivery } from './record-deliveries.ts';
import type { SigningSecret, SigningSecrets } from './signing-secrets.ts';
import type { Vendor } from '../vendor.ts';

export interface IntakeDeps {
  recorder: DeliveryRecorder;
  secrets: SigningSecrets;
  clock: () => number;
  /**
   * jobs.keepWebhookDeliveriesDays in ms. Deliveries are deduplicated by their stored rows, which are
   * purged after that long; Intercom's signature and HubSpot's v1 carry no timestamp, so a captured
   * delivery replayed after the purge would pass as new. An event older than this is refused instead:
   * its event time is never later than its receipt, so its row, if it ever came, has been purged.
   */
  maxDeliveryAgeMs: number;
  /**
   * A keyed digest of a HubSpot property's new value, kept with the event so record sync can tell its
   * own write coming back without reading (src/records/echo-hints.ts); the value itself is not kept.
   */
  valueDigest?: (property: string, text: string) => string;
  /** The same for an Intercom contact or company item: a keyed digest of its attributes, no value kept. */
  itemDigest?: (item: unknown) => string | undefined;
  /** Told of every delivery's answer (metrics, src/metrics); counting only, on the hot path. */
  observe?: (provider: Vendor, answer: IntakeAnswer) => void;
}

export type IntakeAnswer =
  | { status: 200; body: { ok: true } & Partial<RecordResult> }
  | { status: 400 | 401; code: string; message: string; details?: Array<{ path: string; message: string }> };

const DAY_MS = 86_400_000;

/** Refusal of an event dated before the deduplication window (IntakeDeps.maxDeliveryAgeMs). */
function staleDelivery(deps: IntakeDeps, occurredAt: number, what: string): IntakeAnswer | null {
  if (deps.clock() - occurredAt <= deps.maxDeliveryAgeMs) return null;
  const days = Math.round(deps.maxDeliveryAgeMs / DAY_MS);
  return {
    status: 401,
    code: 'stale_delivery',
    message: `The delivery's ${what} is more than ${days} days old (jobs.keepWebhookDeliveriesDays): a replay of it could not be told from a first delivery, so it was not accepted.`,
  };
}

const badSignature = (provider: string, reason = 'does not match'): IntakeAnswer => ({
  status: 401,
  code: 'invalid_signature',
  message: `The ${provider} signature ${reason}: the delivery was not accepted.`,
});

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** Picks the secret that signed a delivery; if none did, reloads once (a secret may have just been added). */
async function matchSecret(deps: IntakeDeps, provider: Vendor, pick: (secrets: SigningSecret[]) => SigningSecret | undefined): Promise<SigningSecret | undefined> {
  const first = pick(await deps.secrets.list(provider));
  if (first) return first;
  deps.secrets.reload();
  return pick(await deps.secrets.list(provider));
}

export async function acceptIntercomDelivery(deps: IntakeDeps, raw: Buffer, signature: string | undefined): Promise<IntakeAnswer> {
  const signer = await matchSecret(deps, 'intercom', (secrets) => findSigningSecret(raw, signature, secrets));
  if (!signer) {
    const none = (await deps.secrets.list('intercom')).length === 0;
    return badSignature('X-Hub-Signature', none ? 'cannot be checked: no Intercom app secret is configured' : 'does not match any configured Intercom app');
  }
  const parsed = parseJson(raw);
  if (!parsed.ok) return { status: 400, code: 'invalid_json', message: 'The delivery body is not valid JSON.' };
  const envelope = IntercomNotification.safeParse(parsed.value);
  if (!envelope.success) {
    const details = envelope.error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
    return { status: 400, code: 'invalid_notification', message: 'The delivery is not an Intercom notification_event.', details };
  }
  const notification = envelope.data;
  // Intercom checks a new webhook URL with a ping: answer it, record nothing.
  if (notification.topic === 'ping') return { status: 200, body: { ok: true } };
  // Only a ping may come without an id: every other delivery is deduplicated by it.
  if (notification.id === null) {
    return { status: 400, code: 'invalid_notification', message: 'The delivery is not an Intercom notification_event.', details: [{ path: 'id', message: 'Only a ping may have a null id.' }] };
  }
  // Every notification carries created_at (intercom-api.md §2.3); without it the delivery cannot be dated.
  if (notification.created_at === undefined) {
    return { status: 400, code: 'invalid_notification', message: 'The delivery is not an Intercom notification_event.', details: [{ path: 'created_at', message: 'Required: it dates the delivery.' }] };
  }
  const stale = staleDelivery(deps, notification.created_at * 1000, 'created_at');
  if (stale) return stale;
  const delivery: RoutedDelivery = {
    provider: 'intercom',
    deliveryId: notification.id,
    accountId: notification.app_id,
    topic: notification.topic,
    objectId: intercomObjectId(notification),
    occurredAt: notification.created_at * 1000,
    ...intercomHint(deps, notification),
    // A connection's own app secret vouches only for that connection.
    route: { account: notification.app_id, onlyConnection: signer.connectionId },
  };
  return { status: 200, body: { ok: true, ...(await deps.recorder.record([delivery])) } };
}

/** The topics record sync reacts to: the only ones whose events its echo check reads a hint of. */
const RECORD_TOPICS: ReadonlySet<string> = new Set(Object.values(INTERCOM_RECORD_TOPICS).flat());

/**
 * A contact's or company's updated_at in Unix seconds, for record sync's echo check
 * (src/records/echo-hints.ts). Webhook items give times as integers or as ISO-8601 strings
 * (intercom-api.md §2.5, Intercom-OpenAPI issue 85). A conversation's item has an updated_at too, but
 * nothing reads a hint of it: no digest is computed for it, and its job's payload stays ids only.
 */
function intercomHint(deps: IntakeDeps, notification: IntercomNotification): Pick<DeliveryRecord, 'hint'> {
  if (!RECORD_TOPICS.has(notification.topic)) return {};
  const item = notification.data.item as { updated_at?: unknown; merged_from?: { id?: unknown } } | null | undefined;
  const updatedAt = item?.updated_at;
  const seconds = typeof updatedAt === 'number' ? updatedAt : typeof updatedAt === 'string' ? Date.parse(updatedAt) / 1000 : Number.NaN;
  // contact.merged: the item is the survivor, merged_from the contact absorbed (intercom-api.md §2.4).
  const mergedFrom = notification.topic === 'contact.merged' && typeof item?.merged_from?.id === 'string' ? item.merged_from.id : undefined;
  const digest = Number.isInteger(seconds) ? deps.itemDigest?.(item) : undefined;
  const hint = { ...(Number.isInteger(seconds) ? { itemUpdatedAt: seconds } : {}), ...(digest ? { itemDigest: digest } : {}), ...(mergedFrom ? { mergedFrom } : {}) };
  return Object.keys(hint).length > 0 ? { hint } : {};
}

/** A propertyChange's property and the digest of its value (never the value). */
function hubspotHint(deps: IntakeDeps, event: HubSpotEvent): Pick<DeliveryRecord, 'hint'> {
  const value = (event as { propertyValue?: unknown }).propertyValue;
  if (!deps.valueDigest || !event.propertyName || typeof value !== 'string') return {};
  return { hint: { propertyName: event.propertyName, valueDigest: deps.valueDigest(event.propertyName, value) } };
}

export async function acceptHubSpotDelivery(deps: IntakeDeps, request: HubSpotSignedRequest): Promise<IntakeAnswer> {
  const now = deps.clock();
  let lastReason: 'missing' | 'stale' | 'mismatch' = 'missing';
  let signedWith = 'v3' as 'v1' | 'v3';
  const signer = await matchSecret(deps, 'hubspot', (secrets) =>
    secrets.find((secret) => {
      const result = verifyHubSpotSignature(request, secret.clientSecret, now);
      if (result.ok) signedWith = result.version;
      else lastReason = result.reason;
      return result.ok;
    }),
  );
  if (!signer) {
    const reason = { missing: 'is missing (X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp, or v1)', stale: 'is older than 5 minutes', mismatch: 'does not match any configured HubSpot app' }[lastReason];
    return badSignature('HubSpot', reason);
  }
  const parsed = parseJson(request.rawBody);
  if (!parsed.ok) return { status: 400, code: 'invalid_json', message: 'The delivery body is not valid JSON.' };
  const events = HubSpotDelivery.safeParse(parsed.value);
  if (!events.success) {
    const details = events.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
    return { status: 400, code: 'invalid_events', message: 'The delivery is not an array of HubSpot webhook events.', details };
  }
  for (const event of events.data) {
    // A v3 signature is itself dated (5 minutes); a v1 signature is not, so the events must be.
    if (event.occurredAt === undefined) {
      if (signedWith === 'v1') return { status: 400, code: 'invalid_events', message: 'The delivery is not an array of HubSpot webhook events.', details: [{ path: 'occurredAt', message: 'Required with a v1 signature: it dates the delivery.' }] };
      continue;
    }
    const stale = staleDelivery(deps, event.occurredAt, 'occurredAt');
    if (stale) return stale;
  }
  const records: RoutedDelivery[] = events.data.map((event) => ({
    provider: 'hubspot',
    deliveryId: event.eventId,
    accountId: String(event.portalId),
    // Generic object.* events are recorded under their legacy name (payloads.ts).
    topic: hubspotTopic(event),
    objectId: hubspotObjectId(event),
    occurredAt: event.occurredAt ?? null,
    ...hubspotHint(deps, event),
    route: { account: event.portalId, onlyConnection: signer.connectionId },
  }));
  return { status: 200, body: { ok: true, ...(await deps.recorder.record(records)) } };
}
