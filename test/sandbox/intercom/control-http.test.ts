// The /_sim control API, driven over HTTP as a benchmark in another process would.
import t from 'tap';
import { startIntercomSimulator } from '../../../src/sandbox/intercom/index.ts';
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { T0 } from './helpers.ts';

t.test('set up a workspace, act as customer and admin, inspect, inject faults', async (t) => {
  const { url, close } = await startIntercomSimulator({ clock: createSimClock(T0), seed: false, webhooks: { validateUrl: false } });
  t.teardown(close);
  const sim = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };

  const app = await sim('POST', '/apps', { name: 'Bench app' });
  t.equal(app.status, 200);
  const ws = await sim('POST', '/workspaces', { id: 'bench01', name: 'Bench', region: 'AU', timezone: 'Australia/Sydney', appId: app.body.id });
  t.match(ws.body, { id: 'bench01', region: 'AU', appIds: [app.body.id] });
  const { body: { token } } = await sim('POST', '/workspaces/bench01/tokens', {});
  const contact = await sim('POST', '/workspaces/bench01/contacts', { email: 'b@x.test', name: 'B', customAttributes: { plan: 'pro' } });
  t.match(contact.body, { type: 'contact', email: 'b@x.test', custom_attributes: { plan: 'pro' } });
  const company = await sim('POST', '/workspaces/bench01/companies', { companyId: 'c-1', name: 'C' });
  await sim('POST', `/contacts/${contact.body.id}/companies`, { companyId: company.body.id });

  const started = await sim('POST', '/customer/conversations', { contactId: contact.body.id, body: 'Hello' });
  const id = started.body.id;
  t.match(started.body, { type: 'conversation', state: 'open', waiting_since: T0 / 1000 });
  await sim('POST', `/clock`, { advanceMs: 5000 });
  const replied = await sim('POST', `/admin/conversations/${id}/reply`, { body: 'Hi!' });
  t.match(replied.body, { waiting_since: null, updated_at: T0 / 1000 + 5 });
  await sim('POST', `/customer/conversations/${id}/reply`, { body: 'Thanks' });
  await sim('POST', `/admin/conversations/${id}/note`, { body: 'VIP' });
  await sim('POST', `/admin/conversations/${id}/tag`, { tag: 'billing' });
  const closed = await sim('POST', `/admin/conversations/${id}/close`, {});
  t.equal(closed.body.state, 'closed');
  t.same(closed.body.conversation_parts.conversation_parts.map((p: { part_type: string }) => p.part_type), ['comment', 'comment', 'note', 'close']);
  t.same(closed.body.tags.tags.map((tag: { name: string }) => tag.name), ['billing']);

  const api = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  await sim('POST', '/faults', { kind: '503', count: 1, pathPrefix: '/conversations' });
  t.equal((await api(`/conversations/${id}`)).status, 503);
  t.equal((await api(`/conversations/${id}`)).status, 200);
  const counts = await sim('GET', '/requests/counts');
  t.same(counts.body, { 'GET /conversations/:conversation_id': 2 });

  const records = await sim('GET', '/records?workspaceId=bench01');
  t.equal(records.body.conversations.length, 1);
  t.equal(records.body.contacts[0].companies.total_count, 1);

  t.equal((await sim('POST', '/tokens/revoke', { token })).status, 200);
  t.equal((await api('/me')).status, 401);

  const invalid = await sim('POST', '/workspaces', { region: 'MARS' });
  t.equal(invalid.status, 400, 'bodies are validated');
  t.match(invalid.body, { error: { code: 'control_error', message: /region/ } });
  t.equal((await sim('POST', '/faults', { kind: '418' })).status, 400);
  t.equal((await sim('POST', '/workspaces', { unknown: 1 })).status, 400, 'unknown keys are refused');
  t.equal((await sim('POST', '/admin/conversations/1/dance', {})).status, 404);
  t.equal((await sim('POST', '/customer/conversations', { contactId: 'nope', body: 'x' })).status, 404);
  t.equal((await sim('GET', '/nothing')).status, 404);
});

t.test('record changes as a person in Intercom: a data attribute, a company edit, a lead signing up', async (t) => {
  const { url, close } = await startIntercomSimulator({ clock: createSimClock(T0), webhooks: { validateUrl: false } });
  t.teardown(close);
  const sim = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}/_sim${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const workspaceId: string = ((await (await fetch(`${url}/_sim/workspaces`)).json()) as Array<{ id: string }>)[0]?.id ?? '';

  const tier = await sim('POST', `/workspaces/${workspaceId}/data-attributes`, { name: 'tier', model: 'company', dataType: 'string', options: ['gold', 'silver'] });
  t.match(tier, { status: 200, body: { type: 'data_attribute', name: 'tier', model: 'company', data_type: 'string', options: ['gold', 'silver'], custom: true } });
  t.equal((await sim('POST', `/workspaces/${workspaceId}/data-attributes`, { name: 'seats', model: 'company', dataType: 'integer', options: ['1', '2'] })).status, 400, 'options only on a list attribute');
  t.equal((await sim('POST', `/workspaces/${workspaceId}/data-attributes`, { name: 'tier', model: 'contact', dataType: 'string' })).status, 400, 'a name is taken across models');

  const company = await sim('POST', `/workspaces/${workspaceId}/companies`, { companyId: 'c-1', name: 'C' });
  const edited = await sim('PATCH', `/companies/${company.body.id}`, { industry: 'Software', customAttributes: { tier: 'gold' } });
  t.match(edited.body, { type: 'company', industry: 'Software', custom_attributes: { tier: 'gold' } });
  t.equal((await sim('PATCH', `/companies/${company.body.id}`, { customAttributes: { tier: 'bronze' } })).status, 400, 'a value outside the options is refused here too');

  const lead = await sim('POST', `/workspaces/${workspaceId}/contacts`, { role: 'lead' });
  const signed = await sim('POST', `/contacts/${lead.body.id}/sign-up`, { email: 'new@x.test' });
  t.match(signed.body, { role: 'user', email: 'new@x.test' });
  t.equal((await sim('POST', `/contacts/${lead.body.id}/sign-up`, {})).status, 409, 'a user cannot sign up again');
});
