// Mappings checked against the accounts' real fields when saved (#17 items 4 and 5).
import t from 'tap';
import { mappingTypeProblems, type AccountFields } from '../../src/records/check-mapping-types.ts';
import type { FieldMapping } from '../../src/records/field-mapping.ts';
import { counterpartType } from '../../src/records/field-types.ts';

const fields: AccountFields = {
  intercomCustom: new Map([
    ['plan_type', { vendor: 'intercom', type: 'string', options: ['free', 'pro'] }],
    ['seats', { vendor: 'intercom', type: 'integer' }],
  ]),
  hubspot: new Map([
    ['plan_type', { vendor: 'hubspot', type: 'enumeration', options: ['free', 'pro'] }],
    ['seats', { vendor: 'hubspot', type: 'number' }],
    ['city', { vendor: 'hubspot', type: 'string' }],
    ['lifecyclestage', { vendor: 'hubspot', type: 'enumeration', options: ['lead', 'customer'] }],
  ]),
};
const mapping = (intercom: string, hubspot: string, direction: FieldMapping['direction'], create = false): FieldMapping => ({ intercom, hubspot, direction, create });

t.test('compatible mappings of existing fields pass', async (t) => {
  t.same(mappingTypeProblems('contacts', [
    mapping('email', 'email', 'to_hubspot'),
    mapping('name', 'firstname+lastname', 'both'),
    mapping('custom.plan_type', 'plan_type', 'both'),
    mapping('custom.seats', 'seats', 'both'),
    mapping('location.city', 'city', 'to_hubspot'),
    mapping('custom.hubspot_owner', '@owner.name', 'to_intercom', true),
  ], { ...fields, hubspot: new Map([...fields.hubspot, ['email', { vendor: 'hubspot', type: 'string' }]]) }), []);
});

t.test('incompatible types are refused by key, with what would work', async (t) => {
  const problems = mappingTypeProblems('contacts', [mapping('custom.plan_type', 'city', 'to_hubspot'), mapping('signed_up_at', 'seats', 'to_hubspot')], fields);
  t.same(problems.map((p) => p.path), [[1, 'hubspot']], 'a string into a string is fine; a date into a number is not');
  t.match(problems[0]?.message, /an Intercom date value cannot go into a HubSpot number field \(direction to_hubspot\); would work: HubSpot date, HubSpot datetime/);
  const back = mappingTypeProblems('contacts', [mapping('custom.seats', 'city', 'both')], fields);
  t.match(back, [{ path: [0, 'hubspot'], message: /a HubSpot string value cannot go into an Intercom integer field/ }], 'both: each way must work');
});

t.test('a missing field is refused unless the mapping creates it, and a read field must exist', async (t) => {
  t.match(mappingTypeProblems('contacts', [mapping('custom.tier', 'tier', 'to_hubspot')], fields), [
    { path: [0, 'intercom'], message: /no data attribute 'tier' \(it is read from Intercom/ },
    { path: [0, 'hubspot'], message: /no property 'tier' \(create: true would create it\)/ },
  ]);
  t.same(mappingTypeProblems('contacts', [mapping('custom.seats', 'intercom_seats', 'to_hubspot', true)], fields), [], 'created with the matching type');
  t.same(mappingTypeProblems('contacts', [mapping('custom.hubspot_lifecycle_stage', 'lifecyclestage', 'to_intercom', true)], fields), []);
  t.match(mappingTypeProblems('companies', [mapping('custom.x', 'not_there', 'to_intercom', true)], fields), [{ path: [0, 'hubspot'], message: /it is read from HubSpot/ }]);
});

t.test('a created field gets the nearest type of the other side', async (t) => {
  t.same(counterpartType({ vendor: 'intercom', type: 'date' }), { vendor: 'hubspot', type: 'datetime' });
  t.same(counterpartType({ vendor: 'intercom', type: 'string', options: ['a'] }), { vendor: 'hubspot', type: 'enumeration', options: ['a'] });
  t.same(counterpartType({ vendor: 'hubspot', type: 'number' }), { vendor: 'intercom', type: 'float' });
  t.same(counterpartType({ vendor: 'hubspot', type: 'enumeration', options: ['lead'] }), { vendor: 'intercom', type: 'string', options: ['lead'] });
});
