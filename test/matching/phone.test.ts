// Phone numbers to E.164, with and without a default country.
import t from 'tap';
import { toE164 } from '../../src/matching/phone.ts';

t.test('international numbers need no default country', async (t) => {
  t.equal(toE164('+49 30 1234567'), '+49301234567');
  t.equal(toE164('+49 (0)30 1234567'), '+49301234567', 'the bracketed trunk zero');
  t.equal(toE164('+1 (212) 555-0100'), '+12125550100');
  t.equal(toE164(' +44 7911 123456 ', 'DE'), '+447911123456', 'an explicit country code beats the default');
});

t.test('national numbers take the default country, or are not placed', async (t) => {
  t.equal(toE164('030 1234567', 'DE'), '+49301234567');
  t.equal(toE164('030 1234567', 'de'), '+49301234567', 'country case does not matter');
  t.equal(toE164('0049 30 1234567', 'DE'), '+49301234567', 'the international call prefix');
  t.equal(toE164('(212) 555-0100', 'US'), '+12125550100');
  t.equal(toE164('030 1234567'), null);
  t.equal(toE164('030 1234567', ''), null, 'the settings default, empty');
  t.equal(toE164('030 1234567', 'XX'), null, 'an unknown country is no country');
});

t.test('invalid numbers: null', async (t) => {
  for (const raw of ['', '  ', 'abc', '12', '+49 123', '+1 999 555 0100', 'call +49 30 1234567 now', '+999 1234567']) {
    t.equal(toE164(raw, 'DE'), null, JSON.stringify(raw));
  }
});
