// Finds (or creates) the HubSpot contact and company of an Intercom contact, with no duplicates:
// - work on one customer runs under a lock keyed by what identifies them (their email key, else their
//   Intercom id), so 20 captures of one new customer at once create one contact;
// - what a search found or a create made is remembered (record_links, under keyed hashes of the match
//   keys), so the captures that follow do not depend on HubSpot's search index, which lags behind a
//   create ("a few moments", reports of up to ~30 s: hubspot-api.md §10);
// - HubSpot itself refuses a second contact with the same email (409 "Existing ID"), which covers a
//   crash between a create and its local commit, or a lost answer to it;
// - companies (and contacts without an email) have no such key: their create leaves a pending link
//   first. A rerun that finds one looks for what the interrupted create made before creating again:
//   a company created with its contact is read back through that contact's associations (a read by
//   id, not the search index); otherwise the rerun waits until the index has had time to show it;
// - the contact–company association counts as done only once HubSpot confirmed it
//   (record_associations), so a failed or interrupted association call is made again on the rerun.
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
import type { MatchKeyHasher, StoredMatchKey } from '../matching/match-key.ts';
import { candidateFromRecord, chooseContact, ENGAGEMENT_PROPERTIES } from '../matching/tie-break.ts';
import { RetryAfterError } from '../jobs/outcomes.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { pairOfIntercom, savePair, type PairType } from '../records/pair-store.ts';
import { confirmAssociation, getLink, isAssociationConfirmed, saveLinks, type ObjectType, type StoredLink } from './conversation-store.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { traceStep } from '../explain/trace-recorder.ts';

/** company → contact, unlabelled (hubspot-api.md §11.3). */
const COMPANY_TO_CONTACT = 280;

type MatchHow = 'linked' | 'email' | 'phone' | 'external_id' | 'domain' | 'name' | 'id_property' | 'created' | 'existing';

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
  /** What record_links stores for a match key (a keyed hash: no customer identifier at rest). */
  matchKeys: MatchKeyHasher;
}

/**
 * How long a create may stay invisible to HubSpot's search: "it may take a few moments for newly
 * created or updated CRM objects to appear in search results", and integrators report up to ~30 s
 * (hubspot-api.md §10). A rerun that cannot read back what an interrupted create made waits this
 * long after that create before it searches and creates again.
 */
const SEARCH_INDEX_SETTLE_MS = 30_000;

/** At most this many matches are read for a tie-break; more are almost certainly a bad match key. */
const CANDIDATE_LIMIT = 20;

async function search(hubspot: HubSpotClient, type: 'contacts' | 'companies', filterGroups: FilterGroup[], properties: readonly string[]): Promise<CrmObject[]> {
  const page = await hubspot[type].searchPage({ filterGroups, properties: [...properties], limit: CANDIDATE_LIMIT });
  return page.results;
}

function contactKeys(contact: IntercomContactLike, email: NormalisedEmail | null): string[] {
  return [`intercom:${contact.id}`, ...(email ? [`email:${email.key}`] : [])];
}

interface KnownLinks {
  /** The HubSpot record a key already leads to. */
  id: string | null;
  /** A create that was sent and never recorded as answered (a crash, a lost answer, a failure). */
  pending: StoredLink | null;
}

async function knownLinks(deps: MatchDeps, type: ObjectType, keys: readonly StoredMatchKey[]): Promise<KnownLinks> {
  let pending: StoredLink | null = null;
  for (const key of keys) {
    const link = await getLink(deps.db, deps.connectionId, type, key);
    if (link?.hubspotId) return { id: link.hubspotId, pending: null };
    if (link?.pendingRef && (!pending || link.updatedAt > pending.updatedAt)) pending = link;
  }
  return { id: null, pending };
}

const remember = (deps: MatchDeps, type: ObjectType, keys: readonly StoredMatchKey[], hubspotId: string | null, pendingRef: string | null = null) =>
  deps.dryRun ? Promise.resolve() : saveLinks(deps.db, deps.connectionId, type, keys, { hubspotId, pendingRef }, deps.now());

/**
 * An interrupted create that nothing could read back: until the index has had time to show what it
 * may have made, searching and creating again risks a second record, so the job waits (a wait that
 * does not use up an attempt) and looks again.
 */
function waitForSearchIndex(deps: MatchDeps, pending: StoredLink | null, what: string): void {
  if (!pending || deps.dryRun) return;
  const remaining = pending.updatedAt + SEARCH_INDEX_SETTLE_MS - deps.now();
  if (remaining > 0) {
    throw new RetryAfterError(remaining, `a ${what} create sent ${Math.round((deps.now() - pending.updatedAt) / 1000)} s ago was not answered and HubSpot's search may not show it yet; looking again in ${Math.ceil(remaining / 1000)} s`);
  }
}

