// A sandbox connection with a customer, their company and a teammate in the simulated Intercom, and
// conversations between them: what the capture tests start from.
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { getConnection, type Connection } from '../../src/db/repos/connections.ts';
import { sessionApi, signIn, startTestServer, type ApiAnswer, type TestServer, type TestServerOptions, type Teardownable } from './server.ts';

export interface Scenario {
  server: TestServer;
  api: (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;
  connectionId: string;
  workspaceId: string;
  hubId: number;
  adminId: string;
  intercom: NonNullable<TestServer['daemon']['app']['sandbox']>['intercom'];
  hubspot: NonNullable<TestServer['daemon']['app']['sandbox']>['hubspot'];
  /** A customer (with a company, unless `company: null`), an exchange with a teammate, closed. */
  conversation(options?: { customer?: string; company?: { name: string; website?: string | null } | null; body?: string; messages?: number; close?: boolean; contactId?: string; spacingMs?: number }): { conversationId: string; contactId: string };
  notes(): Array<{ id: string; properties: Record<string, string>; associations: Record<string, Array<{ id: string; typeIds: number[] }>> }>;
  records(objectType: 'contacts' | 'companies'): Array<{ id: string; properties: Record<string, string> }>;
  push(conversationId: string, body?: { force?: boolean; dryRun?: boolean }): Promise<ApiAnswer>;
  setSettings(patch: (settings: Record<string, any>) => void): Promise<void>;
  /** The scenario's connection, as the store reads it. */
  row(): Promise<Connection>;
}

const MINUTE = 60_000;

export async function captureScenario(t: Teardownable, options: TestServerOptions = {}): Promise<Scenario> {
  const server = await startTestServer(t, options);
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/connections/sandbox');
  if (created.status !== 201) throw new Error(`sandbox connection: ${JSON.stringify(created.body)}`);
  const connectionId = String(created.body?.id);
  const sandbox = server.daemon.app.sandbox;
  if (!sandbox) throw new Error('the sandbox is not mounted');
  const { intercom, hubspot } = sandbox;
  const workspaceId = intercom.defaults?.workspaceId ?? '';
  const hubId = hubspot.control.defaultHubId();
  const admin = intercom.control.admins.create(workspaceId, { name: 'Ana Agent', email: 'ana@support.test' });
  const db = server.daemon.db.kysely;
  let customers = 0;

  return {
    server, api, connectionId, workspaceId, hubId, adminId: String(admin.id), intercom, hubspot,
    conversation(input = {}) {
      customers += 1;
      let contactId = input.contactId;
      if (!contactId) {
        const company = input.company === null ? undefined : intercom.control.companies.create(workspaceId, { name: input.company?.name ?? 'Acme GmbH', website: input.company?.website === undefined ? 'https://www.acme.test' : input.company.website });
        const customer = intercom.control.contacts.create(workspaceId, {
          role: 'user', email: input.customer ?? `customer${customers}@acme.test`, name: `Customer ${customers}`,
          ...(company ? { companyIds: [String(company.id)] } : {}),
        });
        contactId = String(customer.id);
      }
      const started = intercom.control.actAsCustomer.startConversation({ contactId, body: input.body ?? '<p>My invoice shows the wrong amount.</p>', subject: 'Invoice question' });
      const conversationId = String(started.id);
      const messages = input.messages ?? 2;
      // The simulator's clock runs with real time; advancing it puts later messages in the future.
      const spacing = input.spacingMs ?? MINUTE;
      for (let i = 1; i < messages; i++) {
        intercom.control.clock.advance(spacing);
        intercom.control.actAsAdmin.reply({ conversationId, adminId: String(admin.id), body: `<p>Reply ${i} from support.</p>` });
        intercom.control.clock.advance(spacing);
        intercom.control.actAsCustomer.reply({ conversationId, contactId, body: `<p>Customer answer ${i}.</p>` });
      }
      if (input.close !== false) intercom.control.actAsAdmin.close({ conversationId, adminId: String(admin.id) });
      return { conversationId, contactId };
    },
    notes: () => hubspot.control.records({ hubId, objectType: 'notes' }),
    records: (objectType) => hubspot.control.records({ hubId, objectType }),
    push: (conversationId, body = {}) => api('POST', `/api/connections/${connectionId}/conversations/${conversationId}/push`, body),
    async setSettings(patch) {
      const row = await db.selectFrom('connections').select('settings').where('id', '=', connectionId).executeTakeFirstOrThrow();
      const settings = ConnectionSettings.parse(JSON.parse(row.settings)) as Record<string, any>;
      patch(settings);
      await db.updateTable('connections').set({ settings: JSON.stringify(settings) }).where('id', '=', connectionId).execute();
    },
    row: async () => (await getConnection(db, connectionId)) ?? Promise.reject(new Error('the scenario connection is gone')),
  };
}
