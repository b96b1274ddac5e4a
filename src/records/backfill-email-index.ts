// The first phase of a contacts backfill to HubSpot (#18 item 3): HubSpot's existing contacts,
// listed 100 a page, remembered under the match keys capture's matching uses (record_links, keyed
// hashes of `email:<normalised key>`; src/conversations/match-records.ts), so the Intercom pages that
// follow pair a contact HubSpot already has without a search per record (searches are 5 a second;
// a list page is one call of the 10-second budget for 100 contacts).
//
// The same key as matchContact's: an Intercom contact finds the HubSpot contact whose email
// normalises like its own (case, +tags, Gmail dots, per the connection's rules), which is one better
// than a search, which compares exact strings (src/matching/email.ts emailSearchValues). A key two
// HubSpot contacts share is left ambiguous: such a contact goes through matchContact, whose tie-break
// chooses (most recent engagement). A key capture or a sync remembered already is left as it is:
// matchContact trusts it first too.
import type { Connection } from '../db/repos/connections.ts';
import { getLinks, saveLinks, type StoredLink } from '../conversations/conversation-store.ts';
import { normaliseEmail } from '../matching/email.ts';
import type { StoredMatchKey } from '../matching/match-key.ts';
import type { RecordSyncDeps } from './sync-record.ts';

/** pending_ref of a link this index wrote (hubspot_id set): replaced by the first pairing that confirms it. */
const INDEXED = 'backfill-index';
/** pending_ref of a key two HubSpot contacts share (hubspot_id null): left to matchContact's tie-break. */
const AMBIGUOUS = 'backfill-ambiguous';

/** HubSpot list pages per backfill page of this phase. */
const LIST_PAGES = 10;

/** A contact's addresses: `email`, and `hs_additional_emails` (also unique across contacts, hubspot-api.md §6; `;`-separated). */
const INDEX_PROPERTIES = ['email', 'hs_additional_emails'];

const emailsOf = (properties: Record<string, string | null>): string[] =>
  [properties['email'], ...(properties['hs_additional_emails'] ?? '').split(/[;,]/)].filter((email): email is string => Boolean(email?.trim()));

export const emailMatchKey = (deps: Pick<RecordSyncDeps, 'matchKeys'>, row: Connection, email: string | null | undefined): StoredMatchKey | null => {
  const normalised = email ? normaliseEmail(email, row.settings.matching.contacts.email) : null;
  return normalised ? deps.matchKeys(`email:${normalised.key}`) : null;
};

/**
 * Indexes up to LIST_PAGES pages of HubSpot's contacts from `after` (undefined: the first).
 * Answers where the next page starts, or null when the list is done.
 */
export async function indexHubSpotContacts(deps: RecordSyncDeps, row: Connection, after: string | undefined, signal: AbortSignal): Promise<string | null> {
  const hubspot = deps.clients.hubspot(row);
  let cursor = after;
  for (let page = 0; page < LIST_PAGES; page++) {
    signal.throwIfAborted();
    const answer = await hubspot.contacts.listPage({ limit: 100, properties: INDEX_PROPERTIES, ...(cursor === undefined ? {} : { after: cursor }) });
    const byKey = new Map<StoredMatchKey, Set<string>>();
    for (const record of answer.results) {
      for (const email of emailsOf(record.properties)) {
        const key = emailMatchKey(deps, row, email);
        if (key) byKey.set(key, (byKey.get(key) ?? new Set()).add(record.id));
      }
    }
    const links = await getLinks(deps.db, row.id, 'contact', [...byKey.keys()]);
    for (const [key, ids] of byKey) await indexKey(deps, row, key, ids, links.get(key));
    const next = answer.paging?.next?.after;
    if (next === undefined || next === cursor) return null;
    cursor = next;
  }
  return cursor ?? null;
}

async function indexKey(deps: RecordSyncDeps, row: Connection, key: StoredMatchKey, ids: ReadonlySet<string>, link: StoredLink | undefined): Promise<void> {
  const [only] = ids;
  const ambiguous = ids.size > 1 || (link?.pendingRef === INDEXED && link.hubspotId !== only);
  if (ambiguous) {
    // A pairing's own link stays: matchContact would trust it.
    if (link && link.pendingRef !== INDEXED && link.pendingRef !== AMBIGUOUS) return;
    await saveLinks(deps.db, row.id, 'contact', [key], { hubspotId: null, pendingRef: AMBIGUOUS }, deps.now());
    return;
  }
  if (link || only === undefined) return;
  await saveLinks(deps.db, row.id, 'contact', [key], { hubspotId: only, pendingRef: INDEXED }, deps.now());
}

/**
 * What the index (or an earlier pairing) says of an Intercom contact's keys, from their links
 * (getLinks): a HubSpot id, ambiguous, a create under way elsewhere, or nothing known.
 */
export function knownContact(links: ReadonlyMap<StoredMatchKey, StoredLink>, keys: readonly StoredMatchKey[]): { id: string } | 'ambiguous' | 'pending' | null {
  let ambiguous = false;
  for (const key of keys) {
    const link = links.get(key);
    if (link?.hubspotId) return { id: link.hubspotId };
    if (link?.pendingRef === AMBIGUOUS) ambiguous = true;
    // Another create under this key was sent and never answered: matchContact knows how to wait for it.
    else if (link?.pendingRef) return 'pending';
  }
  return ambiguous ? 'ambiguous' : null;
}
