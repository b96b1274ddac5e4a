// Record sync (#17) end to end against the simulators: a sandbox connection with record sync on,
// and what the record tests look at — the writes each simulator served, the pairs, the activity
// entries, and a `settled()` that waits until no webhook or record job is left.
import type { Selectable } from 'kysely';
import { HUBSPOT_SUBSCRIPTIONS } from '../../src/connections/create-sandbox-connection.ts';
import { RECONCILE_TASK, reconcileKey } from '../../src/reconcile/reconcile-task.ts';
import { connectionOwner, getCredential } from '../../src/db/repos/credentials.ts';
import type { Database } from '../../src/db/schema.ts';
import { neededWebhooks } from '../../src/webhooks/needed-webhooks.ts';
import { sandboxWebhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { captureScenario, type Scenario } from './capture-scenario.ts';
import type { TestServerOptions, Teardownable } from './server.ts';
import { until } from './until.ts';

export const ACTIVE = { timeoutMs: 30_000 };

export interface SyncObjects {
  contacts?: boolean;
  companies?: boolean;
}

/** A capture scenario (capture manual, so conversations stay out of it) with record sync on for the objects named. */
export async function syncScenario(t: Teardownable, objects: SyncObjects = { contacts: true }, options: TestServerOptions = {}): Promise<Scenario> {
  const s = await captureScenario(t, options);
  await s.setSettings((settings) => {
    settings['conversations'].capture.mode = 'manual';
    settings['recordSync'].contacts.enabled = objects.contacts === true;
    settings['recordSync'].companies.enabled = objects.companies === true;
  });
  return s;
}

/** Updates HubSpot served to records of this type (single PATCH and batch update) since the log was last cleared. */
export const hubspotWrites = (s: Scenario, objectType: 'contacts' | 'companies') =>
  s.hubspot.control.requests().entries.filter((entry) =>
    (entry.method === 'PATCH' && new RegExp(`/${objectType}/[^/?]+(\\?.*)?$`).test(entry.path)) ||
    (entry.method === 'POST' && entry.path.endsWith(`/${objectType}/batch/update`))).length;

/** Intercom calls served on one route ("PUT /contacts/:contact_id") since the log was last cleared. */
export const intercomWrites = (s: Scenario, route: string) => s.intercom.control.requests.counts()[route] ?? 0;
export const INTERCOM_CONTACT_UPDATE = 'PUT /contacts/:contact_id';
export const INTERCOM_COMPANY_UPDATE = 'PUT /companies/:company_id';

/** Every write to either side, both record types. */
export const allWrites = (s: Scenario) =>
  hubspotWrites(s, 'contacts') + hubspotWrites(s, 'companies') + intercomWrites(s, INTERCOM_CONTACT_UPDATE) + intercomWrites(s, INTERCOM_COMPANY_UPDATE);

export function clearRequests(s: Scenario): void {
  s.hubspot.control.clearRequests();
  s.intercom.control.requests.clear();
}

export const intercomContact = (s: Scenario, id: string) =>
  (s.intercom.control.records(s.workspaceId).contacts as unknown as Array<Record<string, unknown>>).find((contact) => contact['id'] === id);

export const intercomCompany = (s: Scenario, id: string) =>
  (s.intercom.control.records(s.workspaceId).companies as unknown as Array<Record<string, unknown>>).find((company) => company['id'] === id);

export const hubspotRecord = (s: Scenario, objectType: 'contacts' | 'companies', id: string) => s.hubspot.control.record({ hubId: s.hubId, objectType, id });

export async function pairOf(s: Scenario, intercomId: string, type: 'contact' | 'company' = 'contact'): Promise<Selectable<Database['record_pairs']> | undefined> {
  return s.server.daemon.db.kysely
    .selectFrom('record_pairs')
    .selectAll()
    .where('connection_id', '=', s.connectionId)
    .where('object_type', '=', type)
    .where('intercom_id', '=', intercomId)
    .executeTakeFirst();
}

export async function pairsOfHubSpot(s: Scenario, hubspotId: string, type: 'contact' | 'company' = 'contact') {
  return s.server.daemon.db.kysely
    .selectFrom('record_pairs')
    .selectAll()
    .where('connection_id', '=', s.connectionId)
    .where('object_type', '=', type)
    .where('hubspot_id', '=', hubspotId)
    .execute();
}

export async function activity(s: Scenario, kind: 'contact' | 'company') {
  return s.server.daemon.db.kysely.selectFrom('activity').selectAll().where('connection_id', '=', s.connectionId).where('kind', '=', kind).orderBy('id').execute();
}

export interface ActivityDetail {
  intercomId?: string;
  hubspotId?: string;
  written?: Array<{ intercom: string; hubspot: string; direction: string; rule?: string }>;
  skipped?: Array<{ intercom: string; hubspot: string; rule?: string; types?: string }>;
}

export const detailOf = (entry: { detail: string | null }) => JSON.parse(entry.detail ?? '{}') as ActivityDetail;

/** Both simulators have delivered their webhooks and no record work is left (syncs, events, due sweeps), twice in a row (a sync's write sends a webhook). */
export async function settled(s: Scenario): Promise<void> {
  for (let round = 0; round < 2; round++) {
    await s.hubspot.control.webhooksIdle();
    await s.intercom.control.webhooks.flush();
    await until('record sync jobs to finish', async () => {
      const pending = await s.server.daemon.db.kysely.selectFrom('jobs').select(['id', 'task', 'status', 'run_at']).where('status', 'in', ['queued', 'running']).execute();
      // A sweep waiting for its next interval is not work left; one due or running is.
      const sweeping = (job: { task: string; status: string; run_at: number }) => job.task === 'records.sweep' && (job.status === 'running' || job.run_at <= Date.now());
      return !pending.some((job) => job.task === 'records.sync' || job.task.endsWith('.event') || sweeping(job));
    }, ACTIVE);
  }
}

/** A user (or lead) in Intercom, paired with its HubSpot contact and settled; the request logs cleared. */
export async function pairedContact(s: Scenario, init: { role?: 'user' | 'lead'; email: string; name: string; phone?: string; customAttributes?: Record<string, string | number | boolean | null> }) {
  const contact = s.intercom.control.contacts.create(s.workspaceId, { role: 'user', ...init });
  const intercomId = String(contact.id);
  const pair = await until(`${init.email} to be paired`, () => pairOf(s, intercomId), ACTIVE);
  await settled(s);
  clearRequests(s);
  return { intercomId, hubspotId: pair.hubspot_id };
}

/** A company in Intercom, paired with its HubSpot company through a sync asked for by hand (companies pair from Intercom's side); settled, logs cleared. */
export async function pairedCompany(s: Scenario, init: { name: string; website: string; size?: number; industry?: string; customAttributes?: Record<string, string | number | boolean | null> }) {
  const company = s.intercom.control.companies.create(s.workspaceId, init);
  const intercomId = String(company.id);
  const pair = await until(`${init.name} to be paired`, () => pairOf(s, intercomId, 'company'), ACTIVE);
  await settled(s);
  clearRequests(s);
  return { intercomId, hubspotId: pair.hubspot_id };
}

/**
 * The sandbox subscribes HubSpot property changes for the default mapping only
 * (src/connections/create-sandbox-connection.ts): after mappings that read other properties are
 * saved, this subscribes what the connection page lists as needed (src/webhooks/needed-webhooks.ts),
 * as a person setting up the app's webhooks would.
 */
export async function subscribeNeededHubSpotWebhooks(s: Scenario): Promise<void> {
  const db = s.server.daemon.db.kysely;
  const secret = (await getCredential(db, s.server.daemon.vault, connectionOwner(s.connectionId), sandboxWebhookSecretKind('hubspot')))?.value;
  const targetUrl = s.hubspot.control.webhookSubscriptions(s.hubId)[0]?.targetUrl;
  if (secret === undefined || targetUrl === undefined) throw new Error('the sandbox connection has no HubSpot webhooks to extend');
  const needed = neededWebhooks((await s.row()).settings)
    .filter((webhook) => webhook.provider === 'hubspot')
    .map((webhook) => ({ eventType: webhook.topic, ...(webhook.propertyName ? { propertyName: webhook.propertyName } : {}) }));
  const subscriptions = new Map([...HUBSPOT_SUBSCRIPTIONS, ...needed].map((subscription) => [`${subscription.eventType} ${subscription.propertyName ?? ''}`, subscription]));
  s.hubspot.control.unsubscribeWebhooksSignedWith(secret);
  s.hubspot.control.subscribeWebhooks({ hubId: s.hubId, targetUrl, clientSecret: secret, subscriptions: [...subscriptions.values()] });
}

/**
 * The periodic record sweeps (a chore queues them every minute) held off for a day: for tests that
 * count the calls of the live path alone. Each side's sweep is queued far ahead under its own key, and
 * the chore keeps a pending sweep as it is.
 */
export async function holdSweeps(s: Scenario): Promise<void> {
  const runAt = Date.now() + 86_400_000;
  // The conversations' sweep too: its chore queues one at each minute's start, and its search is an
  // Intercom call the record tests would count.
  await s.server.daemon.jobs.enqueue({ task: RECONCILE_TASK, payload: {}, connectionId: s.connectionId, key: reconcileKey(s.connectionId), keyMode: 'replace', runAt });
  for (const object of ['contacts', 'companies'] as const) {
    for (const side of ['intercom', 'hubspot'] as const) {
      const key = `record-sweep:${s.connectionId}:${object}:${side}`;
      await s.server.daemon.jobs.cancelByKey(key);
      await s.server.daemon.jobs.enqueue({ task: 'records.sweep', payload: { object, side }, connectionId: s.connectionId, key, keyMode: 'replace', runAt });
    }
  }
}
