// A per-field preview of a mapping list against one sample record, before the list is saved (#18
// item 1: "Ana Ruiz: lifecycle stage lead → customer"). The sample is the Intercom record asked for,
// else the pair synced last, else the first Intercom record listed. Both records are read fresh and
// planned as the sync would (plan-pair.ts, dry run) with the GIVEN mappings and the saved filters.
//
// A dry run: nothing is written to either account or to the database (no pair, no baseline, no
// activity entry), and the values read live travel in the answer only — never logged or stored.
import { sql } from 'kysely';
import type { Connection } from '../db/repos/connections.ts';
import type { CrmObject } from '../integrations/hubspot/schemas.ts';
import { isNotFound } from '../integrations/hubspot/record-gone.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { RetryAfterError } from '../jobs/outcomes.ts';
import type { MappingListCheck } from './check-mapping-list.ts';
import { hubspotType, intercomType, type AccountFields } from './check-mapping-types.ts';
import { CUSTOM_PREFIX, HUBSPOT_DERIVED, HUBSPOT_FULL_NAME, type FieldMapping, type RecordObject } from './field-mapping.ts';
import { counterpartType, type FieldValue, type HubSpotFieldType, type IntercomFieldType } from './field-types.ts';
import { baselinesOf, pairOfIntercom, pairTypeOf, sharedWith } from './pair-store.ts';
import { planPair, type FieldReport } from './plan-pair.ts';
import { blockedDirections, hasFilters, withFilterProperties } from './record-filters.ts';
import { hubspotReadPlan, type IntercomRecord } from './record-sides.ts';
import type { RecordSyncDeps } from './sync-record.ts';

interface PreviewField {
  intercom: string;
  hubspot: string;
  direction: FieldMapping['direction'];
  action: 'write_hubspot' | 'write_intercom' | 'unchanged' | 'skipped';
  from?: string | null;
  to?: string | null;
  reason?: string;
}

export interface MappingPreview {
  sample: { intercomId: string; hubspotId: string | null; label: string } | null;
  fields: PreviewField[];
  unavailable?: string;
}

/** A mapping of the list that the settings' schema refused: shown skipped with its problem. */
interface RefusedMapping {
  index: number;
  intercom: string;
  hubspot: string;
  direction: FieldMapping['direction'];
  reason: string;
}

/**
 * What to preview of a checked list: the list as the settings would hold it (always-mapped fields
 * included) without the mappings the schema refused, and those shown skipped with their problem.
 */
export function previewInput(check: MappingListCheck, given: readonly unknown[]): { mappings: FieldMapping[]; refused: RefusedMapping[] } {
  const refusedAt = new Set(check.problems.map((problem) => problem.index));
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const refused = check.mappings.flatMap((mapping, index): RefusedMapping[] => {
    if (!refusedAt.has(index)) return [];
    const raw = (given[index] ?? {}) as { intercom?: unknown; hubspot?: unknown; direction?: unknown };
    const direction = mapping?.direction ?? (raw.direction === 'to_intercom' || raw.direction === 'both' ? raw.direction : 'to_hubspot');
    const reason = check.problems.filter((problem) => problem.index === index).map((problem) => `${problem.key}: ${problem.message}`).join('; ');
    return [{ index, intercom: mapping?.intercom ?? text(raw.intercom), hubspot: mapping?.hubspot ?? text(raw.hubspot), direction, reason }];
  });
  const mappings = check.saved ?? check.mappings.filter((mapping, index): mapping is FieldMapping => mapping !== undefined && !refusedAt.has(index));
  return { mappings, refused };
}

export class PreviewSampleNotFoundError extends Error {
  override name = 'PreviewSampleNotFoundError';
}

type PreviewDeps = Pick<RecordSyncDeps, 'db' | 'clients' | 'catalogue' | 'derive' | 'hashKey'>;

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));
const asText = (value: FieldValue | undefined): string | null => (value === undefined || value === null ? null : String(value));
const isGone = (error: unknown) => error instanceof UpstreamError && (error.kind === 'not_found' || error.kind === 'merged');

