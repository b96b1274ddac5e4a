// The matching plan: which HubSpot searches to try for an Intercom contact or company, in the order
// the connection's settings give, and whether a new record may be created when none finds anything.
// No I/O: the handler runs the searches (hubspot-api.md §10) and stops at the first that finds one.
import type { CompanyMatchingSettings, ContactMatchingSettings, ContactStrategy, CompanyStrategy } from '../config/connection-settings.ts';
import { addressPolicyFor, emailSearchValues, normaliseEmail } from './email.ts';
import type { NormalisedEmail } from './email.ts';
import { toE164 } from './phone.ts';
import { companyDomain, emailDomainCompany } from './domain.ts';

export type IntercomContactLike = {
  id: string;
  /** 'user' | 'lead' */
  role: string;
  email?: string | null;
  phone?: string | null;
  external_id?: string | null;
  custom_attributes?: Record<string, unknown> | null;
  name?: string | null;
};

export type IntercomCompanyLike = { id: string; company_id?: string | null; name?: string | null; website?: string | null };

type SearchFilter = { propertyName: string; operator: 'EQ' | 'IN'; value?: string; values?: string[] };
/** Filters in a group are AND-ed, groups are OR-ed (hubspot-api.md §10). */
export type FilterGroup = { filters: SearchFilter[] };

type SearchLookup<S extends string> = {
  strategy: S;
  filterGroups: FilterGroup[];
  /**
   * False when what this search looks for must not seed a new record (an email under a
   * match_no_create policy). Whether one is created at all is contactCreatePolicy's answer.
   */
  mayCreate: boolean;
  /** For the activity log: the strategy and the value searched for. */
  describe: string;
};
export type Lookup = SearchLookup<ContactStrategy['type']>;
export type CompanyLookup = SearchLookup<CompanyStrategy['type']>;

const eq = (propertyName: string, value: string): FilterGroup => ({ filters: [{ propertyName, operator: 'EQ', value }] });

function usableEmail(contact: IntercomContactLike, settings: ContactMatchingSettings): NormalisedEmail | null {
  return contact.email ? normaliseEmail(contact.email, settings.email) : null;
}

const isLead = (contact: IntercomContactLike): boolean => contact.role === 'lead';

function emailLookup(email: NormalisedEmail, settings: ContactMatchingSettings): Lookup | null {
  const policy = addressPolicyFor(email, settings.email);
  if (policy === 'ignore') return null;
  const values = emailSearchValues(email);
  return {
    strategy: 'email',
    // IN, not EQ: one request covers every spelling; IN wants lower-case values, which these are.
    filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN', values }] }],
    mayCreate: policy === 'match',
    describe: `email ${email.address}${values.length > 1 ? ` (${values.length} spellings)` : ''}`,
  };
}

function phoneLookup(contact: IntercomContactLike, defaultCountry: string): Lookup | null {
  if (!contact.phone) return null;
  const e164 = toE164(contact.phone, defaultCountry || undefined);
  if (e164 === null) return null;
  // HubSpot compares stored strings: a contact whose phone was typed as "030 123456" is not found.
  // Records this daemon creates carry E.164 (contactProperties), so they are.
  return { strategy: 'phone', filterGroups: [eq('phone', e164), eq('mobilephone', e164)], mayCreate: true, describe: `phone ${e164}` };
}

