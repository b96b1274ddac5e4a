// The activity log as a file (issue #16 item 10): CSV (RFC 4180) or NDJSON, written a page at a
// time so that exporting a large log never holds it in memory. Entries carry ids, counts and the
// vendors' error messages, never conversation text (DESIGN.md invariant 3), and so does the file.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { activityFeedPages, type ActivityFilters } from './activity-feed.ts';
import { activityFeedEntry, type ActivityFeedEntry } from './activity-view.ts';
import { csvField } from '../csv-field.ts';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** interhubz-activity-2026-05-04.csv: the day of the export (UTC), so downloads sort and do not collide by day. */
export const exportFileName = (format: ExportFormat, now: number) => `interhubz-activity-${new Date(now).toISOString().slice(0, 10)}.${format}`;

const CSV_COLUMNS: ReadonlyArray<readonly [string, (entry: ActivityFeedEntry) => string | number | null]> = [
  ['id', (entry) => entry.id],
  ['time', (entry) => new Date(entry.at).toISOString()],
  ['connection_id', (entry) => entry.connectionId],
  ['connection', (entry) => entry.connectionName],
  ['kind', (entry) => entry.kind],
  ['conversation_id', (entry) => entry.conversationId],
  ['outcome', (entry) => entry.outcome],
  ['reason', (entry) => entry.reason],
  ['hubspot_records', (entry) => entry.hubspotRecords.map((record) => `${record.type}:${record.id}`).join(' ')],
  ['api_calls', (entry) => entry.apiCalls],
  ['duration_ms', (entry) => entry.durationMs],
  ['intercom_url', (entry) => entry.conversationUrl],
  ['detail', (entry) => JSON.stringify(entry.detail)],
];

// RFC 4180 §2: records end with CRLF.
const csvLine = (fields: ReadonlyArray<string | number | null>) => `${fields.map(csvField).join(',')}\r\n`;

/** The file's text, one chunk per page of entries (the CSV header first). */
export async function* exportActivity(db: Kysely<Database>, filters: ActivityFilters, format: ExportFormat, pageSize?: number): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine(CSV_COLUMNS.map(([name]) => name));
  for await (const rows of activityFeedPages(db, filters, pageSize)) {
    const entries = rows.map(activityFeedEntry);
    yield format === 'csv'
      ? entries.map((entry) => csvLine(CSV_COLUMNS.map(([, cell]) => cell(entry)))).join('')
      : entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
  }
}
