// Record-sync settings checked against the live accounts when they are saved (#17 items 4, 5): for
// each object type being enabled, the mappings' types against the fields the accounts really have
// (refused by key, with what would work), then the fields `create: true` asks for are created.
// The filters (#18 item 2) are checked against the same fields for every object type that has
// some, enabled or not (the contacts' also keep conversations out), refused as `filter_invalid`.
// Nothing is saved unless both pass; when the accounts cannot be reached the settings are saved
// anyway and the answer says so: the sync calls ensureMappedFields before its first write.
import type { Connection } from '../db/repos/connections.ts';
import type { Vendor } from '../vendor.ts';
import { mappingTypeProblems } from './check-mapping-types.ts';
import { ensureMappedFields, type FieldWriters } from './ensure-fields.ts';
import { filterProblems } from './record-filters.ts';
import type { FieldCatalogue } from './field-catalogue.ts';
import type { RecordObject, RecordSyncSettings } from './field-mapping.ts';
import type { FieldType } from './field-types.ts';

export interface RecordSyncCheckDeps {
  catalogue: FieldCatalogue;
  clients: FieldWriters;
}

/** A problem by its settings key, e.g. `recordSync.contacts.mappings[2].hubspot`. */
interface KeyedProblem {
  path: string;
  message: string;
}

interface CreatedFieldReport {
  /** The mapping it was created for, e.g. `recordSync.contacts.mappings[4]`. */
  mapping: string;
  vendor: Vendor;
  name: string;
  type: FieldType['type'];
}

export type RecordSyncCheck =
  | {
      ok: true;
      /** Object types whose mappings were checked against the accounts. */
      checked: RecordObject[];
      created: CreatedFieldReport[];
      /** What could not be checked or created now, and why; saved anyway. */
      notices: string[];
    }
  | {
      ok: false;
      /** 400: a mapping does not fit the accounts; 409: a field cannot be created for lack of a scope. */
      status: 400 | 409;
      code: 'mapping_mismatch' | 'filter_invalid' | 'field_not_created' | 'missing_scope';
      message: string;
      problems: KeyedProblem[];
      /** Fields made before another one failed (they stay; a later save finds them). */
      created: CreatedFieldReport[];
    };

const OBJECTS: readonly RecordObject[] = ['contacts', 'companies'];
const mappingKey = (object: RecordObject, index: number) => `recordSync.${object}.mappings[${index}]`;
const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));
const joined = (problems: readonly KeyedProblem[]) => problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');

export async function checkRecordSync(deps: RecordSyncCheckDeps, row: Connection, settings: RecordSyncSettings): Promise<RecordSyncCheck> {
  const enabled = OBJECTS.filter((object) => settings[object].enabled);
  // Filters are checked wherever they are set: the contacts' ones also keep conversations out (#18 item 2), sync on or off.
  const filtered = OBJECTS.filter((object) => settings[object].filters.toHubSpot.length + settings[object].filters.toIntercom.length > 0);
  const notices: string[] = [];
  const reachable: RecordObject[] = [];
  const problems: KeyedProblem[] = [];
  const badFilters: KeyedProblem[] = [];
  // A person saving has likely just added a field in Intercom or HubSpot: judge by the accounts as
  // they are now, not by a list read up to five minutes ago.
  if (enabled.length > 0 || filtered.length > 0) deps.catalogue.forget(row.id);
  for (const object of OBJECTS.filter((object) => enabled.includes(object) || filtered.includes(object))) {
    const what = enabled.includes(object) ? `${object} mappings${filtered.includes(object) ? ' and filters' : ''}` : `${object} filters`;
    if (row.intercomWorkspaceId === null || row.hubspotPortalId === null) {
      notices.push(`The ${what} were saved unchecked: the connection is not connected to both accounts yet; missing fields are created when ${object} first sync.`);
      continue;
    }
    let fields;
    try {
      fields = await deps.catalogue.fieldsOf(row, object);
    } catch (error) {
      notices.push(`The ${what} could not be checked against the accounts now (${describeError(error)}); they were saved, and missing fields are created when ${object} first sync.`);
      continue;
    }
    for (const problem of filterProblems(object, settings[object].filters, fields, settings[object].mappings)) {
      badFilters.push({ path: `recordSync.${object}.filters.${problem.path}`, message: problem.message });
    }
    if (!enabled.includes(object)) continue;
    reachable.push(object);
    for (const problem of mappingTypeProblems(object, settings[object].mappings, fields)) {
      problems.push({ path: `${mappingKey(object, problem.path[0])}.${problem.path[1]}`, message: problem.message });
    }
  }
  if (problems.length > 0) {
    return { ok: false, status: 400, code: 'mapping_mismatch', message: `The record-sync mappings do not fit the accounts' fields: ${joined([...problems, ...badFilters])}.`, problems: [...problems, ...badFilters], created: [] };
  }
  if (badFilters.length > 0) {
    return { ok: false, status: 400, code: 'filter_invalid', message: `The record filters do not fit the accounts' fields: ${joined(badFilters)}.`, problems: badFilters, created: [] };
  }

  const created: CreatedFieldReport[] = [];
  let missingScope = false;
  for (const object of reachable) {
    let result;
    try {
      result = await ensureMappedFields(deps, row, object, settings[object].mappings);
    } catch (error) {
      // Its field list could not be read again (the vendor went away between the two steps).
      notices.push(`The fields the ${object} mappings create could not be made now (${describeError(error)}); they are created when ${object} first sync.`);
      continue;
    }
    for (const field of result.created) {
      created.push({ mapping: mappingKey(object, field.index), vendor: field.vendor, name: field.name, type: field.type.type });
    }
    for (const problem of result.problems) {
      if (problem.kind === 'unreachable') {
        notices.push(`${mappingKey(object, problem.index)}: ${problem.message}`);
        continue;
      }
      if (problem.kind === 'missing_scope') missingScope = true;
      problems.push({ path: `${mappingKey(object, problem.index)}.${problem.vendor}`, message: problem.message });
    }
  }
  if (problems.length > 0) {
    return missingScope
      ? { ok: false, status: 409, code: 'missing_scope', message: `A field the record-sync mappings create cannot be created: ${joined(problems)}.`, problems, created }
      : { ok: false, status: 400, code: 'field_not_created', message: `A field the record-sync mappings create was refused: ${joined(problems)}.`, problems, created };
  }
  return { ok: true, checked: reachable, created, notices };
}
