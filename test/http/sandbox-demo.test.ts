// The sandbox's demonstration: a simulated conversation closed at about now that the default noise
// guards let through, and the simulated HubSpot portal's contents, for sandbox connections only; its
// teammate is paired with a HubSpot owner by email, so its notes have an owner.
import t from 'tap';
import { sessionApi, signIn, startTestServer, type Teardownable } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';
import { until } from '../helpers/until.ts';

// A sandbox connection's upstream URLs are the daemon's listening address
// (src/connections/create-sandbox-connection.ts): the cases that make one keep a real socket.
async function sandboxConnection(t: Teardownable) {
  const server = await startTestServer(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/connections/sandbox');
  return { server, api, id: String(created.body?.id) };
}

t.test('a sandbox connection has a 30-second grace window', async (t) => {
  const { api, id } = await sandboxConnection(t);
  const settings = await api('GET', `/api/connections/${id}/settings`);
  t.match(settings.body?.settings, { conversations: { capture: { mode: 'on_close', graceMinutes: 0.5 }, guards: { minCustomerMessages: 2, minDurationMinutes: 1 } } }, 'stored as full settings');
});

t.test('POST …/sandbox/conversations acts out a conversation that closes now and passes the guards', async (t) => {
  const { server, api, id } = await sandboxConnection(t);
  const before = Date.now();
  const first = await api('POST', `/api/connections/${id}/sandbox/conversations`);
  t.equal(first.status, 201);
  t.match(first.body, {
    conversationId: String,
    customer: { name: /^\S+ \S+$/, email: /^[a-z.]+@[a-z-]+\.example$/ },
    company: { name: String },
    closedAt: String,
    capturesAfterSeconds: 30,
  });

  const intercom = server.daemon.app.sandbox?.intercom;
  const conversation = intercom?.control.records().conversations.find((c) => c.id === first.body?.conversationId) as Record<string, any> | undefined;
  t.equal(conversation?.state, 'closed');
  const closedAtMs = Number(conversation?.statistics?.last_close_at) * 1000;
  t.ok(Math.abs(closedAtMs - before) <= 5000, `closed at about now (${closedAtMs - before} ms off)`);
  t.equal(Date.parse(String(first.body?.closedAt)), closedAtMs, 'the answer says when');
  t.ok(closedAtMs - Number(conversation?.created_at) * 1000 >= 60_000, 'longer than the minute the duration guard asks for');
  t.ok(Math.abs((intercom?.control.clock.now() ?? 0) - Date.now()) < 1000, "the simulator's clock is back at real time");
  const parts = (conversation?.conversation_parts?.conversation_parts ?? []) as Array<{ part_type: string; author: { type: string; name: string } }>;
  t.ok(parts.filter((p) => p.author.type === 'user').length >= 2, 'the customer wrote more than once');
  t.ok(parts.some((p) => p.author.type === 'admin' && p.author.name === 'Sam from Support'), 'a teammate answered');

  const planned = await api('POST', `/api/connections/${id}/conversations/${first.body?.conversationId}/push`, { dryRun: true });
  t.equal(planned.status, 200);
  t.match(planned.body, { outcome: 'planned' }, 'the default noise guards let it through');

  const second = await api('POST', `/api/connections/${id}/sandbox/conversations`);
  t.not(second.body?.customer.email, first.body?.customer.email, 'a different customer each time');
  t.not(second.body?.conversationId, first.body?.conversationId);
  const admins = intercom?.control.records().admins.filter((a) => a.name === 'Sam from Support');
  t.equal(admins?.length, 1, 'the teammate is reused');
});

t.test('GET …/sandbox/hubspot lists the note a capture wrote, on its contact and company', async (t) => {
  const { api, id } = await sandboxConnection(t);
  const empty = await api('GET', `/api/connections/${id}/sandbox/hubspot`);
  t.equal(empty.status, 200);
  t.match(empty.body, { notes: [], totals: { notes: 0 } });

  const simulated = await api('POST', `/api/connections/${id}/sandbox/conversations`);
  const pushed = await api('POST', `/api/connections/${id}/conversations/${simulated.body?.conversationId}/push`, {});
  t.match(pushed.body, { outcome: 'captured', noteId: String });

  const portal = await api('GET', `/api/connections/${id}/sandbox/hubspot`);
  const contact = portal.body?.contacts.find((c: { email: string }) => c.email === simulated.body?.customer.email);
  t.match(contact, { id: String, name: simulated.body?.customer.name });
  const company = portal.body?.companies.find((c: { name: string }) => c.name === simulated.body?.company.name);
  t.match(company, { id: String, domain: /\.example$/ });
  t.match(portal.body?.notes, [{ id: pushed.body?.noteId, timestamp: String, contactIds: [contact?.id], companyIds: [company?.id], bodyHtml: /Sam from Support/ }]);
  t.equal(portal.body?.totals.notes, 1);
});

t.test('only sandbox connections have one', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const plain = await api('POST', '/api/connections', { name: 'Support' });
  const id = String(plain.body?.id);
  for (const [method, path] of [['POST', 'conversations'], ['GET', 'hubspot']] as const) {
    const answer = await api(method, `/api/connections/${id}/sandbox/${path}`);
    t.equal(answer.status, 409, `${method} ${path}`);
    t.match(answer.body, { error: { code: 'not_sandbox' } });
  }
  t.equal((await api('GET', '/api/connections/nope/sandbox/hubspot')).status, 404);
});

t.test('the demo teammate has a HubSpot owner with the same email: the mapping pairs them and the note shows its owner', async (t) => {
  const server = await startTestServer(t);
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections/sandbox')).body?.id);
  const simulated = await api('POST', `/api/connections/${id}/sandbox/conversations`);
  t.equal(simulated.status, 201);
  const sandbox = server.daemon.app.sandbox;
  const conversation = sandbox?.intercom.control.records().conversations.find((c) => c.id === simulated.body?.conversationId) as Record<string, any> | undefined;
  const sam = sandbox?.intercom.control.records().admins.find((a) => a.name === 'Sam from Support');
  t.equal(String(conversation?.admin_assignee_id), String(sam?.id), 'the teammate took the conversation');

  // The simulation asked for a user-mapping refresh rather than waiting for the hourly chore.
  const mapping = await until('the user mapping pairs the teammate', async () => {
    const users = await api('GET', `/api/connections/${id}/users`);
    return (users.body?.mappings as Array<Record<string, unknown>> | undefined)?.find((m) => m.adminName === 'Sam from Support' && m.ownerId);
  });
  t.match(mapping, { adminEmail: 'sam@interhubz-sandbox.example', ownerName: 'Sam from Support', ownerEmail: 'sam@interhubz-sandbox.example', source: 'email' });

  const pushed = await api('POST', `/api/connections/${id}/conversations/${simulated.body?.conversationId}/push`, {});
  t.match(pushed.body, { outcome: 'captured', ownerId: mapping.ownerId });
  const portal = await api('GET', `/api/connections/${id}/sandbox/hubspot`);
  t.match(portal.body?.notes, [{ id: pushed.body?.noteId, owner: 'Sam from Support' }], 'the portal view names the note’s owner');

  await api('POST', `/api/connections/${id}/sandbox/conversations`);
  const owners = [...(sandbox?.hubspot.state.portals.get(sandbox.hubspot.control.defaultHubId())?.owners.values() ?? [])];
  t.equal(owners.filter((o) => o.email === 'sam@interhubz-sandbox.example').length, 1, 'the owner is made once');
});
