// What the last decision wrote (or found) in HubSpot, each with its record page where HubSpot has one.
import type { ConversationExplanation } from '../../../../src/http/api-types.ts';

const LABEL: Record<string, string> = { contact: 'Contact', company: 'Company', ticket: 'Ticket', note: 'Note' };

export function WrittenRecords({ records }: { records: ConversationExplanation['outcome']['records'] }) {
  if (records.length === 0) return <p class="muted">No HubSpot record.</p>;
  return (
    <ul class="explain-records">
      {records.map((record) => (
        <li key={`${record.type}:${record.id}`}>
          {LABEL[record.type] ?? record.type}{' '}
          {record.url ? (
            <a href={record.url} target="_blank" rel="noopener noreferrer">
              <span class="mono">{record.id}</span>
              <span class="visually-hidden"> (opens in HubSpot)</span>
            </a>
          ) : (
            <span class="mono">{record.id}</span>
          )}
          {record.created ? <span class="id-created"> new</span> : null}
        </li>
      ))}
    </ul>
  );
}
