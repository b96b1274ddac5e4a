// The Intercom Inbox app (issue #20) end to end: the daemon with its simulators, and signed Canvas
// Kit requests as Intercom sends them — signed here with node:crypto, independently of
// src/canvas/canvas-signature.ts. Each answer is checked to be a canvas under Intercom's 64 KB.
import { createHmac } from 'node:crypto';
import t, { type Test } from 'tap';
import { insertConnection } from '../../src/db/repos/connections.ts';
import { connectionOwner, getCredential, putCredential } from '../../src/db/repos/credentials.ts';
import { sandboxWebhookSecretKind, webhookSecretKind } from '../../src/webhooks/signing-secrets.ts';
import { captureScenario, type Scenario } from '../helpers/capture-scenario.ts';
import { captureLogs } from '../helpers/log-capture.ts';

type Component = { type: string; id?: string; text?: string; style?: string; label?: string; value?: string; items?: Array<Record<string, any>>; action?: { type: string; url?: string } };
interface Answer {
  status: number;
  body: any;
  components: Component[];
  /** Every text the teammate would read, one line each. */
  shown: string;
}

interface Inbox {
  s: Scenario;
  secret: string;
  send(path: 'initialize' | 'submit', body: Record<string, unknown>, signature?: string | null): Promise<Answer>;
  /** `conversation`: more of the conversation object Intercom sends (admin_assignee_id, contacts). */
  open(conversationId: string, contact: Record<string, unknown>, conversation?: Record<string, unknown>): Promise<Answer>;
  click(conversationId: string, contact: Record<string, unknown>, componentId: string, inputValues?: Record<string, string>, conversation?: Record<string, unknown>): Promise<Answer>;
  activity(kind?: string): Promise<Array<{ kind: string; outcome: string; reason: string | null; subject_id: string | null; detail: any }>>;
}

const sign = (raw: string, secret: string) => createHmac('sha256', secret).update(raw).digest('hex');

function shownText(components: Component[]): string {
  return components.flatMap((c) => [c.text, c.label, ...(c.items ?? []).flatMap((i) => [i.title, i.subtitle, i.tertiary_text, i.field, i.value])]).filter(Boolean).join('\n');
}

/**
 * The Inbox app of a fresh daemon. Its answer deadlines are stretched tenfold unless a subtest is about
 * them (`canvasDeadlineStretch: 1`): the others test what the card does and says, not how fast — on a
 * loaded machine a push could otherwise answer "still working" and the subtest fail for its timing.
 * The deadlines themselves are tested by the subtests at 1, and measured by `npm run bench -- canvas`.
 */
async function inbox(t: Test, options: Parameters<typeof captureScenario>[1] = {}): Promise<Inbox> {
  const s = await captureScenario(t, { canvasDeadlineStretch: 10, ...options });
  const db = s.server.daemon.db.kysely;
  const secret = (await getCredential(db, s.server.daemon.vault, connectionOwner(s.connectionId), sandboxWebhookSecretKind('intercom')))?.value;
  if (!secret) throw new Error('the sandbox connection has no Intercom app secret');
  const send: Inbox['send'] = async (path, body, signature) => {
    const raw = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== null) headers['x-body-signature'] = signature ?? sign(raw, secret);
    const response = await fetch(`${s.server.url}/intercom/canvas/${path}`, { method: 'POST', headers, body: raw });
    const text = await response.text();
    const parsed = JSON.parse(text);
    const components: Component[] = parsed?.canvas?.content?.components ?? [];
    if (response.status === 200) {
      t.ok(Buffer.byteLength(JSON.stringify(parsed.canvas.content)) <= 64 * 1024, 'the canvas content is within 64 KB');
      const ids = components.flatMap((c) => [c.id, ...(c.items ?? []).map((i) => i.id)]).filter((id) => id !== undefined);
      t.equal(new Set(ids).size, ids.length, 'component ids are unique');
    }
    return { status: response.status, body: parsed, components, shown: shownText(components) };
  };
  const request = (conversationId: string, contact: Record<string, unknown>, conversation: Record<string, unknown> = {}) => ({
    workspace_id: s.workspaceId,
    workspace_region: 'us',
    admin: { type: 'admin', id: s.adminId, name: 'Ana Agent', email: 'ana@support.test' },
    context: { location: 'conversation', conversation_id: Number(conversationId), locale: 'en' },
    conversation: { type: 'conversation', id: conversationId, state: 'closed', ...conversation },
    contact: { type: 'contact', ...contact },
  });
  return {
    s, secret, send,
    open: (conversationId, contact, conversation) => send('initialize', { ...request(conversationId, contact, conversation), card_creation_options: {} }),
    click: (conversationId, contact, componentId, inputValues = {}, conversation) =>
      send('submit', { ...request(conversationId, contact, conversation), component_id: componentId, input_values: inputValues, current_canvas: { content: { components: [] }, stored_data: { conversationId } } }),
    activity: async (kind) => {
      let query = db.selectFrom('activity').select(['kind', 'outcome', 'reason', 'subject_id', 'detail']).where('connection_id', '=', s.connectionId);
      if (kind) query = query.where('kind', '=', kind);
      const rows = await query.orderBy('id', 'asc').execute();
      return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) }));
    },
  };
}

