import t from 'tap';
import { startHarness, T0 } from './helpers.ts';

t.test('GET /me names the workspace; admins and teams', async (t) => {
  const h = await startHarness(t, { seed: { workspace: { id: 'abc123de', name: 'Acme Support', region: 'EU', timezone: 'Europe/Dublin' } } });
  const me = await h.api('GET', '/me');
  t.equal(me.status, 200);
  t.match(me.body, { type: 'admin', id: h.adminId, app: { type: 'app', id_code: 'abc123de', name: 'Acme Support', region: 'EU', timezone: 'Europe/Dublin' } });

  const sam = h.sim.control.admins.create(h.workspaceId, { name: 'Sam Agent', email: 'sam@acme.test' });
  h.sim.control.admins.create(h.workspaceId, { kind: 'bot' });
  const team = h.sim.control.admins.createTeam(h.workspaceId, 'Support', [String(sam.id)]);
  const admins = await h.api('GET', '/admins');
  t.equal(admins.body.type, 'admin.list');
  t.same(admins.body.admins.map((a: { name: string }) => a.name), ['Sandbox Owner', 'Sam Agent'], 'bots are not listed');
  const one = await h.api('GET', `/admins/${sam.id}`);
  t.match(one.body, { type: 'admin', id: sam.id, email: 'sam@acme.test', team_ids: [Number(team.id)] });
  const missing = await h.api('GET', '/admins/1');
  t.match(missing, { status: 404, body: { type: 'error.list', errors: [{ code: 'admin_not_found', message: 'Admin not found' }] } });
  const teams = await h.api('GET', '/teams');
  t.match(teams.body, { type: 'team.list', teams: [{ type: 'team', id: team.id, name: 'Support', admin_ids: [Number(sam.id)] }] });
});

t.test('contacts: get, cursor list, merged contacts, external id, companies', async (t) => {
  const h = await startHarness(t);
  const company = h.sim.control.companies.create(h.workspaceId, { companyId: 'acct-981', name: 'Customer GmbH', website: 'https://customer.test' });
  const created = [];
  for (let i = 0; i < 5; i++) {
    h.sim.control.clock.advance(1000);
    created.push(h.sim.control.contacts.create(h.workspaceId, { email: `c${i}@customer.test`, externalId: `ext-${i}`, companyIds: [String(company.id)] }));
  }
  const lead = h.sim.control.contacts.create(h.workspaceId, { role: 'lead', name: 'Visitor' });
  const get = await h.api('GET', `/contacts/${created[0]?.id}`);
  t.match(get.body, { type: 'contact', id: created[0]?.id, workspace_id: h.workspaceId, role: 'user', email: 'c0@customer.test', email_domain: 'customer.test', external_id: 'ext-0' });
  t.match(get.body.companies, { type: 'list', data: [{ id: company.id, type: 'company', url: `/companies/${company.id}` }], total_count: 1, has_more: false });

  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.api('GET', `/contacts?per_page=4${cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''}`);
    t.equal(page.body.type, 'list');
    t.equal(page.body.total_count, 6);
    seen.push(...page.body.data.map((c: { id: string }) => c.id));
    cursor = page.body.pages.next?.starting_after;
  } while (cursor);
  t.equal(new Set(seen).size, 6, 'every contact once across pages');

  h.sim.control.contacts.merge(String(created[1]?.id), String(created[2]?.id));
  t.equal((await h.api('GET', `/contacts/${created[1]?.id}`)).status, 404, 'a merged-away contact is 404');
  t.equal((await h.api('GET', '/contacts')).body.total_count, 5);

  const byExternal = await h.api('GET', '/contacts/find_by_external_id/ext-3');
  t.equal(byExternal.body.id, created[3]?.id);
  t.equal((await h.api('GET', `/contacts/find_by_external_id/nothing`)).status, 404);
  t.equal(lead.role, 'lead');

  const companies = await h.api('GET', `/contacts/${created[0]?.id}/companies`);
  t.match(companies.body, { type: 'list', data: [{ type: 'company', id: company.id, company_id: 'acct-981' }], total_count: 1 });
  const notFound = await h.api('GET', '/contacts/ffffffffffffffffffffffff');
  t.match(notFound.body, { errors: [{ code: 'not_found', message: 'User Not Found' }] });
});

