// Types of the fields record sync moves, and the explicit conversions between them (#17 item 4):
// a value is converted by a fixed rule or not at all — text is never read as a number, an option an
// enumeration lacks is never replaced by a near one.
//
// Every value goes through one canonical form (text, number, true/false, an instant, a UTC day), so
// the conversions, the compatibility check and the value hash (value-hash.ts) agree by construction.
//
// Sources:
// - Intercom data attribute `data_type` ∈ string, integer, float, boolean, date; dates are Unix
//   seconds; list attributes are strings with `options` (intercom-api.md §4.5, Intercom spec 2.14
//   `data_attribute`).
// - HubSpot property `type` ∈ string, number, bool, enumeration, date, datetime, phone_number; every
//   value travels as a string; `bool` is "true"/"false"; date and datetime inputs accept ISO-8601 or
//   epoch-milliseconds strings, a `date` given as epoch ms must be midnight UTC, and they come back as
//   ISO-8601 UTC strings (hubspot-api.md "Property values", "Timestamps", §13.2).
const INTERCOM_TYPES = ['string', 'integer', 'float', 'boolean', 'date'] as const;
export type IntercomDataType = (typeof INTERCOM_TYPES)[number];
const HUBSPOT_TYPES = ['string', 'number', 'bool', 'enumeration', 'date', 'datetime', 'phone_number'] as const;
export type HubSpotPropertyType = (typeof HUBSPOT_TYPES)[number];

export interface IntercomFieldType {
  vendor: 'intercom';
  type: IntercomDataType;
  /** A list attribute's options (a string attribute that takes only these). */
  options?: readonly string[];
}
export interface HubSpotFieldType {
  vendor: 'hubspot';
  type: HubSpotPropertyType;
  /** An enumeration's option values. */
  options?: readonly string[];
}
export type FieldType = IntercomFieldType | HubSpotFieldType;

/** A field's value as the vendor's API gives or takes it: HubSpot only ever strings; null is "no value". */
export type FieldValue = string | number | boolean | null;

export type Direction = 'to_hubspot' | 'to_intercom' | 'both';

/** The canonical form a value passes through on its way from one type to another. */
type Canonical =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'number'; number: number }
  | { kind: 'bool'; bool: boolean }
  /** A moment, in epoch milliseconds. */
  | { kind: 'instant'; ms: number }
  /** A calendar day, as its midnight UTC in epoch milliseconds. */
  | { kind: 'day'; ms: number };
type Kind = Canonical['kind'];

const DAY_MS = 86_400_000;

/** The kind of value each type yields when read. */
function producedKind(type: FieldType): Exclude<Kind, 'empty'> {
  if (type.vendor === 'intercom') {
    return ({ string: 'text', integer: 'number', float: 'number', boolean: 'bool', date: 'instant' } as const)[type.type];
  }
  return ({ string: 'text', phone_number: 'text', enumeration: 'text', number: 'number', bool: 'bool', date: 'day', datetime: 'instant' } as const)[type.type];
}

/** The kinds each type takes when written. Text goes only into text; numbers and booleans are also rendered as text. */
function acceptedKinds(type: FieldType): readonly Kind[] {
  if (type.vendor === 'intercom') {
    return ({
      string: ['text', 'number', 'bool'],
      integer: ['number'],
      float: ['number'],
      boolean: ['bool'],
      date: ['instant', 'day'],
    } as const)[type.type];
  }
  return ({
    string: ['text', 'number', 'bool'],
    phone_number: ['text'],
    enumeration: ['text'],
    number: ['number'],
    bool: ['bool'],
    date: ['day', 'instant'],
    datetime: ['instant', 'day'],
  } as const)[type.type];
}

const describe = (type: FieldType): string => `${type.vendor === 'intercom' ? 'an Intercom' : 'a HubSpot'} ${type.type}${type.options ? ' (with options)' : ''}`;

export type Compatibility = { ok: true } | { ok: false; reason: string; wouldWork: string[] };

/** Types of the other vendor that would take values of `from`. */
function typesTaking(from: FieldType): string[] {
  const kind = producedKind(from);
  const targets: FieldType[] =
    from.vendor === 'intercom'
      ? HUBSPOT_TYPES.map((type) => ({ vendor: 'hubspot', type }))
      : INTERCOM_TYPES.map((type) => ({ vendor: 'intercom', type }));
  return targets.filter((target) => acceptedKinds(target).includes(kind)).map((target) => `${target.vendor === 'intercom' ? 'Intercom' : 'HubSpot'} ${target.type}`);
}

function oneWay(from: FieldType, to: FieldType): Compatibility {
  if (acceptedKinds(to).includes(producedKind(from))) return { ok: true };
  return {
    ok: false,
    reason: `${describe(from)} value cannot go into ${describe(to)} field`,
    wouldWork: typesTaking(from),
  };
}

/**
 * Whether a mapping between these types can carry values in its direction; for `both`, each way must.
 * A refusal says what would work (the other vendor's types that take the source's values).
 * Options are checked per value (convert), not here: a value outside them skips that field only.
 */
export function compatible(intercom: IntercomFieldType, hubspot: HubSpotFieldType, direction: Direction): Compatibility {
  if (direction !== 'to_intercom') {
    const there = oneWay(intercom, hubspot);
    if (!there.ok) return there;
  }
  if (direction !== 'to_hubspot') return oneWay(hubspot, intercom);
  return { ok: true };
}