const ids = (answer: Answer) => answer.components.map((c) => c.id).filter(Boolean);
/** HubSpot CRM calls served (records, associations, pipelines): not the owner refresh chore's listing, which may run any time. */
const crmCalls = (s: Scenario) => s.hubspot.control.requests().entries.filter((e) => /\/crm\/(objects|associations|pipelines)\//.test(e.path)).length;

t.test('unpaired: what matching would do and the buttons; a push pairs and says what it wrote, naming the teammate', async (t) => {
  const logs = captureLogs();
  const app = await inbox(t, { logDestination: logs, logLevel: 'debug' });
  const { conversationId, contactId } = app.s.conversation({ customer: 'grace@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'grace@acme.test', name: 'Customer 1' };

  const opened = await app.open(conversationId, contact);
  t.equal(opened.status, 200);
  t.match(opened.shown, /Not in HubSpot yet/);
  t.match(opened.shown, /email grace@acme\.test/, 'says which search a push would make');
  t.match(opened.shown, /a new HubSpot contact is created/);
  t.same(ids(opened), ['push', 'create_ticket', 'link_ticket', 'refresh']);
  t.same(opened.body.canvas.stored_data, { conversationId, contactId });
  t.same(await app.activity(), [], 'opening writes nothing');

  const pushed = await app.click(conversationId, contact, 'push');
  t.match(pushed.components[0], { type: 'text', text: /^Pushed to HubSpot: note \d+/ });
  t.match(pushed.shown, /Customer 1/, 'the paired contact is shown');
  t.match(pushed.shown, /grace@acme\.test/);
  t.match(pushed.shown, /Acme GmbH/, 'with its company');
  t.match(pushed.shown, /No open deals/);
  t.match(pushed.shown, /Last captured \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  t.ok(pushed.components.some((c) => c.id === 'open_contact' && c.action?.type === 'url' && /\/record\/0-1\//.test(c.action.url ?? '')), 'a link to the contact in HubSpot');
  t.equal(app.s.notes().length, 1, 'the note was written');
  const entries = await app.activity('inbox');
  t.equal(entries.length, 1);
  t.match(entries[0], { kind: 'inbox', outcome: 'captured', subject_id: conversationId, detail: { action: 'push', teammate: { id: app.s.adminId, name: 'Ana Agent' } } });
  t.match(await app.activity('capture'), [{ outcome: 'captured', detail: { trigger: 'manual' } }], 'through the capture path');
  const explained = await app.s.api('GET', `/api/connections/${app.s.connectionId}/conversations/${conversationId}/explain`);
  const lines: string[] = (explained.body?.timeline ?? []).map((entry: { summary: string }) => entry.summary);
  t.ok(lines.includes('Activity: Ana Agent clicked \u201cPush to HubSpot now\u201d in the Inbox app: captured'), 'the explainer names the teammate and the button');

  t.notMatch(logs.text(), /grace@acme\.test/, 'the request body is not logged');
  t.notMatch(logs.text(), /My invoice shows/, 'nor any conversation text');
});

t.test('paired: contact, company, open deals with stages, from one HubSpot read per open', async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'ada@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'ada@acme.test' };
  t.equal((await app.s.push(conversationId)).status, 200);
  const hubspotContact = app.s.records('contacts')[0];
  if (!hubspotContact) throw new Error('no contact');
  const owner = app.s.hubspot.control.addOwner({ hubId: app.s.hubId, email: 'rita@sales.test', firstName: 'Rita', lastName: 'Sales' });
  app.s.hubspot.control.updateRecordAsUser({ hubId: app.s.hubId, objectType: 'contacts', id: hubspotContact.id, properties: { hubspot_owner_id: String(owner.id), lifecyclestage: 'customer' } });
  app.s.hubspot.control.seedDeal({ hubId: app.s.hubId, properties: { dealname: 'Renewal 2027', amount: '1200.50', dealstage: 'qualifiedtobuy' }, contactIds: [hubspotContact.id] });
  app.s.hubspot.control.seedDeal({ hubId: app.s.hubId, properties: { dealname: 'Upsell', amount: '300', dealstage: 'contractsent' }, contactIds: [hubspotContact.id] });
  app.s.hubspot.control.seedDeal({ hubId: app.s.hubId, properties: { dealname: 'Old one', amount: '999', dealstage: 'closedlost' }, contactIds: [hubspotContact.id] });

  const opened = await app.open(conversationId, contact);
  t.match(opened.shown, /2 open deals, 1,500\.50 in total/, 'closed deals are not counted');
  const deals = opened.components.find((c) => c.type === 'list');
  t.same(deals?.items?.map((i) => [i.title, i.subtitle]), [['Renewal 2027', 'Qualified To Buy'], ['Upsell', 'Contract Sent']], 'the largest first, with the stage label');
  t.match(opened.shown, /Contact owner\nRita Sales\n/, "the contact's owner by name");
  t.match(opened.shown, /Lifecycle stage\ncustomer\n/);
  t.match(opened.shown, /Company\nAcme GmbH \(acme\.test\)/);

  app.s.hubspot.control.clearRequests();
  const again = await app.open(conversationId, contact);
  t.equal(again.shown, opened.shown);
  // Only the panel's own reads are counted: the sandbox's record sync may call HubSpot meanwhile.
  const panelReads = () => app.s.hubspot.control.requests().entries.filter((e) => /\/deals\/batch\/read$|\/contacts\/deals\/batch\/read$/.test(e.path) || e.path.endsWith(`/contacts/${hubspotContact.id}`)).length;
  t.equal(panelReads(), 0, 'a second open within a minute is served from memory');

  const refreshed = await app.click(conversationId, contact, 'refresh');
  t.ok(panelReads() >= 3, 'Refresh reads HubSpot again');
  t.match(refreshed.shown, /2 open deals/);
  t.match((await app.activity('inbox')).at(-1), { outcome: 'unchanged', detail: { action: 'refresh', teammate: { id: app.s.adminId } } });
});

t.test('a push a guard stops offers "push anyway", which captures', async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'lin@acme.test', messages: 1 });
  const contact = { id: contactId, role: 'user', email: 'lin@acme.test' };
  const stopped = await app.click(conversationId, contact, 'push');
  t.match(stopped.components[0], { style: 'error', text: /^Not pushed: / });
  t.ok(ids(stopped).includes('push_anyway'), 'offers to push anyway');
  t.equal(app.s.notes().length, 0);
  t.match((await app.activity('inbox'))[0], { outcome: 'skipped', reason: 'human_teammate', detail: { action: 'push' } });

  const forced = await app.click(conversationId, contact, 'push_anyway');
  t.match(forced.components[0], { text: /^Pushed to HubSpot/ });
  t.equal(app.s.notes().length, 1);
  t.match((await app.activity('inbox'))[1], { outcome: 'captured', detail: { action: 'push_anyway', teammate: { name: 'Ana Agent' } } });
});

t.test('create ticket: the connection policy and pipeline, linked and shown with its stage', async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'tim@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'tim@acme.test' };
  const made = await app.click(conversationId, contact, 'create_ticket');
  t.match(made.components[0], { text: /^Created ticket \d+ in / });
  const tickets = app.s.records('tickets' as 'contacts');
  t.equal(tickets.length, 1, 'one ticket in HubSpot');
  const link = await app.s.server.daemon.db.kysely.selectFrom('ticket_links').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
  t.equal(link?.ticket_id, tickets[0]?.id, 'the linkage record names it');
  t.match(made.shown, new RegExp(`Ticket\\n${tickets[0]?.id}\\nStage\\n`));
  t.ok(made.components.some((c) => c.id === 'open_ticket' && /\/record\/0-5\//.test(c.action?.url ?? '')));
  t.notOk(ids(made).includes('create_ticket'), 'no second "Create ticket" once linked');

  const twice = await app.click(conversationId, contact, 'refresh');
  t.match(twice.shown, new RegExp(`${tickets[0]?.id}`));
  t.match((await app.activity('inbox'))[0], { outcome: 'captured', detail: { action: 'create_ticket', ticketId: tickets[0]?.id, teammate: { id: app.s.adminId } } });

  await app.s.setSettings((settings) => {
    settings.tickets.policy = 'none';
  });
  const other = app.s.conversation({ customer: 'una@acme.test' });
  const off = await app.click(other.conversationId, { id: other.contactId, role: 'user', email: 'una@acme.test' }, 'create_ticket');
  t.match(off.components[0], { style: 'error', text: /tickets are off/ });
  t.equal(app.s.records('tickets' as 'contacts').length, 1, 'policy none makes no ticket');
});

t.test('link an existing ticket: search by subject or id, pick one, the linkage record is written', async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'ola@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'ola@acme.test' };
  const ticketId = app.s.hubspot.control.seedRecord({ hubId: app.s.hubId, objectType: 'tickets', properties: { subject: 'Refund for order 42', hs_pipeline: '0', hs_pipeline_stage: '1' } });
  app.s.hubspot.control.seedRecord({ hubId: app.s.hubId, objectType: 'tickets', properties: { subject: 'Password reset', hs_pipeline: '0', hs_pipeline_stage: '1' } });

  const form = await app.click(conversationId, contact, 'link_ticket');
  t.same(ids(form), ['ticket_query', 'ticket_search', 'back']);
  const empty = await app.click(conversationId, contact, 'ticket_search', { ticket_query: '' });
  t.match(empty.shown, /Type a subject or a ticket id first/);

  const bySubject = await app.click(conversationId, contact, 'ticket_search', { ticket_query: 'refund' });
  const hits = bySubject.components.find((c) => c.type === 'list')?.items ?? [];
  t.same(hits.map((i) => [i.id, i.title]), [[`link:${ticketId}`, 'Refund for order 42']], 'found by a word of the subject');
  t.match(hits[0], { action: { type: 'submit' } });
  const byId = await app.click(conversationId, contact, 'ticket_search', { ticket_query: ticketId });
  t.same(byId.components.find((c) => c.type === 'list')?.items?.map((i) => i.id), [`link:${ticketId}`], 'found by its id');

  const linked = await app.click(conversationId, contact, `link:${ticketId}`);
  t.match(linked.components[0], { text: new RegExp(`^Linked ticket ${ticketId} `) });
  const link = await app.s.server.daemon.db.kysely.selectFrom('ticket_links').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
  t.match(link, { ticket_id: ticketId, status: 'active', pipeline_id: '0', stage_id: '1', state: 'closed' });
  t.match((await app.activity('inbox')).at(-1), { outcome: 'updated', detail: { action: 'link_ticket', ticketId, teammate: { id: app.s.adminId } } });

  const missing = await app.click(conversationId, contact, 'link:999999999');
  t.match(missing.components[0], { style: 'error', text: /HubSpot has no ticket 999999999/ });
});

t.test('a forged, missing or foreign signature is refused with 401 and nothing is done; an unknown workspace 404', async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'eve@acme.test' });
  const body = {
    workspace_id: app.s.workspaceId, admin: { id: app.s.adminId, name: 'Ana Agent' }, context: { location: 'conversation', conversation_id: conversationId },
    contact: { id: contactId, role: 'user', email: 'eve@acme.test' }, component_id: 'push', input_values: {}, current_canvas: { content: { components: [] }, stored_data: {} },
  };
  app.s.hubspot.control.clearRequests();
  const raw = JSON.stringify(body);
  for (const [what, signature] of [['missing', null], ['forged', 'ab'.repeat(32)], ['another secret', sign(raw, 'not-the-app-secret')], ['sha1 of the webhooks', `sha1=${createHmac('sha1', app.secret).update(raw).digest('hex')}`]] as const) {
    const answer = await app.send('submit', body, signature);
    t.equal(answer.status, 401, `${what}: 401`);
    t.equal(answer.body.error?.code ?? answer.body.code, 'invalid_signature');
  }
  const tampered = await app.send('submit', { ...body, component_id: 'create_ticket' }, sign(raw, app.secret));
  t.equal(tampered.status, 401, 'a body changed after signing: 401');
  t.same(await app.activity(), [], 'no activity');
  t.equal(app.s.notes().length, 0, 'no note');
  t.equal(crmCalls(app.s), 0, 'no HubSpot call');

  const unknown = await app.send('initialize', { ...body, workspace_id: 'not-a-workspace' });
  t.equal(unknown.status, 404);
  const unknownSubmit = await app.send('submit', { ...body, workspace_id: 'not-a-workspace' });
  t.equal(unknownSubmit.status, 404);
  t.same(await app.activity(), [], 'still no activity');
  t.equal(crmCalls(app.s), 0, 'still no HubSpot call');
});