/** What a person calls the record: a name, else an email or a website, else its id. */
function labelOf(record: IntercomRecord): string {
  const fields = record as Record<string, unknown>;
  for (const key of ['name', 'email', 'website']) {
    const value = fields[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return record.id;
}

/** The pair synced last (record_pairs has no index on last_synced_at: one pass over the type's pairs, once per preview). */
async function latestSyncedPair(deps: PreviewDeps, row: Connection, object: RecordObject): Promise<{ intercomId: string } | undefined> {
  const found = await deps.db
    .selectFrom('record_pairs')
    .select('intercom_id')
    .where('connection_id', '=', row.id)
    .where('object_type', '=', pairTypeOf(object))
    .where('last_synced_at', 'is not', null)
    .orderBy(sql`last_synced_at`, 'desc')
    .limit(1)
    .executeTakeFirst();
  return found && { intercomId: found.intercom_id };
}

async function readIntercom(deps: PreviewDeps, row: Connection, object: RecordObject, id: string): Promise<IntercomRecord | undefined> {
  const intercom = deps.clients.intercom(row);
  try {
    return object === 'contacts' ? await intercom.getContact(id) : await intercom.getCompany(id);
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

async function firstListed(deps: PreviewDeps, row: Connection, object: RecordObject): Promise<IntercomRecord | undefined> {
  const intercom = deps.clients.intercom(row);
  if (object === 'contacts') {
    for await (const page of intercom.listContactPages({ perPage: 1 })) return page.items[0];
    return undefined;
  }
  for await (const company of intercom.listCompanies({ perPage: 1 })) return company;
  return undefined;
}

async function sampleRecord(deps: PreviewDeps, row: Connection, object: RecordObject, intercomId: string | undefined): Promise<IntercomRecord | undefined> {
  if (intercomId !== undefined) {
    const asked = await readIntercom(deps, row, object, intercomId);
    if (!asked) throw new PreviewSampleNotFoundError(`Intercom has no ${object === 'contacts' ? 'contact' : 'company'} ${intercomId}`);
    return asked;
  }
  const latest = await latestSyncedPair(deps, row, object);
  const synced = latest && (await readIntercom(deps, row, object, latest.intercomId));
  return synced ?? firstListed(deps, row, object);
}

/**
 * The fields `create: true` would make, typed as ensure-fields.ts makes them (the other side's
 * counterpart type), so the preview shows what the first sync after the save would write.
 */
function withFieldsToCreate(object: RecordObject, mappings: readonly FieldMapping[], fields: AccountFields): AccountFields {
  const intercomCustom = new Map<string, IntercomFieldType>(fields.intercomCustom);
  const hubspot = new Map<string, HubSpotFieldType>(fields.hubspot);
  for (const mapping of mappings) {
    if (!mapping.create) continue;
    const intercom = intercomType(object, mapping, fields);
    const property = hubspotType(mapping, fields);
    if (intercom && !property && !mapping.hubspot.startsWith('@') && mapping.hubspot !== HUBSPOT_FULL_NAME) hubspot.set(mapping.hubspot, counterpartType(intercom));
    if (property && !intercom && mapping.intercom.startsWith(CUSTOM_PREFIX)) intercomCustom.set(mapping.intercom.slice(CUSTOM_PREFIX.length), counterpartType(property));
  }
  return { intercomCustom, hubspot };
}

async function readHubSpot(deps: PreviewDeps, row: Connection, object: RecordObject, id: string, mappings: readonly FieldMapping[]): Promise<CrmObject | undefined> {
  const plan = withFilterProperties(hubspotReadPlan(object, mappings), object, row.settings.recordSync[object].filters);
  try {
    return await deps.clients.hubspot(row)[object].get(id, plan);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function previewField(report: FieldReport, mapping: FieldMapping | undefined, paired: boolean): PreviewField {
  const direction = mapping?.direction ?? 'to_hubspot';
  const base = { intercom: report.intercom, hubspot: report.hubspot, direction };
  if (report.action === 'write_hubspot' || report.action === 'write_intercom') return { ...base, action: report.action, from: asText(report.from), to: asText(report.to) };
  if (report.action === 'skipped') {
    // Nothing is read from a HubSpot record that does not exist yet: a to_intercom field has nothing to give.
    const reason = !paired && report.rule === 'direction' ? 'no HubSpot record yet: nothing to bring to Intercom' : report.reason ?? report.rule ?? 'skipped';
    return { ...base, action: 'skipped', reason };
  }
  return { ...base, action: 'unchanged', to: asText(report.to) };
}

/**
 * The preview of `mappings` (as the settings would hold them) on a sample record; `refused` are the
 * list's mappings the schema refused, shown skipped. Throws PreviewSampleNotFoundError for an
 * `intercomId` Intercom does not have; an upstream failure otherwise becomes `unavailable`.
 */
export async function previewMappings(
  deps: PreviewDeps,
  row: Connection,
  object: RecordObject,
  input: { mappings: readonly FieldMapping[]; refused: readonly RefusedMapping[]; intercomId?: string },
): Promise<MappingPreview> {
  const refused = input.refused.map((mapping): PreviewField => ({ intercom: mapping.intercom, hubspot: mapping.hubspot, direction: mapping.direction, action: 'skipped', reason: mapping.reason }));
  if (row.intercomWorkspaceId === null || row.hubspotPortalId === null) {
    return { sample: null, fields: refused, unavailable: 'The connection is not connected to both Intercom and HubSpot yet: there is no record to preview with.' };
  }
  try {
    const intercom = await sampleRecord(deps, row, object, input.intercomId);
    if (!intercom) return { sample: null, fields: refused, unavailable: `The Intercom workspace has no ${object} to preview with yet.` };
    const fields = withFieldsToCreate(object, input.mappings, await deps.catalogue.fieldsOf(row, object));
    const pair = await pairOfIntercom(deps.db, row.id, pairTypeOf(object), intercom.id);
    const hubspot = pair ? await readHubSpot(deps, row, object, pair.hubspotId, input.mappings) : undefined;
    const paired = pair !== undefined && hubspot !== undefined;
    // An unpaired sample: what a new HubSpot record would be given (an empty record, no baselines).
    const record: CrmObject = hubspot ?? { id: '', properties: {}, createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() };
    const derivedNames = input.mappings.map((mapping) => mapping.hubspot).filter((name) => Object.hasOwn(HUBSPOT_DERIVED, name));
    const derived = paired && derivedNames.length > 0 && deps.derive ? await deps.derive({ row, hubspot: deps.clients.hubspot(row), object, record, names: derivedNames }) : {};
    const ids = pair && paired ? { connectionId: row.id, type: pairTypeOf(object), intercomId: intercom.id, hubspotId: record.id } : undefined;
    const filters = row.settings.recordSync[object].filters;
    const blocked = hasFilters(filters) ? blockedDirections({ object, filters, intercom, hubspot: record, fields }) : {};
    // An empty HubSpot record says nothing about the toIntercom filters.
    if (!paired) delete blocked.to_intercom;
    const shared = ids ? await sharedWith(deps.db, ids) : undefined;
    const planned = planPair({
      object, mappings: input.mappings, fields, intercom, hubspot: record, derived,
      baselines: ids ? await baselinesOf(deps.db, ids) : new Map(),
      hashKey: { installKey: deps.hashKey, connectionId: row.id }, dryRun: true,
      ...(shared !== undefined ? { sharedWith: shared } : {}),
      ...(Object.keys(blocked).length > 0 ? { blocked } : {}),
    });
    const mappingOf = (report: FieldReport) => input.mappings.find((mapping) => mapping.intercom === report.intercom && mapping.hubspot === report.hubspot);
    const order = (field: PreviewField) => input.mappings.findIndex((mapping) => mapping.intercom === field.intercom && mapping.hubspot === field.hubspot);
    const previewed = planned.reports.map((report) => previewField(report, mappingOf(report), paired)).sort((a, b) => order(a) - order(b));
    return { sample: { intercomId: intercom.id, hubspotId: paired ? record.id : null, label: labelOf(intercom) }, fields: [...previewed, ...refused] };
  } catch (error) {
    // The accounts answered with an error or the budget has no room now: said, not a 5xx.
    if (!(error instanceof UpstreamError) && !(error instanceof RetryAfterError)) throw error;
    return { sample: null, fields: refused, unavailable: `The sample record could not be read now (${describeError(error)}).` };
  }
}
