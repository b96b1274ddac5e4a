// What a record sync's activity entry says about its fields (src/records/sync-record.ts stores the
// fields written with their direction and the fields skipped with their rule — never values).

const SIDE = { to_hubspot: 'HubSpot', to_intercom: 'Intercom' } as const;

interface FieldEntry {
  intercom?: unknown;
  hubspot?: unknown;
  direction?: unknown;
  rule?: unknown;
}

const fields = (value: unknown): FieldEntry[] => (Array.isArray(value) ? value.filter((item): item is FieldEntry => item !== null && typeof item === 'object') : []);
const name = (field: FieldEntry) => (typeof field.intercom === 'string' && field.intercom !== '' ? field.intercom : String(field.hubspot ?? ''));

/** "name → HubSpot, phone → Intercom · skipped: custom.plan (type_conversion)", or null when the entry names no field. */
export function recordSyncSummary(detail: Record<string, unknown>): string | null {
  const written = fields(detail['written']).map((field) => `${name(field)} → ${SIDE[field.direction as keyof typeof SIDE] ?? '?'}`);
  const skipped = fields(detail['skipped']).filter((field) => name(field) !== '').map((field) => `${name(field)} (${String(field.rule ?? 'skipped')})`);
  const parts = [written.join(', '), skipped.length > 0 ? `skipped: ${skipped.join(', ')}` : ''].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(' · ') : null;
}

export const isRecordKind = (kind: string): kind is 'contact' | 'company' => kind === 'contact' || kind === 'company';
