// Every simulator response the product reads, validated against Intercom's OpenAPI description
// (S14 = ../shared/specs/intercom/api.intercom.io.2.14.yaml), schema chosen by path and status.
// Where the real wire differs from the spec, the difference is allowed below, by name, with its
// source; anything else fails.
import t from 'tap';
import type { ErrorObject } from 'ajv';
import { loadSpec, SPEC_PATH, specAvailable } from './openapi.ts';
import { startHarness } from './helpers.ts';

interface Allowance {
  name: string;
  source: string;
  matches(error: ErrorObject, body: unknown): boolean;
}

const valueAt = (body: unknown, pointer: string): unknown =>
  pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined), body);

const ALLOWED: Allowance[] = [
  {
    name: 'unset conversation statistics are null',
    source: 'zulip/zulip zerver/webhooks/intercom/fixtures/conversation_admin_open_assigned.json (time_to_first_close, first_close_at, last_closed_by_id, handling_time: null); S14 types them non-nullable',
    matches: (e, body) => /\/statistics\/[a-z_]+$/.test(e.instancePath) && e.keyword === 'type' && valueAt(body, e.instancePath) === null,
  },
  {
    name: 'conversation custom_attributes hold booleans (system attributes)',
    source: 'Z conversation_admin_open_assigned.json custom_attributes {"Has attachments": false, "Copilot used": false}; S14 custom_attributes allows string/integer/datetime/object list only',
    matches: (e, body) => /\/custom_attributes\/[^/]+$/.test(e.instancePath) && typeof valueAt(body, e.instancePath) === 'boolean',
  },
  {
    name: 'author email of a contact without email is ""',
    source: 'Z conversation_admin_open_assigned.json source.author {"type":"lead","email":""}; S14 conversation_part_author.email has format email',
    matches: (e, body) => /\/author\/email$/.test(e.instancePath) && e.keyword === 'format' && valueAt(body, e.instancePath) === '',
  },
  {
    name: 'admin job_title is null when unset',
    source: 'intercom-api.md §4.4 admin object ("job_title":null); S14 admin.job_title is a non-nullable string',
    matches: (e, body) => /\/job_title$/.test(e.instancePath) && e.keyword === 'type' && valueAt(body, e.instancePath) === null,
  },
  {
    name: 'embedded list URLs are relative paths',
    source: 'S14 #/paths/~1contacts~1{contact_id}/get example ("url": "/contacts/…/companies", "/companies/…"); the schema says format uri',
    matches: (e, body) => /\/url$/.test(e.instancePath) && e.keyword === 'format' && String(valueAt(body, e.instancePath)).startsWith('/'),
  },
  {
    name: 'company list pages.next is a URL string, not a starting_after object',
    source: 'Intercom-OpenAPI fern/openapi-overrides.yml offset_pages (intercom-api.md §4.3); S14 company_list.pages refs cursor_pages',
    matches: (e, body) => e.instancePath === '/pages/next' && e.keyword === 'type' && typeof valueAt(body, e.instancePath) === 'string',
  },
];

// anyOf/oneOf report their own failure on top of the branch errors; it is covered when every branch error is.
const isWrapper = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';

