// Company identity from a website, an email domain or a name. HubSpot keeps a company's `domain`
// as a bare host ("acme.com", hubspot-api.md §7); these functions reduce what Intercom holds to that.
import { isIP } from 'node:net';
import type { NormalisedEmail } from './email.ts';

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const ASCII_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// A top-level domain is letters, or an IDN in its xn-- form; digits there mean an IP address.
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * "https://www.Acme.com:8443/pricing?x=1" → "acme.com"; "bücher.de" → "xn--bcher-kva.de". IP
 * addresses, localhost and hosts without a dot are no company's domain: null. Subdomains other than
 * `www.` are kept, since telling app.acme.com from acme.co.uk apart needs the public-suffix list.
 */
export function companyDomain(input: string): string | null {
  const text = input.trim();
  if (text === '' || /\s/.test(text)) return null;
  let url: URL;
  try {
    // The WHATWG parser does the IDN → ASCII step (domainToASCII) and lower-cases the host.
    url = new URL(HAS_SCHEME.test(text) ? text : `http://${text}`);
  } catch {
    return null;
  }
  // Credentials in a website are a mistake, or "mailto:x@y" read as user "mailto:x" at host y.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') return null;
  let host = url.hostname.replace(/\.$/, '');
  if (host.startsWith('[') || isIP(host) !== 0) return null;
  if (host.startsWith('www.')) host = host.slice(4);
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((label) => ASCII_LABEL.test(label))) return null;
  const top = labels[labels.length - 1] ?? '';
  if (!TOP_LEVEL.test(top) || top === 'localhost' || host.endsWith('.localhost')) return null;
  return host;
}

/** The company an email address points at, unless anyone can have an address there. */
export function emailDomainCompany(email: NormalisedEmail): string | null {
  if (email.isFreeMail || email.isDisposable) return null;
  return companyDomain(email.domain);
}

/**
 * Legal-form endings, compared without dots and case: "S.A." and "sa" are one entry. Only whole
 * trailing words are removed, so "Coca" or "Agile" keep their letters.
 */
export const COMPANY_LEGAL_SUFFIXES: readonly string[] = [
  'inc', 'incorporated', 'llc', 'llp', 'lp', 'ltd', 'limited', 'plc', 'corp', 'corporation', 'co', 'company',
  'gmbh', 'ag', 'kg', 'ug', 'ev', 'mbh', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'ab', 'as', 'asa',
  'oy', 'oyj', 'aps', 'pty', 'pte', 'kk', 'sl', 'sro', 'doo',
];
const SUFFIX_SET: ReadonlySet<string> = new Set(COMPANY_LEGAL_SUFFIXES);

/** A form of a company name for comparing names: "ACME  Widgets, Inc." and "Acme Widgets" agree. */
export function normaliseCompanyName(name: string): string {
  let words = name.normalize('NFKC').toLowerCase().trim().split(/\s+/).filter((word) => word !== '');
  // Repeated, so that "GmbH & Co. KG" and "Co., Ltd." go entirely; never down to nothing.
  for (;;) {
    const last = words[words.length - 1];
    if (last === undefined || words.length < 2) break;
    const bare = last.replace(/[.,]/g, '');
    if (bare === '' || bare === '&' || SUFFIX_SET.has(bare)) words = words.slice(0, -1);
    else break;
  }
  return words.join(' ').replace(/[\s,]+$/, '');
}
