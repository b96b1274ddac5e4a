// The simulated Inbox playing an app's Canvas Kit card (src/sandbox/intercom/inbox-app.ts) against a
// small fake app: the requests are signed as Intercom signs them (checked here with node:crypto on
// the raw bytes received, not with the simulator's own function), carry the documented fields, and
// the answer is checked as the Inbox would — unknown component types, missing fields, duplicate ids,
// the 64 KB bound and an app answering 401 are reported as problems, with no canvas shown.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import t from 'tap';
import { startHarness, type Harness, type Teardownable } from './intercom/helpers.ts';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
  body: any;
}

type Answer = { status?: number; json?: unknown; text?: string };

/** A Canvas Kit app on a loopback port: records each request and answers what `reply` says. */
async function fakeApp(t: Teardownable, reply: (path: string, body: any) => Answer) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8'));
      received.push({ path: req.url ?? '', headers: req.headers, raw, body });
      const answer = reply(req.url ?? '', body);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(answer.text ?? JSON.stringify(answer.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { initializeUrl: `${base}/canvas/initialize`, submitUrl: `${base}/canvas/submit`, received };
}

const SECRET = 'inbox-app-client-secret';

/** Verified the way an app is told to: hex HMAC-SHA256 of the raw body with the client secret, compared in constant time. */
function signedWith(secret: string, request: Received): boolean {
  const header = request.headers['x-body-signature'];
  if (typeof header !== 'string' || !/^[0-9a-f]{64}$/.test(header)) return false;
  const expected = createHmac('sha256', secret).update(request.raw).digest();
  return timingSafeEqual(expected, Buffer.from(header, 'hex'));
}

const canvas = (components: unknown[], storedData?: Record<string, unknown>) => ({ canvas: { content: { components }, ...(storedData ? { stored_data: storedData } : {}) } });

const CARD = canvas(
  [
    { type: 'text', id: 'title', text: 'Jane Doe', style: 'header' },
    { type: 'data-table', items: [{ type: 'field-value', field: 'Lifecycle stage', value: 'Customer' }] },
    { type: 'input', id: 'query', label: 'Ticket', placeholder: 'Subject or id' },
    { type: 'checkbox', id: 'flags', label: 'Options', options: [{ type: 'option', id: 'anyway', text: 'Push anyway' }] },
    { type: 'button', id: 'push', label: 'Push to HubSpot now', action: { type: 'submit' } },
    { type: 'button', id: 'open', label: 'Open in HubSpot', style: 'link', action: { type: 'url', url: 'https://app.hubspot.com/' } },
    { type: 'list', items: [{ type: 'item', id: 'ticket-1', title: 'Ticket 1', action: { type: 'submit' } }] },
  ],
  { contactId: 'c-1' },
);

/** The seeded workspace with a customer who wrote in, and the fake app installed in its Inbox. */
async function setup(t: Teardownable, reply: (path: string, body: any) => Answer) {
  const h: Harness = await startHarness(t);
  const app = await fakeApp(t, reply);
  const contact = h.sim.control.contacts.create(h.workspaceId, { role: 'user', name: 'Jane Doe', email: 'jane@example.com' });
  const conversation = h.sim.control.actAsCustomer.startConversation({ contactId: String(contact.id), body: '<p>Hello</p>' });
  h.sim.control.inboxApp({ initializeUrl: app.initializeUrl, submitUrl: app.submitUrl, clientSecret: SECRET, workspaceId: h.workspaceId });
  return { h, app, contactId: String(contact.id), conversationId: String(conversation.id) };
}

t.test('opening a conversation sends a signed initialize request with the documented fields', async (t) => {
  const { h, app, contactId, conversationId } = await setup(t, () => ({ json: CARD }));
  const answer = await h.sim.control.openInbox({ conversationId, adminId: h.adminId });
  t.same(answer, { status: 200, canvas: CARD.canvas, problems: [] }, 'a valid canvas is shown as the app sent it');

  t.equal(app.received.length, 1);
  const request = app.received[0]!;
  t.equal(request.path, '/canvas/initialize');
  t.match(request.headers['content-type'], /^application\/json/);
  t.ok(signedWith(SECRET, request), 'X-Body-Signature is the HMAC-SHA256 of the raw body with the client secret');
  t.notOk(signedWith('another-secret', request), 'and no other secret produces it');

  const body = request.body;
  t.equal(body.workspace_id, h.workspaceId);
  t.type(body.workspace_region, 'string');
  t.match(body.admin, { type: 'admin', id: h.adminId });
  t.same(body.context, { location: 'conversation', conversation_id: Number(conversationId), locale: 'en' });
  t.match(body.conversation, { type: 'conversation', id: conversationId });
  t.match(body.contact, { type: 'contact', id: contactId, email: 'jane@example.com' });
  t.same(body.card_creation_options, {});
  t.same(Object.keys(body).sort(), ['admin', 'card_creation_options', 'contact', 'context', 'conversation', 'workspace_id', 'workspace_region'], "exactly InitializeRequest's fields: no `customer`, no component");
});

t.test('a click sends a signed submit request with the component, the input values and the canvas shown', async (t) => {
  const next = canvas([{ type: 'text', id: 'done', text: 'Pushed.' }]);
  const { h, app, conversationId } = await setup(t, (path) => ({ json: path.endsWith('/submit') ? next : CARD }));
  await h.sim.control.openInbox({ conversationId, adminId: h.adminId });
  const answer = await h.sim.control.clickInbox({ conversationId, adminId: h.adminId, componentId: 'push', inputValues: { query: 'refund', flags: ['anyway'] } });
  t.same(answer, { status: 200, canvas: next.canvas, problems: [] });

  const request = app.received[1]!;
  t.equal(request.path, '/canvas/submit');
  t.ok(signedWith(SECRET, request));
  t.equal(request.body.component_id, 'push');
  t.same(request.body.input_values, { query: 'refund', flags: ['anyway'] });
  t.same(request.body.current_canvas, CARD.canvas, 'current_canvas is the canvas shown, stored_data included');
  t.equal(request.body.workspace_id, h.workspaceId);
  t.match(request.body.context, { location: 'conversation' });
  t.same(Object.keys(request.body).sort(), ['admin', 'component_id', 'contact', 'context', 'conversation', 'current_canvas', 'input_values', 'user', 'workspace_id', 'workspace_region'], "exactly SubmitRequest's fields: stored_data only inside current_canvas, no `customer`");
  t.same(request.body.user, request.body.contact);

  // The new canvas replaced the old: its buttons are gone, so the old one can no longer be clicked.
  await t.rejects(h.sim.control.clickInbox({ conversationId, adminId: h.adminId, componentId: 'push' }), { name: 'ControlError', statusCode: 400, message: /has no component with id "push"/ });
});

t.test('a list item with a submit action is clicked by its id', async (t) => {
  const { h, app, conversationId } = await setup(t, () => ({ json: CARD }));
  await h.sim.control.openInbox({ conversationId });
  await h.sim.control.clickInbox({ conversationId, componentId: 'ticket-1' });
  t.equal(app.received[1]?.body.component_id, 'ticket-1');
});

t.test('what the Inbox does not send: a click before opening, on a URL button, on an unknown id', async (t) => {
  const { h, app, conversationId } = await setup(t, () => ({ json: CARD }));
  await t.rejects(h.sim.control.clickInbox({ conversationId, componentId: 'push' }), { name: 'ControlError', statusCode: 409, message: /open it first/ }, 'nothing is shown yet');
  await h.sim.control.openInbox({ conversationId });
  await t.rejects(h.sim.control.clickInbox({ conversationId, componentId: 'open' }), { name: 'ControlError', statusCode: 400, message: /does not submit/ }, 'a URL action opens a tab, not a request');
  await t.rejects(h.sim.control.clickInbox({ conversationId, componentId: 'nope' }), { name: 'ControlError', statusCode: 400, message: /has no component with id "nope"/ });
  await t.rejects(h.sim.control.clickInbox({ conversationId, componentId: 'push', inputValues: { unknown: 'x' } }), { name: 'ControlError', statusCode: 400, message: /no input, select or checkbox with id "unknown"/ });
  t.equal(app.received.length, 1, 'only the initialize request was sent');
});

const invalid: Array<[string, unknown, RegExp]> = [
  ['an unknown component type', canvas([{ type: 'carousel', id: 'x' }]), /components\.0\.type: unknown component type "carousel"/],
  ['a missing required field', canvas([{ type: 'button', id: 'b', action: { type: 'submit' } }]), /components\.0\.label: required field missing/],
  ['duplicate ids', canvas([{ type: 'button', id: 'same', label: 'A', action: { type: 'submit' } }, { type: 'input', id: 'same' }]), /component id "same" is used 2 times/],
  ['duplicate ids in a canvas that also fails the schema', canvas([{ type: 'carousel', id: 'same' }, { type: 'divider', id: 'same' }]), /unknown component type "carousel"[^]*component id "same" is used 2 times/],
  ['content over 64 KB', canvas([{ type: 'text', text: 'x'.repeat(70_000) }]), /canvas\.content is \d+ bytes; Intercom's limit is 65536/],
  ['stored_data over 64 KB', canvas([{ type: 'text', text: 'ok' }], { blob: 'x'.repeat(70_000) }), /canvas\.stored_data is \d+ bytes/],
  ['no canvas at all', { content: { components: [] } }, /canvas: required field missing/],
];

for (const [name, answer, problem] of invalid) {
  t.test(`an invalid canvas is reported: ${name}`, async (t) => {
    const { h, conversationId } = await setup(t, () => ({ json: answer }));
    const result = await h.sim.control.openInbox({ conversationId });
    t.equal(result.status, 200);
    t.equal(result.canvas, null, 'nothing is shown');
    t.match(result.problems.join('\n'), problem);
  });
}

t.test('an app answering 401 is reported, and nothing is shown', async (t) => {
  const { h, conversationId } = await setup(t, () => ({ status: 401, json: { error: { code: 'unauthorized', message: 'The signature does not match.' } } }));
  const result = await h.sim.control.openInbox({ conversationId });
  t.equal(result.status, 401);
  t.equal(result.canvas, null);
  t.match(result.problems, [/^the app answered HTTP 401: .*signature does not match/]);
});

t.test('an answer that is not JSON, and an app that cannot be reached', async (t) => {
  const { h, conversationId } = await setup(t, () => ({ text: '<html>oops</html>' }));
  t.match((await h.sim.control.openInbox({ conversationId })).problems, ['the app\'s answer is not JSON']);
  h.sim.control.inboxApp({ initializeUrl: 'http://127.0.0.1:1/initialize', submitUrl: 'http://127.0.0.1:1/submit', clientSecret: SECRET, workspaceId: h.workspaceId });
  const unreachable = await h.sim.control.openInbox({ conversationId });
  t.equal(unreachable.status, null);
  t.match(unreachable.problems, [/could not be reached/]);
});

t.test('the control API over HTTP installs the card, opens and clicks', async (t) => {
  const { h, app, conversationId } = await setup(t, () => ({ json: CARD }));
  const install = await h.api('POST', '/_sim/inbox/apps', { initializeUrl: app.initializeUrl, submitUrl: app.submitUrl, clientSecret: SECRET });
  t.equal(install.status, 200);
  t.notOk('clientSecret' in install.body, 'the secret is not echoed');
  const opened = await h.api('POST', '/_sim/inbox/open', { conversationId });
  t.same(opened.body, { status: 200, canvas: CARD.canvas, problems: [] });
  const clicked = await h.api('POST', '/_sim/inbox/click', { conversationId, componentId: 'push', inputValues: { query: 'x' } });
  t.equal(clicked.status, 200);
  t.equal(app.received.at(-1)?.body.input_values.query, 'x');
});
