// The contacts' filters for conversations (#18 item 2, `recordSync.contacts.filters.conversations`):
// a conversation whose Intercom contact fails the contacts' toHubSpot filters creates nothing in
// HubSpot. Capture asks through the port it is given (src/conversations/resolve-records.ts
// ContactFilter), so src/conversations does not import record sync.
//
// It applies whenever the switch is on and toHubSpot has conditions, whether or not contacts sync
// (recordSync.contacts.enabled): keeping test and internal people out of HubSpot is wanted from
// conversations alone too.
import type { ConnectionSettings } from '../config/connection-settings.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { IntercomContact } from '../integrations/intercom/schemas.ts';
import type { RecordSyncDeps } from './sync-record.ts';
import { judgeRecord } from './record-filters.ts';

/**
 * The failing filter's key and sentence, or null when the conversation may go on. The contact is
 * read only when a filter applies: otherwise a capture whose records are paired needs no contact
 * read (#19 item 2).
 */
export async function conversationContactFiltered(deps: Pick<RecordSyncDeps, 'catalogue'>, row: Connection, settings: ConnectionSettings, contact: () => Promise<IntercomContact>): Promise<{ key: string; reason: string } | null> {
  const filters = settings.recordSync.contacts.filters;
  if (!filters.conversations || filters.toHubSpot.length === 0) return null;
  // Custom attributes' types come from the workspace (cached by the catalogue for a few minutes).
  const fields = await deps.catalogue.fieldsOf(row, 'contacts');
  const verdict = judgeRecord({ object: 'contacts', direction: 'to_hubspot', filters: filters.toHubSpot, record: await contact(), fields });
  return verdict.pass ? null : { key: verdict.key, reason: verdict.reason };
}
