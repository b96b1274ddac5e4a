// Issue #14 item 3: what a simulated portal or workspace holds is capped (a clear 400 past the
// cap), so no caller can make a simulator grow without bound.
import t from 'tap';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';

t.test('HubSpot: records per portal and object type are capped', async (t) => {
  const server = await startHubSpotSimulator({ maxRecordsPerType: 2 });
  t.teardown(() => server.close());
  const token = server.sim.control.createStaticToken();
  const create = (type: string, properties: Record<string, string>) =>
    fetch(`${server.url}/crm/objects/2026-09/${type}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties }),
    });
  t.equal((await create('contacts', { email: 'a@cap.example' })).status, 201);
  t.equal((await create('contacts', { email: 'b@cap.example' })).status, 201);
  const refused = await create('contacts', { email: 'c@cap.example' });
  t.equal(refused.status, 400, 'the third contact is refused');
  t.match(await refused.json(), { status: 'error', category: 'VALIDATION_ERROR', message: /holds the most contacts it may \(2\)/ });
  t.equal(server.sim.control.records({ objectType: 'contacts' }).length, 2, 'nothing was stored past the cap');
  t.equal((await create('companies', { name: 'Other type' })).status, 201, 'the cap is per object type');
});

t.test('Intercom: contacts, companies and conversations per workspace are capped', async (t) => {
  // The product only reads Intercom: records are made through the control API (HTTP or in-process).
  const server = await startIntercomSimulator({ maxRecordsPerType: 1, webhooks: { validateUrl: false } });
  t.teardown(() => server.close());
  const workspaceId = server.sim.defaults?.workspaceId ?? '';
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}/_sim/workspaces/${workspaceId}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const first = await post('/contacts', { role: 'user', email: 'a@cap.example' });
  t.equal(first.status, 200);
  const refused = await post('/contacts', { role: 'user', email: 'b@cap.example' });
  t.equal(refused.status, 400, 'the second contact is refused');
  t.match(await refused.json(), { error: { message: /holds the most contacts it may \(1\)/ } });
  t.equal(server.sim.control.records(workspaceId).contacts.length, 1, 'nothing was stored past the cap');

  const contactId = String(((await first.json()) as { id: string }).id);
  server.sim.control.actAsCustomer.startConversation({ contactId, body: 'one' });
  t.throws(() => server.sim.control.actAsCustomer.startConversation({ contactId, body: 'two' }), /holds the most conversations/, 'conversations too');
  t.equal((await post('/companies', { name: 'One' })).status, 200);
  t.equal((await post('/companies', { name: 'Two' })).status, 400, 'companies too');

  const other = server.sim.control.workspaces.create({});
  t.ok(server.sim.control.contacts.create(other.id, { email: 'c@cap.example' }), 'the cap is per workspace');
});
