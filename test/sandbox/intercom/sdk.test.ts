// Intercom's official Node SDK (intercom-client 7.0.3, sends Intercom-Version 2.14) pointed at the
// simulator, doing what the product will do, with the parsed values checked.
import { IntercomClient, IntercomError } from 'intercom-client';
import t from 'tap';
import { startHarness, T0 } from './helpers.ts';

t.test('the official SDK reads me, admins, contacts, companies, conversations and searches', async (t) => {
  const h = await startHarness(t, { seed: { workspace: { id: 'abc123de', name: 'Acme Support', timezone: 'Europe/Berlin' } } });
  const c = h.sim.control;
  const client = new IntercomClient({ token: h.token, baseUrl: h.url, maxRetries: 0 });

  const sam = c.admins.create(h.workspaceId, { name: 'Sam Agent', email: 'sam@acme.test' });
  const company = c.companies.create(h.workspaceId, { companyId: 'acct-981', name: 'Customer GmbH', website: 'https://customer.test' });
  const jane = c.contacts.create(h.workspaceId, { email: 'jane@customer.test', name: 'Jane Doe', externalId: 'crm-42', companyIds: [String(company.id)] });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    c.clock.advance(1000);
    ids.push(String(c.actAsCustomer.startConversation({ contactId: String(jane.id), body: `<p>Question ${i}</p>`, subject: `Q${i}` }).id));
  }
  c.actAsAdmin.reply({ conversationId: ids[0] as string, adminId: String(sam.id), body: '<p>Answer</p>' });
  c.actAsAdmin.close({ conversationId: ids[0] as string, adminId: String(sam.id) });

  const me = await client.admins.identify();
  t.equal(me?.app?.id_code, 'abc123de');
  t.equal(me?.app?.timezone, 'Europe/Berlin');
  t.equal(me?.id, h.adminId);

  const admins = await client.admins.list();
  t.same(admins.admins?.map((a) => a?.email), [`owner@abc123de.sandbox.test`, 'sam@acme.test']);
  const admin = await client.admins.find({ admin_id: Number(sam.id) }) // the SDK types admin_id as a number (S14 path param integer);
  t.equal(admin?.name, 'Sam Agent');

  const contact = await client.contacts.find({ contact_id: String(jane.id) });
  t.equal(contact.email, 'jane@customer.test');
  t.equal(contact.external_id, 'crm-42');
  t.equal(contact.companies?.data?.[0]?.id, company.id);

  const found = await client.companies.find({ company_id: String(company.id) });
  t.equal(found.company_id, 'acct-981');
  t.equal(found.website, 'https://customer.test');

  const conversation = await client.conversations.find({ conversation_id: ids[0] as string });
  t.equal(conversation.state, 'closed');
  t.equal(conversation.source?.subject, 'Q0');
  t.same(conversation.conversation_parts?.conversation_parts?.map((p) => p.part_type), ['comment', 'close']);
  t.equal(conversation.conversation_parts?.conversation_parts?.[0]?.author?.email, 'sam@acme.test');
  t.equal(conversation.statistics?.time_to_admin_reply, 4);

  t.equal(conversation.statistics?.first_admin_reply_at, T0 / 1000 + 5);

  // The SDK pages through search by itself, following pages.next.starting_after.
  const page = await client.conversations.search({
    query: { operator: 'AND', value: [{ field: 'updated_at', operator: '>', value: T0 / 1000 }, { field: 'state', operator: '=', value: 'open' }] },
    pagination: { per_page: 2 },
  });
  const open: string[] = [];
  for await (const item of page) open.push(item.id);
  t.same(open.sort(), ids.slice(1).sort(), 'all open conversations across two pages');

  const stringDate = await client.conversations
    .search({ query: { field: 'updated_at', operator: '>', value: String(T0 / 1000) } })
    .catch((error: unknown) => error);
  t.equal((stringDate as IntercomError).statusCode, 400, 'a date given as a string fails, as S14 says');

  const contacts = await client.contacts.search({ query: { field: 'external_id', operator: '=', value: 'crm-42' } });
  t.same(contacts.data.map((x) => x.id), [jane.id]);

  const replied = await client.conversations.reply({
    conversation_id: ids[1] as string,
    body: { message_type: 'comment', type: 'admin', admin_id: String(sam.id), body: '<p>From the SDK</p>' },
  });
  t.equal(replied.conversation_parts?.conversation_parts?.[0]?.body, '<p>From the SDK</p>');
  const closed = await client.conversations.manage({ conversation_id: ids[1] as string, body: { message_type: 'close', type: 'admin', admin_id: String(sam.id) } });
  t.equal(closed.state, 'closed');

  const missing = await client.conversations.find({ conversation_id: '1' }).catch((error: unknown) => error);
  t.ok(missing instanceof IntercomError);
  t.equal((missing as IntercomError).statusCode, 404);
  t.match((missing as IntercomError).body, { type: 'error.list', errors: [{ code: 'not_found' }] });

  const revoked = new IntercomClient({ token: 'nope', baseUrl: h.url, maxRetries: 0 });
  const denied = await revoked.admins.identify().catch((error: unknown) => error);
  t.equal((denied as IntercomError).statusCode, 401);
});

