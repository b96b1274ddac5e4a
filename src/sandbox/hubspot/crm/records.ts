// Record writes and reads shared by the single-object, batch and search routes. Writes are split
// into a validating `prepare…` (throws, changes nothing) and a `commit…`, so a batch can be
// all-or-nothing like HubSpot's (hubspot-api.md §5.7).
import { HubSpotError, objectNotFound, resourceNotFound, validation } from '../errors.ts';
import type { CrmRecord, Portal, SimState } from '../state.ts';
import { addTypes, specFrom, type AssociationSpecInput } from './association-store.ts';
import { nextRecordId } from './record-ids.ts';
import { associationChanged } from './association-events.ts';
import { noteAssociated } from './engagement-dates.ts';
import { checkDealStage, DEFAULT_DEAL_PIPELINE, missingDealProperties, settleDeal } from './deals.ts';
import { alwaysReturned, isoTime, lookupObjectType, type ObjectTypeInfo } from './types.ts';
import { type PropertyInput, validateProperties, invalidProperties } from './validate.ts';
import type { AssociationTypeDef } from '../state.ts';
import { historyOf, recordVersion, SIMULATOR_SOURCE, type WriteSource } from './history.ts';

export interface ChangeEvent {
  hubId: number;
  objectType: ObjectTypeInfo;
  objectId: string;
  kind: 'creation' | 'propertyChange' | 'deletion' | 'merge' | 'restore' | 'associationChange';
  propertyName?: string;
  propertyValue?: string;
  /** merge: the record that survived and the ids merged into it (crm/merge.ts). */
  primaryObjectId?: string;
  mergedObjectIds?: string[];
  /** associationChange: the pair seen from objectId's side (crm/association-events.ts). */
  association?: { type: string; fromObjectId: string; toObjectId: string; removed: boolean; primary: boolean };
  occurredAt: number;
  /** Who made the change: the webhook's changeSource and sourceId (webhooks.ts). */
  source?: WriteSource;
}

export interface Ctx {
  state: SimState;
  portal: Portal;
  emit: (event: ChangeEvent) => void;
  /** Who is writing: the request's app, a person in HubSpot's UI (control), or the simulator itself when absent. */
  source?: WriteSource;
}

const writer = (ctx: Ctx): WriteSource => ctx.source ?? SIMULATOR_SOURCE;

export interface InlineAssociation {
  to: { id: string | number };
  types: AssociationSpecInput[];
}

const LIFECYCLE = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'];

function conflictingContact(ctx: Ctx, email: string | undefined, selfId?: string): string | undefined {
  if (!email) return undefined;
  const existing = ctx.portal.emailIndex.get(email.toLowerCase());
  return existing !== undefined && existing !== selfId ? existing : undefined;
}

/** 409 with the existing id in the message ([ISSUE:HubSpot/hubspot-api-nodejs#545]). Case-insensitive matching is UNCONFIRMED. */
const duplicateContact = (id: string) => new HubSpotError(409, { message: `Contact already exists. Existing ID: ${id}`, category: 'CONFLICT' });

function checkUnique(ctx: Ctx, info: ObjectTypeInfo, props: Record<string, string>, selfId?: string): void {
  if (info.name === 'contacts') {
    const existing = conflictingContact(ctx, props.email, selfId);
    if (existing) throw duplicateContact(existing);
  }
  for (const [name, value] of Object.entries(props)) {
    if (value === '' || !ctx.portal.properties[info.name].get(name)?.hasUniqueValue) continue;
    const other = findByUnique(ctx, info, name, value);
    // 409 vs 400 for a duplicate hasUniqueValue value is UNCONFIRMED (hubspot-api.md §19.5); 409 chosen.
    if (other && other.id !== selfId) {
      throw new HubSpotError(409, { message: `A ${info.singular} with the unique value "${value}" for property "${name}" already exists. Existing ID: ${other.id}`, category: 'CONFLICT' });
    }
  }
}

