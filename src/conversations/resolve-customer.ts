// The customer's HubSpot contact and company, reading from Intercom only what the pairs do not
// already answer (#19 item 2: one Intercom call — the conversation — for a warm capture).
//
// Intercom 2.14's conversation names its customers by id only (`contacts.contacts[]`: type, id,
// external_id; intercom-api.md §3.2) and carries no company (2.15 adds `company`). What a capture
// needs of the contact besides its id is its name for the transcript and the ticket (the
// conversation's authors carry name and email: §3.3), its company, and, for matching, the rest. So
// the contact is read again from Intercom when:
// - it is not paired (record_pairs, src/records/pair-store.ts): it must be matched;
// - the contacts' record filters for conversations apply: they judge the contact's attributes;
// - the conversation does not name it (it wrote nothing in it): the transcript would lack its name;
// - its company is wanted and capture has not seen it on the contact in the last hour, saw none
//   (a lead that has since joined a company), or the company is not paired: a company moves or is
//   attached in Intercom without anything in the conversation saying so, and an hour bounds how long
//   a note can follow the old one; a re-read refreshes what record_pairs keeps (migrations/0031).
// The company is read when it is not paired, or when the ticket's templates name `{company}`.
// A remembered HubSpot record that turns out gone is forgotten by the note pipeline, and the run
// starts over (StaleLinkError, conversation-run.ts): then the pair is missing and all is read again.
import type { ConnectionSettings, Destination, TicketPolicy } from '../config/connection-settings.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { Database } from '../db/schema.ts';
import type { Kysely } from 'kysely';
import type { IntercomClient } from '../integrations/intercom/client.ts';
import type { IntercomConversation } from '../integrations/intercom/conversations.ts';
import type { IntercomContact } from '../integrations/intercom/schemas.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { pairedContactCompany, rememberContactCompany, type PairedContactCompany } from '../records/pair-store.ts';
import { matchCompany, matchContact, pairedMatch, type MatchDeps, type Matched } from './match-records.ts';
import { traceStep } from '../explain/trace-recorder.ts';

/** How long what capture saw of a contact's company stands in for reading the contact again. */
const COMPANY_SEEN_FOR_MS = 60 * 60_000;

/**
 * Whether the contacts' record filters keep this contact's conversations out of HubSpot
 * (`recordSync.contacts.filters.conversations`): the failing filter's key and sentence, or null.
 * It reads the contact (`contact()`) only when a filter applies. Implemented by
 * src/records/conversation-filter.ts.
 */
export type ContactFilter = (row: Connection, settings: ConnectionSettings, contact: () => Promise<IntercomContact>) => Promise<{ key: string; reason: string } | null>;

/**
 * The customer as the pipelines know them: the contact read from Intercom, or — their records
 * paired — as the conversation itself names them.
 */
export interface Customer {
  id: string;
  name?: string | null | undefined;
  email?: string | null | undefined;
}

/** The customer's company: read from Intercom, or — paired, and its name not needed — its id alone. */
export interface CustomerCompany {
  id: string;
  name?: string | null | undefined;
}

interface ResolvedCustomer {
  contact: Customer;
  company: CustomerCompany | null;
  contactMatch: Matched;
  companyMatch: Matched | null;
}

interface CustomerDeps {
  db: Kysely<Database>;
  now: () => number;
  contactFilter?: ContactFilter | undefined;
}

interface CustomerInput {
  row: Connection;
  settings: ConnectionSettings;
  intercom: IntercomClient;
  conversation: IntercomConversation;
  /** The conversation's first contact. */
  contactId: string;
  /** The route puts the note on the company, or makes a ticket. */
  wantsCompany: boolean;
  /** The ticket the route makes names the company (its templates use `{company}`). */
  companyNameNeeded: boolean;
  matchDeps: MatchDeps;
}

/** A lead merged into a user in Intercom answers 404; its conversations belong to the survivor. */
export async function contactFollowingMerges(intercom: IntercomClient, contactId: string, email: string | null | undefined): Promise<IntercomContact> {
  try {
    return await intercom.getContact(contactId, { email });
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'merged' && error.details.survivorId) return intercom.getContact(error.details.survivorId);
    throw error;
  }
}

/** Whether a ticket made for this route would name the company (ticket-content.ts fillTemplate). */
export function wantsCompanyName(destinations: readonly Destination[], policy: TicketPolicy, settings: ConnectionSettings): boolean {
  if (!destinations.includes('ticket') || policy === 'none') return false;
  return [settings.tickets.subjectTemplate, settings.tickets.descriptionTemplate].some((template) => template.includes('{company}'));
}

