// Email normalisation for contact matching (DESIGN.md §1 "Matching"). Two addresses are the same
// person when their comparison keys are equal; HubSpot itself only compares exact strings
// (hubspot-api.md §6, §10), so emailSearchValues spells out the forms worth asking it for.
import { domainToASCII } from 'node:url';
import { createRequire } from 'node:module';
import type { AddressPolicy } from '../config/connection-settings.ts';

export type EmailRules = { stripPlusTag: boolean; ignoreGmailDots: boolean };

export type NormalisedEmail = {
  /** Trimmed and lower-cased, otherwise as given: what a new HubSpot contact gets. */
  address: string;
  /** Equal keys mean the same mailbox under the rules that were switched on. */
  key: string;
  /** ASCII (punycode) form, so it compares with companyDomain()'s output. */
  domain: string;
  isRole: boolean;
  isDisposable: boolean;
  isFreeMail: boolean;
};

/** Local parts (before any +tag) that name a function, not a person. */
export const ROLE_LOCAL_PARTS: readonly string[] = [
  'support', 'info', 'billing', 'sales', 'admin', 'help', 'contact', 'hello', 'team', 'office',
  'noreply', 'no-reply', 'donotreply', 'do-not-reply', 'accounts', 'accounting', 'finance', 'hr',
  'jobs', 'careers', 'marketing', 'security', 'webmaster', 'postmaster', 'hostmaster', 'abuse',
  'privacy', 'legal', 'invoices', 'orders', 'service', 'enquiries', 'inquiries', 'mail', 'press',
];
const ROLE_SET: ReadonlySet<string> = new Set(ROLE_LOCAL_PARTS);

/** Gmail delivers a.na@ and ana@, googlemail.com and gmail.com, to one mailbox. */
const GMAIL_DOMAINS: readonly string[] = ['gmail.com', 'googlemail.com'];

/**
 * Brands whose mail domain exists under many country endings (yahoo.co.uk, gmx.at, hotmail.fr):
 * the package list below misses some of them, and a company never sits on these names.
 */
const FREE_MAIL_BRANDS: readonly string[] = ['yahoo', 'ymail', 'hotmail', 'outlook', 'gmx', 'yandex'];
const FREE_MAIL_BRAND_SET: ReadonlySet<string> = new Set(FREE_MAIL_BRANDS);

/** Free-mail domains that the package list lacks at the pinned version. */
export const FREE_MAIL_EXTRA: readonly string[] = [
  'gmail.com', 'googlemail.com', 'outlook.com', 'icloud.com', 'me.com', 'mac.com', 'web.de',
  'proton.me', 'pm.me', 'protonmail.com', 'protonmail.ch', 'aol.com', 'mail.ru', 'qq.com', '163.com',
  '126.com', 'fastmail.com', 'fastmail.fm', 'tutanota.com', 'tuta.io', 'zohomail.com', 'hey.com',
  'gmx.ch', 'live.com', 'msn.com',
];

// The lists are loaded on first use, not at start: they are large (≈120k disposable domains) and
// only matching needs them. createRequire because neither package offers a typed ESM JSON entry.
const require = createRequire(import.meta.url);

function loadDomainList(specifier: string): string[] {
  const data: unknown = require(specifier);
  if (!Array.isArray(data) || !data.every((entry) => typeof entry === 'string')) {
    throw new Error(`${specifier} is not a list of domains; was the package's layout changed?`);
  }
  return data.map((domain: string) => domain.toLowerCase());
}

type DomainLists = { disposable: ReadonlySet<string>; disposableWildcard: ReadonlySet<string>; freeMail: ReadonlySet<string> };
let lists: DomainLists | undefined;

function domainLists(): DomainLists {
  lists ??= {
    // disposable-email-domains: exact domains, plus domains whose every subdomain is disposable.
    disposable: new Set(loadDomainList('disposable-email-domains')),
    disposableWildcard: new Set(loadDomainList('disposable-email-domains/wildcard.json')),
    // email-providers' all.json is built from HubSpot's own list of free-mail domains.
    freeMail: new Set([...loadDomainList('email-providers/all.json'), ...FREE_MAIL_EXTRA]),
  };
  return lists;
}

