// "N of M records would sync" before filters are saved (#18 item 2): the source side's most recently
// updated records (one page, at most 100) judged by the filters as given, and the source's total.
// The records' values are judged in memory and dropped: nothing of them is stored or logged.
//
// Source reads: Intercom POST /contacts/search sorted by updated_at descending (intercom-api.md
// §4.2; search needs a filter, `updated_at > 0` takes every contact) and POST /companies/list
// (§4.3: sorted by last_request_at, the nearest Intercom offers for companies; its total comes
// from GET /companies, which counts companies without users too);
// HubSpot POST /crm/objects/{type}/search sorted by lastmodifieddate (contacts) or
// hs_lastmodifieddate (companies), descending, whose answer carries `total` (hubspot-api.md §10).
import type { ConnectionClients } from '../connections/clients.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import type { AccountFields } from './check-mapping-types.ts';
import type { RecordObject } from './field-mapping.ts';
import type { RecordFilter } from './filter-schema.ts';
import { filterProperties, judgeRecord, type FilterDirection } from './record-filters.ts';
import type { IntercomRecord } from './record-sides.ts';

const SAMPLE_SIZE = 100;

export interface FilterPreview {
  direction: FilterDirection;
  /** Records judged. */
  sampled: number;
  /** Of them, those that pass every filter. */
  passing: number;
  /** Records on the source side, where it says (null when it does not). */
  total: number | null;
  /** For each filter, the sampled records it excludes judged on its own (a record can fail several). */
  byFilter: Array<{ index: number; excluded: number }>;
}

interface Sample {
  records: Array<IntercomRecord | CrmObject>;
  total: number | null;
}

async function intercomSample(clients: ConnectionClients, row: Connection, object: RecordObject): Promise<Sample> {
  const intercom = clients.intercom(row);
  if (object === 'contacts') {
    for await (const page of intercom.searchContactPages({ field: 'updated_at', operator: '>', value: 0 }, { perPage: SAMPLE_SIZE, sort: { field: 'updated_at', order: 'descending' } })) {
      return { records: page.items.slice(0, SAMPLE_SIZE), total: page.total ?? null };
    }
    return { records: [], total: 0 };
  }
  const records: IntercomRecord[] = [];
  for await (const company of intercom.listCompanies({ perPage: 50, order: 'desc' })) {
    records.push(company);
    if (records.length >= SAMPLE_SIZE) break;
  }
  return { records, total: await intercom.countCompanies() };
}

async function hubspotSample(clients: ConnectionClients, row: Connection, object: RecordObject, filters: readonly RecordFilter[]): Promise<Sample> {
  const page = await clients.hubspot(row)[object].searchPage({
    sorts: [{ propertyName: object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate', direction: 'DESCENDING' }],
    properties: [...new Set(filterProperties(object, filters))],
    limit: SAMPLE_SIZE,
  });
  return { records: page.results, total: page.total };
}

/** How many of a sample of the source's records the filters let through (pure once the sample is read). */
function countPassing(input: { object: RecordObject; direction: FilterDirection; filters: readonly RecordFilter[]; fields: AccountFields; records: ReadonlyArray<IntercomRecord | CrmObject>; total: number | null }): FilterPreview {
  const { object, direction, filters, fields, records } = input;
  const judge = (record: IntercomRecord | CrmObject, list: readonly RecordFilter[]) => judgeRecord({ object, direction, filters: list, record, fields }).pass;
  return {
    direction,
    sampled: records.length,
    passing: records.filter((record) => judge(record, filters)).length,
    total: input.total,
    byFilter: filters.map((filter, index) => ({ index, excluded: records.filter((record) => !judge(record, [filter])).length })),
  };
}

/** Reads the sample from the source side (Intercom for to_hubspot, HubSpot for to_intercom) and counts it. */
export async function previewFilters(
  deps: { clients: ConnectionClients },
  row: Connection,
  input: { object: RecordObject; direction: FilterDirection; filters: readonly RecordFilter[]; fields: AccountFields },
): Promise<FilterPreview> {
  const sample = input.direction === 'to_hubspot' ? await intercomSample(deps.clients, row, input.object) : await hubspotSample(deps.clients, row, input.object, input.filters);
  return countPassing({ ...input, records: sample.records, total: sample.total });
}
