// Finds (or creates) the HubSpot contact and company of an Intercom contact, with no duplicates:
// - work on one customer runs under a lock keyed by what identifies them (their email key, else their
//   Intercom id), so 20 captures of one new customer at once create one contact;
// - what a search found or a create made is remembered (record_links), so the captures that follow
//   do not depend on HubSpot's search index, which lags a few seconds behind a create;
// - HubSpot itself refuses a second contact with the same email (409 "Existing ID"), which covers a
//   crash between a create and its local commit; companies have no such key, so a company create
//   leaves a pending link first and a rerun searches again before creating.
import type { Kysely } from 'kysely';
import type { CompanyMatchingSettings, ContactMatchingSettings } from '../config/connection-settings.ts';
import type { Database } from '../db/schema.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import { existingIdOf } from '../integrations/hubspot/errors.ts';
import { normaliseCompanyName } from '../matching/domain.ts';
import { normaliseEmail, type NormalisedEmail } from '../matching/email.ts';
import {
  companyDomainForCreate,
  companyLookups,
  companyProperties,
  contactCreatePolicy,
  contactLookups,
  contactProperties,
  type FilterGroup,
  type IntercomCompanyLike,
  type IntercomContactLike,
} from '../matching/contact-lookups.ts';
import { candidateFromRecord, chooseContact, ENGAGEMENT_PROPERTIES } from '../matching/tie-break.ts';
import { getLink, saveLinks, type ObjectType } from './capture-store.ts';
import type { KeyedLock } from './keyed-lock.ts';

/** company → contact, unlabelled (hubspot-api.md §11.3). */
const COMPANY_TO_CONTACT = 280;

export type MatchHow = 'linked' | 'email' | 'phone' | 'external_id' | 'domain' | 'name' | 'id_property' | 'created' | 'existing';

export interface Matched {
  id: string | null;
  how: MatchHow | null;
  /** Why nothing was matched or created (the policy that said no). */
  skipped?: string;
  /** Set when several HubSpot records matched and one was chosen: a sentence for the activity log. */
  tieBreak?: string;
  created: boolean;
}

export interface MatchDeps {
  db: Kysely<Database>;
  hubspot: HubSpotClient;
  locks: KeyedLock;
  connectionId: string;
  now: () => number;
  /** True for a dry run: nothing is created or remembered. */
  dryRun: boolean;
}

/** At most this many matches are read for a tie-break; more are almost certainly a bad match key. */
const CANDIDATE_LIMIT = 20;

async function search(hubspot: HubSpotClient, type: 'contacts' | 'companies', filterGroups: FilterGroup[], properties: readonly string[]): Promise<CrmObject[]> {
  const page = await hubspot[type].searchPage({ filterGroups, properties: [...properties], limit: CANDIDATE_LIMIT });
  return page.results;
}

function contactKeys(contact: IntercomContactLike, email: NormalisedEmail | null): string[] {
  return [`intercom:${contact.id}`, ...(email ? [`email:${email.key}`] : [])];
}

async function knownId(deps: MatchDeps, type: ObjectType, keys: readonly string[]): Promise<string | null> {
  for (const key of keys) {
    const link = await getLink(deps.db, deps.connectionId, type, key);
    if (link?.hubspotId) return link.hubspotId;
  }
  return null;
}

const remember = (deps: MatchDeps, type: ObjectType, keys: readonly string[], hubspotId: string | null, pendingRef: string | null = null) =>
  deps.dryRun ? Promise.resolve() : saveLinks(deps.db, deps.connectionId, type, keys, { hubspotId, pendingRef }, deps.now());

