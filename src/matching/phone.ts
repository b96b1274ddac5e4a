// Phone numbers as E.164, the one spelling that two systems can compare.
//
// The default entry point of libphonenumber-js carries the `min` metadata. Its isValid() checks a
// number's length and leading digits per country, not every allocated range, which is what matching
// wants: a number the stricter `max` metadata calls invalid (a range allocated after the pinned
// metadata, a fictitious test number) would otherwise silently stop matching, whereas a loose
// acceptance only costs one search that finds nothing. Nothing here needs the number type either.
import type { CountryCode } from 'libphonenumber-js';
import { lazyRequire } from '../lazy-require.ts';

// Loaded on the first phone number, not at start (synchronously: toE164 stays a plain function):
// an idle daemon that matches no phone numbers does not hold the library and its metadata, ~2.5 MB
// (test/bench/RESULTS.md "startup memory (issue #19 item 3)"). Its CommonJS build, the same code
// and metadata as the ES module one.
const phoneLibrary = lazyRequire<typeof import('libphonenumber-js')>('libphonenumber-js');

function countryCode(code: string | undefined): CountryCode | undefined {
  const upper = code?.trim().toUpperCase();
  return upper && phoneLibrary().isSupportedCountry(upper) ? upper : undefined;
}

/**
 * `+4930123456` for "+49 30 123456", or for "030 123456" with defaultCountry DE. A number written
 * without a country code and no (or an unknown) defaultCountry cannot be placed: null.
 */
export function toE164(raw: string, defaultCountry?: string): string | null {
  const text = raw.trim();
  if (text === '' || text.length > 64) return null;
  const country = countryCode(defaultCountry);
  // extract: false: the whole field must be the number, not a number somewhere in a sentence.
  const parsed = phoneLibrary().parsePhoneNumberFromString(text, country ? { defaultCountry: country, extract: false } : { extract: false });
  if (parsed === undefined || !parsed.isValid()) return null;
  return parsed.number;
}
