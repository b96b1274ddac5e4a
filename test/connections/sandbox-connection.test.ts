// "Try the sandbox": a connection wired to the built-in simulators, whose webhooks really arrive.
import t from 'tap';
import { signIn, startTestServer } from '../helpers/server.ts';

t.test('creates a connected sandbox connection; a customer message in the simulator reaches the intake', async (t) => {
  const server = await startTestServer(t);
  const { cookie, csrfToken } = await signIn(server);
  const post = (path: string) => fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
  const response = await post('/api/connections/sandbox');
  t.equal(response.status, 201);
  const detail = (await response.json()) as { id: string; name: string; status: string; sandbox: boolean; intercom: { connected: boolean }; hubspot: { connected: boolean } };
  t.match(detail, { name: 'Sandbox', status: 'active', sandbox: true, intercom: { connected: true }, hubspot: { connected: true } });
  t.match(await (await post('/api/connections/sandbox')).json(), { name: 'Sandbox 2' }, 'a second one gets its own name');

  const sim = server.daemon.app.sandbox?.intercom;
  const workspaceId = sim?.defaults?.workspaceId ?? '';
  const customer = sim?.control.contacts.create(workspaceId, { email: 'grace@example.com', role: 'user' });
  sim?.control.actAsCustomer.startConversation({ contactId: String(customer?.id), body: 'Hello from the sandbox' });

  const delivered = async () =>
    server.daemon.db.sqlite.prepare("SELECT connection_id, topic, status FROM webhook_deliveries WHERE provider = 'intercom' AND topic = 'conversation.user.created'").all() as Array<{ connection_id: string }>;
  for (let i = 0; i < 100 && (await delivered()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const rows = await delivered();
  t.ok(rows.some((row) => row.connection_id === detail.id), 'the simulator delivered a signed webhook, accepted for the sandbox connection');
});

t.test('refused when the sandbox is off', async (t) => {
  const server = await startTestServer(t, { config: { sandbox: { enabled: false } } });
  const { cookie, csrfToken } = await signIn(server);
  const response = await fetch(`${server.url}/api/connections/sandbox`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
  t.equal(response.status, 409);
  t.match(await response.json(), { error: { code: 'sandbox_off' } });
});