export async function matchContact(deps: MatchDeps, contact: IntercomContactLike, settings: ContactMatchingSettings): Promise<Matched> {
  const email = contact.email ? normaliseEmail(contact.email, settings.email) : null;
  const keys = contactKeys(contact, email);
  const lockKey = `contact:${deps.connectionId}:${email ? `email:${email.key}` : `intercom:${contact.id}`}`;
  return deps.locks.run(lockKey, async (): Promise<Matched> => {
    const linked = await knownId(deps, 'contact', keys);
    if (linked) return { id: linked, how: 'linked', created: false };

    for (const lookup of contactLookups(contact, settings)) {
      const found = await search(deps.hubspot, 'contacts', lookup.filterGroups, ['email', ...ENGAGEMENT_PROPERTIES]);
      if (found.length === 0) continue;
      const choice = chooseContact(found.map(candidateFromRecord), { now: deps.now(), engagementWithinDays: settings.tieBreakEngagementDays });
      await remember(deps, 'contact', keys, choice.chosen.id);
      return { id: choice.chosen.id, how: lookup.strategy, created: false, ...(choice.tie ? { tieBreak: choice.reason } : {}) };
    }

    const policy = contactCreatePolicy(contact, settings);
    if (!policy.create) return { id: null, how: null, created: false, skipped: policy.reason ?? 'no match' };
    if (deps.dryRun) return { id: null, how: 'created', created: true };
    const phone = settings.strategies.find((strategy) => strategy.type === 'phone');
    try {
      const created = await deps.hubspot.contacts.create({ properties: contactProperties(contact, phone?.type === 'phone' ? phone.defaultCountry || undefined : undefined) });
      await remember(deps, 'contact', keys, created.id);
      return { id: created.id, how: 'created', created: true };
    } catch (error) {
      // Made moments ago by another path (or a run that crashed before remembering it), not yet
      // searchable: HubSpot names it.
      const existing = existingIdOf(error);
      if (!existing) throw error;
      await remember(deps, 'contact', keys, existing);
      return { id: existing, how: 'existing', created: false };
    }
  });
}

export interface CompanyMatchInput {
  company: IntercomCompanyLike;
  contactEmail: string | null | undefined;
  /** The HubSpot contact, to associate a new company with in the same call. */
  contactId: string | null;
}

export async function matchCompany(deps: MatchDeps, input: CompanyMatchInput, settings: CompanyMatchingSettings, emailRules: ContactMatchingSettings['email']): Promise<Matched> {
  const email = input.contactEmail ? normaliseEmail(input.contactEmail, emailRules) : null;
  const lookups = companyLookups(input.company, email, settings);
  const domain = companyDomainForCreate(input.company, email);
  const keys = [`intercom:${input.company.id}`, ...lookups.map((lookup) => `${lookup.strategy}:${lookup.describe}`)];
  const lockKey = `company:${deps.connectionId}:${domain ? `domain:${domain}` : `intercom:${input.company.id}`}`;
  return deps.locks.run(lockKey, async (): Promise<Matched> => {
    const linked = await knownId(deps, 'company', keys);
    if (linked) return { id: linked, how: 'linked', created: false };

    for (const lookup of lookups) {
      const found = await search(deps.hubspot, 'companies', lookup.filterGroups, ['name', 'domain', 'createdate']);
      // HubSpot compares names case-insensitively but not spacing or legal suffixes: check the result.
      const usable = lookup.strategy === 'name' && input.company.name
        ? found.filter((record) => normaliseCompanyName(record.properties.name ?? '') === normaliseCompanyName(input.company.name ?? ''))
        : found;
      if (usable.length === 0) continue;
      const choice = chooseContact(usable.map(candidateFromRecord), { now: deps.now(), engagementWithinDays: 0 });
      await remember(deps, 'company', keys, choice.chosen.id);
      return { id: choice.chosen.id, how: lookup.strategy, created: false, ...(choice.tie ? { tieBreak: choice.reason } : {}) };
    }

    if (settings.onNoMatch === 'skip') return { id: null, how: null, created: false, skipped: "no company matched and onNoMatch is 'skip'" };
    const properties = companyProperties(input.company, domain);
    if (!properties['name'] && !properties['domain']) return { id: null, how: null, created: false, skipped: 'the Intercom company has neither a name nor a usable domain' };
    if (deps.dryRun) return { id: null, how: 'created', created: true };
    // A create in flight that a crash interrupted: the searches above ran after at least a lease
    // expiry, long enough for HubSpot's index to show it; not found means it was never made.
    await remember(deps, 'company', keys, null, `company:${input.company.id}`);
    const associations = settings.associateContact && input.contactId
      ? [{ to: { id: input.contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: COMPANY_TO_CONTACT }] }]
      : [];
    const created = await deps.hubspot.companies.create({ properties, associations });
    await remember(deps, 'company', keys, created.id);
    return { id: created.id, how: 'created', created: true };
  });
}