export async function matchContact(deps: MatchDeps, contact: IntercomContactLike, settings: ContactMatchingSettings): Promise<Matched> {
  const email = contact.email ? normaliseEmail(contact.email, settings.email) : null;
  const keys = contactKeys(contact, email).map(deps.matchKeys);
  const lockKey = `contact:${deps.connectionId}:${email ? `email:${email.key}` : `intercom:${contact.id}`}`;
  return deps.locks.run(lockKey, () => paired(deps, 'contact', contact.id, async (): Promise<Matched> => {
    const known = await knownLinks(deps, 'contact', keys);
    if (known.id) return { id: known.id, how: 'linked', created: false };

    for (const lookup of contactLookups(contact, settings)) {
      const found = await search(deps.hubspot, 'contacts', lookup.filterGroups, ['email', ...ENGAGEMENT_PROPERTIES]);
      const choice = found.length === 0 ? null : chooseContact(found.map(candidateFromRecord), { now: deps.now(), engagementWithinDays: settings.tieBreakEngagementDays });
      // The explainer's trace: the HubSpot ids this step weighed and the one it chose (src/explain).
      traceStep('match_lookup', { object: 'contact', strategy: lookup.strategy, candidates: found.map((record) => record.id), chosen: choice?.chosen.id ?? null, ...(choice?.tie ? { tieBreak: choice.reason } : {}) });
      if (!choice) continue;
      await remember(deps, 'contact', keys, choice.chosen.id);
      return { id: choice.chosen.id, how: lookup.strategy, created: false, ...(choice.tie ? { tieBreak: choice.reason } : {}) };
    }

    const policy = contactCreatePolicy(contact, settings);
    if (!policy.create) return { id: null, how: null, created: false, skipped: policy.reason ?? 'no match' };
    if (deps.dryRun) return { id: null, how: 'created', created: true };
    const phone = settings.strategies.find((strategy) => strategy.type === 'phone');
    const properties = contactProperties(contact, phone?.type === 'phone' ? phone.defaultCountry || undefined : undefined);
    // With an email, HubSpot's 409 names a contact an interrupted create made (below); without
    // one nothing does, so the create is announced first and a rerun waits for the index.
    if (!properties['email']) {
      waitForSearchIndex(deps, known.pending, 'contact');
      await remember(deps, 'contact', keys, null, 'create');
    }
    try {
      const created = await deps.hubspot.contacts.create({ properties });
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
  }));
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
  const keys = [`intercom:${input.company.id}`, ...lookups.map((lookup) => `${lookup.strategy}:${lookup.describe}`)].map(deps.matchKeys);
  const lockKey = `company:${deps.connectionId}:${domain ? `domain:${domain}` : `intercom:${input.company.id}`}`;
  const properties = companyProperties(input.company, domain);
  return deps.locks.run(lockKey, () => paired(deps, 'company', input.company.id, async (): Promise<Matched> => {
    const known = await knownLinks(deps, 'company', keys);
    if (known.id) return { id: known.id, how: 'linked', created: false };
    const viaContact = known.pending ? pendingCreateContact(known.pending) : null;
    if (viaContact) {
      const made = await findCompanyCreatedWithContact(deps, viaContact, properties);
      if (made) {
        await remember(deps, 'company', keys, made);
        if (!deps.dryRun) await confirmAssociation(deps.db, deps.connectionId, viaContact, made, deps.now());
        return { id: made, how: 'existing', created: false };
      }
    }

    for (const lookup of lookups) {
      const found = await search(deps.hubspot, 'companies', lookup.filterGroups, ['name', 'domain', 'createdate']);
      // HubSpot compares names case-insensitively but not spacing or legal suffixes: check the result.
      const usable = lookup.strategy === 'name' && input.company.name
        ? found.filter((record) => normaliseCompanyName(record.properties.name ?? '') === normaliseCompanyName(input.company.name ?? ''))
        : found;
      const choice = usable.length === 0 ? null : chooseContact(usable.map(candidateFromRecord), { now: deps.now(), engagementWithinDays: 0 });
      traceStep('match_lookup', { object: 'company', strategy: lookup.strategy, candidates: usable.map((record) => record.id), chosen: choice?.chosen.id ?? null, ...(choice?.tie ? { tieBreak: choice.reason } : {}) });
      if (!choice) continue;
      await remember(deps, 'company', keys, choice.chosen.id);
      return { id: choice.chosen.id, how: lookup.strategy, created: false, ...(choice.tie ? { tieBreak: choice.reason } : {}) };
    }

    if (settings.onNoMatch === 'skip') return { id: null, how: null, created: false, skipped: "no company matched and onNoMatch is 'skip'" };
    if (!properties['name'] && !properties['domain']) return { id: null, how: null, created: false, skipped: 'the Intercom company has neither a name nor a usable domain' };
    if (deps.dryRun) return { id: null, how: 'created', created: true };
    // An interrupted create read back through its contact and not found was never made (the
    // association is part of the create); one that cannot be read back waits out the index.
    if (!viaContact) waitForSearchIndex(deps, known.pending, 'company');
    const withContact = settings.associateContact ? input.contactId : null;
    await remember(deps, 'company', keys, null, withContact ? `${PENDING_VIA_CONTACT}${withContact}` : 'create');
    const associations = withContact
      ? [{ to: { id: withContact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: COMPANY_TO_CONTACT }] }]
      : [];
    const created = await deps.hubspot.companies.create({ properties, associations });
    await remember(deps, 'company', keys, created.id);
    // The create's answer covers the association it carried.
    if (withContact) await confirmAssociation(deps.db, deps.connectionId, withContact, created.id, deps.now());
    return { id: created.id, how: 'created', created: true };
  }));
}

