// Typed Intercom calls against the simulator: what the sync reads and the admin actions it takes,
// tolerant parsing, the 500-part cap, merged contacts, regional hosts, and a log with no secrets.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createHttpPools } from '../../../src/integrations/http-pools.ts';
import { INTERCOM_API_VERSION, intercomBaseUrl, parseRegion } from '../../../src/integrations/intercom/regions.ts';
import { createIntercomRateRegistry } from '../../../src/integrations/intercom/rate-plan.ts';
import { UpstreamError } from '../../../src/integrations/upstream-error.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { failure, harness } from './setup.ts';

const capture = captureLogs();
const SECRET_TEXT = 'Kundennummer-7731-geheim';
const tokens: string[] = [];

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

t.test('me, admins, contacts, companies, conversations are typed', async (t) => {
  const h = await harness(t, capture);
  tokens.push(h.token);
  const { control } = h.running.sim;
  const me = await h.client.me();
  t.equal(me.app.id_code, h.workspaceId, 'GET /me names the workspace');
  const second = control.admins.create(h.workspaceId, { name: 'Sam Agent', email: 'sam@acme.test' });
  const admins = await h.client.listAdmins();
  t.ok(admins.some((a) => a.id === second.id), 'admins listed');
  t.equal((await h.client.getAdmin(second.id)).email, 'sam@acme.test');

  const company = control.companies.create(h.workspaceId, { companyId: 'acct-1', name: 'Customer GmbH' });
  const contacts = Array.from({ length: 7 }, (_, i) => control.contacts.create(h.workspaceId, { email: `c${i}@customer.test`, name: `C ${i}`, role: 'user', companyIds: [String(company.id)] }));
  const first = contacts[0]!;
  t.equal((await h.client.getContact(String(first.id))).email, 'c0@customer.test');
  const listed = await collect(h.client.listContactPages({ perPage: 3 }));
  t.equal(listed.length, 3, 'cursor pages: 7 contacts in pages of 3');
  t.equal(listed.flatMap((p) => p.items).length, 7);
  const found = await collect(h.client.searchContacts({ field: 'email', operator: '=', value: 'c3@customer.test' }));
  t.same(found.map((c) => String(c.id)), [String(contacts[3]!.id)], 'contact search');

  t.equal((await h.client.getCompany(String(company.id))).company_id, 'acct-1');
  for (let i = 0; i < 4; i++) control.companies.create(h.workspaceId, { companyId: `acct-x${i}`, name: `X ${i}` });
  t.equal((await collect(h.client.listCompanies({ perPage: 2 }))).length, 1, 'companies/list: only companies with users (page style)');
  t.equal((await collect(h.client.scrollCompanies())).length, 5, 'scroll sees every company');
  t.equal((await collect(h.client.findCompanies({ companyId: 'acct-x2' })))[0]?.name, 'X 2');
  t.same(await collect(h.client.findCompanies({ companyId: 'nope' })), [], 'no match is empty, not an error');

  const started = contacts.map((c, i) => control.actAsCustomer.startConversation({ contactId: String(c.id), body: `${SECRET_TEXT} ${i}` }));
  const pages = await collect(h.client.searchConversationPages({ operator: 'AND', value: [{ field: 'state', operator: '=', value: 'open' }, { field: 'updated_at', operator: '>', value: 0 }] }, { perPage: 2, sort: { field: 'updated_at', order: 'ascending' } }));
  t.equal(pages.length, 4, 'search walks cursor pages');
  t.same(new Set(pages.flatMap((p) => p.items.map((c) => String(c.id)))), new Set(started.map((c) => String(c.id) as string)));
  t.equal((await collect(h.client.listConversationPages({ perPage: 5 }))).flatMap((p) => p.items).length, 7);
  t.match(await failure(collect(h.client.searchConversations({ operator: 'OR', value: Array.from({ length: 16 }, () => ({ field: 'id', operator: '=' as const, value: '1' })) }))), { kind: 'invalid_request' }, 'more than 15 filters refused before sending');

  const id = started[0]!.id as string;
  const replied = await h.client.reply({ conversationId: id, adminId: h.adminId, body: `<p>${SECRET_TEXT} reply</p>` });
  t.equal(replied.id, id);
  await h.client.note({ conversationId: id, adminId: h.adminId, body: `${SECRET_TEXT} note` });
  t.equal((await h.client.close({ conversationId: id, adminId: h.adminId })).state, 'closed');
  t.equal((await h.client.open({ conversationId: id, adminId: h.adminId })).state, 'open');
  const full = await h.client.getConversation(id);
  t.same(full.parts.map((p) => p.part_type), ['comment', 'note', 'close', 'open'], 'every part, in order');
  t.equal(full.partsTruncated, false);
  t.equal(full.parts[0]?.author.type, 'admin');
  const failed = h.running.sim.control.requests.entries().filter((e) => e.status >= 400);
  t.same(failed.map((e) => `${e.status} ${e.path}`), ['404 /companies'], 'only the filter that matched nothing failed');
});

