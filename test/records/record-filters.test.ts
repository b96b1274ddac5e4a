// Record filters (#18 item 2): each operator by field type, type-aware and case-insensitive; the
// settings schema refusing by key what needs no live fields; filterProblems refusing by key what does.
import t from 'tap';
import type { AccountFields } from '../../src/records/check-mapping-types.ts';
import { RecordSyncSettings } from '../../src/records/field-mapping.ts';
import type { RecordFilter } from '../../src/records/filter-schema.ts';
import { filterProblems, filterProperties, judgeRecord } from '../../src/records/record-filters.ts';
import type { IntercomContact } from '../../src/integrations/intercom/schemas.ts';
import type { CrmObject } from '../../src/integrations/hubspot/schemas.ts';

const fields: AccountFields = {
  intercomCustom: new Map([
    ['plan', { vendor: 'intercom', type: 'string', options: ['Free', 'Pro'] }],
    ['seats', { vendor: 'intercom', type: 'integer' }],
    ['trial_ends', { vendor: 'intercom', type: 'date' }],
    ['vip', { vendor: 'intercom', type: 'boolean' }],
  ]),
  hubspot: new Map([
    ['email', { vendor: 'hubspot', type: 'string' }],
    ['lifecyclestage', { vendor: 'hubspot', type: 'enumeration', options: ['lead', 'customer'] }],
    ['num_employees', { vendor: 'hubspot', type: 'number' }],
    ['renewal_date', { vendor: 'hubspot', type: 'date' }],
    ['last_login', { vendor: 'hubspot', type: 'datetime' }],
    ['is_test', { vendor: 'hubspot', type: 'bool' }],
    ['phone', { vendor: 'hubspot', type: 'phone_number' }],
  ]),
};