t.test('simulator responses match the OpenAPI description', { skip: specAvailable() ? false : `${SPEC_PATH} is absent` }, async (t) => {
  const spec = loadSpec();
  const h = await startHarness(t);
  const c = h.sim.control;
  const sam = c.admins.create(h.workspaceId, { name: 'Sam', email: 'sam@acme.test' });
  c.admins.createTeam(h.workspaceId, 'Support', [String(sam.id)]);
  const company = c.companies.create(h.workspaceId, { companyId: 'acct-1', name: 'Customer GmbH', website: 'https://customer.test', industry: 'Software', size: 40, planName: 'Pro', customAttributes: { tier: 'gold' } });
  c.companies.create(h.workspaceId, { companyId: 'acct-2', name: 'Other' });
  const jane = c.contacts.create(h.workspaceId, { email: 'jane@customer.test', name: 'Jane', externalId: 'crm-1', phone: '+4915100000000', companyIds: [String(company.id)], customAttributes: { plan_tier: 'pro' } });
  const lead = c.contacts.create(h.workspaceId, { role: 'lead' });
  const mergedLead = c.contacts.create(h.workspaceId, { role: 'lead', email: 'visitor@customer.test' });
  const ring = await h.api('POST', '/data_attributes', { name: 'size band', model: 'company', data_type: 'options', options: [{ value: '1-10' }, { value: '11-20' }] });
  const conversation = String(c.actAsCustomer.startConversation({ contactId: String(jane.id), body: '<p>Invoice question</p>', subject: 'Invoice' }).id);
  c.actAsAdmin.assign({ conversationId: conversation, assigneeId: String(sam.id) });
  c.actAsAdmin.reply({ conversationId: conversation, adminId: String(sam.id), body: '<p>Looking</p>' });
  c.actAsAdmin.note({ conversationId: conversation, body: '<p>Internal</p>' });
  c.actAsAdmin.tag({ conversationId: conversation, tag: 'billing' });
  c.actAsAdmin.close({ conversationId: conversation });
  const leadConversation = String(c.actAsCustomer.startConversation({ contactId: String(lead.id), body: 'hi' }).id);
  c.actAsAdmin.snooze({ conversationId: leadConversation, snoozedUntil: Math.floor(c.clock.now() / 1000) + 3600 });

  const calls: Array<[method: string, template: string, path: string, body?: unknown]> = [
    ['GET', '/me', '/me'],
    ['GET', '/admins', '/admins'],
    ['GET', '/admins/{admin_id}', `/admins/${sam.id}`],
    ['GET', '/admins/{admin_id}', '/admins/1'],
    ['GET', '/teams', '/teams'],
    ['GET', '/contacts/{contact_id}', `/contacts/${jane.id}`],
    ['GET', '/contacts/{contact_id}', `/contacts/${lead.id}`],
    ['GET', '/contacts', '/contacts?per_page=1'],
    ['POST', '/contacts/search', '/contacts/search', { query: { field: 'email', operator: '=', value: 'jane@customer.test' } }],
    ['GET', '/contacts/{contact_id}/companies', `/contacts/${jane.id}/companies`],
    ['GET', '/companies/{company_id}', `/companies/${company.id}`],
    ['GET', '/companies/{company_id}', '/companies/none'],
    ['GET', '/companies', '/companies?per_page=1'],
    ['GET', '/companies', '/companies?company_id=acct-1'],
    ['POST', '/companies/list', '/companies/list'],
    ['PUT', '/contacts/{contact_id}', `/contacts/${jane.id}`, { name: 'Jane Doe', custom_attributes: { plan_tier: 'team' } }],
    ['POST', '/contacts/merge', '/contacts/merge', { from: mergedLead.id, into: jane.id }],
    ['POST', '/contacts', '/contacts', { email: 'new@customer.test', name: 'New', custom_attributes: { plan_tier: 'pro' } }],
    ['POST', '/contacts', '/contacts', { role: 'lead' }],
    ['POST', '/contacts/{contact_id}/companies', `/contacts/${jane.id}/companies`, { id: company.id }],
    ['POST', '/contacts/{contact_id}/companies', `/contacts/${jane.id}/companies`, { id: '123' }],
    ['DELETE', '/contacts/{contact_id}/companies/{company_id}', `/contacts/${lead.id}/companies/none`],
    ['POST', '/companies', '/companies', { company_id: 'acct-3', name: 'New Customer', remote_created_at: 1_700_000_000 }],
    ['POST', '/companies', '/companies', { test: 'invalid' }],
    ['PUT', '/companies/{company_id}', `/companies/${company.id}`, { industry: 'SaaS', custom_attributes: { tier: 'silver' } }],
    ['PUT', '/companies/{company_id}', '/companies/none', { name: 'x' }],
    ['GET', '/data_attributes', '/data_attributes?model=contact'],
    ['GET', '/data_attributes', '/data_attributes?model=company'],
    ['POST', '/data_attributes', '/data_attributes', { name: 'Mithril Shirt', model: 'company', data_type: 'string' }],
    ['POST', '/data_attributes', '/data_attributes', { name: 'Mithril Shirt', model: 'contact', data_type: 'string' }],
    ['PUT', '/data_attributes/{data_attribute_id}', `/data_attributes/${ring.body.id}`, { options: [{ value: '1-10' }, { value: '11-20' }, { value: '21-50' }] }],
    ['PUT', '/data_attributes/{data_attribute_id}', '/data_attributes/1', { description: 'x' }],
    ['GET', '/conversations/{conversation_id}', `/conversations/${conversation}`],
    ['GET', '/conversations/{conversation_id}', `/conversations/${leadConversation}`],
    ['GET', '/conversations/{conversation_id}', '/conversations/1'],
    ['GET', '/conversations', '/conversations?per_page=1'],
    ['POST', '/conversations/search', '/conversations/search', { query: { operator: 'OR', value: [{ field: 'state', operator: '=', value: 'closed' }, { field: 'state', operator: '=', value: 'snoozed' }] }, pagination: { per_page: 1 } }],
    ['POST', '/conversations/{conversation_id}/reply', `/conversations/${conversation}/reply`, { message_type: 'comment', type: 'admin', admin_id: h.adminId, body: '<p>Anything else?</p>' }],
    ['POST', '/conversations/{conversation_id}/reply', `/conversations/${leadConversation}/reply`, { message_type: 'comment', type: 'user', intercom_user_id: lead.id, body: 'yes' }],
    ['POST', '/conversations/{conversation_id}/parts', `/conversations/${conversation}/parts`, { message_type: 'open', admin_id: h.adminId }],
    ['POST', '/conversations/{conversation_id}/parts', `/conversations/${conversation}/parts`, { message_type: 'assignment', type: 'admin', admin_id: h.adminId, assignee_id: '0' }],
    ['POST', '/conversations/{conversation_id}/parts', `/conversations/${conversation}/parts`, { message_type: 'close', type: 'admin', admin_id: h.adminId }],
    ['POST', '/conversations/{conversation_id}/parts', '/conversations/1/parts', { message_type: 'open', admin_id: h.adminId }],
  ];
  const used = new Set<string>();
  for (const [method, template, path, body] of calls) {
    const response = await h.api(method, path, body);
    const errors = spec.validate(method, template, response.status, response.body);
    const unexplained = errors.filter((e) => !isWrapper(e) && !ALLOWED.some((a) => a.matches(e, response.body) && used.add(a.name)));
    t.same(unexplained.map((e) => `${e.instancePath} ${e.message}`), [], `${method} ${path} → ${response.status} matches ${template} ${response.status}`);
  }
  const unauthorized = await h.api('GET', '/me', undefined, { authorization: 'Bearer nope' });
  t.same(spec.validate('GET', '/admins', 401, unauthorized.body), [], '401 body matches the error schema');

  // Each allowance must be exercised: a difference nobody sees any more should leave this list.
  t.same(ALLOWED.map((a) => a.name).filter((name) => !used.has(name)), [], 'every allowed difference occurs');
});
