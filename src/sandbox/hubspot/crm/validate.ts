// Property-value validation on record writes, reported the way HubSpot does: 400 VALIDATION_ERROR,
// "Property values were not valid: [ … ]" with the per-property items JSON-encoded in the message and
// mirrored in `errors[]` (hubspot-api.md §4, [DOC using-object-apis]). Codes from the same section.
import { HubSpotError, validation } from '../errors.ts';
import type { Portal, PropertyDef } from '../state.ts';
import { isoTime, type ObjectTypeInfo } from './types.ts';

export interface PropertyProblem {
  name: string;
  code: string;
  message: string;
  /** The refused value, echoed as `propertyValue` when the value (not the name) was wrong. */
  value?: string;
}

export type PropertyInput = Record<string, string | number | boolean | null>;

export function invalidProperties(portal: Portal, problems: PropertyProblem[]): HubSpotError {
  // Item shape as captured for batch/update and create: …localizedErrorMessage, propertyValue, portalId
  // ([ISSUE:Atlas-Authority/marketing-automation#206] INVALID_INTEGER, [ISSUE:gregorspan/csc-frodx#21] INVALID_OPTION).
  const items = problems.map((p) => ({
    isValid: false, message: p.message, error: p.code, name: p.name, localizedErrorMessage: p.message,
    ...(p.value !== undefined ? { propertyValue: p.value } : {}), portalId: portal.hubId,
  }));
  return validation(`Property values were not valid: ${JSON.stringify(items)}`, {
    errors: problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
  });
}

const MAX_STRING = 65_536;
const EPOCH_MS = /^-?\d{1,15}$/;

function parseTime(value: string): number | undefined {
  if (EPOCH_MS.test(value)) return Number(value);
  // ISO-8601 date or date-time; Date.parse accepts more than that, so insist on the ISO shape.
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Milliseconds for a stored or filter value of a date/datetime property, or a number. */
export function timeValue(value: string): number | undefined {
  return parseTime(value);
}

function checkValue(portal: Portal, info: ObjectTypeInfo, def: PropertyDef, value: string): PropertyProblem | string {
  const problem = (code: string, message: string): PropertyProblem => ({ name: def.name, code, message, value });
  if (value === '') return value;
  if (def.type !== 'string' && value !== value.trim()) {
    // Enforced for non-string properties since 2025-04-07 (hubspot-api.md §1, changelog).
    return problem('LEADING_TRAILING_WHITESPACE', `${value} was not valid: leading or trailing whitespace is not allowed for non-string properties`);
  }
  switch (def.type) {
    case 'string':
      if (value.length > MAX_STRING) return problem('INVALID_LENGTH', `Property "${def.name}" value is too long: ${value.length} characters, the limit is ${MAX_STRING}`);
      if (info.name === 'contacts' && def.name === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
        return problem('INVALID_EMAIL', `Email address ${value} is invalid`);
      }
      return value;
    case 'number':
      // Plain decimals only: HubSpot refuses exponent notation ("1.4210854715202004e-14 was not a valid
      // number.", [ISSUE:Atlas-Authority/marketing-automation#206]), and "abc", "0x10" and "Infinity" with it.
      return /^-?(\d+(\.\d*)?|\.\d+)$/.test(value) ? value : problem('INVALID_INTEGER', `${value} was not a valid number.`);
    case 'bool':
      return value === 'true' || value === 'false' ? value : problem('INVALID_BOOLEAN', `${value} was not a valid boolean (true or false).`);
    case 'date':
    case 'datetime': {
      const ms = parseTime(value);
      if (ms === undefined) return problem('INVALID_DATE', `${value} was not a valid date or timestamp.`);
      if (def.type === 'date') {
        // A date given as epoch ms must be midnight UTC (properties guide).
        if (ms % 86_400_000 !== 0) return problem('INVALID_DATE', `${value} is not at midnight UTC; date properties need a date`);
        return new Date(ms).toISOString().slice(0, 10);
      }
      return isoTime(ms);
    }
    case 'enumeration': {
      if (def.referencedObjectType === 'OWNER') {
        return portal.owners.has(value) ? value : problem('INVALID_OPTION', `${value} was not one of the allowed options: owner ids of this account`);
      }
      if (def.options.length === 0) return value;
      const allowed = new Set(def.options.map((o) => o.value));
      // Multi-select values are ';'-separated; a leading ';' appends (properties guide).
      const parts = value.split(';').filter((part) => part !== '');
      const bad = parts.find((part) => !allowed.has(part));
      return bad === undefined ? value : problem('INVALID_OPTION', `${bad} was not one of the allowed options: [${[...allowed].join(', ')}]`);
    }
    default:
      return value;
  }
}

/** Accepts JSON scalars like HubSpot does and returns the stored (string) values, or throws the 400. */
export function validateProperties(portal: Portal, info: ObjectTypeInfo, input: PropertyInput, serverSet: ReadonlySet<string> = new Set()): Record<string, string> {
  const defs = portal.properties[info.name];
  const out: Record<string, string> = {};
  const problems: PropertyProblem[] = [];
  for (const [name, raw] of Object.entries(input)) {
    const def = defs.get(name);
    if (!def || def.archived) {
      problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (def.readOnlyValue && !serverSet.has(name)) {
      problems.push({ name, code: 'READ_ONLY_VALUE', message: `Property "${name}" is read-only` });
      continue;
    }
    const checked = checkValue(portal, info, def, raw === null ? '' : String(raw));
    if (typeof checked === 'string') out[name] = checked;
    else problems.push(checked);
  }
  if (problems.length > 0) throw invalidProperties(portal, problems);
  return out;
}