// 2026-03-10T12:00:00Z in Unix seconds.
const MARCH_10_NOON = Date.UTC(2026, 2, 10, 12) / 1000;
const contact = (over: Partial<IntercomContact> & Record<string, unknown> = {}): IntercomContact => ({
  id: 'ic-1',
  role: 'user',
  email: 'Ana.Ruiz@Example.COM',
  name: 'Ana Ruiz',
  phone: null,
  created_at: MARCH_10_NOON,
  updated_at: MARCH_10_NOON,
  custom_attributes: { plan: 'Pro', seats: 12, trial_ends: MARCH_10_NOON, vip: true },
  ...over,
});
const crm = (properties: Record<string, string | null>): CrmObject => ({ id: 'hs-1', properties, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' });

const toHubSpot = (filters: RecordFilter[], record = contact()) => judgeRecord({ object: 'contacts', direction: 'to_hubspot', filters, record, fields });
const toIntercom = (filters: RecordFilter[], record: CrmObject) => judgeRecord({ object: 'contacts', direction: 'to_intercom', filters, record, fields });
const passes = (filters: RecordFilter[], record = contact()) => toHubSpot(filters, record).pass;

t.test('text: every text operator, compared case-insensitively', async (t) => {
  t.ok(passes([{ field: 'email', operator: 'equals', value: 'ana.ruiz@example.com' }]), 'equals ignores case');
  t.notOk(passes([{ field: 'email', operator: 'equals', value: 'ana@example.com' }]));
  t.ok(passes([{ field: 'email', operator: 'not_equals', value: 'ana@example.com' }]));
  t.notOk(passes([{ field: 'email', operator: 'not_equals', value: 'ANA.RUIZ@EXAMPLE.COM' }]));
  t.ok(passes([{ field: 'email', operator: 'contains', value: 'RUIZ' }]));
  t.notOk(passes([{ field: 'email', operator: 'contains', value: 'test' }]));
  t.ok(passes([{ field: 'email', operator: 'not_contains', value: 'test' }]));
  t.notOk(passes([{ field: 'email', operator: 'not_contains', value: 'ruiz' }]));
  t.ok(passes([{ field: 'email', operator: 'starts_with', value: 'ANA.' }]));
  t.notOk(passes([{ field: 'email', operator: 'starts_with', value: 'ruiz' }]));
  t.ok(passes([{ field: 'email', operator: 'ends_with', value: '@example.com' }]));
  t.notOk(passes([{ field: 'email', operator: 'ends_with', value: '@internal.io' }]));
  t.ok(passes([{ field: 'email', operator: 'is_any_of', value: ['x@y.z', 'ANA.RUIZ@example.com'] }]));
  t.notOk(passes([{ field: 'email', operator: 'is_none_of', value: ['x@y.z', 'ana.ruiz@example.com'] }]));
  t.ok(passes([{ field: 'email', operator: 'is_not_empty' }]));
  t.notOk(passes([{ field: 'email', operator: 'is_empty' }]));
  t.ok(passes([{ field: 'phone', operator: 'is_empty' }]), 'no phone is empty');
  t.ok(passes([{ field: 'phone', operator: 'not_equals', value: '+34' }]), 'a record with no value is not equal to anything');
  t.notOk(passes([{ field: 'phone', operator: 'contains', value: '+34' }]), 'nor does it contain anything');
});

t.test('enumerations (a list attribute, a HubSpot enumeration) and phone numbers compare as text', async (t) => {
  t.ok(passes([{ field: 'custom.plan', operator: 'is_any_of', value: ['pro', 'enterprise'] }]));
  t.notOk(passes([{ field: 'custom.plan', operator: 'equals', value: 'free' }]));
  t.ok(toIntercom([{ field: 'lifecyclestage', operator: 'equals', value: 'Customer' }], crm({ lifecyclestage: 'customer' })).pass);
  t.ok(toIntercom([{ field: 'lifecyclestage', operator: 'is_none_of', value: ['lead'] }], crm({ lifecyclestage: 'customer' })).pass);
  t.ok(toIntercom([{ field: 'phone', operator: 'starts_with', value: '+34' }], crm({ phone: '+34 600 000 000' })).pass);
});

t.test('numbers compare as numbers, not as text', async (t) => {
  // As text, "12" < "9"; as numbers it is not.
  t.ok(passes([{ field: 'custom.seats', operator: 'greater_than', value: 9 }]));
  t.notOk(passes([{ field: 'custom.seats', operator: 'less_than', value: 9 }]));
  t.ok(passes([{ field: 'custom.seats', operator: 'less_than', value: '100' }]), 'a number given as text');
  t.ok(passes([{ field: 'custom.seats', operator: 'equals', value: 12 }]));
  t.ok(passes([{ field: 'custom.seats', operator: 'not_equals', value: 13 }]));
  t.ok(passes([{ field: 'custom.seats', operator: 'is_any_of', value: [1, '12'] }]));
  t.notOk(passes([{ field: 'custom.seats', operator: 'is_none_of', value: [12] }]));
  const hubspot = crm({ num_employees: '250' });
  t.ok(toIntercom([{ field: 'num_employees', operator: 'greater_than', value: 99 }], hubspot).pass, "HubSpot's number strings read as numbers");
  t.notOk(toIntercom([{ field: 'num_employees', operator: 'less_than', value: 99 }], hubspot).pass);
  t.ok(toIntercom([{ field: 'num_employees', operator: 'equals', value: '250.0' }], hubspot).pass);
});

t.test('dates compare as dates: a day is the whole UTC day, a date-time its second', async (t) => {
  // Intercom dates are Unix seconds.
  t.ok(passes([{ field: 'custom.trial_ends', operator: 'equals', value: '2026-03-10' }]), 'noon is within the day');
  t.notOk(passes([{ field: 'custom.trial_ends', operator: 'not_equals', value: '2026-03-10' }]));
  t.ok(passes([{ field: 'custom.trial_ends', operator: 'equals', value: '2026-03-10T12:00:00Z' }]));
  t.ok(passes([{ field: 'custom.trial_ends', operator: 'equals', value: '2026-03-10T13:00:00+01:00' }]), 'the same instant in another offset');
  t.ok(passes([{ field: 'signed_up_at', operator: 'is_empty' }]), 'a standard date with no value');
  t.ok(passes([{ field: 'created_at', operator: 'greater_than', value: '2026-03-09' }]), 'after the 9th');
  t.notOk(passes([{ field: 'created_at', operator: 'greater_than', value: '2026-03-10' }]), 'not after the day it is in');
  t.ok(passes([{ field: 'created_at', operator: 'less_than', value: '2026-03-11' }]));
  t.notOk(passes([{ field: 'created_at', operator: 'less_than', value: '2026-03-10' }]), 'not before the day it is in');
  t.ok(passes([{ field: 'created_at', operator: 'greater_than', value: '2026-03-10T11:59:59Z' }]));
  // HubSpot: `date` a UTC day (ms of midnight or YYYY-MM-DD), `datetime` an ISO instant or ms (hubspot-api.md "Timestamps").
  t.ok(toIntercom([{ field: 'renewal_date', operator: 'equals', value: '2026-06-01' }], crm({ renewal_date: String(Date.UTC(2026, 5, 1)) })).pass);
  t.ok(toIntercom([{ field: 'renewal_date', operator: 'less_than', value: '2026-06-02' }], crm({ renewal_date: '2026-06-01' })).pass);
  t.ok(toIntercom([{ field: 'last_login', operator: 'greater_than', value: '2026-06-01T08:00:00Z' }], crm({ last_login: '2026-06-01T09:30:00.000Z' })).pass);
  t.notOk(toIntercom([{ field: 'last_login', operator: 'less_than', value: '2026-06-01' }], crm({ last_login: String(Date.UTC(2026, 5, 1, 9)) })).pass);
});

t.test('true/false fields: equals and not_equals, given as booleans or their text', async (t) => {
  t.ok(passes([{ field: 'custom.vip', operator: 'equals', value: true }]));
  t.notOk(passes([{ field: 'custom.vip', operator: 'equals', value: false }]));
  t.ok(passes([{ field: 'custom.vip', operator: 'not_equals', value: 'false' }]));
  t.ok(toIntercom([{ field: 'is_test', operator: 'equals', value: false }], crm({ is_test: 'false' })).pass);
  t.notOk(toIntercom([{ field: 'is_test', operator: 'not_equals', value: true }], crm({ is_test: 'true' })).pass);
  t.ok(toIntercom([{ field: 'is_test', operator: 'is_empty' }], crm({ is_test: '' })).pass, 'HubSpot\'s "" is no value');
});

t.test('conditions are ANDed; the first failing one is named by key, with field and operator, never the value', async (t) => {
  const verdict = toHubSpot([
    { field: 'email', operator: 'is_not_empty' },
    { field: 'email', operator: 'not_contains', value: 'example.com' },
    { field: 'custom.seats', operator: 'less_than', value: 1 },
  ]);
  t.same(verdict, { pass: false, index: 1, key: 'recordSync.contacts.filters.toHubSpot[1]', reason: 'filtered out by recordSync.contacts.filters.toHubSpot[1] (email not_contains)' });
  t.notMatch(JSON.stringify(verdict), /ruiz/i, 'the record\'s value is not in the verdict');
  t.same(toHubSpot([]), { pass: true }, 'no filters: every record passes');
  const hubspot = toIntercom([{ field: 'lifecyclestage', operator: 'equals', value: 'lead' }], crm({ lifecyclestage: 'customer' }));
  t.match(hubspot, { pass: false, key: 'recordSync.contacts.filters.toIntercom[0]' });
});

t.test('a field deleted since the filter was saved keeps records out; a value not fitting its own type matches nothing', async (t) => {
  t.match(toHubSpot([{ field: 'custom.gone', operator: 'is_empty' }]), { pass: false, reason: /custom\.gone is_empty\): the field no longer exists/ });
  t.notOk(toIntercom([{ field: 'num_employees', operator: 'not_equals', value: 3 }], crm({ num_employees: 'many' })).pass);
});

t.test('settings: the default, and refusals that need no live fields, by key', async (t) => {
  t.same(RecordSyncSettings.parse(undefined).contacts.filters, { toHubSpot: [], toIntercom: [], conversations: false });
  const refused = (filters: unknown) => {
    const result = RecordSyncSettings.safeParse({ contacts: { filters } });
    return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  };
  t.match(refused({ toHubSpot: [{ field: 'email', operator: 'like', value: 'x' }] }), [
    { path: 'contacts.filters.toHubSpot.0.operator', message: /must be one of 'equals', 'not_equals', 'contains', 'not_contains', 'starts_with', 'ends_with', 'greater_than', 'less_than', 'is_empty', 'is_not_empty', 'is_any_of', 'is_none_of'/ },
  ]);
  t.match(refused({ toHubSpot: [{ field: 'email', operator: 'equals' }] }), [{ path: 'contacts.filters.toHubSpot.0.value', message: "is required for 'equals'" }]);
  t.match(refused({ toIntercom: [{ field: 'email', operator: 'is_empty', value: 'x' }] }), [{ path: 'contacts.filters.toIntercom.0.value', message: /takes no value/ }]);
  t.match(refused({ toHubSpot: [{ field: 'email', operator: 'is_any_of', value: [] }] }), [{ path: 'contacts.filters.toHubSpot.0.value', message: /non-empty list/ }]);
  t.match(refused({ toHubSpot: [{ field: 'email', operator: 'equals', value: ['a'] }] }), [{ path: 'contacts.filters.toHubSpot.0.value', message: /one value, not a list/ }]);
  t.match(refused({ toHubSpot: [{ field: 'email', operator: 'is_empty' }, { field: 'email', operator: 'greater_than', value: 'a' }] }), [
    { path: 'contacts.filters.toHubSpot.1.operator', message: /'greater_than' does not apply to a text field \(email\)/ },
  ]);
  t.match(refused({ toHubSpot: [{ field: 'created_at', operator: 'less_than', value: 'yesterday' }] }), [{ path: 'contacts.filters.toHubSpot.0.value', message: /"yesterday" is not a date/ }]);
  t.match(refused({ toHubSpot: [{ field: 'unsubscribed_from_emails', operator: 'contains', value: 'x' }] }), [{ path: 'contacts.filters.toHubSpot.0.operator', message: /true\/false field/ }]);
  t.match(refused({ toHubSpot: [{ field: 'plan', operator: 'is_empty' }] }), [{ path: 'contacts.filters.toHubSpot.0.field', message: /'plan' is not a standard Intercom contact attribute/ }]);
  t.match(refused({ toIntercom: [{ field: '@owner.name', operator: 'is_empty' }] }), [{ path: 'contacts.filters.toIntercom.0.field', message: /derived value/ }]);
  t.match(refused({ toHubSpot: [], extra: 1 }), [{ path: 'contacts.filters' }], 'unknown keys are refused');
  t.same(refused({ toHubSpot: [{ field: 'custom.anything', operator: 'greater_than', value: 'x' }], toIntercom: [{ field: 'whatever', operator: 'contains', value: 'x' }], conversations: true }), [], 'custom attributes and HubSpot properties wait for the accounts');
  const companies = RecordSyncSettings.safeParse({ companies: { filters: { toHubSpot: [{ field: 'size', operator: 'greater_than', value: 'big' }] } } });
  t.match(companies.error?.issues, [{ path: ['companies', 'filters', 'toHubSpot', 0, 'value'], message: /"big" is not a number/ }]);
});

t.test('filterProblems: fields, operators and values checked against the accounts, by key', async (t) => {
  const problems = filterProblems('contacts', {
    toHubSpot: [
      { field: 'custom.seats', operator: 'greater_than', value: 'abc' },
      { field: 'custom.nope', operator: 'is_empty' },
      { field: 'custom.plan', operator: 'greater_than', value: 'a' },
      { field: 'custom.trial_ends', operator: 'less_than', value: '2026-01-01' },
    ],
    toIntercom: [
      { field: 'renewal_date', operator: 'equals', value: 'yesterday' },
      { field: 'no_such_property', operator: 'is_empty' },
      { field: 'is_test', operator: 'greater_than', value: true },
    ],
  }, fields, [{ intercom: 'email', hubspot: 'email', direction: 'to_hubspot', create: false }]);
  t.match(problems, [
    { path: 'toHubSpot[0].value', message: /"abc" is not a number, and custom\.seats is a number field/ },
    { path: 'toHubSpot[1].field', message: /no data attribute 'nope' \(its custom attributes: custom\.plan, custom\.seats, custom\.trial_ends, custom\.vip; mapped: email\)/ },
    { path: 'toHubSpot[2].operator', message: /'greater_than' does not apply to a text field \(custom\.plan\)/ },
    { path: 'toIntercom[0].value', message: /"yesterday" is not a date/ },
    { path: 'toIntercom[1].field', message: /no contact property 'no_such_property' \(mapped: email;/ },
    { path: 'toIntercom[2].operator', message: /true\/false field/ },
  ]);
  t.equal(problems.length, 6, 'the valid date filter has no problem');
});

t.test('the HubSpot properties toIntercom filters read', async (t) => {
  t.same(filterProperties('contacts', [{ field: 'lifecyclestage', operator: 'is_empty' }, { field: 'firstname+lastname', operator: 'is_empty' }]), ['lifecyclestage', 'firstname', 'lastname']);
});
