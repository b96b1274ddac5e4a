// Missing fields created on request (#17 item 5): a mapping with `create: true` whose written field
// does not exist gets it, once — the HubSpot property, in the property group "Interhubz", or the
// Intercom data attribute — with the type that matches the other side (counterpartType) and its
// options. Called when record-sync settings are saved and by the sync before its first write.
//
// Idempotent: a field that exists is left alone, and a create that loses a race ("already exists")
// counts as done. A refusal is a problem of that mapping, never a thrown error, so the caller can
// name every one; a missing HubSpot scope is named.
import type { Connection } from '../db/repos/connections.ts';
import type { PropertyCalls } from '../integrations/hubspot/calls/settings.ts';
import { schemaWriteScope } from '../integrations/hubspot/scopes.ts';
import type { DataAttributeMethods } from '../integrations/intercom/data-attributes.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import type { Vendor } from '../vendor.ts';
import type { AccountFields } from './check-mapping-types.ts';
import { INTERCOM_MODEL, type FieldCatalogue } from './field-catalogue.ts';
import { CUSTOM_PREFIX, HUBSPOT_DERIVED, HUBSPOT_FULL_NAME, standardAttributeType, type FieldMapping, type RecordObject } from './field-mapping.ts';
import { counterpartType, type FieldType, type HubSpotFieldType, type HubSpotPropertyType, type IntercomFieldType } from './field-types.ts';

/** What ensureMappedFields writes with: the connection's clients (src/connections/clients.ts gives them). */
export interface FieldWriters {
  intercom(row: Connection): Pick<DataAttributeMethods, 'createDataAttribute'>;
  hubspot(row: Connection): { properties: Pick<PropertyCalls, 'listGroups' | 'createGroup' | 'create'> };
}

export interface EnsureFieldsDeps {
  clients: FieldWriters;
  catalogue: FieldCatalogue;
}

interface CreatedField {
  /** The mapping's index in the list given. */
  index: number;
  vendor: Vendor;
  /** The HubSpot property's or the Intercom attribute's name. */
  name: string;
  type: FieldType;
}

interface FieldProblem {
  index: number;
  vendor: Vendor;
  /**
   * missing_scope: the HubSpot token lacks `scope`; refused: the vendor said no (its message is in
   * `message`); unreachable: no answer, so whether it exists is not known (try again later);
   * no_type: neither side exists, so there is no type to create it with.
   */
  kind: 'missing_scope' | 'refused' | 'unreachable' | 'no_type';
  message: string;
  scope?: string;
}

export interface EnsureFieldsResult {
  created: CreatedField[];
  problems: FieldProblem[];
}

/** The property group created fields go into (#17 item 5). */
export const PROPERTY_GROUP = { name: 'interhubz', label: 'Interhubz' } as const;

/**
 * The `fieldType` each type is created with: one of HubSpot's valid pairs (hubspot-api.md §13.2,
 * "Valid type → fieldType pairs"). counterpartType never gives phone_number; its pair is the
 * phonenumber field of a string.
 */
const FIELD_TYPE: Record<HubSpotPropertyType, string> = {
  string: 'text',
  number: 'number',
  bool: 'booleancheckbox',
  enumeration: 'select',
  date: 'date',
  datetime: 'date',
  phone_number: 'phonenumber',
};

const writesHubSpot = (mapping: FieldMapping) => mapping.direction !== 'to_intercom';
const writesIntercom = (mapping: FieldMapping) => mapping.direction !== 'to_hubspot';

/** A mapping's Intercom side when it exists: a standard attribute, or a custom one the workspace has. */
function intercomSide(object: RecordObject, mapping: FieldMapping, fields: AccountFields): IntercomFieldType | undefined {
  const standard = standardAttributeType(object, mapping.intercom);
  if (standard) return { vendor: 'intercom', type: standard };
  return mapping.intercom.startsWith(CUSTOM_PREFIX) ? fields.intercomCustom.get(mapping.intercom.slice(CUSTOM_PREFIX.length)) : undefined;
}

/**
 * A mapping's HubSpot side when it exists. Derived values (`@owner.name`, …) and the full name are
 * not properties: they always exist, with their own type, and are never created.
 */
function hubspotSide(mapping: FieldMapping, fields: AccountFields): HubSpotFieldType | undefined {
  const derived = Object.hasOwn(HUBSPOT_DERIVED, mapping.hubspot) ? HUBSPOT_DERIVED[mapping.hubspot] : undefined;
  if (derived) return { vendor: 'hubspot', type: derived.type };
  if (mapping.hubspot === HUBSPOT_FULL_NAME) return { vendor: 'hubspot', type: 'string' };
  return fields.hubspot.get(mapping.hubspot);
}

/** "plan_type" → "Plan type": HubSpot wants a label, and the name is all there is. */
function labelOf(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words === '' ? name : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A create that lost a race: HubSpot's 409 (hubspot-api.md §13.2), Intercom's 400 "You already have
 * 'x' in your company data. To save this as new people data, use a different name." (S14 POST
 * /data_attributes examples). Intercom's names are unique across models and the message says where
 * the name is taken: taken by the other model's attribute is a refusal, not this field existing.
 */
function alreadyExists(error: unknown, intercomModel?: 'contact' | 'company'): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.kind === 'conflict') return true;
  if (error.details.service !== 'intercom' || error.kind !== 'invalid_request') return false;
  const message = error.details.vendorMessage ?? '';
  if (!/already have|already exists/i.test(message)) return false;
  const takenIn = /in your (\w+) data/i.exec(message)?.[1]?.toLowerCase();
  return takenIn === undefined || intercomModel === undefined || takenIn === (intercomModel === 'contact' ? 'people' : 'company');
}

