// Value hashes for echo detection (#17 item 7): equal renderings hash equally, keyed per install and connection.
import t from 'tap';
import type { HubSpotFieldType, IntercomFieldType } from '../../src/records/field-types.ts';
import { valueHash, type HashKey } from '../../src/records/value-hash.ts';

const key: HashKey = { installKey: Buffer.alloc(32, 1), connectionId: 'c1' };
const ic = (type: IntercomFieldType['type']): IntercomFieldType => ({ vendor: 'intercom', type });
const hs = (type: HubSpotFieldType['type']): HubSpotFieldType => ({ vendor: 'hubspot', type });

t.test("HubSpot's and Intercom's renderings of one value hash equally", async (t) => {
  t.equal(valueHash(key, '42', hs('number')), valueHash(key, 42, ic('integer')));
  t.equal(valueHash(key, '42.0', hs('number')), valueHash(key, 42, ic('float')));
  t.equal(valueHash(key, 'true', hs('bool')), valueHash(key, true, ic('boolean')));
  const midnight = 1_767_225_600;
  t.equal(valueHash(key, '2026-01-01T00:00:00Z', hs('datetime')), valueHash(key, midnight, ic('date')));
  t.equal(valueHash(key, '2026-01-01T00:00:00.000Z', hs('date')), valueHash(key, midnight, ic('date')));
  t.equal(valueHash(key, '1767225600000', hs('date')), valueHash(key, midnight, ic('date')));
  t.equal(valueHash(key, 'Ana@Acme.test', hs('string'), { caseInsensitive: true }), valueHash(key, 'ana@acme.test', ic('string'), { caseInsensitive: true }));
  t.equal(valueHash(key, '', hs('string')), valueHash(key, null, ic('string')), 'no value is no value on either side');
});

t.test('different values hash differently', async (t) => {
  t.not(valueHash(key, '42', hs('number')), valueHash(key, 43, ic('integer')));
  t.not(valueHash(key, 'Ana@Acme.test', hs('string')), valueHash(key, 'ana@acme.test', ic('string')), 'case counts unless asked not to');
  t.not(valueHash(key, '42', hs('string')), valueHash(key, 42, ic('integer')), 'the text 42 is not the number 42');
  t.not(valueHash(key, 'lots', hs('number')), valueHash(key, 'many', hs('number')), 'values that do not fit their type still differ');
});

t.test('keyed per install and per connection', async (t) => {
  const value = valueHash(key, 'pro', hs('string'));
  t.not(valueHash({ ...key, installKey: Buffer.alloc(32, 2) }, 'pro', hs('string')), value);
  t.not(valueHash({ ...key, connectionId: 'c2' }, 'pro', hs('string')), value);
  t.notMatch(value, /pro/);
});