t.test('unknown part_type and author.type parse', async (t) => {
  const h = await harness(t, capture);
  tokens.push(h.token);
  const { control, state } = h.running.sim;
  const contact = control.contacts.create(h.workspaceId, { email: 'x@customer.test', role: 'lead' });
  const conv = control.actAsCustomer.startConversation({ contactId: String(contact.id), body: SECRET_TEXT });
  control.actAsAdmin.reply({ conversationId: conv.id as string, body: SECRET_TEXT });
  const stored = state.conversations.get(conv.id as string)!;
  const part = stored.parts.at(-1)!;
  (part as { partType: string }).partType = 'hologram_summoned';
  (part.author as { type: string }).type = 'ai_swarm';
  const got = await h.client.getConversation(conv.id as string);
  t.equal(got.parts.at(-1)?.part_type, 'hologram_summoned');
  t.equal(got.parts.at(-1)?.author.type, 'ai_swarm');
});

t.test('500-part cap is detected', async (t) => {
  const h = await harness(t, capture);
  tokens.push(h.token);
  const { control } = h.running.sim;
  const contact = control.contacts.create(h.workspaceId, { email: 'long@customer.test', role: 'user' });
  const conv = control.actAsCustomer.startConversation({ contactId: String(contact.id), body: 'hi' });
  const id = conv.id as string;
  for (let i = 0; i < 520; i++) control.actAsCustomer.reply({ conversationId: id, body: `m${i}` });
  const got = await h.client.getConversation(id);
  t.equal(got.parts.length, 500, 'Intercom returns the 500 most recent parts');
  t.equal(got.partCount, 520);
  t.equal(got.partsTruncated, true);
  t.equal(got.parts.at(-1)?.body, 'm519', 'the newest part is there');
});

t.test('a merged contact is surfaced with its survivor', async (t) => {
  const h = await harness(t, capture);
  tokens.push(h.token);
  const { control } = h.running.sim;
  const lead = control.contacts.create(h.workspaceId, { email: 'jane@customer.test', role: 'lead' });
  const user = control.contacts.create(h.workspaceId, { email: 'jane@customer.test', role: 'user', externalId: 'crm-42' });
  const other = control.contacts.create(h.workspaceId, { email: 'bob@customer.test', role: 'lead' });
  const other2 = control.contacts.create(h.workspaceId, { email: 'bob2@customer.test', role: 'user' });
  control.contacts.merge(String(lead.id), String(user.id));
  control.contacts.merge(String(other.id), String(other2.id));

  // Intercom 2.14 answers a plain 404 (S14); the client finds the survivor by the email it knew.
  const error = await h.client.getContact(String(lead.id), { email: 'jane@customer.test' }).catch((e: unknown) => e);
  t.ok(error instanceof UpstreamError);
  t.equal((error as UpstreamError).kind, 'merged');
  t.equal((error as UpstreamError).details.survivorId, String(user.id));
  t.equal((error as UpstreamError).details.status, 404);
  // What a job would log on its way out: the error, never the contact's data.
  h.log.warn({ err: error }, 'contact merged');

  // From a recorded contact.merged webhook.
  const known = h.makeClient({ survivorOf: (id) => (id === String(other.id) ? String(other2.id) : undefined) });
  t.match(await failure(known.getContact(String(other.id))), { kind: 'merged', details: { survivorId: String(other2.id) } });
  // Without either, a 404 stays not_found.
  t.match(await failure(h.client.getContact(String(other.id))), { kind: 'not_found' });
});

t.test('regional base URL and pinned version', async (t) => {
  t.equal(intercomBaseUrl({ region: 'US' }), 'https://api.intercom.io');
  t.equal(intercomBaseUrl({ region: 'EU' }), 'https://api.eu.intercom.io');
  t.equal(intercomBaseUrl({ region: 'au' }), 'https://api.au.intercom.io');
  t.equal(intercomBaseUrl({ region: null }), 'https://api.intercom.io', 'unknown: the US host routes to the right region (D-rest)');
  t.equal(intercomBaseUrl({ region: 'EU', baseUrlOverride: 'http://127.0.0.1:9/' }), 'http://127.0.0.1:9', 'override wins');
  t.equal(parseRegion(' eu '), 'EU');
  t.equal(INTERCOM_API_VERSION, '2.14');

  const h = await harness(t, capture);
  tokens.push(h.token);
  const eu = h.makeClient({ baseUrl: null, region: 'EU' });
  t.equal(eu.baseUrl, 'https://api.eu.intercom.io', 'region picks the host when nothing overrides it');
  // What goes on the wire: a bare server records one call's headers.
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ type: 'admin', id: 7, app: { id_code: 'ws1', region: 'EU' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const pools = createHttpPools({ connectTimeoutMs: 500, keepAliveTimeoutMs: 500, connectionsPerOrigin: 1 });
  t.teardown(() => pools.close());
  const address = server.address() as AddressInfo;
  const bare = h.makeClient({ pools, baseUrl: `http://127.0.0.1:${address.port}`, rates: createIntercomRateRegistry({ clock: h.clock }) });
  const me = await bare.me();
  t.equal(me.id, '7', 'integer ids normalised to strings');
  t.equal(seen[0]?.['intercom-version'], '2.14');
  t.equal(seen[0]?.accept, 'application/json');
  t.equal(seen[0]?.authorization, `Bearer ${h.token}`);
});

t.test('the log holds no token and no message text', async (t) => {
  const text = capture.text();
  t.ok(text.length > 0, 'something was logged');
  for (const token of tokens) t.notOk(text.includes(token), 'no access token');
  t.notOk(text.includes(SECRET_TEXT), 'no message body');
});
