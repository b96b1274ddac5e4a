// The Activity page's filters as the page holds them (form values, dates as yyyy-mm-dd in the
// browser's time zone) and as the API and the page's own URL take them.
import type { ActivityFeedParams } from '../../../../src/http/api-types.ts';

export interface ActivityFilterValues {
  connection: string;
  kind: string;
  outcome: string;
  /** First day shown, yyyy-mm-dd (local), or ''. */
  fromDay: string;
  /** Last day shown, yyyy-mm-dd (local), or ''. */
  toDay: string;
  /** A conversation id or Intercom URL, as typed. */
  search: string;
}

/** The kind filter's choices: every kind the activity log writes (src/activity/activity-log.ts ACTIVITY_KINDS). */
export const ACTIVITY_KIND_CHOICES = [
  { value: '', label: 'All kinds' },
  { value: 'capture', label: 'Captures' },
  { value: 'ticket', label: 'Tickets' },
  { value: 'contact', label: 'Contacts' },
  { value: 'company', label: 'Companies' },
  // Only a backfill that failed writes an entry; the others are on the connection's Overview.
  { value: 'backfill', label: 'Backfills' },
  // A teammate's click in the Intercom Inbox app (src/canvas/inbox-actions.ts).
  { value: 'inbox', label: 'Inbox app' },
] as const;

export const NO_FILTERS: ActivityFilterValues = { connection: '', kind: '', outcome: '', fromDay: '', toDay: '', search: '' };

/** Local midnight of a yyyy-mm-dd day, plus `days`. */
function localMidnight(day: string, days = 0): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days).getTime();
}

/** The API's query: the day range becomes [from's midnight, the midnight after `to`). */
export function feedParams(values: ActivityFilterValues): ActivityFeedParams {
  const from = localMidnight(values.fromDay);
  const to = localMidnight(values.toDay, 1);
  return {
    ...(values.connection ? { connection: values.connection } : {}),
    ...(values.kind ? { kind: values.kind } : {}),
    ...(values.outcome ? { outcome: values.outcome } : {}),
    ...(from !== null ? { from: String(from) } : {}),
    ...(to !== null ? { to: String(to) } : {}),
    ...(values.search.trim() ? { search: values.search.trim() } : {}),
  };
}

function queryString(params: ActivityFeedParams & { format?: string }): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  return search.toString();
}

/** Where "Export CSV" and "Export NDJSON" download from: the filters as shown. */
export const exportHref = (values: ActivityFilterValues, format: 'csv' | 'ndjson') => `/api/activity/export?${queryString({ ...feedParams(values), format })}`;

const URL_KEYS = { connection: 'connection', kind: 'kind', outcome: 'outcome', fromDay: 'from', toDay: 'to', search: 'search' } as const;

/** The filters in the page's address, so a reload or a shared link shows the same entries. */
export function filtersFromLocation(search: string): ActivityFilterValues {
  const params = new URLSearchParams(search);
  const values = { ...NO_FILTERS };
  for (const [field, key] of Object.entries(URL_KEYS) as Array<[keyof ActivityFilterValues, string]>) values[field] = params.get(key) ?? '';
  return values;
}

export function locationOf(values: ActivityFilterValues): string {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(URL_KEYS) as Array<[keyof ActivityFilterValues, string]>) if (values[field]) params.set(key, values[field]);
  return params.size > 0 ? `/activity?${params}` : '/activity';
}

export const hasFilters = (values: ActivityFilterValues) => Object.values(values).some((value) => value !== '');