/**
 * The pair first (src/records/pair-store.ts: one pairing mechanism for capture and record sync),
 * then matching; what matching finds or creates becomes the pair.
 */
async function paired(deps: MatchDeps, type: PairType, intercomId: string, match: () => Promise<Matched>): Promise<Matched> {
  const pair = await pairedMatch(deps.db, deps.connectionId, type, intercomId);
  if (pair) return pair;
  const matched = await match();
  if (matched.id && !deps.dryRun) await savePair(deps.db, { connectionId: deps.connectionId, type, intercomId, hubspotId: matched.id, how: matched.how ?? 'linked' }, deps.now());
  return matched;
}

/** The HubSpot record an Intercom record is paired with, as a match; null when it is not paired. */
export async function pairedMatch(db: Kysely<Database>, connectionId: string, type: PairType, intercomId: string): Promise<Matched | null> {
  const pair = await pairOfIntercom(db, connectionId, type, intercomId);
  return pair ? { id: pair.hubspotId, how: 'linked', created: false } : null;
}

/** A pending company create names the contact it was associated with: `contact:<HubSpot id>`. */
const PENDING_VIA_CONTACT = 'contact:';

function pendingCreateContact(pending: StoredLink): string | null {
  return pending.pendingRef?.startsWith(PENDING_VIA_CONTACT) ? pending.pendingRef.slice(PENDING_VIA_CONTACT.length) || null : null;
}

const isGone = (error: unknown) => error instanceof UpstreamError && (error.kind === 'not_found' || error.kind === 'merged');

/**
 * The company an interrupted create made together with its association to `contactId`: read from
 * the contact's associations (GET by id with `associations`, hubspot-api.md §5.2: the record store,
 * not the search index) and recognised by what the create would have written. Any company of this
 * contact with that domain (or, without one, that name) is the right one to link, whoever made it.
 */
async function findCompanyCreatedWithContact(deps: MatchDeps, contactId: string, properties: Record<string, string>): Promise<string | null> {
  let ids: string[];
  try {
    const contact = await deps.hubspot.contacts.get(contactId, { properties: ['hs_object_id'], associations: ['companies'] });
    ids = [...new Set((contact.associations?.['companies']?.results ?? []).map((result) => result.id))];
  } catch (error) {
    if (isGone(error)) return null;
    throw error;
  }
  if (ids.length === 0) return null;
  const wanted = properties['domain']?.toLowerCase();
  const name = normaliseCompanyName(properties['name'] ?? '');
  const batch = await deps.hubspot.companies.batchRead(ids.slice(0, 100), { properties: ['name', 'domain'] });
  const found = batch.results.find((company) =>
    wanted ? company.properties.domain?.toLowerCase() === wanted : name !== '' && normaliseCompanyName(company.properties.name ?? '') === name);
  return found?.id ?? null;
}

/**
 * Makes sure the contact is associated with the company in HubSpot. Remembered only once HubSpot
 * answered the call (a PUT, safe to repeat, hubspot-api.md §11.1): a call that failed, timed out
 * or was cut off by a crash is made again by the next capture of this pair.
 */
export async function associateContactWithCompany(deps: MatchDeps, contactId: string, companyId: string): Promise<'confirmed' | 'associated' | 'planned'> {
  if (await isAssociationConfirmed(deps.db, deps.connectionId, contactId, companyId)) return 'confirmed';
  if (deps.dryRun) return 'planned';
  await deps.hubspot.associations.createDefault('contacts', contactId, 'companies', companyId);
  await confirmAssociation(deps.db, deps.connectionId, contactId, companyId, deps.now());
  return 'associated';
}