type Parsed = { ok: true; value: Canonical } | { ok: false; reason: string };

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function parseHubSpotTime(text: string): number | null {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (ISO_DAY.test(text) || ISO_INSTANT.test(text)) {
    const ms = Date.parse(ISO_DAY.test(text) ? `${text}T00:00:00Z` : text);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** Reads a value as its type gives it into the canonical form; a value that does not fit its own type is an error, not a guess. */
export function toCanonical(value: FieldValue, type: FieldType): Parsed {
  if (value === null || value === '') return { ok: true, value: { kind: 'empty' } };
  const kind = producedKind(type);
  const wrong = (): Parsed => ({ ok: false, reason: `${JSON.stringify(value)} is not a valid ${describe(type)} value` });
  if (type.vendor === 'intercom') {
    switch (kind) {
      case 'text': return typeof value === 'string' ? { ok: true, value: { kind, text: value } } : wrong();
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value) || (type.type === 'integer' && !Number.isInteger(value))) return wrong();
        return { ok: true, value: { kind, number: value } };
      case 'bool': return typeof value === 'boolean' ? { ok: true, value: { kind, bool: value } } : wrong();
      default:
        // Intercom dates are Unix seconds.
        return typeof value === 'number' && Number.isInteger(value) ? { ok: true, value: { kind: 'instant', ms: value * 1000 } } : wrong();
    }
  }
  if (typeof value !== 'string') return wrong();
  switch (kind) {
    case 'text': return { ok: true, value: { kind, text: value } };
    case 'number': {
      const number = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
      return Number.isFinite(number) ? { ok: true, value: { kind, number } } : wrong();
    }
    case 'bool': return value === 'true' || value === 'false' ? { ok: true, value: { kind, bool: value === 'true' } } : wrong();
    case 'day': {
      const ms = parseHubSpotTime(value);
      return ms !== null && ms % DAY_MS === 0 ? { ok: true, value: { kind, ms } } : wrong();
    }
    default: {
      const ms = parseHubSpotTime(value);
      return ms !== null ? { ok: true, value: { kind: 'instant', ms } } : wrong();
    }
  }
}

export type Converted = { ok: true; value: FieldValue } | { ok: false; reason: string };

function inOptions(text: string, type: FieldType): Converted {
  if (type.options && !type.options.includes(text)) {
    return { ok: false, reason: `${JSON.stringify(text)} is not one of the options of ${describe(type)} field (${type.options.join(', ')})` };
  }
  return { ok: true, value: text };
}

/** Writes a canonical value as `to` takes it. */
function fromCanonical(value: Canonical, to: FieldType): Converted {
  if (value.kind === 'empty') return { ok: true, value: to.vendor === 'hubspot' ? '' : null };
  if (!acceptedKinds(to).includes(value.kind)) {
    return { ok: false, reason: `a ${value.kind} value cannot go into ${describe(to)} field` };
  }
  const asText = (): string => (value.kind === 'text' ? value.text : value.kind === 'number' ? String(value.number) : value.kind === 'bool' ? String(value.bool) : '');
  if (to.vendor === 'intercom') {
    switch (to.type) {
      case 'string': return inOptions(asText(), to);
      case 'integer':
        return value.kind === 'number' && Number.isInteger(value.number)
          ? { ok: true, value: value.number }
          : { ok: false, reason: `${asText()} is not a whole number, which an Intercom integer field needs` };
      case 'float': return { ok: true, value: value.kind === 'number' ? value.number : null };
      case 'boolean': return { ok: true, value: value.kind === 'bool' ? value.bool : null };
      // Intercom dates hold whole seconds: a HubSpot datetime's milliseconds are dropped.
      default: return { ok: true, value: value.kind === 'instant' || value.kind === 'day' ? Math.floor(value.ms / 1000) : null };
    }
  }
  switch (to.type) {
    case 'date': {
      // A HubSpot date holds a calendar day: an instant becomes its UTC day, written as epoch ms of midnight UTC.
      const ms = value.kind === 'instant' || value.kind === 'day' ? Math.floor(value.ms / DAY_MS) * DAY_MS : 0;
      return { ok: true, value: String(ms) };
    }
    case 'datetime': return { ok: true, value: value.kind === 'instant' || value.kind === 'day' ? new Date(value.ms).toISOString() : '' };
    case 'enumeration': return inOptions(asText(), to);
    default: return { ok: true, value: asText() };
  }
}

/** Converts a value from one field type to another by the fixed rules above, or says why it cannot. */
export function convert(value: FieldValue, from: FieldType, to: FieldType): Converted {
  const parsed = toCanonical(value, from);
  if (!parsed.ok) return parsed;
  return fromCanonical(parsed.value, to);
}

/**
 * The type a field created for a mapping gets (#17 item 5): the other side's nearest type, options
 * kept. Intercom integers and floats both become HubSpot numbers; a HubSpot number becomes a float,
 * since it may hold fractions; an Intercom date becomes a datetime, since it holds a time of day.
 */
export function counterpartType(type: IntercomFieldType): HubSpotFieldType;
export function counterpartType(type: HubSpotFieldType): IntercomFieldType;
export function counterpartType(type: FieldType): FieldType {
  const options = type.options ? { options: type.options } : {};
  if (type.vendor === 'intercom') {
    const hubspot = ({ string: type.options ? 'enumeration' : 'string', integer: 'number', float: 'number', boolean: 'bool', date: 'datetime' } as const)[type.type];
    return { vendor: 'hubspot', type: hubspot, ...options };
  }
  const intercom = ({ string: 'string', phone_number: 'string', enumeration: 'string', number: 'float', bool: 'boolean', date: 'date', datetime: 'date' } as const)[type.type];
  return { vendor: 'intercom', type: intercom, ...options };
}