/** `external_id` or `custom_attributes.<name>`; a number counts as its decimal text. */
function intercomValue(contact: IntercomContactLike, field: string): string | null {
  let value: unknown;
  if (field === 'external_id') value = contact.external_id;
  else if (field.startsWith('custom_attributes.')) value = contact.custom_attributes?.[field.slice('custom_attributes.'.length)];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

function externalIdLookups(contact: IntercomContactLike, pairs: Array<{ intercom: string; hubspot: string }>): Lookup[] {
  return pairs.flatMap((pair) => {
    const value = intercomValue(contact, pair.intercom);
    if (value === null) return [];
    return [{ strategy: 'external_id' as const, filterGroups: [eq(pair.hubspot, value)], mayCreate: true, describe: `${pair.hubspot} = ${value} (from Intercom ${pair.intercom})` }];
  });
}

/**
 * The searches to try in order, first match wins. Disabled strategies and strategies the contact
 * has no usable value for are left out; a lead without email under leadsWithoutEmail 'skip' gets
 * none at all.
 */
export function contactLookups(contact: IntercomContactLike, settings: ContactMatchingSettings): Lookup[] {
  const email = usableEmail(contact, settings);
  if (email === null && isLead(contact) && settings.leadsWithoutEmail === 'skip') return [];
  return settings.strategies.flatMap((strategy): Lookup[] => {
    if (!strategy.enabled) return [];
    switch (strategy.type) {
      case 'email': {
        const lookup = email === null ? null : emailLookup(email, settings);
        return lookup === null ? [] : [lookup];
      }
      case 'phone': {
        const lookup = phoneLookup(contact, strategy.defaultCountry);
        return lookup === null ? [] : [lookup];
      }
      case 'external_id':
        return externalIdLookups(contact, strategy.pairs);
    }
  });
}

/** Whether a contact may be created when no lookup found one, and if not, why. */
export function contactCreatePolicy(contact: IntercomContactLike, settings: ContactMatchingSettings): { create: boolean; reason?: string } {
  if (settings.onNoMatch === 'skip') return { create: false, reason: "no match and onNoMatch is 'skip'" };
  const email = usableEmail(contact, settings);
  if (email !== null) {
    const policy = addressPolicyFor(email, settings.email);
    if (policy === 'match') return { create: true };
    const because = [
      email.isRole && settings.email.roleAddresses === policy ? `a role address and roleAddresses is '${policy}'` : null,
      email.isDisposable && settings.email.disposableDomains === policy ? `at a disposable-mail domain and disposableDomains is '${policy}'` : null,
    ].filter((part) => part !== null);
    return { create: false, reason: `${email.address} is ${because.join(', and ')}` };
  }
  const given = contact.email?.trim() ? ` (${contact.email.trim()} is not an email address)` : '';
  if (!isLead(contact)) return { create: false, reason: `a user without email is never created${given}` };
  if (settings.leadsWithoutEmail !== 'create') {
    return { create: false, reason: `a lead without email${given} and leadsWithoutEmail is '${settings.leadsWithoutEmail}'` };
  }
  if (!contact.name?.trim() && !contact.phone?.trim()) return { create: false, reason: 'a lead without email, name or phone has nothing to create a contact from' };
  return { create: true };
}

/** Splits "Ana María López" into first name "Ana" and last name "María López" (also record sync, src/records/full-name.ts). */
export function splitName(name: string): { firstname?: string; lastname?: string } {
  const [first, ...rest] = name.trim().split(/\s+/).filter((word) => word !== '');
  return { ...(first ? { firstname: first } : {}), ...(rest.length > 0 ? { lastname: rest.join(' ') } : {}) };
}

/**
 * Properties for a new HubSpot contact. The email as given, lower-cased (not the matching key: a
 * person's chosen +tag stays); an address that is no address is left out, HubSpot would refuse it.
 */
export function contactProperties(contact: IntercomContactLike, defaultCountry?: string): Record<string, string> {
  const properties: Record<string, string> = {};
  const email = contact.email ? normaliseEmail(contact.email, { stripPlusTag: false, ignoreGmailDots: false }) : null;
  if (email !== null) properties['email'] = email.address;
  if (contact.name) Object.assign(properties, splitName(contact.name));
  const phone = contact.phone?.trim();
  if (phone) properties['phone'] = toE164(phone, defaultCountry) ?? phone;
  return properties;
}

function companyDomainFor(company: IntercomCompanyLike, contactEmail: NormalisedEmail | null): string | null {
  const fromWebsite = company.website ? companyDomain(company.website) : null;
  return fromWebsite ?? (contactEmail === null ? null : emailDomainCompany(contactEmail));
}

/**
 * The company searches in settings order. The domain comes from the website, or else from the
 * contact's email domain (never a free-mail or disposable one).
 * Name: hubspot-api.md §10 says string values compare case-insensitively (only enumeration
 * properties are case-sensitive), so EQ on the name as given also finds "ACME GmbH" for "Acme GmbH";
 * spacing and legal suffixes are not folded by HubSpot (normaliseCompanyName is for checking results).
 */
export function companyLookups(company: IntercomCompanyLike, contactEmail: NormalisedEmail | null, settings: CompanyMatchingSettings): CompanyLookup[] {
  return settings.strategies.flatMap((strategy): CompanyLookup[] => {
    if (!strategy.enabled) return [];
    switch (strategy.type) {
      case 'domain': {
        const domain = companyDomainFor(company, contactEmail);
        return domain === null ? [] : [{ strategy: 'domain', filterGroups: [eq('domain', domain)], mayCreate: true, describe: `domain ${domain}` }];
      }
      case 'name': {
        const name = company.name?.trim();
        return name ? [{ strategy: 'name', filterGroups: [eq('name', name)], mayCreate: true, describe: `name ${name}` }] : [];
      }
      case 'id_property': {
        const id = company.company_id?.trim() || company.id;
        return [{ strategy: 'id_property', filterGroups: [eq(strategy.property, id)], mayCreate: true, describe: `${strategy.property} = ${id}` }];
      }
    }
  });
}

/** Properties for a new HubSpot company; `domain` is what companyLookups searched for. */
export function companyProperties(company: IntercomCompanyLike, domain: string | null): Record<string, string> {
  const properties: Record<string, string> = {};
  const name = company.name?.trim();
  if (name) properties['name'] = name;
  if (domain) properties['domain'] = domain;
  const website = company.website?.trim();
  if (website) properties['website'] = website;
  return properties;
}

/** The domain companyLookups uses, for companyProperties after a miss. */
export function companyDomainForCreate(company: IntercomCompanyLike, contactEmail: NormalisedEmail | null): string | null {
  return companyDomainFor(company, contactEmail);
}
