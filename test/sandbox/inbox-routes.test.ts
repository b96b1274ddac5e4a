// The sandbox's Inbox through the admin API (issue #20 item 5): a sandbox connection's own Intercom
// app has a Canvas Kit card in the simulated Inbox, pointed at the daemon's canvas URLs on the
// address it listens on — not at whatever Host a request named — and signed with the secret the
// connection keeps, also after a restart. Opening and clicking go through the simulator's signed
// requests to the real daemon; only an admin session with its CSRF token (or an admin token) may.
import t from 'tap';
import { makeDataDir, sessionApi, signIn, startTestServer, type Teardownable } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

async function sandboxConnection(t: Teardownable, options: { dataDir?: string } = {}) {
  // The card's deadlines stretched: these tests are about the routes and what the card shows after a
  // push, not how fast (test/canvas/inbox-app.test.ts tests the deadlines; a loaded machine made the
  // push answer "still working" here).
  const server = await startTestServer(t, { startScheduler: false, canvasDeadlineStretch: 10, ...options });
  const session = await signIn(server);
  const api = sessionApi(server, session);
  return { server, session, api };
}

const cardOf = (server: Awaited<ReturnType<typeof startTestServer>>) => server.daemon.sandbox?.intercom.control.inboxApps() ?? [];

t.test('the card points at the daemon’s listening address, whatever Host the request that made the connection named', async (t) => {
  const { server, session } = await sandboxConnection(t);
  const made = await server.fetch('/api/connections/sandbox', { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, host: 'attacker.example', 'x-forwarded-host': 'attacker.example' } });
  t.equal(made.status, 201);
  t.match(cardOf(server), [{ initializeUrl: `${server.url}/intercom/canvas/initialize`, submitUrl: `${server.url}/intercom/canvas/submit` }]);
});

t.test('list, open and click through the admin API: the daemon answers the simulator’s signed requests with valid canvases', async (t) => {
  const { server, api } = await sandboxConnection(t);
  const id = String((await api('POST', '/api/connections/sandbox')).body?.id);
  const simulated = await api('POST', `/api/connections/${id}/sandbox/conversations`);
  const conversationId = String(simulated.body?.conversationId);

  const list = await api('GET', `/api/connections/${id}/sandbox/inbox`);
  t.equal(list.status, 200);
  t.match(list.body, { teammate: { name: 'Sam from Support' }, conversations: [{ id: conversationId, customer: simulated.body?.customer.name, state: 'closed', title: String }] });

  const opened = await api('POST', `/api/connections/${id}/sandbox/inbox/open`, { conversationId });
  t.equal(opened.status, 200);
  t.match(opened.body, { conversationId, teammate: { name: 'Sam from Support' }, status: 200, problems: [], canvas: { content: { components: Array } } });
  const components = (opened.body?.canvas?.content?.components ?? []) as Array<{ type: string; id?: string; action?: { type: string } }>;
  const submit = components.find((c) => c.type === 'button' && c.action?.type === 'submit');
  t.ok(submit, 'the card has a button that submits');

  const clicked = await api('POST', `/api/connections/${id}/sandbox/inbox/click`, { conversationId, componentId: submit?.id });
  t.match(clicked.body, { status: 200, problems: [], canvas: { content: Object } }, 'the submit request is verified and answered');

  const link = ((clicked.body?.canvas?.content?.components ?? []) as typeof components).find((c) => c.action?.type === 'url');
  t.ok(link, 'after the push the card links to the HubSpot records');
  const refused = await api('POST', `/api/connections/${id}/sandbox/inbox/click`, { conversationId, componentId: link?.id });
  t.match(refused, { status: 400, body: { error: { code: 'inbox_refused', message: /does not submit/ } } }, 'a link is opened by the browser, never sent');
  t.match(await api('POST', `/api/connections/${id}/sandbox/inbox/open`, { conversationId: 'no-such-conversation' }), { status: 404, body: { error: { code: 'inbox_refused' } } });
  t.match(await api('POST', `/api/connections/${id}/sandbox/inbox/open`, {}), { status: 400, body: { error: { code: 'invalid_request' } } });
});

t.test('a session without its CSRF token, or no session, cannot open or click', async (t) => {
  const { server, session, api } = await sandboxConnection(t);
  const id = String((await api('POST', '/api/connections/sandbox')).body?.id);
  const conversationId = String((await api('POST', `/api/connections/${id}/sandbox/conversations`)).body?.conversationId);
  const body = JSON.stringify({ conversationId });
  const noCsrf = await server.fetch(`/api/connections/${id}/sandbox/inbox/open`, { method: 'POST', headers: { cookie: session.cookie, 'content-type': 'application/json' }, body });
  t.equal(noCsrf.status, 403);
  const anonymous = await server.fetch(`/api/connections/${id}/sandbox/inbox/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  t.equal(anonymous.status, 401);
  t.equal((await server.fetch(`/api/connections/${id}/sandbox/inbox`)).status, 401);
});

t.test('only sandbox connections have a simulated Inbox', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'Support' })).body?.id);
  t.match(await api('GET', `/api/connections/${id}/sandbox/inbox`), { status: 409, body: { error: { code: 'not_sandbox' } } });
  t.match(await api('POST', `/api/connections/${id}/sandbox/inbox/open`, { conversationId: '1' }), { status: 409, body: { error: { code: 'not_sandbox' } } });
  t.equal((await api('GET', '/api/connections/nope/sandbox/inbox')).status, 404);
});

t.test('after a restart the card is installed again, at the new address, and still signed with the kept secret', async (t) => {
  const dataDir = makeDataDir(t);
  let id = '';
  await t.test('first start', async (t) => {
    const { api } = await sandboxConnection(t, { dataDir });
    id = String((await api('POST', '/api/connections/sandbox')).body?.id);
  });
  await t.test('second start', async (t) => {
    const { server, api } = await sandboxConnection(t, { dataDir });
    t.match(cardOf(server), [{ initializeUrl: `${server.url}/intercom/canvas/initialize` }], 'wired again at this start’s address');
    const conversationId = String((await api('POST', `/api/connections/${id}/sandbox/conversations`)).body?.conversationId);
    const opened = await api('POST', `/api/connections/${id}/sandbox/inbox/open`, { conversationId });
    t.match(opened.body, { status: 200, problems: [] }, 'the daemon verifies the signature with the secret the connection kept');
  });
});

t.test('a card signed with another secret: the daemon answers 401 and the Inbox reports it, showing nothing', async (t) => {
  const { server, api } = await sandboxConnection(t);
  const id = String((await api('POST', '/api/connections/sandbox')).body?.id);
  const conversationId = String((await api('POST', `/api/connections/${id}/sandbox/conversations`)).body?.conversationId);
  const [card] = cardOf(server);
  if (!card) throw new Error('no card installed');
  server.daemon.sandbox?.intercom.control.inboxApp({ appId: card.key, workspaceId: card.workspaceId, initializeUrl: card.initializeUrl, submitUrl: card.submitUrl, clientSecret: 'not-the-apps-secret' });
  const opened = await api('POST', `/api/connections/${id}/sandbox/inbox/open`, { conversationId });
  t.equal(opened.status, 200, 'the admin API call itself succeeds');
  t.match(opened.body, { status: 401, canvas: null, problems: [/^the app answered HTTP 401/] });
});
