// Memberships (#17 item 1): an Intercom contact's companies and a HubSpot contact's associated
// companies are kept in step for the companies that are paired.
// - Intercom → HubSpot: a contact's sync associates it with each of its paired Intercom companies, as
//   capture does (matching.companies.associateContact): a PUT made once and remembered when HubSpot
//   confirmed it (record_associations). Intercom's attach webhook has no documented item shape
//   (intercom-api.md §2.4), but an attach moves the contact's updated_at, so the sweep finds it.
// - HubSpot → Intercom: a contact.associationChange webhook asks for the HubSpot contact's companies;
//   each paired one the Intercom contact lacks is attached (POST /contacts/{id}/companies).
// A membership ended on one side is not ended on the other: like records, nothing is removed for the
// other side (item 8).
import { confirmAssociation, isAssociationConfirmed } from '../conversations/conversation-store.ts';
import { associateContactWithCompany, type MatchDeps } from '../conversations/match-records.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import type { IntercomContact } from '../integrations/intercom/schemas.ts';
import { pairOfIntercom, pairsOfHubSpot, pairsOfIntercomRecords } from './pair-store.ts';
import type { RecordSyncDeps } from './sync-record.ts';

/** Memberships handled per contact and sync at most; more is not a person but an integration's test record. */
const MAX_MEMBERSHIPS = 20;

export async function associateInHubSpot(deps: RecordSyncDeps, row: Connection, hubspot: HubSpotClient, contact: IntercomContact, hubspotContactId: string): Promise<number> {
  if (!row.settings.matching.companies.associateContact) return 0;
  const matchDeps: MatchDeps = { db: deps.db, hubspot, locks: deps.locks, connectionId: row.id, now: deps.now, dryRun: false, matchKeys: deps.matchKeys };
  let made = 0;
  for (const { id } of (contact.companies?.data ?? []).slice(0, MAX_MEMBERSHIPS)) {
    const company = await pairOfIntercom(deps.db, row.id, 'company', id);
    if (company && (await associateContactWithCompany(matchDeps, hubspotContactId, company.hubspotId)) === 'associated') made += 1;
  }
  return made;
}

/** HubSpot's batch/associate/default takes up to 2,000 pairs (hubspot-api.md, associations batch limits). */
const ASSOCIATE_BATCH = 2_000;

/**
 * A backfill's contacts paired in one chunk (created or found): each with its paired Intercom
 * companies, as associateInHubSpot does for one contact, in one batch call (the associations budget,
 * not the records': hubspot-api.md §3). Associating twice has one effect, so a redone chunk is safe.
 */
export async function associateInHubSpotBatch(deps: Pick<RecordSyncDeps, 'db' | 'now'>, row: Connection, hubspot: HubSpotClient, contacts: ReadonlyArray<{ contact: IntercomContact; hubspotId: string }>): Promise<number> {
  if (!row.settings.matching.companies.associateContact || contacts.length === 0) return 0;
  const membershipsOf = (contact: IntercomContact) => (contact.companies?.data ?? []).slice(0, MAX_MEMBERSHIPS);
  const companies = await pairsOfIntercomRecords(deps.db, row.id, 'company', [...new Set(contacts.flatMap(({ contact }) => membershipsOf(contact).map((company) => company.id)))]);
  const wanted: Array<{ from: string; to: string }> = [];
  for (const { contact, hubspotId } of contacts) {
    for (const { id } of membershipsOf(contact)) {
      const company = companies.get(id);
      if (company && !(await isAssociationConfirmed(deps.db, row.id, hubspotId, company.hubspotId))) wanted.push({ from: hubspotId, to: company.hubspotId });
    }
  }
  for (let i = 0; i < wanted.length; i += ASSOCIATE_BATCH) {
    const batch = wanted.slice(i, i + ASSOCIATE_BATCH);
    await hubspot.associations.batchCreateDefault('contacts', 'companies', batch);
    for (const pair of batch) await confirmAssociation(deps.db, row.id, pair.from, pair.to, deps.now());
  }
  return wanted.length;
}

/** The Intercom companies joined for the HubSpot contact's associated companies; their ids. */
export async function attachInIntercom(deps: RecordSyncDeps, row: Connection, hubspotContactId: string): Promise<string[]> {
  const contactPairs = await pairsOfHubSpot(deps.db, row.id, 'contact', hubspotContactId);
  if (contactPairs.length === 0) return [];
  const hubspot = deps.clients.hubspot(row);
  const record = await hubspot.contacts.get(hubspotContactId, { properties: ['hs_object_id'], associations: ['companies'] });
  const companyIds = new Set<string>();
  for (const association of (record.associations?.['companies']?.results ?? []).slice(0, MAX_MEMBERSHIPS)) {
    for (const pair of await pairsOfHubSpot(deps.db, row.id, 'company', association.id)) companyIds.add(pair.intercomId);
  }
  if (companyIds.size === 0) return [];
  const intercom = deps.clients.intercom(row);
  const attached: string[] = [];
  for (const pair of contactPairs) {
    const contact = await intercom.getContact(pair.intercomId);
    const has = new Set((contact.companies?.data ?? []).map((company) => company.id));
    for (const companyId of companyIds) {
      if (has.has(companyId)) continue;
      await intercom.attachCompany(pair.intercomId, companyId);
      attached.push(companyId);
    }
  }
  return attached;
}
