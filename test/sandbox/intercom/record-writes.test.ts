// Contact and company writes for record sync (S14 PUT /contacts/{id}, POST /contacts/merge,
// POST /companies, PUT /companies/{id}): values checked against the data attributes, updated_at
// kept, and the webhooks each change causes (intercom-api.md §2.4, §2.5).
import { createServer } from 'node:http';
import t from 'tap';
import { startHarness, type Harness, type Teardownable } from './helpers.ts';

const TOPICS = ['contact.user.created', 'contact.user.updated', 'contact.lead.created', 'contact.lead.updated', 'contact.lead.signed_up', 'contact.merged', 'company.created', 'company.updated'];

/** A webhook endpoint that keeps each notification's topic and item. */
async function subscribe(t: Teardownable, h: Harness) {
  const received: Array<{ topic: string; item: any }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (json.topic !== 'ping') received.push({ topic: json.topic, item: json.data.item });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  await h.sim.control.webhooks.subscribe({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`, topics: TOPICS });
  return {
    received,
    /** Delivers what is due and returns what arrived since the last call. */
    async take() {
      await h.sim.control.webhooks.flush();
      return received.splice(0);
    },
  };
}

t.test('PUT /contacts/{id} updates standard and custom attributes, keeps updated_at, emits contact.user.updated', async (t) => {
  const h = await startHarness(t);
  const hooks = await subscribe(t, h);
  await h.api('POST', '/data_attributes', { name: 'seats', model: 'contact', data_type: 'integer' });
  await h.api('POST', '/data_attributes', { name: 'tier', model: 'contact', data_type: 'options', options: [{ value: 'gold' }, { value: 'silver' }] });
  const user = h.sim.control.contacts.create(h.workspaceId, { email: 'jane@customer.test', name: 'Jane' });
  await hooks.take();
  h.sim.control.clock.advance(90_000);

  const put = await h.api('PUT', `/contacts/${user.id}`, { name: 'Jane Doe', phone: '+4915100000000', owner_id: Number(h.adminId), custom_attributes: { seats: 12, tier: 'gold' } });
  t.equal(put.status, 200);
  t.match(put.body, { type: 'contact', id: user.id, name: 'Jane Doe', phone: '+4915100000000', email: 'jane@customer.test', owner_id: Number(h.adminId), custom_attributes: { seats: 12, tier: 'gold' } });
  t.equal(put.body.updated_at, Number(user.updated_at) + 90, 'updated_at is the time of the write');
  t.same((await h.api('GET', `/contacts/${user.id}`)).body.custom_attributes, { seats: 12, tier: 'gold' }, 'the change is stored');

  const events = await hooks.take();
  t.same(events.map((e) => e.topic), ['contact.user.updated']);
  t.match(events[0]?.item, { type: 'contact', id: user.id, name: 'Jane Doe', custom_attributes: { seats: 12, tier: 'gold' } });
  t.type(events[0]?.item.updated_at, 'string', 'webhook contact items carry ISO times (intercom-api.md §2.5)');

  const found = await h.api('POST', '/contacts/search', { query: { field: 'updated_at', operator: '>', value: Number(user.updated_at) - 86_400 } });
  t.ok(found.body.data.some((c: { id: string }) => c.id === user.id), 'the sweep finds the updated contact by updated_at');
});

t.test('PUT /contacts/{id} refuses unknown attributes, wrong types and values outside the options, changing nothing', async (t) => {
  const h = await startHarness(t);
  const hooks = await subscribe(t, h);
  await h.api('POST', '/data_attributes', { name: 'seats', model: 'contact', data_type: 'integer' });
  await h.api('POST', '/data_attributes', { name: 'renewal', model: 'contact', data_type: 'date' });
  await h.api('POST', '/data_attributes', { name: 'tier', model: 'contact', data_type: 'options', options: [{ value: 'gold' }, { value: 'silver' }] });
  const user = h.sim.control.contacts.create(h.workspaceId, { name: 'Jane' });
  await hooks.take();

  const unknown = await h.api('PUT', `/contacts/${user.id}`, { name: 'Changed', custom_attributes: { plan_type: 'pro' } });
  t.match(unknown, { status: 400, body: { type: 'error.list', errors: [{ code: 'parameter_invalid', message: "User attribute 'plan_type' does not exist" }] } });
  t.equal((await h.api('PUT', `/contacts/${user.id}`, { custom_attributes: { seats: 'twelve' } })).status, 400, 'text into an integer');
  t.equal((await h.api('PUT', `/contacts/${user.id}`, { custom_attributes: { seats: 1.5 } })).status, 400, 'a float into an integer');
  t.equal((await h.api('PUT', `/contacts/${user.id}`, { custom_attributes: { renewal: '2026-03-01' } })).status, 400, 'dates are Unix seconds');
  t.equal((await h.api('PUT', `/contacts/${user.id}`, { custom_attributes: { tier: 'bronze' } })).status, 400, 'not one of the options');
  t.match(await h.api('PUT', `/contacts/${user.id}`, { test: 'invalid' }), { status: 400, body: { errors: [{ code: 'bad_request', message: "bad 'test' parameter" }] } });
  t.equal((await h.api('PUT', `/contacts/${user.id}`, { owner_id: 1 })).status, 400, 'an owner must be an admin of the workspace');
  t.equal((await h.api('PUT', `/contacts/${user.id}`, { role: 'lead' })).status, 400, 'a user does not become a lead');
  t.equal((await h.api('PUT', '/contacts/ffffffffffffffffffffffff', { name: 'x' })).status, 404);

  const after = await h.api('GET', `/contacts/${user.id}`);
  t.equal(after.body.name, 'Jane', 'a refused write changes nothing');
  t.equal(after.body.updated_at, user.updated_at);
  t.same(await hooks.take(), [], 'and sends nothing');

  const cleared = await h.api('PUT', `/contacts/${user.id}`, { custom_attributes: { seats: 3, renewal: 1_790_000_000 } });
  t.same(cleared.body.custom_attributes, { seats: 3, renewal: 1_790_000_000 });
  t.same((await h.api('PUT', `/contacts/${user.id}`, { custom_attributes: { seats: null } })).body.custom_attributes, { seats: null, renewal: 1_790_000_000 }, 'null clears a value');
});

t.test('a lead: PUT emits contact.lead.updated; role user signs it up; a person signing up does too', async (t) => {
  const h = await startHarness(t);
  const hooks = await subscribe(t, h);
  const lead = h.sim.control.contacts.create(h.workspaceId, { role: 'lead', name: 'Visitor' });
  const other = h.sim.control.contacts.create(h.workspaceId, { role: 'lead', name: 'Another visitor' });
  t.same((await hooks.take()).map((e) => e.topic), ['contact.lead.created', 'contact.lead.created']);

  await h.api('PUT', `/contacts/${lead.id}`, { email: 'visitor@customer.test' });
  t.same((await hooks.take()).map((e) => e.topic), ['contact.lead.updated']);

  h.sim.control.clock.advance(5000);
  const signed = await h.api('PUT', `/contacts/${lead.id}`, { role: 'user', external_id: 'crm-7' });
  t.match(signed.body, { id: lead.id, role: 'user', external_id: 'crm-7' });
  t.equal(signed.body.signed_up_at, signed.body.updated_at, 'signed_up_at is set when the lead becomes a user');
  const events = await hooks.take();
  t.same(events.map((e) => e.topic), ['contact.lead.signed_up']);
  t.match(events[0]?.item, { id: lead.id, role: 'user' });

  h.sim.control.contacts.signUp(String(other.id), { email: 'other@customer.test' });
  t.match(await hooks.take(), [{ topic: 'contact.lead.signed_up', item: { id: other.id, role: 'user', email: 'other@customer.test' } }]);
});

t.test('POST /contacts/merge merges a lead into a user and emits contact.merged', async (t) => {
  const h = await startHarness(t);
  const hooks = await subscribe(t, h);
  const company = h.sim.control.companies.create(h.workspaceId, { name: 'Customer GmbH' });
  const user = h.sim.control.contacts.create(h.workspaceId, { email: 'jane@customer.test', customAttributes: { plan_type: 'pro', source: null } });
  const lead = h.sim.control.contacts.create(h.workspaceId, { role: 'lead', companyIds: [String(company.id)], customAttributes: { plan_type: 'free', source: 'ad' } });
  await hooks.take();

  const refused = await h.api('POST', '/contacts/merge', { from: user.id, into: lead.id });
  t.equal(refused.status, 400, 'only a lead merges, only into a user');
  t.equal((await h.api('POST', '/contacts/merge', { from: lead.id })).status, 400, 'into is required');

  const merged = await h.api('POST', '/contacts/merge', { from: lead.id, into: user.id });
  t.equal(merged.status, 200);
  t.match(merged.body, { type: 'contact', id: user.id, role: 'user', custom_attributes: { plan_type: 'pro', source: 'ad' } });
  t.match(merged.body.companies.data, [{ id: company.id }], 'the lead brings its companies');
  t.equal((await h.api('GET', `/contacts/${lead.id}`)).status, 404, 'the lead is gone (S14 merge description)');
  const events = await hooks.take();
  t.same(events.map((e) => e.topic), ['contact.merged']);
  t.match(events[0]?.item, { id: user.id, merged_from: { type: 'contact', id: lead.id } });
  t.equal((await h.api('POST', '/contacts/merge', { from: lead.id, into: user.id })).status, 404, 'a merged lead cannot merge again');
});

t.test('POST /companies creates or updates by company_id; PUT /companies/{id} updates; each sends its webhook', async (t) => {
  const h = await startHarness(t);
  const hooks = await subscribe(t, h);
  await h.api('POST', '/data_attributes', { name: 'tier', model: 'company', data_type: 'string' });

  const created = await h.api('POST', '/companies', { company_id: 'acct-981', name: 'Customer GmbH', remote_created_at: 1_700_000_000, monthly_spend: 155.98, custom_attributes: { tier: 'gold' } });
  t.equal(created.status, 200);
  t.match(created.body, { type: 'company', company_id: 'acct-981', name: 'Customer GmbH', remote_created_at: 1_700_000_000, monthly_spend: 155, custom_attributes: { tier: 'gold' } });
  t.same((await hooks.take()).map((e) => e.topic), ['company.created']);

  h.sim.control.clock.advance(60_000);
  const upserted = await h.api('POST', '/companies', { company_id: 'acct-981', industry: 'Software', plan: 'Pro' });
  t.equal(upserted.body.id, created.body.id, 'the same company_id updates, never a second company');
  t.match(upserted.body, { name: 'Customer GmbH', industry: 'Software', plan: { type: 'plan', name: 'Pro' } });
  t.equal(upserted.body.updated_at, created.body.updated_at + 60);

  const put = await h.api('PUT', `/companies/${created.body.id}`, { website: 'https://customer.test', size: 120, custom_attributes: { tier: 'silver' } });
  t.match(put.body, { website: 'https://customer.test', size: 120, custom_attributes: { tier: 'silver' } });
  const events = await hooks.take();
  t.same(events.map((e) => e.topic), ['company.updated', 'company.updated']);
  t.match(events[1]?.item, { type: 'company', id: created.body.id, custom_attributes: { tier: 'silver' }, tag_ids: [] });

  t.match(await h.api('PUT', `/companies/${created.body.id}`, { company_id: 'other' }), { status: 400, body: { errors: [{ code: 'bad_request', message: "bad 'company_id' parameter" }] } });
  t.match(await h.api('POST', '/companies', { test: 'invalid' }), { status: 400, body: { errors: [{ code: 'bad_request', message: "bad 'test' parameter" }] } });
  t.match(await h.api('PUT', `/companies/${created.body.id}`, { custom_attributes: { seats: 3 } }), { status: 400, body: { errors: [{ code: 'parameter_invalid', message: "Company attribute 'seats' does not exist" }] } });
  t.match(await h.api('PUT', '/companies/ffffffffffffffffffffffff', { name: 'x' }), { status: 404, body: { errors: [{ code: 'company_not_found' }] } });
  t.same(await hooks.take(), [], 'refused writes send nothing');

  h.sim.control.companies.update(String(created.body.id), { customAttributes: { renewal_month: 'May' } });
  t.match(await hooks.take(), [{ topic: 'company.updated', item: { custom_attributes: { tier: 'silver', renewal_month: 'May' } } }], 'a teammate edit sends company.updated');
  const attributes = await h.api('GET', '/data_attributes?model=company');
  t.ok(attributes.body.data.some((a: { name: string }) => a.name === 'renewal_month'), 'and the attribute it used exists');
});

t.test('POST /contacts/{id}/companies attaches a company; DELETE detaches it', async (t) => {
  const h = await startHarness(t);
  const company = h.sim.control.companies.create(h.workspaceId, { companyId: 'acct-981', name: 'Customer GmbH' });
  const user = h.sim.control.contacts.create(h.workspaceId, { email: 'jane@customer.test' });

  const attached = await h.api('POST', `/contacts/${user.id}/companies`, { id: company.id });
  t.match(attached, { status: 200, body: { type: 'company', id: company.id, company_id: 'acct-981', user_count: 1 } });
  t.match((await h.api('GET', `/contacts/${user.id}/companies`)).body.data, [{ id: company.id }]);
  t.equal((await h.api('GET', `/companies/${company.id}/contacts`)).body.data[0]?.id, user.id, 'the membership shows from both sides');
  t.match(await h.api('POST', `/contacts/${user.id}/companies`, {}), { status: 400, body: { errors: [{ code: 'parameter_not_found', message: 'company not specified' }] } });
  t.match(await h.api('POST', `/contacts/${user.id}/companies`, { id: '123' }), { status: 404, body: { errors: [{ code: 'company_not_found', message: 'Company Not Found' }] } });

  const detached = await h.api('DELETE', `/contacts/${user.id}/companies/${company.id}`);
  t.match(detached, { status: 200, body: { type: 'company', id: company.id, user_count: 0 } });
  t.same((await h.api('GET', `/contacts/${user.id}/companies`)).body.data, []);
  t.match(await h.api('DELETE', `/contacts/${user.id}/companies/${company.id}`), { status: 404, body: { errors: [{ code: 'company_not_found' }] } });
  t.match(await h.api('DELETE', `/contacts/ffffffffffffffffffffffff/companies/${company.id}`), { status: 404, body: { errors: [{ code: 'not_found', message: 'User Not Found' }] } });
});

t.test('POST /contacts creates a user or a lead, checks custom attributes, refuses a second user with the same email', async (t) => {
  const h = await startHarness(t);
  const hooks = await subscribe(t, h);
  await h.api('POST', '/data_attributes', { name: 'seats', model: 'contact', data_type: 'integer' });

  const user = await h.api('POST', '/contacts', { email: 'jane@customer.test', name: 'Jane', external_id: 'crm-1', custom_attributes: { seats: 4 } });
  t.match(user, { status: 200, body: { type: 'contact', role: 'user', email: 'jane@customer.test', external_id: 'crm-1', custom_attributes: { seats: 4 } } });
  const lead = await h.api('POST', '/contacts', { role: 'lead', email: 'jane@customer.test' });
  t.match(lead.body, { role: 'lead', signed_up_at: null });
  t.match(await hooks.take(), [
    { topic: 'contact.user.created', item: { id: user.body.id } },
    { topic: 'contact.lead.created', item: { id: lead.body.id } },
  ]);

  t.match(await h.api('POST', '/contacts', { email: 'jane@customer.test' }), { status: 409, body: { errors: [{ code: 'conflict' }] } });
  t.equal((await h.api('POST', '/contacts', { external_id: 'crm-1' })).status, 409, 'external_id is unique among users');
  t.equal((await h.api('POST', '/contacts', { name: 'Nobody' })).status, 400, 'email, external_id or role is required');
  t.match(await h.api('POST', '/contacts', { email: 'x@customer.test', custom_attributes: { plan_type: 'pro' } }), {
    status: 400,
    body: { errors: [{ code: 'parameter_invalid', message: "User attribute 'plan_type' does not exist" }] },
  });
  t.same(await hooks.take(), [], 'refused creates send nothing');
  t.equal((await h.api('GET', '/contacts')).body.total_count, 2);
});