/** Author types of a customer's parts (intercom-api.md §3.3), as the note's people are told apart (note-pipeline.ts). */
const CUSTOMER_AUTHORS = new Set(['user', 'lead', 'contact']);

/** The contact's name and email as the conversation's authors give them, or null when it wrote nothing there. */
function namedInConversation(conversation: IntercomConversation, contactId: string): Omit<Customer, 'id'> | null {
  const authors = [conversation.source?.author, ...conversation.parts.map((part) => part.author)];
  const author = authors.find((entry) => entry?.id === contactId && CUSTOMER_AUTHORS.has(entry.type) && (entry.name || entry.email));
  return author ? { name: author.name, email: author.email } : null;
}

/** What capture saw of the company still stands: seen lately, and there was one. */
const companySeen = (pair: PairedContactCompany, now: number): pair is PairedContactCompany & { intercomCompanyId: string } =>
  pair.seenAt !== null && now - pair.seenAt < COMPANY_SEEN_FOR_MS && pair.intercomCompanyId !== null;

/**
 * Both records from their pairs, with the contact named by the conversation: null when anything
 * must be read from Intercom instead (see the top of this file).
 */
async function fromPairs(deps: CustomerDeps, input: CustomerInput): Promise<ResolvedCustomer | null> {
  const named = namedInConversation(input.conversation, input.contactId);
  if (!named) return null;
  const pair = await pairedContactCompany(deps.db, input.row.id, input.contactId);
  if (!pair) return null;
  const contact = { id: input.contactId, ...named };
  const contactMatch: Matched = { id: pair.hubspotId, how: 'linked', created: false };
  if (!input.wantsCompany) return { contact, company: null, contactMatch, companyMatch: null };
  if (!companySeen(pair, deps.now())) return null;
  const companyMatch = await pairedMatch(deps.db, input.row.id, 'company', pair.intercomCompanyId);
  if (!companyMatch) return null;
  return { contact, company: { id: pair.intercomCompanyId }, contactMatch, companyMatch };
}

export async function resolveCustomer(deps: CustomerDeps, input: CustomerInput): Promise<ResolvedCustomer | { reason: string; guard: 'record_filter' }> {
  const { row, settings, intercom, conversation, matchDeps } = input;
  let read: IntercomContact | undefined;
  const readContact = async () => (read ??= await contactFollowingMerges(intercom, input.contactId, conversation.source?.author?.email));
  // Before anything is matched or created. Unlike the noise guards, API Push's force does not lift
  // it: the filters are a policy about which people HubSpot holds, not about a conversation's worth.
  const filtered = deps.contactFilter ? await deps.contactFilter(row, settings, readContact) : null;
  if (filtered) {
    traceStep('guards', { pass: false, guard: 'record_filter', reason: filtered.reason });
    return { reason: `the contact is ${filtered.reason} (recordSync.contacts.filters.conversations)`, guard: 'record_filter' };
  }

  // A contact the filter has read is matched as read: after a merge it is another contact than the
  // conversation names, with a pair of its own.
  const paired = read ? null : await fromPairs(deps, input);
  if (paired && !input.companyNameNeeded) return paired;

  let contact: Customer;
  let contactMatch: Matched;
  let companyRef: string | null;
  if (paired) {
    ({ contact, contactMatch } = paired);
    companyRef = paired.company?.id ?? null;
  } else {
    const fresh = await readContact();
    contact = fresh;
    companyRef = fresh.companies?.data?.[0]?.id ?? null;
    contactMatch = await matchContact(matchDeps, fresh, settings.matching.contacts);
    if (!matchDeps.dryRun && contactMatch.id) await rememberContactCompany(deps.db, row.id, fresh.id, companyRef, deps.now());
  }
  if (!input.wantsCompany || !companyRef) return { contact, company: null, contactMatch, companyMatch: null };
  const companyPair = input.companyNameNeeded ? null : await pairedMatch(deps.db, row.id, 'company', companyRef);
  if (companyPair) return { contact, company: { id: companyRef }, contactMatch, companyMatch: companyPair };
  const company = await intercom.getCompany(companyRef);
  const companyMatch = await matchCompany(matchDeps, { company, contactEmail: contact.email, contactId: contactMatch.id }, settings.matching.companies, settings.matching.contacts.email);
  return { contact, company, contactMatch, companyMatch };
}
