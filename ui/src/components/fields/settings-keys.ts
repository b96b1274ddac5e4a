// A refused save names each problem by its settings key; the tab shows it on the row it is about.
// Two spellings reach the UI: zod's (`recordSync.contacts.mappings.3.hubspot`, src/http/errors.ts joins
// the path with dots) and the account checks' (`recordSync.contacts.mappings[3].hubspot`,
// src/records/check-record-sync.ts). Both are read here.
import type { FieldErrors } from '../../use-submit.ts';
import type { RecordObject } from './fields-api.ts';

export type FilterList = 'toHubSpot' | 'toIntercom';

/** One row's problems: the part named (`hubspot`, `operator`, …; '' for the row as a whole) → message. */
export type RowProblems = ReadonlyMap<string, string>;

const INDEX = String.raw`(?:\.(\d+)|\[(\d+)\])`;
const TAIL = String.raw`(?:\.([A-Za-z]+))?`;

function collect(errors: FieldErrors, pattern: RegExp): Map<number, Map<string, string>> {
  const rows = new Map<number, Map<string, string>>();
  for (const [path, message] of errors) {
    const match = pattern.exec(path);
    if (!match) continue;
    const index = Number(match[1] ?? match[2]);
    const row = rows.get(index) ?? new Map<string, string>();
    const part = match[3] ?? '';
    row.set(part, row.has(part) ? `${row.get(part)} ${message}` : message);
    rows.set(index, row);
  }
  return rows;
}

/** The save's problems with one object's mappings, by row index. */
export function mappingErrors(errors: FieldErrors, object: RecordObject): Map<number, RowProblems> {
  return collect(errors, new RegExp(String.raw`recordSync\.${object}\.mappings${INDEX}${TAIL}$`));
}

/** The save's problems with one filter list, by row index. */
export function filterErrors(errors: FieldErrors, object: RecordObject, list: FilterList): Map<number, RowProblems> {
  return collect(errors, new RegExp(String.raw`recordSync\.${object}\.filters\.${list}${INDEX}${TAIL}$`));
}

const PART_LABELS: Record<string, string> = {
  intercom: 'Intercom attribute',
  hubspot: 'HubSpot property',
  direction: 'Direction',
  onConflict: 'Conflict rule',
  create: 'Create if missing',
  field: 'Field',
  operator: 'Operator',
  value: 'Value',
};

/** The save refusal's list names each key by what the tab calls it. */
export function recordSyncLabel(path: string): string | null {
  const match = new RegExp(String.raw`recordSync\.(contacts|companies)\.(mappings|filters\.toHubSpot|filters\.toIntercom)${INDEX}${TAIL}$`).exec(path);
  if (match) {
    const object = match[1] === 'contacts' ? 'Contacts' : 'Companies';
    const list = match[2] === 'mappings' ? 'mapping' : match[2] === 'filters.toHubSpot' ? 'Intercom → HubSpot filter' : 'HubSpot → Intercom filter';
    const part = match[5] ? ` · ${PART_LABELS[match[5]] ?? match[5]}` : '';
    return `${object} ${list} ${Number(match[3] ?? match[4]) + 1}${part}`;
  }
  const enabled = /recordSync\.(contacts|companies)\.enabled$/.exec(path);
  if (enabled) return `${enabled[1] === 'contacts' ? 'Contacts' : 'Companies'} sync`;
  if (/recordSync\.contacts\.filters\.conversations$/.test(path)) return 'Conversations of excluded contacts';
  return null;
}
