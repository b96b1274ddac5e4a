// The audit export's two formats, one line per entry. CSV cells that a spreadsheet would run as a
// formula (a token or connection name starting with "=") are prefixed with an apostrophe (OWASP's
// advice on CSV injection).
import type { AuditLogRow } from '../db/schema.ts';

export type AuditExportFormat = 'csv' | 'ndjson';

const COLUMNS = ['id', 'at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'target_kind', 'target_id', 'target_name', 'key'] as const;

function exported(row: AuditLogRow): Record<(typeof COLUMNS)[number], string | number | null> {
  return { ...row, at: new Date(row.at).toISOString() };
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function exportHeader(format: AuditExportFormat): string {
  return format === 'csv' ? `${COLUMNS.join(',')}\r\n` : '';
}

export function exportLine(format: AuditExportFormat, row: AuditLogRow): string {
  const record = exported(row);
  if (format === 'ndjson') return `${JSON.stringify(record)}\n`;
  return `${COLUMNS.map((column) => csvCell(record[column])).join(',')}\r\n`;
}
