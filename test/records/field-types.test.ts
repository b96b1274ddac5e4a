// Type compatibility and value conversion between Intercom attributes and HubSpot properties (#17 item 4).
import t from 'tap';
import { compatible, convert, type HubSpotFieldType, type IntercomFieldType } from '../../src/records/field-types.ts';

const ic = (type: IntercomFieldType['type'], options?: string[]): IntercomFieldType => ({ vendor: 'intercom', type, ...(options ? { options } : {}) });
const hs = (type: HubSpotFieldType['type'], options?: string[]): HubSpotFieldType => ({ vendor: 'hubspot', type, ...(options ? { options } : {}) });

t.test('compatible: same-kind types are accepted both ways', async (t) => {
  t.same(compatible(ic('string'), hs('string'), 'both'), { ok: true });
  t.same(compatible(ic('integer'), hs('number'), 'both'), { ok: true });
  t.same(compatible(ic('boolean'), hs('bool'), 'both'), { ok: true });
  t.same(compatible(ic('date'), hs('datetime'), 'both'), { ok: true });
  t.same(compatible(ic('date'), hs('date'), 'both'), { ok: true });
  t.same(compatible(ic('string'), hs('enumeration', ['a']), 'both'), { ok: true });
});

t.test('compatible: text into a number is refused, with what would work', async (t) => {
  const refused = compatible(ic('string'), hs('number'), 'to_hubspot');
  t.equal(refused.ok, false);
  if (!refused.ok) {
    t.match(refused.reason, /Intercom string value cannot go into a HubSpot number/);
    t.ok(refused.wouldWork.includes('HubSpot string'));
    t.ok(refused.wouldWork.includes('HubSpot enumeration'));
    t.notOk(refused.wouldWork.includes('HubSpot number'));
  }
  // A number rendered into text is a fixed rule, so only that way works.
  t.same(compatible(ic('string'), hs('number'), 'to_intercom'), { ok: true });
  t.equal(compatible(ic('string'), hs('number'), 'both').ok, false);
  t.equal(compatible(ic('boolean'), hs('date'), 'to_hubspot').ok, false);
  t.equal(compatible(ic('integer'), hs('bool'), 'to_intercom').ok, false);
});

t.test('convert: numbers and booleans', async (t) => {
  t.same(convert(42, ic('integer'), hs('number')), { ok: true, value: '42' });
  t.same(convert('42', hs('number'), ic('integer')), { ok: true, value: 42 });
  t.same(convert('4.5', hs('number'), ic('float')), { ok: true, value: 4.5 });
  t.equal(convert('4.5', hs('number'), ic('integer')).ok, false, 'a fraction is not rounded into an integer');
  t.equal(convert('lots', hs('number'), ic('integer')).ok, false, 'text is never read as a number');
  t.equal(convert('12abc', hs('number'), ic('float')).ok, false);
  t.same(convert(true, ic('boolean'), hs('bool')), { ok: true, value: 'true' });
  t.same(convert('false', hs('bool'), ic('boolean')), { ok: true, value: false });
  t.equal(convert('yes', hs('bool'), ic('boolean')).ok, false);
  t.same(convert(7, ic('integer'), hs('string')), { ok: true, value: '7' });
});

t.test('convert: enumerations and list options are checked, never guessed', async (t) => {
  t.same(convert('pro', ic('string'), hs('enumeration', ['free', 'pro'])), { ok: true, value: 'pro' });
  const missing = convert('Pro', ic('string'), hs('enumeration', ['free', 'pro']));
  t.equal(missing.ok, false);
  if (!missing.ok) t.match(missing.reason, /not one of the options/);
  t.equal(convert('gold', hs('enumeration', ['gold']), ic('string', ['free'])).ok, false);
});

t.test('convert: dates', async (t) => {
  const midnight = 1_767_225_600; // 2026-01-01T00:00:00Z
  t.same(convert(midnight + 3600, ic('date'), hs('datetime')), { ok: true, value: '2026-01-01T01:00:00.000Z' });
  t.same(convert(midnight + 3600, ic('date'), hs('date')), { ok: true, value: '1767225600000' }, 'a date holds the UTC day, as midnight ms');
  t.same(convert('2026-01-01T01:00:00.000Z', hs('datetime'), ic('date')), { ok: true, value: midnight + 3600 });
  t.same(convert('1767229200000', hs('datetime'), ic('date')), { ok: true, value: midnight + 3600 }, 'epoch ms is read too');
  t.same(convert('2026-01-01', hs('date'), ic('date')), { ok: true, value: midnight });
  t.same(convert('1767225600000', hs('date'), ic('date')), { ok: true, value: midnight });
  t.equal(convert('1767229200000', hs('date'), ic('date')).ok, false, 'a date that is not midnight UTC is not a date');
  t.equal(convert('next tuesday', hs('datetime'), ic('date')).ok, false);
  t.equal(convert('1767225600', ic('date'), hs('datetime')).ok, false, 'an Intercom date must be a number of seconds');
});

t.test('convert: empty values clear the other side', async (t) => {
  t.same(convert(null, ic('string'), hs('string')), { ok: true, value: '' });
  t.same(convert('', hs('number'), ic('integer')), { ok: true, value: null });
  t.same(convert(null, hs('date'), ic('date')), { ok: true, value: null });
});