t.test('contact search: 2.14 day semantics in the workspace timezone, 2.17 exact', async (t) => {
  const h = await startHarness(t, { seed: { workspace: { timezone: 'Europe/Berlin' } } });
  // The harness clock starts at 10:00 UTC = 11:00 Berlin on Monday 2 March 2026.
  const monday = h.sim.control.contacts.create(h.workspaceId, { email: 'mon@customer.test' });
  h.sim.control.clock.advance(13 * 3600 * 1000 + 30 * 60 * 1000); // 23:30 UTC = 00:30 Tuesday in Berlin
  const tuesday = h.sim.control.contacts.create(h.workspaceId, { email: 'tue@customer.test' });
  const watermark = T0 / 1000 - 3600;
  const search = (value: number, version = '2.14') =>
    h.api('POST', '/contacts/search', { query: { field: 'updated_at', operator: '>', value } }, { 'intercom-version': version });
  let r = await search(watermark);
  t.same(r.body.data.map((c: { id: string }) => c.id), [tuesday.id], '> skips the rest of the watermark day');
  r = await search(watermark, '2.17');
  t.same(new Set(r.body.data.map((c: { id: string }) => c.id)), new Set([monday.id, tuesday.id]), '2.17 compares seconds');
  r = await h.api('POST', '/contacts/search', { query: { field: 'updated_at', operator: '>=', value: watermark } });
  t.match(r, { status: 400, body: { errors: [{ code: 'parameter_invalid' }] } });
  r = await h.api('POST', '/contacts/search', { query: { operator: 'AND', value: [{ field: 'email', operator: '~', value: 'tue@' }, { field: 'role', operator: '=', value: 'user' }] } });
  t.same(r.body.data.map((c: { id: string }) => c.id), [tuesday.id]);
  t.match(r.body, { type: 'list', total_count: 1, pages: { type: 'pages', page: 1, per_page: 50 } });
});

t.test('companies: get, filter, offset pages with URL next, list, scroll, contacts', async (t) => {
  const h = await startHarness(t);
  const companies = [];
  for (let i = 0; i < 4; i++) companies.push(h.sim.control.companies.create(h.workspaceId, { companyId: `acct-${i}`, name: `Company ${i}`, planName: i === 0 ? 'Pro' : null }));
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'a@x.test', companyIds: [String(companies[0]?.id)] });

  const one = await h.api('GET', `/companies/${companies[0]?.id}`);
  t.match(one.body, { type: 'company', id: companies[0]?.id, company_id: 'acct-0', app_id: h.workspaceId, user_count: 1, plan: { type: 'plan', name: 'Pro' }, tags: { type: 'tag.list', tags: [] } });
  t.same((await h.api('GET', `/companies/${companies[1]?.id}`)).body.plan, {}, 'no plan is {} (S14 examples)');
  const missing = await h.api('GET', '/companies/nope');
  t.match(missing, { status: 404, body: { errors: [{ code: 'company_not_found', message: 'Company Not Found' }] } });

  const filtered = await h.api('GET', '/companies?company_id=acct-2');
  t.match(filtered.body, { type: 'list', data: [{ company_id: 'acct-2' }], total_count: 1 });
  t.equal((await h.api('GET', '/companies?company_id=acct-x')).status, 404);

  const page1 = await h.api('GET', '/companies?per_page=3');
  t.match(page1.body.pages, { type: 'pages', page: 1, per_page: 3, total_pages: 2, next: `${h.url}/companies?page=2&per_page=3` });
  const page2 = await fetch(page1.body.pages.next, { headers: { authorization: `Bearer ${h.token}`, accept: 'application/json' } }).then((r) => r.json() as Promise<{ data: unknown[]; pages: { next: string | null } }>);
  t.equal(page2.data.length, 1);
  t.equal(page2.pages.next, null);

  const list = await h.api('POST', '/companies/list');
  t.same(list.body.data.map((c: { id: string }) => c.id), [companies[0]?.id], 'companies without users are left out');

  const first = await h.api('GET', '/companies/scroll');
  t.match(first.body, { type: 'list', pages: null, total_count: null, scroll_param: /\w+/ });
  t.equal(first.body.data.length, 4);
  t.match(await h.api('GET', '/companies/scroll'), { status: 400, body: { errors: [{ code: 'scroll_exists' }] } }, 'one open scroll per app');
  const end = await h.api('GET', `/companies/scroll?scroll_param=${first.body.scroll_param}`);
  t.same(end.body.data, [], 'the end is an empty page');
  t.equal((await h.api('GET', '/companies/scroll')).status, 200, 'a finished scroll frees the slot');
  h.sim.control.clock.advance(61_000);
  t.equal((await h.api('GET', '/companies/scroll')).status, 200, 'an unused scroll expires after a minute');

  const members = await h.api('GET', `/companies/${companies[0]?.id}/contacts`);
  t.match(members.body, { type: 'list', data: [{ id: contact.id }], total_count: 1 });
});