function checkPipeline(ctx: Ctx, props: Record<string, string>, current: Record<string, string> = {}): void {
  const pipelineId = props.hs_pipeline ?? current.hs_pipeline ?? '0';
  const stageId = props.hs_pipeline_stage ?? current.hs_pipeline_stage;
  const pipeline = ctx.portal.pipelines.get(pipelineId);
  if (!pipeline || pipeline.archived) {
    throw invalidProperties(ctx.portal, [{ name: 'hs_pipeline', code: 'INVALID_OPTION', message: `${pipelineId} was not one of the allowed options: pipeline ids` }]);
  }
  if (stageId !== undefined && !pipeline.stages.some((s) => s.id === stageId && !s.archived)) {
    // Text UNCONFIRMED (hubspot-api.md §14.2); the code matches other enumeration failures.
    throw invalidProperties(ctx.portal, [{ name: 'hs_pipeline_stage', code: 'INVALID_OPTION', message: `${stageId} was not one of the allowed options: stages of pipeline ${pipelineId}` }]);
  }
}

interface PreparedAssociation {
  to: { info: ObjectTypeInfo; id: string };
  defs: AssociationTypeDef[];
}

function prepareAssociations(ctx: Ctx, info: ObjectTypeInfo, inputs: InlineAssociation[]): PreparedAssociation[] {
  const bad: string[] = [];
  const prepared = inputs.map((input) => {
    const id = String(input.to.id);
    if (input.types.length === 0) throw validation('One or more associations are invalid: an association needs at least one type');
    const defs = input.types.map((spec) => specFrom(ctx.portal, info, spec));
    const target = lookupObjectType(defs[0]!.toTypeId);
    if (!target || defs.some((d) => d.toTypeId !== target.typeId)) throw validation('One or more associations are invalid: the types name different object types');
    if (ctx.portal.records[target.name].get(id)?.archived !== false) bad.push(id);
    return { to: { info: target, id }, defs };
  });
  if (bad.length > 0) {
    // [2ND] capture: "One or more associations are invalid" with INVALID_OBJECT_IDS (exact text UNCONFIRMED).
    throw validation('One or more associations are invalid', {
      errors: bad.map((id) => ({ message: `No object with ID ${id} exists`, code: 'INVALID_OBJECT_IDS', context: { ids: [id] } })),
    });
  }
  return prepared;
}

export interface PreparedCreate {
  info: ObjectTypeInfo;
  properties: Record<string, string>;
  associations: PreparedAssociation[];
}

export function prepareCreate(ctx: Ctx, info: ObjectTypeInfo, input: { properties: PropertyInput; associations?: InlineAssociation[] | undefined }): PreparedCreate {
  // The simulator's own cap (SimSettings.maxRecordsPerType), not HubSpot's: it keeps memory bounded.
  // A batch is checked against the records already there, so it may pass the cap by its own size.
  const cap = ctx.state.settings.maxRecordsPerType;
  if (ctx.portal.records[info.name].size >= cap) {
    throw validation(`This simulated portal holds the most ${info.name} it may (${cap}); archive some or raise maxRecordsPerType.`, { subCategory: 'SimulatorRecordCap' });
  }
  const properties = validateProperties(ctx.portal, info, input.properties);
  for (const [name, value] of Object.entries(properties)) if (value === '') delete properties[name];
  const missing = info.name === 'notes' && !properties.hs_timestamp ? ['hs_timestamp']
    : info.name === 'tickets' && !properties.hs_pipeline_stage ? ['hs_pipeline_stage']
    : info.name === 'deals' ? missingDealProperties(properties) : [];
  if (missing.length > 0) {
    // Two spaces after the first period, as captured ([ISSUE:HubSpot/hubspot-api-nodejs#124]).
    throw validation(`Error creating ${info.upper}.  Some required properties were not set.`, { context: { properties: missing } });
  }
  if (info.name === 'tickets') {
    properties.hs_pipeline ??= '0';
    checkPipeline(ctx, properties);
  }
  if (info.name === 'deals') {
    properties.pipeline ??= DEFAULT_DEAL_PIPELINE;
    checkDealStage(ctx, properties);
  }
  checkUnique(ctx, info, properties);
  return { info, properties, associations: prepareAssociations(ctx, info, input.associations ?? []) };
}

