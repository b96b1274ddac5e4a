// The audit export's two formats, one line per entry; CSV fields as src/csv-field.ts writes them.
import { csvField } from '../csv-field.ts';
import type { AuditLogRow } from '../db/schema.ts';

export type AuditExportFormat = 'csv' | 'ndjson';

const COLUMNS = ['id', 'at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'target_kind', 'target_id', 'target_name', 'key'] as const;

function exported(row: AuditLogRow): Record<(typeof COLUMNS)[number], string | number | null> {
  return { ...row, at: new Date(row.at).toISOString() };
}

export function exportHeader(format: AuditExportFormat): string {
  return format === 'csv' ? `${COLUMNS.join(',')}\r\n` : '';
}

export function exportLine(format: AuditExportFormat, row: AuditLogRow): string {
  const record = exported(row);
  if (format === 'ndjson') return `${JSON.stringify(record)}\n`;
  return `${COLUMNS.map((column) => csvField(record[column])).join(',')}\r\n`;
}
