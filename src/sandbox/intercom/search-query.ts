// Intercom's search query language (S14 #/paths/~1conversations~1search/post/description and
// ~1contacts~1search): {field, operator, value} filters combined by {operator: AND|OR, value: [...]}.
// Pure: compiles a query against a field catalogue into a predicate over flat search documents.

export type FieldType = 'string' | 'integer' | 'date' | 'boolean' | 'id-list' | 'token-text' | 'any';

/** A flat document: dotted field names to values; lists for multi-valued fields (contact_ids, tag_ids). */
export type SearchDoc = Record<string, string | number | boolean | null | readonly string[]>;

export interface CompileOptions {
  fields: Readonly<Record<string, FieldType>>;
  /** Fields matched by prefix, e.g. "custom_attributes." for contact custom attributes. */
  openPrefixes?: readonly string[];
  /**
   * How dates compare. Conversations: `>`/`<` are inclusive ("Greater (or equal) than", S14).
   * Contacts in ≤2.16: by calendar day in the workspace timezone, and !=, >=, <=, IN, NIN on a
   * date are errors (S14 contacts/search "Searching for Timestamp Fields"); 2.17+ is exact UTC (D-cl217).
   */
  dates: { kind: 'inclusive' } | { kind: 'exact' } | { kind: 'day'; timezone: string };
}

export type CompileResult = { ok: true; match: (doc: SearchDoc) => boolean } | { ok: false; code: string; message: string };

const OPERATORS = new Set(['=', '!=', 'IN', 'NIN', '<', '<=', '>', '>=', '~', '!~', '^', '$']);
const STRING_OPS = new Set(['~', '!~', '^', '$']);
// "There's a limit of max 2 nested filters" (S14 search description). Read as: the top-level
// group plus two levels of nested groups. UNCONFIRMED how Intercom counts; 15 per group is explicit.
const MAX_GROUP_DEPTH = 3;
const MAX_FILTERS_PER_GROUP = 15;

class QueryError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