function index(ctx: Ctx, record: CrmRecord): void {
  const now = ctx.state.clock.now();
  const versions = record.versions;
  versions.push({ visibleAt: now + ctx.state.settings.searchIndexDelayMs, properties: { ...record.properties }, archived: record.archived });
  let visible = -1;
  for (let i = 0; i < versions.length; i++) if (versions[i]!.visibleAt <= now) visible = i;
  if (visible > 0) versions.splice(0, visible);
}

export function commitCreate(ctx: Ctx, prepared: PreparedCreate): CrmRecord {
  const { info } = prepared;
  const now = ctx.state.clock.now();
  const id = nextRecordId(ctx.portal, info.name);
  const stamp = isoTime(now);
  const properties: Record<string, string> = { ...prepared.properties, hs_object_id: id, [info.modifiedProperty]: stamp };
  properties[info.createdProperty] ??= stamp;
  if (info.name === 'tickets') {
    // Server-set on create (docs example in hubspot-api.md §8).
    Object.assign(properties, { hs_ticket_id: id, hs_object_source: 'API', hs_object_source_label: 'INTEGRATION' });
  }
  const record: CrmRecord = { id, type: info.name, properties, createdAt: now, updatedAt: now, archived: false, versions: [], history: {} };
  const source = writer(ctx);
  for (const [name, value] of Object.entries(prepared.properties)) recordVersion(record, name, value, now, source);
  ctx.portal.records[info.name].set(id, record);
  if (info.name === 'contacts' && properties.email) ctx.portal.emailIndex.set(properties.email.toLowerCase(), id);
  index(ctx, record);
  for (const a of prepared.associations) addTypes(ctx.portal, { info, id }, a.to, a.defs);
  ctx.emit({ hubId: ctx.portal.hubId, objectType: info, objectId: id, kind: 'creation', occurredAt: now, source });
  for (const [name, value] of Object.entries(prepared.properties)) {
    ctx.emit({ hubId: ctx.portal.hubId, objectType: info, objectId: id, kind: 'propertyChange', propertyName: name, propertyValue: value, occurredAt: now, source });
  }
  for (const a of prepared.associations) {
    associationChanged(ctx, { info, id }, a.to, false);
    noteAssociated(ctx, { info, id }, a.to);
  }
  if (info.name === 'deals') settleDeal(ctx, record);
  return record;
}

export function prepareUpdate(ctx: Ctx, info: ObjectTypeInfo, record: CrmRecord, input: PropertyInput): Record<string, string> {
  const properties = validateProperties(ctx.portal, info, input);
  if (info.name === 'tickets' && (properties.hs_pipeline !== undefined || properties.hs_pipeline_stage !== undefined)) {
    checkPipeline(ctx, properties, record.properties);
  }
  if (info.name === 'deals' && (properties.pipeline !== undefined || properties.dealstage !== undefined)) {
    checkDealStage(ctx, properties, record.properties);
  }
  // lifecyclestage only moves forward unless cleared first (contacts guide); a backward value is ignored.
  const current = LIFECYCLE.indexOf(record.properties.lifecyclestage ?? '');
  if (properties.lifecyclestage && LIFECYCLE.indexOf(properties.lifecyclestage) < current) delete properties.lifecyclestage;
  checkUnique(ctx, info, properties, record.id);
  return properties;
}

export function commitUpdate(ctx: Ctx, info: ObjectTypeInfo, record: CrmRecord, properties: Record<string, string>): CrmRecord {
  const now = ctx.state.clock.now();
  const changed: Array<[string, string]> = [];
  if (info.name === 'contacts' && properties.email !== undefined && record.properties.email !== undefined) {
    ctx.portal.emailIndex.delete(record.properties.email.toLowerCase());
  }
  for (const [name, value] of Object.entries(properties)) {
    if ((record.properties[name] ?? '') === value) continue;
    changed.push([name, value]);
    if (value === '') delete record.properties[name];
    else record.properties[name] = value;
  }
  if (info.name === 'contacts' && record.properties.email) ctx.portal.emailIndex.set(record.properties.email.toLowerCase(), record.id);
  record.updatedAt = now;
  record.properties[info.modifiedProperty] = isoTime(now);
  index(ctx, record);
  const source = writer(ctx);
  for (const [name, value] of changed) {
    recordVersion(record, name, value, now, source);
    ctx.emit({ hubId: ctx.portal.hubId, objectType: info, objectId: record.id, kind: 'propertyChange', propertyName: name, propertyValue: value, occurredAt: now, source });
  }
  if (info.name === 'deals') settleDeal(ctx, record);
  return record;
}

