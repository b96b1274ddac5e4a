// New HubSpot contacts for a contacts backfill, 100 per call (#18 item 3; hubspot-api.md §5:
// batch/create takes up to 100 inputs). Each gets what capture's create gives a contact
// (src/matching/contact-lookups.ts contactProperties) and the mapped values that go to HubSpot, as
// a first sync would write them (plan-pair.ts against an empty record), in the one call.
//
// A duplicate email fails the whole batch with one 409 naming the first conflict (hubspot-api.md §6):
// a contact made by a run the process did not live to record, or by a live capture a moment ago. The
// chunk's addresses are then read by email (batch/read with idProperty=email, hubspot-api.md §5.3, one
// call) — the record store, not the lagging search index — and the ones found are paired instead;
// the rest are created once more. A second refusal leaves them to the single-record path.
import type { Connection } from '../db/repos/connections.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { IntercomContact } from '../integrations/intercom/schemas.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { contactProperties } from '../matching/contact-lookups.ts';
import type { StoredMatchKey } from '../matching/match-key.ts';
import type { AccountFields } from './check-mapping-types.ts';
import { fieldKey } from './pair-store.ts';
import { planPair, type PlannedPair } from './plan-pair.ts';
import type { Baseline } from './plan-record-sync.ts';
import { hubspotPropertiesRead } from './record-webhooks.ts';
import type { RecordSyncDeps } from './sync-record.ts';

export interface CreateCandidate {
  contact: IntercomContact;
  /** The match keys matchContact would remember for it (`intercom:<id>`, `email:<key>`). */
  keys: StoredMatchKey[];
}

export interface CreateAnswer {
  /** Made by this call: the record as HubSpot answered it, and the properties sent. */
  created: Array<CreateCandidate & { record: CrmObject; properties: Record<string, string>; planned: PlannedPair }>;
  /** HubSpot had them already (the 409 path): pair with these ids. */
  existing: Array<CreateCandidate & { hubspotId: string }>;
  /** Neither: for the single-record path. */
  single: CreateCandidate[];
}

const EPOCH = new Date(0).toISOString();

/**
 * The properties a new HubSpot contact gets: capture's, then the mapped values (these win: they are
 * what the baselines will say was written), and the plan they came from (its baselines, settled once
 * HubSpot's answer shows the record holds what the plan assumed: settledBaselines).
 */
function newContact(deps: Pick<RecordSyncDeps, 'hashKey'>, row: Connection, fields: AccountFields, contact: IntercomContact): { properties: Record<string, string>; planned: PlannedPair } {
  const empty: CrmObject = { id: '', properties: {}, createdAt: EPOCH, updatedAt: EPOCH };
  const planned = planPair({
    object: 'contacts', mappings: row.settings.recordSync.contacts.mappings, fields, intercom: contact, hubspot: empty, derived: {},
    baselines: new Map(), hashKey: { installKey: deps.hashKey, connectionId: row.id }, dryRun: false,
  });
  const phone = row.settings.matching.contacts.strategies.find((strategy) => strategy.type === 'phone');
  return { properties: { ...contactProperties(contact, phone?.type === 'phone' ? phone.defaultCountry || undefined : undefined), ...planned.hubspotProperties }, planned };
}

/**
 * Of the plan's baselines, those of the fields whose HubSpot properties hold, as HubSpot answered the
 * create, exactly what was sent (nothing, for a property not sent; emails without case): the others
 * (a value HubSpot gave the record itself) are left for the pair's next sync to decide.
 */
export function settledBaselines(row: Connection, created: { record: CrmObject; properties: Record<string, string>; planned: PlannedPair }): Map<string, Baseline> {
  const same = (name: string) => {
    const held = created.record.properties[name] ?? '';
    const sent = created.properties[name] ?? '';
    return name === 'email' ? held.toLowerCase() === sent.toLowerCase() : held === sent;
  };
  const settled = new Map<string, Baseline>();
  for (const mapping of row.settings.recordSync.contacts.mappings) {
    const baseline = created.planned.settled.get(fieldKey(mapping));
    const reported = created.planned.reports.find((report) => report.intercom === mapping.intercom && report.hubspot === mapping.hubspot);
    // A field the plan could not decide (a type it cannot convert) stays as a live sync leaves it.
    if (!baseline || reported?.action === 'skipped') continue;
    if (hubspotPropertiesRead(mapping.hubspot).every(same)) settled.set(fieldKey(mapping), baseline);
  }
  return settled;
}

const isConflict = (error: unknown) => error instanceof UpstreamError && error.kind === 'conflict';
const emailOf = (properties: Record<string, string | null | undefined>) => properties['email']?.trim().toLowerCase() ?? '';

export async function createContacts(deps: RecordSyncDeps, row: Connection, fields: AccountFields, candidates: readonly CreateCandidate[]): Promise<CreateAnswer> {
  const hubspot = deps.clients.hubspot(row);
  const answer: CreateAnswer = { created: [], existing: [], single: [] };
  let pending = candidates.map((candidate) => ({ ...candidate, ...newContact(deps, row, fields, candidate.contact) }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    try {
      const result = await hubspot.contacts.batchCreate(pending.map((item) => ({ properties: item.properties })));
      // Results are matched by email, not position: HubSpot does not promise an order.
      const byEmail = new Map(result.results.map((record) => [emailOf(record.properties), record]));
      for (const item of pending) {
        const record = byEmail.get(emailOf(item.properties));
        if (record) answer.created.push({ contact: item.contact, keys: item.keys, record, properties: item.properties, planned: item.planned });
        else answer.single.push({ contact: item.contact, keys: item.keys });
      }
      return answer;
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempt > 0) {
        answer.single.push(...pending.map(({ contact, keys }) => ({ contact, keys })));
        return answer;
      }
    }
    const read = await hubspot.contacts.batchRead(pending.map((item) => emailOf(item.properties)), { properties: ['email'], idProperty: 'email' });
    const found = new Map(read.results.map((record) => [emailOf(record.properties), record.id]));
    const rest: typeof pending = [];
    for (const item of pending) {
      const id = found.get(emailOf(item.properties));
      if (id) answer.existing.push({ contact: item.contact, keys: item.keys, hubspotId: id });
      else rest.push(item);
    }
    pending = rest;
  }
  return answer;
}