type Predicate = (doc: SearchDoc) => boolean;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function compileQuery(query: unknown, options: CompileOptions): CompileResult {
  try {
    return { ok: true, match: compileNode(query, options, 1) };
  } catch (error) {
    if (error instanceof QueryError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

function compileNode(node: unknown, options: CompileOptions, depth: number): Predicate {
  if (!isRecord(node)) throw new QueryError('parameter_invalid', 'query must be an object');
  if (node.operator === 'AND' || node.operator === 'OR') {
    if (!('field' in node)) return compileGroup(node.operator, node.value, options, depth);
  }
  return compileFilter(node, options);
}

function compileGroup(operator: 'AND' | 'OR', value: unknown, options: CompileOptions, depth: number): Predicate {
  if (depth > MAX_GROUP_DEPTH) throw new QueryError('parameter_invalid', 'Nesting depth of the query exceeds the maximum of 2');
  if (!Array.isArray(value) || value.length === 0) throw new QueryError('parameter_invalid', `${operator} value must be a non-empty array`);
  if (value.length > MAX_FILTERS_PER_GROUP) {
    throw new QueryError('parameter_invalid', `A maximum of ${MAX_FILTERS_PER_GROUP} filters is allowed per ${operator} group`);
  }
  const parts = value.map((child) => compileNode(child, options, depth + 1));
  return operator === 'AND' ? (doc) => parts.every((p) => p(doc)) : (doc) => parts.some((p) => p(doc));
}

function fieldType(field: string, options: CompileOptions): FieldType {
  const known = options.fields[field];
  if (known) return known;
  // Custom attributes hold strings, numbers or booleans; their declared type is not modelled here.
  if (options.openPrefixes?.some((prefix) => field.startsWith(prefix) && field.length > prefix.length)) return 'any';
  // The code Intercom gives for an unknown field is `invalid_field` (observed on tickets/search in a
  // third-party probe log in the code index); UNCONFIRMED for conversations/contacts.
  throw new QueryError('invalid_field', `${field} is not a searchable field`);
}

function compileFilter(node: Record<string, unknown>, options: CompileOptions): Predicate {
  const { field, operator, value } = node;
  if (typeof field !== 'string' || field === '') throw new QueryError('parameter_invalid', 'field is required');
  if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
    throw new QueryError('parameter_invalid', `operator ${String(operator)} is not supported`);
  }
  const type = fieldType(field, options);
  const isList = operator === 'IN' || operator === 'NIN';
  if (isList !== Array.isArray(value)) {
    throw new QueryError('parameter_invalid', isList ? `${operator} requires an array value` : `${operator} requires a single value`);
  }
  const values: unknown[] = Array.isArray(value) ? value : [value];
  for (const v of values) checkValueType(field, type, v);
  if (STRING_OPS.has(operator) && type !== 'string' && type !== 'token-text' && type !== 'any') {
    throw new QueryError('parameter_invalid', `operator ${operator} only applies to string fields`);
  }
  if ((operator.startsWith('<') || operator.startsWith('>')) && type !== 'integer' && type !== 'date' && type !== 'any') {
    throw new QueryError('parameter_invalid', `operator ${operator} only applies to integer and date fields`);
  }
  if (type === 'date' && options.dates.kind === 'day') return dayFilter(field, operator, value, options.dates.timezone);
  const inclusive = type === 'date' && options.dates.kind === 'inclusive';
  return (doc) => test(doc[field] ?? null, operator, value, type, inclusive);
}

function checkValueType(field: string, type: FieldType, v: unknown): void {
  if (v === null || type === 'any') return;
  const ok =
    type === 'integer' || type === 'date'
      ? typeof v === 'number' && Number.isFinite(v)
      : type === 'boolean'
        ? typeof v === 'boolean'
        : typeof v === 'string' || (type === 'id-list' && typeof v === 'number');
  // "The value you search for has to match the accepted type, otherwise the query will fail" (S14).
  if (!ok) throw new QueryError('parameter_invalid', `${field} expects a ${type === 'date' ? 'Unix timestamp' : type} value`);
}

type Scalar = string | number | boolean | null;

function test(actual: SearchDoc[string], operator: string, expected: unknown, type: FieldType, inclusive: boolean): boolean {
  if (Array.isArray(actual)) {
    const list = actual.map(String);
    const has = (v: unknown) => list.includes(String(v));
    switch (operator) {
      case '=': return has(expected);
      case '!=': return !has(expected);
      case 'IN': return (expected as unknown[]).some(has);
      case 'NIN': return !(expected as unknown[]).some(has);
      default: return false;
    }
  }
  const a = actual as Scalar;
  if (type === 'token-text' && (operator === '=' || operator === '!=')) {
    // source.body: "=" matches one word of the body, not a phrase (S14 conversations/search).
    const words = String(a ?? '').toLowerCase().replace(/<[^>]*>/g, ' ').split(/[^\p{L}\p{N}_]+/u);
    const hit = words.includes(String(expected).toLowerCase());
    return operator === '=' ? hit : !hit;
  }
  switch (operator) {
    case '=': return a === expected;
    case '!=': return a !== expected;
    case 'IN': return (expected as unknown[]).includes(a);
    case 'NIN': return !(expected as unknown[]).includes(a);
    case '>': return typeof a === 'number' && (inclusive ? a >= (expected as number) : a > (expected as number));
    case '<': return typeof a === 'number' && (inclusive ? a <= (expected as number) : a < (expected as number));
    case '>=': return typeof a === 'number' && a >= (expected as number);
    case '<=': return typeof a === 'number' && a <= (expected as number);
    case '~': return typeof a === 'string' && a.toLowerCase().includes(String(expected).toLowerCase());
    case '!~': return typeof a !== 'string' || !a.toLowerCase().includes(String(expected).toLowerCase());
    case '^': return typeof a === 'string' && a.toLowerCase().startsWith(String(expected).toLowerCase());
    case '$': return typeof a === 'string' && a.toLowerCase().endsWith(String(expected).toLowerCase());
    default: return false;
  }
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of a Unix timestamp in a timezone, as "YYYY-MM-DD" (sortable as a string). */
export function dayIn(timezone: string, unixSeconds: number): string {
  let format = dayFormatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timezone, format);
  }
  return format.format(new Date(unixSeconds * 1000));
}

function dayFilter(field: string, operator: string, value: unknown, timezone: string): Predicate {
  if (operator !== '=' && operator !== '>' && operator !== '<') {
    throw new QueryError('parameter_invalid', `operator ${operator} is not supported for date field ${field}`);
  }
  if (typeof value !== 'number') throw new QueryError('parameter_invalid', `${field} expects a Unix timestamp value`);
  const day = dayIn(timezone, value);
  return (doc) => {
    const actual = doc[field];
    if (typeof actual !== 'number') return false;
    const actualDay = dayIn(timezone, actual);
    // "=" is the whole day; ">" starts at the next day; "<" ends before the day starts.
    return operator === '=' ? actualDay === day : operator === '>' ? actualDay > day : actualDay < day;
  };
}
