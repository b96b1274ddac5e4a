// Both simulators standalone (own ports, in the test or bench process) and a data directory whose
// database already holds an active token connection wired to them, with its credentials sealed by a
// fixed secret key: what a daemon started as a child process (or in-process with the sandbox off)
// captures from. Unlike capture-scenario.ts, nothing here needs the daemon to be running.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CAPTURE_TASK, captureKey } from '../../src/capture/capture-task.ts';
import { DATABASE_FILE, openDb, type Db } from '../../src/db/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import { insertConnection, type Connection } from '../../src/db/repos/connections.ts';
import { STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../../src/integrations/intercom/auth.ts';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { startHubSpotSimulator, type HubSpotSimulatorOptions, type StartedHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { startIntercomSimulator, type IntercomSimulatorOptions, type RunningIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';

/** A fixed INTERHUBZ_SECRET_KEY (base64 of 32 bytes): the child daemon must open what we sealed. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 0x5a).toString('base64');

const MINUTE = 60_000;

export interface CaptureSims {
  intercom: RunningIntercomSimulator;
  hubspot: StartedHubSpotSimulator;
  workspaceId: string;
  hubId: number;
  adminId: string;
  close(): Promise<void>;
}

export async function startCaptureSims(options: { intercom?: IntercomSimulatorOptions; hubspot?: HubSpotSimulatorOptions } = {}): Promise<CaptureSims> {
  const intercom = await startIntercomSimulator({ port: 0, ...options.intercom });
  const hubspot = await startHubSpotSimulator({ port: 0, ...options.hubspot });
  const workspaceId = intercom.sim.defaults?.workspaceId ?? '';
  const admin = intercom.sim.control.admins.create(workspaceId, { name: 'Ana Agent', email: 'ana@support.test' });
  return {
    intercom, hubspot, workspaceId, hubId: hubspot.sim.control.defaultHubId(), adminId: String(admin.id),
    close: async () => {
      await hubspot.close();
      await intercom.close();
    },
  };
}

export interface SeededCustomer {
  contactId: string;
  companyId: string | null;
}

/** An Intercom customer (with a company unless `company: null`). */
export function seedCustomer(sims: CaptureSims, input: { email: string; name?: string; company?: { name: string; website: string } | null }): SeededCustomer {
  const { control } = sims.intercom.sim;
  const company = input.company === null ? undefined : control.companies.create(sims.workspaceId, { name: input.company?.name ?? 'Acme GmbH', website: input.company?.website ?? 'https://www.acme.test' });
  const contact = control.contacts.create(sims.workspaceId, {
    role: 'user', email: input.email, name: input.name ?? input.email.split('@')[0] ?? 'Customer',
    ...(company ? { companyIds: [String(company.id)] } : {}),
  });
  return { contactId: String(contact.id), companyId: company ? String(company.id) : null };
}

/**
 * A closed conversation that passes the default guards: two customer messages and a teammate's
 * reply, a few minutes long on the Intercom simulator's clock.
 */
export function seedConversation(sims: CaptureSims, contactId: string, bodies: { first: string; reply: string; second: string }): string {
  const { control } = sims.intercom.sim;
  const started = control.actAsCustomer.startConversation({ contactId, body: `<p>${bodies.first}</p>`, subject: 'Invoice question' });
  const conversationId = String(started.id);
  control.clock.advance(MINUTE);
  control.actAsAdmin.reply({ conversationId, adminId: sims.adminId, body: `<p>${bodies.reply}</p>` });
  control.clock.advance(MINUTE);
  control.actAsCustomer.reply({ conversationId, contactId, body: `<p>${bodies.second}</p>` });
  control.actAsAdmin.close({ conversationId, adminId: sims.adminId });
  return conversationId;
}

/** Opens (creating and migrating) the daemon's database in `dataDir`. */
export function openDataDb(dataDir: string): Db {
  const db = openDb(join(dataDir, DATABASE_FILE));
  migrate(db.sqlite, readMigrations());
  return db;
}

export interface SimConnectionOptions {
  /** Connection names are unique: a second connection to the same simulators needs its own. */
  name?: string;
  /** Routing sends every conversation to a ticket too (defaultDestinations contact, company, ticket). */
  tickets?: boolean;
  /**
   * The on_close grace window (default 0 here, 10 in the product). A capture job checks when it runs
   * that the conversation has been closed that long (issue #13), so `enqueueCapture`'s "due now" job
   * of a conversation closed just now is what the trigger leaves only with no grace window.
   */
  graceMinutes?: number;
  /**
   * Stores the Intercom simulator's app secret as the connection's webhook secret, so the daemon
   * accepts the simulator's deliveries (subscribe them with `subscribeIntercomWebhooks`).
   */
  intercomWebhooks?: boolean;
}

/** An active token connection to the simulators, its credentials sealed with TEST_SECRET_KEY. */
export async function insertSimConnection(db: Db, sims: CaptureSims, now = Date.now(), options: SimConnectionOptions = {}): Promise<Connection> {
  const key = Buffer.from(TEST_SECRET_KEY, 'base64');
  const vault = createVault({ key, id: keyIdOf(key) });
  const capture = { graceMinutes: options.graceMinutes ?? 0 };
  const settings = ConnectionSettings.parse({ conversations: { capture, ...(options.tickets ? { routing: { defaultDestinations: ['contact', 'company', 'ticket'] } } : {}) } });
  const connection = await insertConnection(db.kysely, {
    id: randomUUID(), name: options.name ?? 'Simulators', status: 'active', createdAt: now,
    intercomWorkspaceId: sims.workspaceId, intercomRegion: 'us', hubspotPortalId: sims.hubId, settings,
    intercomBaseUrl: sims.intercom.url, hubspotBaseUrl: sims.hubspot.url, intercomAuth: 'token', hubspotAuth: 'token',
  });
  const owner = connectionOwner(connection.id);
  await putCredential(db.kysely, vault, { owner, kind: INTERCOM_TOKEN_KIND, value: sims.intercom.sim.control.createAccessToken(sims.workspaceId), now });
  await putCredential(db.kysely, vault, { owner, kind: STATIC_TOKEN_KIND, value: sims.hubspot.sim.control.createStaticToken({ hubId: sims.hubId }), now });
  if (options.intercomWebhooks) {
    const secret = sims.intercom.sim.defaults?.clientSecret;
    if (!secret) throw new Error('the Intercom simulator has no default app');
    await putCredential(db.kysely, vault, { owner, kind: webhookSecretKind('intercom'), value: secret, now });
  }
  return connection;
}

/** Conversation topics a daemon subscribes to (as src/connections/create-sandbox-connection.ts does). */
export const INTERCOM_CONVERSATION_TOPICS = [
  'conversation.user.created', 'conversation.user.replied', 'conversation.admin.replied', 'conversation.admin.noted',
  'conversation.admin.closed', 'conversation.admin.opened', 'conversation.admin.snoozed', 'conversation.admin.unsnoozed',
];

/** Points the Intercom simulator's default app's webhooks at a daemon (`daemonUrl`: its base URL). */
export async function subscribeIntercomWebhooks(sims: CaptureSims, daemonUrl: string, topics: string[] = INTERCOM_CONVERSATION_TOPICS): Promise<void> {
  await sims.intercom.sim.control.webhooks.subscribe({ url: `${daemonUrl.replace(/\/$/, '')}/webhooks/intercom`, topics });
}

/** A `conversation.capture` job, as the on-close trigger would leave it (due now). */
export async function enqueueCapture(db: Db, connectionId: string, conversationId: string, now = Date.now()): Promise<number> {
  const { id } = await enqueueJob(
    db.kysely,
    { task: CAPTURE_TASK, payload: { conversationId, trigger: 'on_close' }, connectionId, key: captureKey(connectionId, conversationId) },
    { now, maxAttempts: 10 },
  );
  return id;
}