t.test('a spent HubSpot budget: the canvas says when to try again instead of waiting', async (t) => {
  const app = await inbox(t, { canvasDeadlineStretch: 1 });
  const { conversationId, contactId } = app.s.conversation({ customer: 'bo@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'bo@acme.test' };
  t.equal((await app.s.push(conversationId)).status, 200);
  // HubSpot answered 429 with Retry-After: the portal's budget pauses (src/integrations/hubspot/rate-plan.ts).
  const budget = app.s.server.daemon.upstream.hubspotRates.portal(String(app.s.hubId));
  budget.learn({ method: 'GET', path: '/crm/objects/2026-09/contacts/1' }, 429, { 'retry-after': '30' });
  app.s.hubspot.control.clearRequests();

  const busy = await app.open(conversationId, contact);
  t.equal(busy.status, 200);
  t.match(busy.shown, /HubSpot is busy, try again in (29|30) s/);
  t.ok(ids(busy).includes('refresh'), 'with Refresh to try again');
  t.equal(crmCalls(app.s), 0, 'HubSpot was not called');

  const search = await app.click(conversationId, contact, 'ticket_search', { ticket_query: 'anything' });
  t.match(search.shown, /HubSpot is busy, try again in \d+ s/);
  t.equal(crmCalls(app.s), 0, 'nor for a ticket search');

  const other = app.s.conversation({ customer: 'cy@acme.test' });
  const otherContact = { id: other.contactId, role: 'user', email: 'cy@acme.test' };
  for (const button of ['push', 'create_ticket']) {
    const refused = await app.click(other.conversationId, otherContact, button);
    t.match(refused.components[0], { style: 'error', text: /^HubSpot is busy, try again in \d+ s\. Nothing was done\.$/ }, `${button}: nothing is tried`);
  }
  t.equal(app.s.notes().length, 1, 'no second note');
  t.equal(app.s.records('tickets' as 'contacts').length, 0, 'no ticket');
  t.equal((await app.activity('capture')).length, 1, 'no capture ran');
  t.equal(crmCalls(app.s), 0, 'and HubSpot was not called');
});

t.test('the Intercom simulator plays the Inbox against the daemon: every canvas passes its Canvas Kit check', async (t) => {
  const app = await inbox(t);
  const { conversationId } = app.s.conversation({ customer: 'sim@acme.test' });
  const sim = app.s.intercom.control;
  sim.inboxApp({ initializeUrl: `${app.s.server.url}/intercom/canvas/initialize`, submitUrl: `${app.s.server.url}/intercom/canvas/submit`, clientSecret: app.secret, workspaceId: app.s.workspaceId });

  const opened = await sim.openInbox({ conversationId, adminId: app.s.adminId });
  t.same(opened.problems, [], 'the initialize canvas is valid Canvas Kit');
  t.equal(opened.status, 200);
  const pushed = await sim.clickInbox({ conversationId, adminId: app.s.adminId, componentId: 'push' });
  t.same(pushed.problems, []);
  t.equal(app.s.notes().length, 1, 'the push wrote the note');
  const form = await sim.clickInbox({ conversationId, adminId: app.s.adminId, componentId: 'link_ticket' });
  t.same(form.problems, []);
  const searched = await sim.clickInbox({ conversationId, adminId: app.s.adminId, componentId: 'ticket_search', inputValues: { ticket_query: 'nothing like it' } });
  t.same(searched.problems, []);
  const back = await sim.clickInbox({ conversationId, adminId: app.s.adminId, componentId: 'back' });
  t.same(back.problems, []);
  t.match((await app.activity('inbox'))[0], { detail: { action: 'push', teammate: { id: app.s.adminId, name: 'Ana Agent' } } }, 'the teammate is the one the simulator names');

  sim.inboxApp({ initializeUrl: `${app.s.server.url}/intercom/canvas/initialize`, submitUrl: `${app.s.server.url}/intercom/canvas/submit`, clientSecret: 'a-forger', workspaceId: app.s.workspaceId });
  const forged = await sim.openInbox({ conversationId, adminId: app.s.adminId });
  t.equal(forged.status, 401, 'an app signing with another secret is refused');
});

t.test("a workspace on several connections: the configured app's secret picks one by rule and names the others; a connection's own secret only itself", async (t) => {
  const app = await inbox(t, { config: { apps: { intercom: { clientId: 'configured-app', clientSecret: 'configured-app-secret' } } } });
  const { conversationId, contactId } = app.s.conversation({ customer: 'two@acme.test' });
  const db = app.s.server.daemon.db.kysely;
  const now = Date.now();
  const second = await insertConnection(db, {
    id: 'second-connection', name: 'Second team', status: 'active', createdAt: now + 1, intercomWorkspaceId: app.s.workspaceId, intercomRegion: 'us',
    hubspotPortalId: null, intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: null,
  });
  await putCredential(db, app.s.server.daemon.vault, { owner: connectionOwner(second.id), kind: webhookSecretKind('intercom'), value: 'second-own-secret', now });
  const body = {
    workspace_id: app.s.workspaceId, admin: { id: app.s.adminId, name: 'Ana Agent' }, context: { location: 'conversation', conversation_id: conversationId },
    contact: { id: contactId, role: 'user', email: 'two@acme.test' },
  };
  const raw = JSON.stringify(body);

  const byConfigured = await app.send('initialize', body, sign(raw, 'configured-app-secret'));
  t.equal(byConfigured.status, 200);
  t.match(byConfigured.shown, /this workspace is also on 'Second team'/, 'the oldest active connection is shown, the other named');

  const bySandbox = await app.send('initialize', body, sign(raw, app.secret));
  t.notMatch(bySandbox.shown, /also on/, "the sandbox connection's own secret vouches for it alone");

  const bySecond = await app.send('initialize', body, sign(raw, 'second-own-secret'));
  t.equal(bySecond.status, 200);
  t.notMatch(bySecond.shown, /also on/);
  t.match(bySecond.shown, /Not in HubSpot yet/, "the second connection's view: nothing of it is paired");

  await db.updateTable('connections').set({ intercom_workspace_id: 'elsewhere' }).where('id', '=', second.id).execute();
  const moved = await app.send('initialize', body, sign(raw, 'second-own-secret'));
  t.equal(moved.status, 404, "a connection's own secret does not open another connection's workspace");
});

t.test('HubSpot slower than the panel can wait: the canvas answers without it, and the read goes on to fill the cache', async (t) => {
  const app = await inbox(t, { canvasDeadlineStretch: 1 });
  const { conversationId, contactId } = app.s.conversation({ customer: 'slow@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'slow@acme.test' };
  t.equal((await app.s.push(conversationId)).status, 200);
  app.s.hubspot.control.setLatency({ ms: 4_000, method: 'GET', pathPrefix: '/crm/objects/2026-09/contacts/' });
  t.teardown(() => app.s.hubspot.control.setLatency(null));
  const slow = await app.open(conversationId, contact);
  t.equal(slow.status, 200);
  t.match(slow.shown, /HubSpot is slow: showing what Interhubz knows\. Press Refresh in a moment/);
  t.match(slow.shown, /Last captured/, "what the daemon's own tables know is still shown");
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('HubSpot slower than the deadline: Refresh waits for the read the card said was coming instead of starting over', async (t) => {
  const app = await inbox(t, { canvasDeadlineStretch: 1 });
  const { conversationId, contactId } = app.s.conversation({ customer: 'later@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'later@acme.test' };
  t.equal((await app.s.push(conversationId)).status, 200);
  const hubspotContact = app.s.records('contacts')[0];
  if (!hubspotContact) throw new Error('no contact');
  // Well past the card's HubSpot deadline (src/canvas/answer-deadline.ts), on the contact's own read only.
  app.s.hubspot.control.setLatency({ ms: 1_500, method: 'GET', pathPrefix: `/crm/objects/2026-09/contacts/${hubspotContact.id}` });
  t.teardown(() => app.s.hubspot.control.setLatency(null));
  app.s.hubspot.control.clearRequests();
  const slow = await app.open(conversationId, contact);
  t.match(slow.shown, /HubSpot is slow: showing what Interhubz knows/);

  let refreshes = 0;
  let shown: Answer | undefined;
  while (refreshes < 60 && !shown) {
    const refreshed = await app.click(conversationId, contact, 'refresh');
    refreshes += 1;
    if (/HubSpot is slow/.test(refreshed.shown)) await pause(200);
    else shown = refreshed;
  }
  t.match(shown?.shown, /later@acme\.test/, 'a Refresh shows the contact the late read found');
  const reads = app.s.hubspot.control.requests().entries.filter((e) => e.method === 'GET' && e.path.endsWith(`/contacts/${hubspotContact.id}`)).length;
  t.equal(reads, 1, `HubSpot was asked for the contact once, not at each of the ${refreshes} Refreshes`);

  const again = await app.click(conversationId, contact, 'refresh');
  t.match(again.shown, /HubSpot is slow/, 'once shown, the next Refresh reads HubSpot again (and waits for it)');
});

t.test('a push slower than the deadline answers "still working", finishes in the background, and Refresh shows it', async (t) => {
  const app = await inbox(t, { canvasDeadlineStretch: 1 });
  const { conversationId, contactId } = app.s.conversation({ customer: 'patient@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'patient@acme.test' };
  app.s.hubspot.control.setLatency({ ms: 1_500, method: 'POST', pathPrefix: '/crm/objects/2026-09/notes' });
  t.teardown(() => app.s.hubspot.control.setLatency(null));
  const pushed = await app.click(conversationId, contact, 'push');
  t.equal(pushed.status, 200);
  t.match(pushed.components[0], { type: 'text', text: /^Still working: press Refresh in a moment to see the result\.$/ });
  t.notMatch(pushed.shown, /Last captured/, 'the card shows what is known so far: not captured yet');

  let entries = await app.activity('inbox');
  for (let i = 0; i < 100 && entries.length === 0; i++) {
    await pause(100);
    entries = await app.activity('inbox');
  }
  t.match(entries, [{ outcome: 'captured', detail: { action: 'push', teammate: { id: app.s.adminId } } }], 'the push ends and writes its activity entry');
  t.equal(app.s.notes().length, 1, 'the note was written');
  const refreshed = await app.click(conversationId, contact, 'refresh');
  t.match(refreshed.shown, /Last captured \d{4}-\d\d-\d\d \d\d:\d\d UTC/, 'Refresh shows the result');
  t.match(refreshed.shown, /patient@acme\.test/, 'and the contact the push paired');
});

t.test('a ticket search slower than the deadline says it goes on; Search again shows what it found without searching again', async (t) => {
  const app = await inbox(t, { canvasDeadlineStretch: 1 });
  const { conversationId, contactId } = app.s.conversation({ customer: 'seeker@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'seeker@acme.test' };
  const ticketId = app.s.hubspot.control.seedRecord({ hubId: app.s.hubId, objectType: 'tickets', properties: { subject: 'Broken hinge', hs_pipeline: '0', hs_pipeline_stage: '1' } });
  app.s.hubspot.control.setLatency({ ms: 1_500, method: 'POST', pathPrefix: '/crm/objects/2026-09/tickets/search' });
  t.teardown(() => app.s.hubspot.control.setLatency(null));
  app.s.hubspot.control.clearRequests();
  const late = await app.click(conversationId, contact, 'ticket_search', { ticket_query: 'hinge' });
  t.equal(late.status, 200);
  t.match(late.shown, /HubSpot is slow: the search goes on\. Press Search again in a moment/);
  t.equal(late.components.find((c) => c.id === 'ticket_query')?.value, 'hinge', 'the words stay in the input');

  let searches = 0;
  let found: Answer | undefined;
  while (searches < 60 && !found) {
    const again = await app.click(conversationId, contact, 'ticket_search', { ticket_query: 'hinge' });
    searches += 1;
    if (/HubSpot is slow/.test(again.shown)) await pause(200);
    else found = again;
  }
  t.ok(found?.components.some((c) => c.items?.some((i) => i.id === `link:${ticketId}`)), 'Search again lists the ticket the late search found');
  const sent = app.s.hubspot.control.requests().entries.filter((e) => e.method === 'POST' && e.path.endsWith('/tickets/search')).length;
  t.equal(sent, 1, `HubSpot was searched once, not at each of the ${searches} Searches`);
});

t.test("a submit naming no conversation but the canvas's stored_data (current_canvas.stored_data) acts on the stored conversation and contact", async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'kit@acme.test' });
  const opened = await app.open(conversationId, { id: contactId, role: 'user', email: 'kit@acme.test' });
  const body = {
    workspace_id: app.s.workspaceId, workspace_region: 'us', admin: { type: 'admin', id: app.s.adminId, name: 'Ana Agent' },
    component_id: 'refresh', input_values: {}, current_canvas: opened.body.canvas,
  };
  const refreshed = await app.send('submit', body);
  t.equal(refreshed.status, 200);
  t.match(refreshed.shown, /Not in HubSpot yet/, "the stored contact's facts, not 'open this app in a conversation'");
  t.same(refreshed.body.canvas.stored_data, { conversationId, contactId });
  t.match(await app.activity('inbox'), [{ subject_id: conversationId, detail: { action: 'refresh' } }]);
});

/** Refreshes the user mapping and waits until the teammate is mapped to the owner (as test/capture/push.test.ts). */
async function mapTeammate(t: Test, s: Scenario, ownerId: string): Promise<void> {
  t.equal((await s.api('POST', `/api/connections/${s.connectionId}/users/refresh`)).status, 202);
  for (let i = 0; i < 100; i++) {
    const users = await s.api('GET', `/api/connections/${s.connectionId}/users`);
    if (users.body?.mappings?.some((m: { adminId: string; ownerId: string | null }) => m.adminId === s.adminId && m.ownerId === ownerId)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.fail('the teammate was not mapped');
}

t.test("the card tells the contact's own owner (a push never sets it) from the owner the note and ticket get (the user mapping)", async (t) => {
  const app = await inbox(t);
  const owner = app.s.hubspot.control.addOwner({ hubId: app.s.hubId, email: 'ana@support.test', firstName: 'Ana', lastName: 'Sales' });
  await mapTeammate(t, app.s, String(owner.id));
  const { conversationId, contactId } = app.s.conversation({ customer: 'own@acme.test', close: false });
  app.s.intercom.control.actAsAdmin.assign({ conversationId, adminId: app.s.adminId, assigneeId: app.s.adminId });
  app.s.intercom.control.actAsAdmin.close({ conversationId, adminId: app.s.adminId });
  const contact = { id: contactId, role: 'user', email: 'own@acme.test' };
  const assigned = { admin_assignee_id: Number(app.s.adminId) };

  const before = await app.open(conversationId, contact, assigned);
  t.match(before.shown, /Its note and ticket would be owned by Ana Sales\./, 'unpaired: who would own what a push writes');

  const pushed = await app.click(conversationId, contact, 'push', {}, assigned);
  t.equal(app.s.notes()[0]?.properties.hubspot_owner_id, String(owner.id), 'the note is owned by the mapped owner');
  t.notOk(app.s.records('contacts')[0]?.properties.hubspot_owner_id, "and the contact's owner is left alone (DESIGN.md: the mapping is for notes and tickets)");
  t.match(pushed.shown, /Contact owner\nnone in HubSpot\n/, 'said as what it is: the contact has no owner in HubSpot');
  t.match(pushed.shown, /Notes owned by\nAna Sales\n/);

  const unassigned = await app.open(conversationId, contact, { admin_assignee_id: null });
  t.match(unassigned.shown, /Notes owned by\nnobody \(no user mapping, no default owner\)/, 'an unassigned conversation without a default owner');
});

t.test('linking an existing ticket associates it with the HubSpot contact and company, as a created ticket is; another pipeline is said', async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'ida@acme.test' });
  const contact = { id: contactId, role: 'user', email: 'ida@acme.test' };
  const portal = app.s.hubspot.state.portals.get(app.s.hubId);
  const support = portal?.pipelines.get('0');
  if (!portal || !support) throw new Error('no ticket pipeline');
  portal.pipelines.set('77', { ...support, id: '77', label: 'Engineering', displayOrder: 1, stages: support.stages.map((stage) => ({ ...stage, id: `7${stage.id}`, label: `Eng ${stage.label}` })) });
  t.equal((await app.s.push(conversationId)).status, 200);
  const hubspotContact = app.s.records('contacts')[0];
  const hubspotCompany = app.s.records('companies')[0];
  if (!hubspotContact || !hubspotCompany) throw new Error('the push made no contact or company');
  const inSupport = app.s.hubspot.control.seedRecord({ hubId: app.s.hubId, objectType: 'tickets', properties: { subject: 'Refund for order 42', hs_pipeline: '0', hs_pipeline_stage: '1' } });
  const inEngineering = app.s.hubspot.control.seedRecord({ hubId: app.s.hubId, objectType: 'tickets', properties: { subject: 'Crash on export', hs_pipeline: '77', hs_pipeline_stage: '71' } });
  const ticket = (id: string) => app.s.hubspot.control.records({ hubId: app.s.hubId, objectType: 'tickets' }).find((record) => record.id === id);

  const linked = await app.click(conversationId, contact, `link:${inSupport}`);
  t.match(linked.components[0], { text: new RegExp(`^Linked ticket ${inSupport} \\(New\\) to this conversation\\. It is on HubSpot contact ${hubspotContact.id} and company ${hubspotCompany.id}\\.$`) });
  t.same(ticket(inSupport)?.associations.contacts?.map((a) => a.id), [hubspotContact.id], 'the ticket is on the contact in HubSpot');
  t.same(ticket(inSupport)?.associations.companies?.map((a) => a.id), [hubspotCompany.id], 'and on its company');
  t.notMatch(linked.shown, /another pipeline|not this connection/, 'the connection\u2019s own pipeline: nothing to say');
  t.match((await app.activity('inbox')).at(-1), { detail: { action: 'link_ticket', ticketId: inSupport, associated: { contactId: hubspotContact.id, companyId: hubspotCompany.id } } });

  const other = await app.click(conversationId, contact, `link:${inEngineering}`);
  t.match(other.components[0], { text: /It is in the pipeline 'Engineering', not this connection\u2019s 'Support Pipeline': its stage follows the conversation only from the conversation\u2019s next open, snooze or close/ });
  t.match(other.shown, /This ticket is in the pipeline 'Engineering', not this connection\u2019s 'Support Pipeline'/, 'and the card keeps saying so');
  t.same(ticket(inEngineering)?.associations.contacts?.map((a) => a.id), [hubspotContact.id]);
  t.match(await app.s.server.daemon.db.kysely.selectFrom('ticket_links').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst(), { ticket_id: inEngineering, pipeline_id: '77', stage_id: '71', contact_id: hubspotContact.id });
});

t.test('a group conversation: the card for a second customer says Push, Create ticket and Link act on the first', async (t) => {
  const app = await inbox(t);
  const { conversationId, contactId } = app.s.conversation({ customer: 'lead@acme.test', close: false });
  const colleague = app.s.intercom.control.contacts.create(app.s.workspaceId, { role: 'user', email: 'colleague@acme.test', name: 'Colleague' });
  app.s.intercom.control.actAsCustomer.reply({ conversationId, contactId: String(colleague.id), body: '<p>Adding my colleague.</p>' });
  app.s.intercom.control.actAsAdmin.close({ conversationId, adminId: app.s.adminId });
  const contacts = { contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contactId }, { type: 'contact', id: String(colleague.id) }] } };

  const second = await app.open(conversationId, { id: String(colleague.id), role: 'user', email: 'colleague@acme.test' }, contacts);
  t.match(second.shown, new RegExp(`Group conversation: Push, Create ticket and Link act on its first customer \\(Intercom contact ${contactId}, not in HubSpot yet\\), not on the customer shown above\\.`));
  const first = await app.open(conversationId, { id: contactId, role: 'user', email: 'lead@acme.test' }, contacts);
  t.notMatch(first.shown, /Group conversation/, 'the first customer\u2019s own card says nothing of it');
  // The simulator's Inbox sends the conversation as Intercom does (its contacts, first first): the same words.
  const sim = app.s.intercom.control;
  sim.inboxApp({ initializeUrl: `${app.s.server.url}/intercom/canvas/initialize`, submitUrl: `${app.s.server.url}/intercom/canvas/submit`, clientSecret: app.secret, workspaceId: app.s.workspaceId });
  const played = await sim.openInbox({ conversationId, adminId: app.s.adminId, contactId: String(colleague.id) });
  t.same(played.problems, []);
  t.match(JSON.stringify(played.canvas), new RegExp(`Group conversation: Push, Create ticket and Link act on its first customer \\(Intercom contact ${contactId}, `));

  t.equal((await app.s.push(conversationId)).status, 200);
  const lead = app.s.records('contacts').find((record) => record.properties.email === 'lead@acme.test');
  const after = await app.open(conversationId, { id: String(colleague.id), role: 'user', email: 'colleague@acme.test' }, contacts);
  t.match(after.shown, new RegExp(`first customer \\(Intercom contact ${contactId}, HubSpot contact ${lead?.id}\\)`), 'once paired, its HubSpot contact');
});