t.test('the SDK retries an injected 503 honouring Retry-After, and sees rate-limit headers', async (t) => {
  const h = await startHarness(t);
  const client = new IntercomClient({ token: h.token, baseUrl: h.url, maxRetries: 1 });
  h.sim.control.faults.add({ kind: '503', count: 1, retryAfterSeconds: 1 });
  const response = await client.admins.identify().withRawResponse();
  t.equal(response.rawResponse.status, 200);
  t.equal(response.rawResponse.headers.get('x-ratelimit-limit'), '1667');
  t.same(h.sim.control.requests.entries().map((e) => e.status), [503, 200]);
});

t.test('the official SDK writes what record sync writes: data attributes, contacts, companies, memberships', async (t) => {
  const h = await startHarness(t);
  const client = new IntercomClient({ token: h.token, baseUrl: h.url, maxRetries: 0 });

  // The SDK's request type (generated from S14's oneOf) lacks the required name and model; sent anyway.
  type CreateAttribute = Parameters<typeof client.dataAttributes.create>[0];
  const tierRequest = { name: 'tier', model: 'contact', data_type: 'options' as const, options: [{ value: 'gold' }, { value: 'silver' }] };
  const tier = await client.dataAttributes.create(tierRequest as CreateAttribute);
  t.same(tier.options, ['gold', 'silver']);
  const updatedTier = await client.dataAttributes.update({ data_attribute_id: Number(tier.id), body: { options: [{ value: 'gold' }, { value: 'silver' }, { value: 'bronze' }] } });
  t.same(updatedTier.options, ['gold', 'silver', 'bronze']);
  const renewalRequest = { name: 'renewal', model: 'company', data_type: 'date' as const };
  await client.dataAttributes.create(renewalRequest as CreateAttribute);
  const listed = await client.dataAttributes.list({ model: 'contact' });
  t.ok(listed.data?.some((a) => a.name === 'tier' && a.custom === true));

  const user = await client.contacts.create({ email: 'jane@customer.test', name: 'Jane' });
  const lead = await client.contacts.create({ role: 'lead', email: 'visitor@customer.test' });
  const updated = await client.contacts.update({ contact_id: user.id, phone: '+4915100000000', custom_attributes: { tier: 'bronze' } });
  t.equal(updated.phone, '+4915100000000');
  t.same(updated.custom_attributes, { tier: 'bronze' });
  const refused = await client.contacts.update({ contact_id: user.id, custom_attributes: { tier: 'platinum' } }).catch((error: unknown) => error);
  t.ok(refused instanceof IntercomError && refused.statusCode === 400, 'a value outside the options is a 400 the SDK raises');

  const merged = await client.contacts.mergeLeadInUser({ from: lead.id, into: user.id });
  t.equal(merged.id, user.id);

  const company = await client.companies.createOrUpdate({ company_id: 'acct-981', name: 'Customer GmbH', custom_attributes: { renewal: '1790000000' } }).catch((error: unknown) => error);
  t.ok(company instanceof IntercomError && company.statusCode === 400, 'a date custom attribute takes Unix seconds, not text');
  const made = await client.companies.createOrUpdate({ company_id: 'acct-981', name: 'Customer GmbH' });
  const edited = await client.companies.update({ company_id: made.id, body: { industry: 'Software' } });
  t.equal(edited.industry, 'Software');
  const attached = await client.companies.attachContact({ contact_id: user.id, id: made.id });
  t.equal(attached.user_count, 1);
  const detached = await client.companies.detachContact({ contact_id: user.id, company_id: made.id });
  t.equal(detached.user_count, 0);
});