export function archive(ctx: Ctx, info: ObjectTypeInfo, record: CrmRecord): void {
  if (record.archived) return;
  const now = ctx.state.clock.now();
  record.archived = true;
  record.archivedAt = now;
  record.updatedAt = now;
  if (info.name === 'contacts' && record.properties.email) ctx.portal.emailIndex.delete(record.properties.email.toLowerCase());
  index(ctx, record);
  ctx.emit({ hubId: ctx.portal.hubId, objectType: info, objectId: record.id, kind: 'deletion', occurredAt: now, source: writer(ctx) });
}

export function findByUnique(ctx: Ctx, info: ObjectTypeInfo, name: string, value: string): CrmRecord | undefined {
  if (info.name === 'contacts' && name === 'email') {
    const id = ctx.portal.emailIndex.get(value.toLowerCase());
    return id === undefined ? undefined : ctx.portal.records.contacts.get(id);
  }
  for (const record of ctx.portal.records[info.name].values()) if (!record.archived && record.properties[name] === value) return record;
  return undefined;
}

/** The 400 for an idProperty that is not unique ([ISSUE:HubSpot/hubspot-api-nodejs#548]). */
export const nonUnique = (info: ObjectTypeInfo) => validation(`Unable to perform update/upsert by non-unique ${info.typeId} property`);

export function isUniqueProperty(ctx: Ctx, info: ObjectTypeInfo, name: string): boolean {
  return (info.name === 'contacts' && name === 'email') || ctx.portal.properties[info.name].get(name)?.hasUniqueValue === true;
}

export function find(ctx: Ctx, info: ObjectTypeInfo, id: string, idProperty?: string, archived = false): CrmRecord {
  if (idProperty && idProperty !== 'hs_object_id') {
    if (!isUniqueProperty(ctx, info, idProperty)) throw nonUnique(info);
    const record = findByUnique(ctx, info, idProperty, id);
    if (!record || record.archived !== archived) throw resourceNotFound();
    return record;
  }
  if (!/^\d+$/.test(id)) throw objectNotFound(id);
  const record = ctx.portal.records[info.name].get(id);
  if (!record || record.archived !== archived) throw resourceNotFound();
  return record;
}

export interface ReadOptions {
  properties?: string[] | undefined;
  propertiesWithHistory?: string[] | undefined;
  associations?: Array<{ info: ObjectTypeInfo; list: (record: CrmRecord) => Array<{ id: string; type: string }> }>;
  source?: Record<string, string>;
}

export function serialize(ctx: Ctx, info: ObjectTypeInfo, record: CrmRecord, options: ReadOptions = {}): Record<string, unknown> {
  const source = options.source ?? record.properties;
  const defs = ctx.portal.properties[info.name];
  const names = options.properties && options.properties.length > 0 ? options.properties : info.defaultProperties;
  const properties: Record<string, string | null> = {};
  // Requested-but-unset → null; unknown requested names are left out (tickets guide).
  for (const name of [...names, ...alwaysReturned(info)]) if (defs.has(name)) properties[name] = source[name] ?? null;
  const out: Record<string, unknown> = { id: record.id, properties };
  if (options.propertiesWithHistory && options.propertiesWithHistory.length > 0) {
    out.propertiesWithHistory = historyOf(record, options.propertiesWithHistory, (name) => defs.has(name));
  }
  Object.assign(out, { createdAt: isoTime(record.createdAt), updatedAt: isoTime(record.updatedAt), archived: record.archived });
  if (record.archivedAt !== undefined) out.archivedAt = isoTime(record.archivedAt);
  if (options.associations && options.associations.length > 0) {
    const associations: Record<string, unknown> = {};
    for (const { info: to, list } of options.associations) {
      const results = list(record);
      if (results.length > 0) associations[to.name] = { results };
    }
    if (Object.keys(associations).length > 0) out.associations = associations;
  }
  return out;
}