function problemOf(error: unknown, index: number, vendor: Vendor, what: string, scope?: string): FieldProblem {
  if (error instanceof UpstreamError) {
    const vendorSays = error.details.vendorMessage ?? error.message;
    if (vendor === 'hubspot' && error.kind === 'forbidden') {
      const named = error.details.missingScopes?.[0] ?? scope;
      return {
        index, vendor, kind: 'missing_scope', ...(named ? { scope: named } : {}),
        message: `${what} needs the HubSpot scope ${named ?? 'to write properties'}, which this connection was not granted: re-authorise HubSpot (or add it to the private app) and save again`,
      };
    }
    if (error.retryable || error.kind === 'unauthorized') {
      return { index, vendor, kind: 'unreachable', message: `${what} could not be done now (${vendorSays}); it is tried again at the first sync` };
    }
    return { index, vendor, kind: 'refused', message: `${what} was refused: ${vendorSays}` };
  }
  return { index, vendor, kind: 'refused', message: `${what} failed: ${error instanceof Error ? error.message : String(error)}` };
}

export async function ensureMappedFields(
  deps: EnsureFieldsDeps,
  row: Connection,
  object: RecordObject,
  mappings: readonly FieldMapping[],
): Promise<EnsureFieldsResult> {
  const result: EnsureFieldsResult = { created: [], problems: [] };
  const wanted = mappings.map((mapping, index) => ({ mapping, index })).filter(({ mapping }) => mapping.create);
  if (wanted.length === 0) return result;
  const fields = await deps.catalogue.fieldsOf(row, object);
  let changed = false;
  // The group is looked for once, and only when a property is to be created.
  let group: Promise<void> | undefined;
  const ensureGroup = () => {
    group ??= (async () => {
      const properties = deps.clients.hubspot(row).properties;
      const groups = await properties.listGroups(object);
      if (groups.some((existing) => existing.name === PROPERTY_GROUP.name && existing.archived !== true)) return;
      try {
        await properties.createGroup(object, { name: PROPERTY_GROUP.name, label: PROPERTY_GROUP.label });
      } catch (error) {
        if (!alreadyExists(error)) throw error;
      }
    })();
    return group;
  };

  // One at a time: a handful of fields, and both vendors' budgets are shared with the sync.
  for (const { mapping, index } of wanted) {
    const intercom = intercomSide(object, mapping, fields);
    const hubspot = hubspotSide(mapping, fields);
    const missingHubSpot = writesHubSpot(mapping) && hubspot === undefined;
    const missingIntercom = writesIntercom(mapping) && intercom === undefined;
    if (!missingHubSpot && !missingIntercom) continue;
    // The created field takes the other side's type; a side that is read must exist already.
    if ((missingHubSpot && !intercom) || (missingIntercom && !hubspot)) {
      result.problems.push({
        index, vendor: missingHubSpot ? 'hubspot' : 'intercom', kind: 'no_type',
        message: `neither '${mapping.intercom}' in Intercom nor '${mapping.hubspot}' in HubSpot exists, so there is no type to create ${missingHubSpot ? 'the property' : 'the attribute'} with: create the other side first`,
      });
      continue;
    }

    if (missingHubSpot && intercom) {
      const type = counterpartType(intercom);
      const what = `creating the HubSpot ${object === 'contacts' ? 'contact' : 'company'} property '${mapping.hubspot}'`;
      try {
        await ensureGroup();
        const options = type.type === 'enumeration'
          ? (type.options ?? []).map((value, order) => ({ label: value, value, displayOrder: order }))
          // HubSpot's own bool properties carry Yes/No options for true/false; whether a create needs them is UNCONFIRMED (§13.2).
          : type.type === 'bool' ? [{ label: 'Yes', value: 'true', displayOrder: 0 }, { label: 'No', value: 'false', displayOrder: 1 }] : undefined;
        await deps.clients.hubspot(row).properties.create(object, {
          name: mapping.hubspot,
          label: labelOf(mapping.hubspot),
          type: type.type,
          fieldType: FIELD_TYPE[type.type],
          groupName: PROPERTY_GROUP.name,
          description: `Created by Interhubz for Intercom's ${mapping.intercom}.`,
          formField: false,
          ...(options ? { options } : {}),
        });
        result.created.push({ index, vendor: 'hubspot', name: mapping.hubspot, type });
        changed = true;
      } catch (error) {
        if (alreadyExists(error)) changed = true;
        else result.problems.push(problemOf(error, index, 'hubspot', what, schemaWriteScope(object)));
      }
      continue;
    }

    if (missingIntercom && hubspot) {
      const name = mapping.intercom.slice(CUSTOM_PREFIX.length);
      const type = counterpartType(hubspot);
      const what = `creating the Intercom ${INTERCOM_MODEL[object]} data attribute '${name}'`;
      try {
        await deps.clients.intercom(row).createDataAttribute({
          name,
          model: INTERCOM_MODEL[object],
          data_type: type.type,
          ...(type.options ? { options: type.options } : {}),
          description: `Created by Interhubz for HubSpot's ${mapping.hubspot}.`,
        });
        result.created.push({ index, vendor: 'intercom', name, type });
        changed = true;
      } catch (error) {
        if (alreadyExists(error, INTERCOM_MODEL[object])) changed = true;
        else result.problems.push(problemOf(error, index, 'intercom', what));
      }
      continue;
    }

  }
  if (changed) deps.catalogue.forget(row.id);
  return result;
}
