// CRM search: the pure filter evaluator, and the endpoint's paging, sorting, limits, index delay
// and separate per-second rate limit.
import t from 'tap';
import type { PropertyDef } from '../../../src/sandbox/hubspot/state.ts';
import { matchFilter, type Filter } from '../../../src/sandbox/hubspot/crm/search.ts';
import { harness } from './helpers.ts';

const def = (name: string, type: string) => [name, { name, type } as PropertyDef] as const;
const defs = new Map([def('email', 'string'), def('n', 'number'), def('stage', 'enumeration'), def('when', 'datetime')]);
const match = (filter: Filter, props: Record<string, string>, associated: string[] = []) =>
  matchFilter(filter, props, defs, () => new Set(associated));

t.test('operators', async (t) => {
  const props = { email: 'Ana@Acme.test', n: '10', stage: 'Open', when: '2026-05-01T09:00:00Z' };
  t.ok(match({ propertyName: 'email', operator: 'EQ', value: 'ana@acme.TEST' }, props), 'EQ is case-insensitive');
  t.notOk(match({ propertyName: 'stage', operator: 'EQ', value: 'open' }, props), 'except on enumerations');
  t.ok(match({ propertyName: 'missing', operator: 'NEQ', value: 'x' }, props), 'NEQ matches a missing value');
  t.ok(match({ propertyName: 'n', operator: 'GT', value: '9' }, props), 'numbers compare numerically');
  t.notOk(match({ propertyName: 'n', operator: 'LT', value: '9' }, props));
  t.ok(match({ propertyName: 'n', operator: 'BETWEEN', value: '10', highValue: '12' }, props));
  t.ok(match({ propertyName: 'when', operator: 'GTE', value: String(Date.UTC(2026, 4, 1)) }, props), 'dates against epoch ms');
  t.notOk(match({ propertyName: 'when', operator: 'LT', value: '2026-05-01T08:00:00Z' }, props));
  t.ok(match({ propertyName: 'email', operator: 'IN', values: ['ana@acme.test'] }, props));
  t.notOk(match({ propertyName: 'email', operator: 'IN', values: ['Ana@Acme.test'] }, props), 'IN on strings wants lower-case values');
  t.ok(match({ propertyName: 'email', operator: 'NOT_IN', values: ['bob@acme.test'] }, props));
  t.ok(match({ propertyName: 'n', operator: 'HAS_PROPERTY' }, props));
  t.ok(match({ propertyName: 'x', operator: 'NOT_HAS_PROPERTY' }, props));
  t.ok(match({ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@acme.test' }, props), 'wildcard token');
  t.ok(match({ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'acme' }, props));
  t.notOk(match({ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'acm' }, props), 'whole tokens only');
  t.ok(match({ propertyName: 'email', operator: 'NOT_CONTAINS_TOKEN', value: 'bob' }, props));
  t.ok(match({ propertyName: 'associations.contact', operator: 'EQ', value: '7' }, props, ['7']));
  t.notOk(match({ propertyName: 'associations.contact', operator: 'EQ', value: '8' }, props, ['7']));
});

t.test('the search endpoint', async (t) => {
  const h = await harness({ searchLimitPerSecond: Infinity });
  t.teardown(() => h.server.close());
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) {
    ids.push(h.server.sim.control.seedRecord({ objectType: 'contacts', properties: { email: `u${i}@acme.test`, firstname: i % 2 ? 'Odd' : 'Even', lastname: `L${String(i).padStart(2, '0')}` } }));
  }
  const odd = await h.call('POST', '/crm/objects/2026-09/contacts/search', {
    filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'odd' }] }, { filters: [{ propertyName: 'email', operator: 'EQ', value: 'u0@acme.test' }] }],
    sorts: [{ propertyName: 'lastname', direction: 'DESCENDING' }], properties: ['lastname'], limit: 5,
  });
  t.equal(odd.status, 200);
  t.equal(odd.body.total, 13, 'groups are OR-ed');
  t.same(odd.body.results.map((r: { properties: { lastname: string } }) => r.properties.lastname), ['L23', 'L21', 'L19', 'L17', 'L15']);
  t.same(odd.body.paging, { next: { after: '5' } });
  t.same(Object.keys(odd.body.results[0].properties).sort(), ['createdate', 'hs_object_id', 'lastmodifieddate', 'lastname']);
  t.notOk(odd.headers.has('x-hubspot-ratelimit-max'), 'search answers carry no rate-limit headers');

  const last = await h.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'odd' }] }], limit: 10, after: '10' });
  t.equal(last.body.results.length, 2);
  t.notOk('paging' in last.body, 'no paging on the last page');

  const all = await h.call('POST', '/crm/v3/objects/contacts/search', {});
  t.equal(all.body.total, 25, 'an empty body matches everything');
  t.same(all.body.results.map((r: { id: string }) => r.id), ids.slice(0, 10), 'creation order without sorts');
  t.equal((await h.call('POST', '/crm/v3/objects/contacts/search', { query: 'u7@' })).body.total, 1, 'query searches the default text fields');

  t.equal((await h.call('POST', '/crm/v3/objects/contacts/search', { limit: 201 })).status, 400, 'limit over 200');
  const beyond = await h.call('POST', '/crm/v3/objects/contacts/search', { after: '10000' });
  t.match(beyond, { status: 400, body: { category: 'VALIDATION_ERROR' } }, 'paging past 10,000');
  const groups = Array.from({ length: 6 }, () => ({ filters: [{ propertyName: 'email', operator: 'HAS_PROPERTY' }] }));
  t.equal((await h.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: groups })).status, 400, 'more than 5 groups');
  const wide = [{ filters: Array.from({ length: 7 }, () => ({ propertyName: 'email', operator: 'HAS_PROPERTY' })) }];
  t.equal((await h.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: wide })).status, 400, 'more than 6 filters in a group');
  const bad = await h.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'STARTS_WITH', value: 'a' }] }] });
  t.match(bad, { status: 400, body: { category: 'VALIDATION_ERROR' } }, 'unknown operator');
});

t.test('the index delay hides new writes from search only', async (t) => {
  const h = await harness({ searchIndexDelayMs: 5_000 });
  t.teardown(() => h.server.close());
  const created = await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'late@acme.test' } });
  const search = () => h.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'late@acme.test' }] }] });
  t.equal((await search()).body.total, 0, 'not yet searchable');
  t.equal((await h.call('GET', `/crm/v3/objects/contacts/${created.body.id}`)).status, 200, 'but readable by id');
  const dup = await h.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'late@acme.test' } });
  t.equal(dup.status, 409, 'and a second create still conflicts (the search-then-create race)');
  h.server.sim.control.clock.advance(5_000);
  t.equal((await search()).body.total, 1);
  await h.call('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, { properties: { email: 'moved@acme.test' } });
  t.equal((await search()).body.total, 1, 'search still sees the old value');
  h.server.sim.control.clock.advance(5_000);
  t.equal((await search()).body.total, 0);
});

t.test('the separate search rate limit', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  for (let i = 0; i < 5; i++) t.equal((await h.call('POST', '/crm/v3/objects/contacts/search', {})).status, 200);
  const limited = await h.call('POST', '/crm/v3/objects/contacts/search', {});
  t.equal(limited.status, 429);
  t.match(limited.body, { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT' });
  const other = await h.call('GET', '/crm/v3/objects/contacts');
  t.equal(other.status, 200, 'the ten-secondly bucket is separate');
  h.server.sim.control.clock.advance(1_000);
  t.equal((await h.call('POST', '/crm/v3/objects/contacts/search', {})).status, 200, 'a second later it answers again');
});