/** The domain and each parent domain with at least two labels: mail.x.33mail.com → …, 33mail.com. */
function selfAndParents(domain: string): string[] {
  const labels = domain.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

export function isDisposableDomain(domain: string): boolean {
  const { disposable, disposableWildcard } = domainLists();
  if (disposable.has(domain)) return true;
  return selfAndParents(domain).some((candidate) => disposableWildcard.has(candidate));
}

export function isFreeMailDomain(domain: string): boolean {
  if (domainLists().freeMail.has(domain)) return true;
  // brand + a country ending of one or two short labels: yahoo.com.br, hotmail.co.uk, gmx.at.
  const [brand, ...ending] = domain.split('.');
  return (
    brand !== undefined &&
    FREE_MAIL_BRAND_SET.has(brand) &&
    ending.length >= 1 &&
    ending.length <= 2 &&
    ending.every((label) => /^[a-z]{2,3}$/.test(label))
  );
}

// Dot-atom local parts (RFC 5322), letters of any script (RFC 6531). Quoted local parts are left
// out: no CRM stores them and they would need escaping in every comparison.
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const ASCII_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function asciiMailDomain(domain: string): string | null {
  const ascii = domainToASCII(domain);
  if (ascii === '' || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => ASCII_LABEL.test(label))) return null;
  // A top-level label of digits only is an IP address written as a domain.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return null;
  return ascii;
}

function splitPlusTag(local: string): { base: string; tag: string | null } {
  const plus = local.indexOf('+');
  // "+tag@x" has no base to fall back on: the whole local part is the mailbox.
  if (plus <= 0) return { base: local, tag: null };
  return { base: local.slice(0, plus), tag: local.slice(plus + 1) };
}

function keyLocalAndDomain(local: string, domain: string, rules: EmailRules): { local: string; domain: string } {
  let keyLocal = rules.stripPlusTag ? splitPlusTag(local).base : local;
  let keyDomain = domain;
  if (rules.ignoreGmailDots && GMAIL_DOMAINS.includes(domain)) {
    keyLocal = keyLocal.replaceAll('.', '');
    keyDomain = 'gmail.com';
  }
  return { local: keyLocal, domain: keyDomain };
}

export function normaliseEmail(raw: string, rules: EmailRules): NormalisedEmail | null {
  const address = raw.trim().toLowerCase();
  if (address.length === 0 || address.length > 254) return null;
  const at = address.indexOf('@');
  if (at <= 0 || at !== address.lastIndexOf('@')) return null;
  const local = address.slice(0, at);
  const domain = asciiMailDomain(address.slice(at + 1));
  if (domain === null || local.length > 64 || !LOCAL_PART.test(local)) return null;

  const key = keyLocalAndDomain(local, domain, rules);
  return {
    address,
    key: `${key.local}@${key.domain}`,
    domain,
    isRole: ROLE_SET.has(splitPlusTag(local).base),
    isDisposable: isDisposableDomain(domain),
    isFreeMail: isFreeMailDomain(domain),
  };
}

export function sameEmailKey(a: string, b: string, rules: EmailRules): boolean {
  const left = normaliseEmail(a, rules);
  const right = normaliseEmail(b, rules);
  return left !== null && right !== null && left.key === right.key;
}

const STRICTNESS: Record<AddressPolicy, number> = { match: 0, match_no_create: 1, ignore: 2 };

function stricterPolicy(a: AddressPolicy, b: AddressPolicy): AddressPolicy {
  return STRICTNESS[b] > STRICTNESS[a] ? b : a;
}

export function addressPolicyFor(
  email: NormalisedEmail,
  settings: { roleAddresses: AddressPolicy; disposableDomains: AddressPolicy },
): AddressPolicy {
  let policy: AddressPolicy = 'match';
  if (email.isRole) policy = stricterPolicy(policy, settings.roleAddresses);
  if (email.isDisposable) policy = stricterPolicy(policy, settings.disposableDomains);
  return policy;
}

const MAX_SEARCH_VALUES = 5;

/**
 * The exact strings to search HubSpot's `email` for, best first: the address as given, the key, then
 * the in-between forms (tag stripped but dots kept, the other Gmail domain). A HubSpot contact stored
 * under yet another spelling (a.n.a@gmail.com for ana@gmail.com) cannot be found by search.
 * Lower-case throughout, as the search API's IN operator requires (hubspot-api.md §10).
 */
export function emailSearchValues(email: NormalisedEmail): string[] {
  const at = email.address.lastIndexOf('@');
  const givenLocal = email.address.slice(0, at);
  const [keyLocal = givenLocal, keyDomain = email.domain] = email.key.split('@');
  const { base, tag } = splitPlusTag(givenLocal);
  // Which rules acted shows in the key: a kept tag keeps its '+', folded Gmail loses dots or domain.
  const tagStripped = tag !== null && !keyLocal.includes('+');
  const local = tagStripped ? base : givenLocal;
  const gmailFolded = GMAIL_DOMAINS.includes(email.domain) && (keyDomain !== email.domain || keyLocal !== local);
  const otherGmail = email.domain === 'gmail.com' ? 'googlemail.com' : 'gmail.com';

  const values = [email.address, email.key];
  if (tagStripped) values.push(`${base}@${email.domain}`);
  if (gmailFolded) values.push(`${keyLocal}@${email.domain}`, `${local}@${otherGmail}`, `${keyLocal}@${otherGmail}`);
  return [...new Set(values)].slice(0, MAX_SEARCH_VALUES);
}
